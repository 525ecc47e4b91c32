// The Linux kernel and real firmware as oracles, through the QEMU harness in tools/qemu (see its README).
//
// These tests prove the harness itself on images built by an independent peer (xorriso), so later tests can
// trust it with discburn's images:
//   - the kernel's isofs, mounting one image three ways (Rock Ridge, Joliet, plain ISO 9660), shows exactly
//     the source tree (or xorriso's own view of the namespace), modes, owners, times and link targets included;
//   - a BIOS+UEFI hybrid image boots with SeaBIOS and OVMF, as a CD-ROM and as a hard disk.
// Guests run one after another (software emulation; each takes a few seconds).

import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootGuest, type KernelEntry, mountAndList, mountAndListAll, runGuest } from "../../../tools/qemu/harness.mjs";
import { makeBootFixtures } from "../../../tools/qemu/make-boot-fixtures.mjs";
import { readXorriso } from "./oracles/readers.js";
import { MissingToolError, requireTool, run } from "./oracles/tools.js";
import { compareTrees, hashFile, mapNames, sortTree, type Tree } from "./oracles/tree.js";

/** requireTool with the right Debian package in the message (tools.ts does not know these programs). */
function requireFrom(cmd: string, debianPackage: string): string {
  try {
    return requireTool(cmd);
  } catch (e) {
    if (e instanceof MissingToolError) throw new MissingToolError(cmd, debianPackage, "not found");
    throw e;
  }
}

function requireGuestTools(): void {
  requireFrom("qemu-system-x86_64", "qemu-system-x86");
  requireFrom("xz", "xz-utils");
  requireFrom("/bin/busybox", "busybox-static");
}

const GUEST_TIMEOUT = 180_000;

/** What we expect the kernel to show for a host object (lstat). */
interface HostEntry {
  path: string;
  type: "file" | "dir" | "symlink";
  size?: number;
  sha256?: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  target?: string;
}

function hostEntries(root: string): HostEntry[] {
  const out: HostEntry[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const path = `${rel}/${name}`;
      const st = lstatSync(full);
      const base = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isDirectory()) {
        out.push({ ...base, type: "dir" });
        walk(full, path);
      } else if (st.isSymbolicLink()) out.push({ ...base, type: "symlink", target: readlinkSync(full) });
      else if (st.isFile()) out.push({ ...base, type: "file", ...hashFile(full) });
      else throw new Error(`unexpected host file type: ${full}`);
    }
  };
  walk(root, "");
  return sortTree(out);
}

/** Field-by-field differences between the host tree and the kernel's Rock Ridge view. */
function rockRidgeDiffs(host: HostEntry[], kernel: KernelEntry[]): string[] {
  const diffs: string[] = [];
  const k = new Map(kernel.map((e) => [e.path, e]));
  for (const h of host) {
    const e = k.get(h.path);
    k.delete(h.path);
    if (e === undefined) {
      diffs.push(`missing in kernel view: ${JSON.stringify(h.path)}`);
      continue;
    }
    const check = (field: string, want: unknown, got: unknown): void => {
      if (want !== got)
        diffs.push(`${field} of ${JSON.stringify(h.path)}: host ${String(want)}, kernel ${String(got)}`);
    };
    check("type", h.type, e.type);
    check("mode", h.mode.toString(8), e.mode.toString(8));
    check("uid", h.uid, e.uid);
    check("gid", h.gid, e.gid);
    check("mtime", h.mtime, e.mtime);
    if (h.type === "file") {
      check("size", h.size, e.size);
      check("sha256", h.sha256, e.sha256);
      check("nlink", 1, e.nlink);
    }
    if (h.type === "symlink") check("target", h.target, e.target);
  }
  for (const p of k.keys()) diffs.push(`extra in kernel view: ${JSON.stringify(p)}`);
  return diffs;
}

/** The kernel's view as a tree.ts Tree (files and directories only). */
function asTree(kernel: KernelEntry[]): Tree {
  return kernel.map((e) => {
    if (e.type === "dir") return { path: e.path, type: "dir", mtime: e.mtime };
    if (e.type === "file") return { path: e.path, type: "file", size: e.size, sha256: e.sha256, mtime: e.mtime };
    throw new Error(`${e.type} ${e.path} in a namespace without Rock Ridge`);
  });
}

