#!/usr/bin/env node
// Builds, from Debian packages only, the boot payloads a boot test puts into an image:
//
//   DIR/isolinux/isolinux.bin   BIOS El Torito boot image (package isolinux)
//   DIR/isolinux/ldlinux.c32    isolinux's core module, loaded from the boot image's directory (syslinux-common)
//   DIR/isolinux/libcom32.c32, cat.c32   a COM32 module (and its library) that prints a file
//   DIR/isolinux/isolinux.cfg   SERIAL 0 115200, default entry `cat.c32 marker.txt`
//   DIR/isolinux/marker.txt     <BIOS_MARKER>
//   DIR/efi.img                 FAT EFI System Partition image (mtools, no root) holding EFI/BOOT/BOOTX64.EFI,
//                               a GRUB built with grub-mkstandalone (grub-efi-amd64-bin) whose embedded
//                               grub.cfg prints <UEFI_MARKER> on the first serial port
//
// Then, for example:
//   xorriso -as mkisofs -R -J -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
//     -boot-info-table -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -eltorito-alt-boot -e efi.img \
//     -no-emul-boot -isohybrid-gpt-basdat -o IMG DIR
// and `node tools/qemu/harness.mjs boot IMG --firmware bios|uefi --attach cdrom|disk --expect discburn-...-ok`.
//
// CLI: node tools/qemu/make-boot-fixtures.mjs DIR   (prints the JSON description)

import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Printed on the serial console by isolinux (cat.c32 marker.txt) when SeaBIOS booted the image. */
export const BIOS_MARKER = "discburn-bios-boot-ok";
/** Printed on the serial console by GRUB (echo) when OVMF booted the image. */
export const UEFI_MARKER = "discburn-uefi-boot-ok";

/** Where Debian's packages put the files (package → path). */
export const SOURCES = {
  isolinuxBin: { file: "/usr/lib/ISOLINUX/isolinux.bin", pkg: "isolinux" },
  isohybridMbr: { file: "/usr/lib/ISOLINUX/isohdpfx.bin", pkg: "isolinux" },
  ldlinux: { file: "/usr/lib/syslinux/modules/bios/ldlinux.c32", pkg: "syslinux-common" },
  libcom32: { file: "/usr/lib/syslinux/modules/bios/libcom32.c32", pkg: "syslinux-common" },
  cat: { file: "/usr/lib/syslinux/modules/bios/cat.c32", pkg: "syslinux-common" },
  grubEfiModules: { file: "/usr/lib/grub/x86_64-efi/normal.mod", pkg: "grub-efi-amd64-bin" },
};

/** @param {keyof typeof SOURCES} key */
function source(key) {
  const s = SOURCES[key];
  if (!existsSync(s.file))
    throw new Error(`${s.file} not found: install it with \`apt-get install ${s.pkg}\` (tools/install-oracles.sh)`);
  return s.file;
}

/**
 * Runs a program and throws with its stderr on failure.
 * @param {string} cmd @param {string[]} args @param {string} pkg @param {Record<string, string>} [env]
 */
function run(cmd, args, pkg, env = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.error !== undefined) {
    const e = /** @type {NodeJS.ErrnoException} */ (r.error);
    if (e.code === "ENOENT") throw new Error(`${cmd} not found: install it with \`apt-get install ${pkg}\``);
    throw r.error;
  }
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/**
 * isolinux.cfg. SERIAL must come first: it points isolinux's output at COM1 (with -nodefaults QEMU has no
 * video card). The marker is NOT printed with SAY or DISPLAY: those run while the file is being parsed, and
 * syslinux 6.04 refreshes the serial port setting of its COM32 console only after parsing, so their output
 * never reaches the serial port. Instead the default entry runs cat.c32 on marker.txt, which also proves
 * that isolinux loads modules and reads files from the image. TIMEOUT 1 (0.1 s) boots it at once.
 */
export const ISOLINUX_CFG = `SERIAL 0 115200
DEFAULT marker
PROMPT 0
TIMEOUT 1
LABEL marker
  COM32 cat.c32
  APPEND marker.txt
`;

/**
 * The grub.cfg embedded in BOOTX64.EFI: serial --unit=0 is COM1 (I/O port 0x3f8), the port QEMU's
 * -serial connects first.
 */
export const GRUB_CFG = `serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
echo ${UEFI_MARKER}
`;