describe("QEMU harness: the kernel's isofs reads xorriso images", () => {
  let work: string;
  let src: string;
  let image: string;
  let host: HostEntry[];

  beforeAll(async () => {
    requireGuestTools();
    const xorriso = requireTool("xorriso");
    work = mkdtempSync(join(tmpdir(), "discburn-kernel-test-"));
    src = join(work, "src");
    const deep = join(src, "dir one", "nested", "deeper");
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(src, "empty dir"));
    writeFileSync(join(deep, "leaf.txt"), "a leaf, three directories down\n");
    writeFileSync(join(src, "dir one", "ünïcödé — 名前.txt"), "Unicode name\n");
    writeFileSync(join(src, `it's "quoted" & spaced.txt`), "quotes and spaces\n");
    writeFileSync(join(src, "big.bin"), randomBytes(3 * 1024 * 1024 + 123));
    writeFileSync(join(src, "empty"), "");
    writeFileSync(join(src, "run.sh"), "#!/bin/sh\necho hi\n");
    chmodSync(join(src, "run.sh"), 0o755);
    writeFileSync(join(src, "read-only.txt"), "r\n");
    chmodSync(join(src, "read-only.txt"), 0o440);
    if (process.getuid?.() === 0) chownSync(join(src, "read-only.txt"), 1234, 5678);
    symlinkSync("dir one/nested/deeper/leaf.txt", join(src, "link to leaf"));
    symlinkSync("../../big.bin", join(src, "dir one", "nested", "up"));
    // Distinct whole-second mtimes, children before parents (writing a child changes its directory's mtime).
    let t = 1_500_000_000;
    const stamp = (p: string): void => {
      t += 86_400 + 7;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) lutimesSync(p, t, t);
      else utimesSync(p, t, t);
    };
    const stampTree = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (lstatSync(p).isDirectory()) stampTree(p);
        stamp(p);
      }
    };
    stampTree(src);
    host = hostEntries(src);
    image = join(work, "xorriso.iso");
    await run(xorriso, ["-as", "mkisofs", "-R", "-J", "-joliet-long", "-o", image, src]);
  }, GUEST_TIMEOUT);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it(
    "shows the Rock Ridge, Joliet and plain ISO 9660 trees (one guest, three mounts)",
    async () => {
      const [rr, joliet, plain] = await mountAndListAll({
        image,
        mounts: [{ options: [] }, { options: ["norock"] }, { options: ["norock", "nojoliet"] }],
      });

      // Default mount: Rock Ridge wins over Joliet; every attribute is the source's.
      expect(rr.mounted, rr.mountError).toBe(true);
      expect(rr.dmesg).toContain("ISO 9660 Extensions: RRIP_1991A");
      expect(rockRidgeDiffs(host, rr.tree)).toEqual([]);

      // norock: the Joliet tree. Names are the source's; symlinks are not representable (xorriso omits them).
      expect(joliet.mounted, joliet.mountError).toBe(true);
      expect(joliet.dmesg).toContain("ISO 9660 Extensions: Microsoft Joliet Level 3");
      expect(joliet.tree.some((e) => e.type === "symlink")).toBe(false);
      const sourceTree: Tree = host
        .filter((h) => h.type !== "symlink")
        .map((h) =>
          h.type === "file"
            ? { path: h.path, type: "file", size: h.size, sha256: h.sha256 }
            : { path: h.path, type: "dir" },
        );
      expect(
        compareTrees(sourceTree, asTree(joliet.tree), { labelA: "source", labelB: "kernel joliet", mtime: false }),
      ).toEqual([]);
      // ... and exactly what xorriso itself reads from the Joliet tree, recording times included.
      expect(
        compareTrees(await readXorriso(image, "joliet"), asTree(joliet.tree), {
          labelA: "xorriso joliet",
          labelB: "kernel joliet",
        }),
      ).toEqual([]);

      // norock,nojoliet: the plain ISO 9660 tree. isofs' default map=normal lower-cases names and drops ";1"
      // and a trailing "."; otherwise it must equal xorriso's ECMA-119 view.
      expect(plain.mounted, plain.mountError).toBe(true);
      const xorrisoPlain = mapNames(await readXorriso(image, "iso9660"), (n) => n.toLowerCase());
      expect(
        compareTrees(xorrisoPlain, asTree(plain.tree), { labelA: "xorriso iso9660", labelB: "kernel iso9660" }),
      ).toEqual([]);
      expect(plain.tree.filter((e) => e.type === "file").map((e) => e.sha256)).toContain(
        host.find((h) => h.path === "/big.bin")?.sha256,
      );
    },
    GUEST_TIMEOUT,
  );

  it(
    "shows the same Rock Ridge tree through an ATAPI drive (ide-cd, libata)",
    async () => {
      const r = await mountAndList({ image, fs: "iso9660", options: [], kind: "ide-cd" });
      expect(r.dmesg).toContain("ISO 9660 Extensions: RRIP_1991A");
      expect(rockRidgeDiffs(host, r.tree)).toEqual([]);
    },
    GUEST_TIMEOUT,
  );

  it(
    "runs a script with drives and files and returns its own output, stderr and exit status",
    async () => {
      const r = await runGuest({
        drives: [{ file: image, kind: "scsi-cd" }, { kind: "empty-scsi-cd" }, { file: image, kind: "virtio-blk" }],
        files: [{ path: "/opt/hello.txt", data: "hello from the host\n" }],
        script: [
          "cat /opt/hello.txt",
          'echo "disc0=$DISC0 sg0=$DISC0_SG disc1=$DISC1 disc2=$DISC2 sg2=[$DISC2_SG]"',
          // the image really is the medium: its primary volume descriptor starts "\1CD001"
          'dd if="$DISC0" bs=2048 skip=16 count=1 2>/dev/null | head -c 6 | od -An -c | tr -s " "',
          'dd if="$DISC1" bs=2048 count=1 2>/dev/null || echo "no medium in $DISC1"',
          "printf 'binary\\0\\377\\n'",
          "echo to-stderr >&2",
          "exit 7",
        ].join("\n"),
      });
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toBe("to-stderr\n");
      const lines = r.stdout.split("\n");
      expect(lines[0]).toBe("hello from the host");
      expect(lines[1]).toMatch(/^disc0=\/dev\/sr\d sg0=\/dev\/sg\d disc1=\/dev\/sr\d disc2=\/dev\/vda sg2=\[\]$/);
      expect(lines[2]).toBe(" 001 C D 0 0 1");
      expect(lines[3]).toMatch(/^no medium in \/dev\/sr\d$/);
      expect(r.stdoutBytes.subarray(r.stdoutBytes.length - 9)).toEqual(Buffer.from("binary\0\xff\n", "latin1"));
      expect(r.dmesg).toContain("Attached scsi CD-ROM");
    },
    GUEST_TIMEOUT,
  );
});