/**
 * @typedef {object} BootFixtures
 * @property {string} dir The tree to master (contains isolinux/ and efi.img).
 * @property {string} isolinuxBin Path inside the tree: "isolinux/isolinux.bin" (El Torito BIOS image, -b).
 * @property {string} bootCatalog "isolinux/boot.cat" (-c; written by the mastering tool).
 * @property {string} efiImage "efi.img" (El Torito EFI image, -e).
 * @property {string} isohybridMbr Host path of isolinux's hybrid MBR (/usr/lib/ISOLINUX/isohdpfx.bin).
 * @property {string} biosMarker
 * @property {string} uefiMarker
 * @property {string[]} xorrisoArgs `xorriso -as mkisofs` arguments for a BIOS+UEFI hybrid image, before -o IMG DIR.
 */

/**
 * Builds the boot payloads into `dir` (created if missing).
 * @param {string} dir
 * @returns {BootFixtures}
 */
export function makeBootFixtures(dir) {
  const root = resolve(dir);
  mkdirSync(join(root, "isolinux"), { recursive: true });

  // (a) BIOS: isolinux.bin, its core module ldlinux.c32, cat.c32 (+ libcom32.c32), isolinux.cfg, marker.txt.
  copyFileSync(source("isolinuxBin"), join(root, "isolinux", "isolinux.bin"));
  copyFileSync(source("ldlinux"), join(root, "isolinux", "ldlinux.c32"));
  copyFileSync(source("libcom32"), join(root, "isolinux", "libcom32.c32"));
  copyFileSync(source("cat"), join(root, "isolinux", "cat.c32"));
  writeFileSync(join(root, "isolinux", "isolinux.cfg"), ISOLINUX_CFG);
  writeFileSync(join(root, "isolinux", "marker.txt"), `${BIOS_MARKER}\n`);

  // (b) UEFI: a standalone GRUB (its modules and grub.cfg in an embedded memdisk) as the removable-media
  // default loader EFI/BOOT/BOOTX64.EFI, on a FAT image made with mtools (no loop mount, no root).
  source("grubEfiModules");
  const work = mkdtempSync(join(tmpdir(), "discburn-bootfix-"));
  try {
    const cfg = join(work, "grub.cfg");
    writeFileSync(cfg, GRUB_CFG);
    const efi = join(work, "BOOTX64.EFI");
    run(
      "grub-mkstandalone",
      [
        "-O",
        "x86_64-efi",
        "-o",
        efi,
        // Only what the grub.cfg needs: ~0.5 MB instead of ~3 MB with every module.
        "--install-modules=normal echo serial terminal",
        "--locales=",
        "--fonts=",
        "--themes=",
        `boot/grub/grub.cfg=${cfg}`,
      ],
      "grub-efi-amd64-bin",
    );
    // FAT size: the loader plus slack, rounded up to 1 MiB; mformat takes the geometry from the file size.
    const size = Math.ceil((statSync(efi).size + 256 * 1024) / (1 << 20)) * (1 << 20);
    const img = join(root, "efi.img");
    writeFileSync(img, Buffer.alloc(0));
    truncateSync(img, size);
    const mt = { MTOOLS_SKIP_CHECK: "1" }; // no complaints about the odd geometry of a non-floppy image
    run("mformat", ["-i", img, "-v", "DISCBURNESP", "::"], "mtools", mt);
    run("mmd", ["-i", img, "::/EFI", "::/EFI/BOOT"], "mtools", mt);
    run("mcopy", ["-i", img, efi, "::/EFI/BOOT/BOOTX64.EFI"], "mtools", mt);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const isohybridMbr = source("isohybridMbr");
  return {
    dir: root,
    isolinuxBin: "isolinux/isolinux.bin",
    bootCatalog: "isolinux/boot.cat",
    efiImage: "efi.img",
    isohybridMbr,
    biosMarker: BIOS_MARKER,
    uefiMarker: UEFI_MARKER,
    // biome-ignore format: option/value pairs, one per line
    xorrisoArgs: [
      "-R", "-J", // Rock Ridge and Joliet
      "-b", "isolinux/isolinux.bin", // El Torito BIOS entry...
      "-c", "isolinux/boot.cat", // ...its boot catalog...
      "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", // ...no emulation, 4 sectors, info table
      "-isohybrid-mbr", isohybridMbr, // MBR code that finds isolinux.bin when booted as a hard disk
      "-eltorito-alt-boot", // a second El Torito entry:
      "-e", "efi.img", "-no-emul-boot", // EFI (platform 0xEF): the FAT image
      "-isohybrid-gpt-basdat", // GPT + MBR partition entries pointing at efi.img, for UEFI disk boot
    ],
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error("usage: node tools/qemu/make-boot-fixtures.mjs DIR");
    process.exitCode = 2;
  } else {
    console.log(JSON.stringify(makeBootFixtures(dir), null, 2));
  }
}