describe("QEMU harness: SeaBIOS and OVMF boot a hybrid image", () => {
  let work: string;
  let image: string;
  let plainImage: string;
  let markers: { bios: string; uefi: string };

  beforeAll(async () => {
    requireGuestTools();
    requireFrom("grub-mkstandalone", "grub-efi-amd64-bin");
    requireFrom("mformat", "mtools");
    const xorriso = requireTool("xorriso");
    work = mkdtempSync(join(tmpdir(), "discburn-boot-test-"));
    const tree = join(work, "tree");
    const fixtures = makeBootFixtures(tree);
    writeFileSync(join(tree, "README.txt"), "a bootable discburn test image\n");
    markers = { bios: fixtures.biosMarker, uefi: fixtures.uefiMarker };
    image = join(work, "hybrid.iso");
    // The command in the brief, spelled out (fixtures.xorrisoArgs holds the same list).
    await run(xorriso, [
      "-as",
      "mkisofs",
      "-R",
      "-J",
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-isohybrid-mbr",
      fixtures.isohybridMbr,
      "-eltorito-alt-boot",
      "-e",
      "efi.img",
      "-no-emul-boot",
      "-isohybrid-gpt-basdat",
      "-o",
      image,
      tree,
    ]);
    // A control: the same payload files without any boot record.
    plainImage = join(work, "plain.iso");
    await run(xorriso, ["-as", "mkisofs", "-R", "-J", "-o", plainImage, tree]);
  }, GUEST_TIMEOUT);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const cases = [
    { firmware: "bios", attach: "cdrom" },
    { firmware: "bios", attach: "disk" },
    { firmware: "uefi", attach: "cdrom" },
    { firmware: "uefi", attach: "disk" },
  ] as const;

  it.each(cases)(
    "$firmware firmware boots it as a $attach",
    async ({ firmware, attach }) => {
      const marker = firmware === "bios" ? markers.bios : markers.uefi;
      const r = await bootGuest({ image, firmware, attach, expect: new RegExp(marker), timeoutMs: 120_000 });
      expect(r.matched, `no ${marker} on the serial console:\n${r.console.slice(-3000)}`).toBe(true);
    },
    GUEST_TIMEOUT,
  );

  it(
    "does not see a marker when the image has no boot record (control)",
    async () => {
      const r = await bootGuest({
        image: plainImage,
        firmware: "bios",
        attach: "cdrom",
        expect: new RegExp(markers.bios),
        timeoutMs: 5_000,
      });
      expect(r.matched).toBe(false);
    },
    GUEST_TIMEOUT,
  );
});
