#!/usr/bin/env node
// The Linux kernel as an independent reader, and real firmware as an independent boot loader: a QEMU
// harness for discburn's tests. Plain Node ESM, no dependencies, no build step. See README.md beside it.
//
//   prepareGuest()   builds (once, cached per kernel version) an uncompressed kernel and a base initramfs
//   runGuest()       boots that kernel with drives attached and runs a busybox shell script inside
//   mountAndList()   mounts an image read-only with the kernel's isofs/udf and lists the tree it sees
//   bootGuest()      boots an image with SeaBIOS or OVMF as a CD-ROM or a hard disk, watching the serial port
//
// Everything comes from Debian packages installed by tools/install-oracles.sh; nothing is downloaded.
// QEMU runs with software emulation (TCG): KVM does not work on these machines.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/** Bumped whenever the cached artefacts' recipe changes, so stale caches are rebuilt. */
const RECIPE_VERSION = 3;

export const QEMU = "qemu-system-x86_64";
const BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox"];

/**
 * Kernel modules loaded in the guest, by group. Each group is loaded only when a run needs it; every
 * module's own dependencies (from the kernel's modules.dep, i.e. what `modinfo -F depends` reports) are
 * added in front of it automatically, so this lists only what we want, not what it needs.
 * @type {Readonly<Record<string, ReadonlyArray<string>>>}
 */
export const MODULE_GROUPS = {
  // Always: the PCI virtio transport, our output channels (virtio_console), virtio disks, the SCSI
  // midlayer (scan=sync: hosts are scanned before insmod returns, so /dev/sr0 exists right after),
  // virtio-scsi, CD-ROM (sr_mod + cdrom), disks (sd_mod), SCSI generic (sg: SG_IO), file systems.
  core: [
    "virtio_pci",
    "virtio_console",
    "virtio_blk",
    "scsi_mod",
    "virtio_scsi",
    "cdrom",
    "sr_mod",
    "sd_mod",
    "sg",
    "isofs",
    "crc-itu-t",
    "udf",
    "nls_utf8",
  ],
  // ATAPI drives on the PC's built-in PIIX IDE controller (-device ide-cd).
  ata: ["libata", "ata_piix"],
  // Host folders shared with -virtfs (9P over virtio).
  "9p": ["9pnet", "netfs", "fscache", "9p", "9pnet_virtio"],
};

/** Extra insmod arguments per module. */
const MODULE_ARGS = { scsi_mod: "scan=sync" };

// ---------------------------------------------------------------------------------------------------------
// Types

/**
 * @typedef {"scsi-cd" | "ide-cd" | "scsi-hd" | "virtio-blk" | "empty-scsi-cd" | "scsi-block" | "scsi-generic"} DriveKind
 *   scsi-cd: CD/DVD-ROM on virtio-scsi (/dev/srN + /dev/sgN, MMC through SG_IO); ide-cd: ATAPI CD-ROM on the
 *   PIIX IDE controller (libata: /dev/srN + /dev/sgN); scsi-hd: SCSI disk on virtio-scsi (/dev/sdX);
 *   virtio-blk: paravirtual disk (/dev/vdX, no SG_IO); empty-scsi-cd: scsi-cd with no medium (tray empty,
 *   NOT READY 3A/00); scsi-block / scsi-generic: SCSI pass-through of a host block device or an
 *   iscsi:// URL (every CDB goes to the target unchanged, e.g. tgt over iSCSI; scsi-generic gives only /dev/sgN).
 */

/**
 * @typedef {object} Drive
 * @property {string} [file] Image path or a QEMU URL such as iscsi://127.0.0.1:3260/iqn.../1. Not for empty-scsi-cd.
 * @property {DriveKind} kind
 * @property {boolean} [readonly] Default true: images are never modified unless asked.
 * @property {string} [format] QEMU block format, default "raw".
 * @property {string} [cache] QEMU cache mode (e.g. "none" for iSCSI).
 */

/**
 * @typedef {object} GuestFile A file placed into the per-run (job) initramfs.
 * @property {string} path Absolute path in the guest, e.g. "/opt/tool" (parent directories are created).
 * @property {string} [source] Host file to copy (symlinks are followed).
 * @property {string | Uint8Array} [data] Literal contents, instead of source.
 * @property {string} [symlink] Make a symbolic link to this target instead.
 * @property {number} [mode] Permission bits; default: the source's, or 0o644 for data.
 */

/**
 * @typedef {object} Share A host folder shared read-only (or read-write) over 9P (-virtfs).
 * @property {string} host Host directory.
 * @property {string} tag Mount tag; the guest mounts it at /share/<tag>.
 * @property {boolean} [readonly] Default true.
 */

/**
 * @typedef {object} GuestOptions
 * @property {Drive[]} [drives] Attached in order; the script sees them as $DISC0, $DISC1, ... (block device,
 *   e.g. /dev/sr0; empty for scsi-generic) and $DISC0_SG, ... (SCSI generic node, e.g. /dev/sg0; empty for
 *   virtio-blk), also as symlinks /dev/disc0, /dev/disc0-sg.
 * @property {string} script Busybox sh script. Its stdout and stderr come back; its exit status is exitCode.
 * @property {number} [timeoutMs] Kill QEMU after this long. Default 120 000.
 * @property {number} [memoryMb] Guest RAM. Default 512 (raise it when `files` hold big programs).
 * @property {GuestFile[]} [files] Extra files for the job initramfs.
 * @property {Share[]} [shares] Host folders shared over 9P, mounted at /share/<tag>.
 * @property {string[]} [append] Extra kernel command-line words.
 * @property {boolean} [keepTemp] Keep the run's temp directory (its path is printed to stderr).
 */

/**
 * @typedef {object} GuestResult
 * @property {number} exitCode Exit status of the script.
 * @property {string} stdout What the script wrote to stdout (UTF-8 decoded).
 * @property {Buffer} stdoutBytes The same, raw.
 * @property {string} stderr What the script wrote to stderr.
 * @property {string} dmesg The kernel log at the end of the run (`dmesg` in the guest).
 * @property {string} console The serial console (kernel messages at loglevel <= 4 and init progress).
 * @property {number} durationMs Wall time of the QEMU run.
 */

/**
 * @typedef {"file"|"dir"|"symlink"|"fifo"|"socket"|"chardev"|"blockdev"} EntryType
 */

/**
 * @typedef {object} KernelEntry One object as the guest kernel shows it (lstat, not following links).
 * @property {string} path "/a/b" relative to the mount point, UTF-8 decoded.
 * @property {EntryType} type
 * @property {number} size st_size (for symlinks: the length of the target).
 * @property {string} [sha256] Files only.
 * @property {number} mode Permission bits, st_mode & 0o7777 (compare with 0o644 etc.).
 * @property {number} uid
 * @property {number} gid
 * @property {number} nlink
 * @property {number} mtime Whole seconds since the epoch.
 * @property {number} ino Inode number (isofs: derived from the directory record's position).
 * @property {string} [target] Symlinks only.
 * @property {{major: number, minor: number}} [rdev] Character and block devices only.
 */

/**
 * @typedef {object} MountSpec
 * @property {"iso9660" | "udf"} [fs] Default "iso9660".
 * @property {string[]} [options] Mount options besides "ro", e.g. ["norock"], ["nojoliet"], ["sbsector=1234"].
 */

/**
 * @typedef {object} MountResult
 * @property {boolean} mounted
 * @property {KernelEntry[]} tree Sorted by path (UTF-16 code-unit order), root excluded.
 * @property {string[]} dmesg Kernel log lines printed while mounting (timestamps removed).
 * @property {string} mountError mount's stderr when it failed.
 */

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** @param {string} cmd @returns {string | undefined} */
function which(cmd) {
  if (cmd.includes("/")) return existsSync(cmd) ? cmd : undefined;
  for (const dir of (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":").concat(["/usr/sbin", "/sbin"])) {
    if (dir !== "" && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

/**
 * Resolves a program or throws an error naming the Debian package that provides it.
 * @param {string} cmd @param {string} debianPackage @returns {string}
 */
export function requireProgram(cmd, debianPackage) {
  const p = which(cmd);
  if (p === undefined)
    throw new Error(
      `${cmd} not found: install it with \`apt-get install ${debianPackage}\` (tools/install-oracles.sh)`,
    );
  return p;
}

/** @param {string} file @param {string} debianPackage */
function requireFile(file, debianPackage) {
  if (!existsSync(file))
    throw new Error(
      `${file} not found: install it with \`apt-get install ${debianPackage}\` (tools/install-oracles.sh)`,
    );
  return file;
}

/** Escapes a value for QEMU's comma-separated option syntax (a comma is written as two). @param {string} v */
function qemuValue(v) {
  return v.replaceAll(",", ",,");
}

/** The last `n` characters of a text, for error messages. @param {string} s @param {number} [n] */
function tail(s, n = 3000) {
  return s.length <= n ? s : `...${s.slice(-n)}`;
}

/** @param {string} file */
function readText(file) {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Writes a file atomically (temp name + rename) so concurrent builders never see half a file. */
function writeAtomic(/** @type {string} */ file, /** @type {(tmp: string) => void} */ produce) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    produce(tmp);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Natural version compare ("6.1.0-10" < "6.1.0-9" is false). @param {string} a @param {string} b */
function compareVersions(a, b) {
  return a.localeCompare(b, "en", { numeric: true });
}

// ---------------------------------------------------------------------------------------------------------
// newc cpio writer (the initramfs format the kernel unpacks; concatenated archives are unpacked in order)

class CpioWriter {
  /** @param {string} file @param {number} firstIno */
  constructor(file, firstIno) {
    this.fd = openSync(file, "w");
    this.offset = 0;
    this.ino = firstIno;
    /** @type {Set<string>} */
    this.dirs = new Set([""]);
  }

  /** @param {Uint8Array} b */
  write(b) {
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done);
    this.offset += b.length;
  }

  pad() {
    const n = (4 - (this.offset % 4)) % 4;
    if (n > 0) this.write(Buffer.alloc(n));
  }

  /** @param {string} name @param {number} mode @param {number} size */
  header(name, mode, size) {
    const fields = [this.ino++, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
    this.write(Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, "0")).join("")}${name}\0`, "utf8"));
    this.pad();
  }

  /** Guest path ("/a/b") to archive name ("a/b"), creating parent directory entries first. @param {string} p */
  name(p) {
    const name = p.replace(/^\/+/, "").replace(/\/+$/, "");
    if (name === "") throw new Error(`cpio: bad path ${JSON.stringify(p)}`);
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) this.dir(parts.slice(0, i).join("/"));
    return name;
  }

  /** @param {string} p @param {number} [mode] */
  dir(p, mode = 0o755) {
    const name = p.replace(/^\/+/, "").replace(/\/+$/, "");
    if (this.dirs.has(name)) return;
    this.dirs.add(name);
    this.header(this.name(name), 0o040000 | mode, 0);
  }

  /** @param {string} p @param {Uint8Array} data @param {number} mode */
  data(p, data, mode) {
    this.header(this.name(p), 0o100000 | (mode & 0o7777), data.length);
    this.write(data);
    this.pad();
  }

  /** Copies a host file in 1 MiB chunks (big files such as node need not fit in memory twice). */
  file(/** @type {string} */ p, /** @type {string} */ source, /** @type {number | undefined} */ mode) {
    const fd = openSync(source, "r");
    try {
      const st = fstatSync(fd);
      this.header(this.name(p), 0o100000 | ((mode ?? st.mode) & 0o7777), st.size);
      const buf = Buffer.allocUnsafe(1 << 20);
      let left = st.size;
      while (left > 0) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, left), null);
        if (n === 0) throw new Error(`cpio: ${source} shrank while being copied`);
        this.write(buf.subarray(0, n));
        left -= n;
      }
      this.pad();
    } finally {
      closeSync(fd);
    }
  }

  /** @param {string} p @param {string} target */
  symlink(p, target) {
    const t = Buffer.from(target, "utf8");
    this.header(this.name(p), 0o120000 | 0o777, t.length);
    this.write(t);
    this.pad();
  }

  close() {
    this.header("TRAILER!!!", 0, 0);
    this.write(Buffer.alloc((512 - (this.offset % 512)) % 512));
    closeSync(this.fd);
  }
}

// ---------------------------------------------------------------------------------------------------------
// prepareGuest: kernel + base initramfs, cached per kernel version

/**
 * @typedef {object} Guest
 * @property {string} kernelVersion e.g. "6.1.0-56-amd64"
 * @property {string} vmlinux Uncompressed ELF kernel (booted directly through PVH).
 * @property {string} initrd Base initramfs (newc cpio, uncompressed).
 * @property {string} cacheDir
 * @property {Record<string, string[]>} modules Load order per group (module names, dependencies first).
 */

/** @type {Map<string, Guest>} */
const prepared = new Map();

/** Picks the newest /boot/vmlinuz-* that has /lib/modules/<version>. @returns {string} */
function defaultKernelVersion() {
  const versions = (existsSync("/boot") ? readdirSync("/boot") : [])
    .filter((f) => f.startsWith("vmlinuz-"))
    .map((f) => f.slice("vmlinuz-".length))
    .filter((v) => existsSync(join("/lib/modules", v, "modules.dep")))
    .sort(compareVersions);
  const v = versions.at(-1);
  if (v === undefined)
    throw new Error(
      "no /boot/vmlinuz-* with matching /lib/modules/*/modules.dep: install `linux-image-amd64` (tools/install-oracles.sh)",
    );
  return v;
}

/**
 * Extracts the uncompressed ELF vmlinux from a bzImage the way the kernel's scripts/extract-vmlinux does:
 * find each compressed-stream magic, try to decompress from there, keep the first result that is an ELF.
 * @param {Buffer} image @returns {Buffer}
 */
export function extractVmlinux(image) {
  const isElf = (/** @type {Buffer} */ b) => b.length > 4 && b.readUInt32BE(0) === 0x7f454c46;
  if (isElf(image)) return image;
  /** @type {Array<{ magic: number[], decompress: (b: Buffer) => Buffer | undefined }>} */
  const formats = [
    {
      // xz (Debian's default): `xz --single-stream` ignores the bzImage trailer after the stream.
      magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
      decompress: (b) => {
        const xz = requireProgram("xz", "xz-utils");
        const r = spawnSync(xz, ["-dc", "--single-stream"], { input: b, maxBuffer: 1 << 30 });
        return r.stdout?.length > 0 ? r.stdout : undefined;
      },
    },
    { magic: [0x1f, 0x8b, 0x08], decompress: (b) => gunzipSync(b, { finishFlush: 2 /* Z_SYNC_FLUSH */ }) },
    {
      magic: [0x28, 0xb5, 0x2f, 0xfd],
      decompress: (b) => {
        const zstd = which("zstd");
        if (zstd === undefined) return undefined;
        return spawnSync(zstd, ["-dcq"], { input: b, maxBuffer: 1 << 30 }).stdout;
      },
    },
  ];
  for (const f of formats) {
    const magic = Buffer.from(f.magic);
    for (let at = image.indexOf(magic); at >= 0; at = image.indexOf(magic, at + 1)) {
      let out;
      try {
        out = f.decompress(image.subarray(at));
      } catch {
        out = undefined;
      }
      if (out !== undefined && isElf(out)) return out;
    }
  }
  throw new Error("cannot find a compressed ELF kernel (xz, gzip or zstd) inside the vmlinuz image");
}

/** Throws unless an ELF file has no PT_INTERP program header (i.e. is statically linked). @param {string} file */
function assertStatic(file) {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) throw new Error(`${file} is not a 64-bit ELF file`);
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  const phnum = b.readUInt16LE(56);
  for (let i = 0; i < phnum; i++)
    if (b.readUInt32LE(phoff + i * phentsize) === 3)
      throw new Error(`${file} is dynamically linked: install \`busybox-static\` (tools/install-oracles.sh)`);
}

/**
 * Reads modules.dep and returns, for the wanted modules, a load order with every dependency first.
 * Names match with "-" and "_" treated alike (as modprobe does).
 * @param {string} moduleDir /lib/modules/<version>
 * @param {readonly string[]} wanted
 * @param {ReadonlySet<string>} [already] Modules loaded by an earlier group (left out here).
 * @returns {Array<{ name: string, file: string }>}
 */
export function moduleLoadOrder(moduleDir, wanted, already = new Set()) {
  const norm = (/** @type {string} */ s) => s.replaceAll("-", "_");
  const modName = (/** @type {string} */ rel) => norm(basename(rel).replace(/\.ko(\.(xz|zst|gz))?$/, ""));
  /** @type {Map<string, { file: string, deps: string[] }>} */
  const dep = new Map();
  for (const line of readFileSync(join(moduleDir, "modules.dep"), "utf8").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const file = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(modName);
    dep.set(modName(file), { file: join(moduleDir, file), deps });
  }
  const builtin = new Set(
    existsSync(join(moduleDir, "modules.builtin"))
      ? readFileSync(join(moduleDir, "modules.builtin"), "utf8").split("\n").filter(Boolean).map(modName)
      : [],
  );
  /** @type {Array<{ name: string, file: string }>} */
  const order = [];
  const seen = new Set([...already].map(norm));
  const visit = (/** @type {string} */ name, /** @type {string[]} */ chain) => {
    if (seen.has(name)) return;
    const d = dep.get(name);
    if (d === undefined) {
      if (builtin.has(name)) return;
      throw new Error(`kernel module ${name} (needed by ${chain.join(" <- ") || "the harness"}) not in ${moduleDir}`);
    }
    seen.add(name);
    for (const x of d.deps) visit(x, [name, ...chain]);
    if (d.file.endsWith(".ko")) order.push({ name, file: d.file });
    else throw new Error(`kernel module ${d.file} is compressed; the harness expects plain .ko files`);
  };
  for (const w of wanted) visit(norm(w), []);
  return order;
}

/** The guest's /init (busybox sh). Job-specific settings come from /job/env, written per run. */
const INIT_SCRIPT = `#!/bin/busybox sh
# /init of the discburn QEMU guest, written by tools/qemu/harness.mjs (see tools/qemu/README.md).
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/local/bin:/sbin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "discburn-init: $*" > /dev/console; }
die() { say "FATAL: $*"; reboot -f; sleep 5; exit 1; }
. /job/env

# Kernel modules, dependencies first (the order and arguments were computed on the host).
while read -r group name args; do
  case " $DB_GROUPS " in *" $group "*) ;; *) continue ;; esac
  insmod "/lib/modules/$name.ko" $args || say "insmod $name failed"
done < /etc/discburn/modules
say "modules loaded"

# Output channels: virtio serial ports named by the host (binary-safe, not mixed with the console).
port() {
  for p in /sys/class/virtio-ports/vport*; do
    [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && { echo "/dev/\${p##*/}"; return 0; }
  done
  return 1
}
waitfor() { # waitfor SECONDS COMMAND...: retries COMMAND every 50 ms
  n=$(($1 * 20)); shift
  until "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.05; done
}
for c in out err status dmesg; do
  waitfor 20 port "discburn.$c" > /dev/null || die "virtio port discburn.$c did not appear"
done
OUT=$(port discburn.out); ERR=$(port discburn.err); STATUS=$(port discburn.status); DMESG=$(port discburn.dmesg)

# Drives: find each one's /dev node from where the host put it (virtio-scsi target id, IDE channel/unit,
# virtio-blk serial), so $DISCn is stable whatever order the kernel probes in.
scsi_dev() { # scsi_dev PROC_NAME PATH_FRAGMENT TARGET: prints the sysfs dir of H:0:TARGET:0
  for h in /sys/class/scsi_host/host*; do
    [ "$(cat "$h/proc_name" 2>/dev/null)" = "$1" ] || continue
    case "$(readlink -f "$h")" in *"$2"*) ;; *) continue ;; esac
    d="/sys/bus/scsi/devices/\${h##*/host}:0:$3:0"
    [ -d "$d" ] && { echo "$d"; return 0; }
  done
  return 1
}
first() { for x in "$1"/*; do [ -e "$x" ] && { echo "\${x##*/}"; return 0; }; done; return 1; }
resolve() { # resolve INDEX KIND LOCATOR: sets BLK and SG
  BLK=""; SG=""
  case "$2" in
    virtio-blk)
      for b in /sys/block/vd*; do
        [ "$(cat "$b/serial" 2>/dev/null)" = "discburn$1" ] && { BLK=\${b##*/}; return 0; }
      done
      return 1 ;;
    ide)
      d=$(scsi_dev ata_piix "/ata$((\${3%:*} + 1))/" "\${3#*:}") || return 1 ;;
    *)
      d=$(scsi_dev virtio_scsi / "$3") || return 1 ;;
  esac
  SG=$(first "$d/scsi_generic") || return 1
  [ "$2" = generic ] && return 0
  BLK=$(first "$d/block") || return 1
}
i=0
while [ $i -lt "$DB_NDRIVES" ]; do
  eval "set -- \\$DB_DRIVE$i"
  waitfor 30 resolve $i "$1" "$2" || die "drive $i ($1 $2) did not appear"
  [ -z "$BLK" ] || { waitfor 10 test -b "/dev/$BLK" || die "/dev/$BLK missing"; ln -s "$BLK" "/dev/disc$i"; }
  [ -z "$SG" ] || { waitfor 10 test -c "/dev/$SG" || die "/dev/$SG missing"; ln -s "$SG" "/dev/disc$i-sg"; }
  eval "export DISC$i=\\\${BLK:+/dev/\\$BLK} DISC\${i}_SG=\\\${SG:+/dev/\\$SG}"
  i=$((i + 1))
done

# 9P shares.
for s in $DB_SHARES; do
  mkdir -p "/share/\${s%%:*}"
  mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,\${s#*:}" "\${s%%:*}" "/share/\${s%%:*}" ||
    die "cannot mount share \${s%%:*}"
done

say "running job"
(cd /tmp && exec sh /job/script.sh) > "$OUT" 2> "$ERR" < /dev/null
echo "$?" > "$STATUS"
dmesg > "$DMESG"
sync
say "job done"
# reboot, not poweroff: with -no-reboot QEMU exits on the guest's reset, with no ACPI involved.
reboot -f
sleep 5
`;

/**
 * Builds (once per kernel version and recipe, cached on disk) the uncompressed kernel and the base
 * initramfs: static busybox, /init and the kernel modules of every group in MODULE_GROUPS.
 * @param {{ kernelVersion?: string, cacheRoot?: string }} [opts]
 * @returns {Guest}
 */
export function prepareGuest(opts = {}) {
  const kver = opts.kernelVersion ?? process.env.DISCBURN_QEMU_KERNEL ?? defaultKernelVersion();
  const cacheDir = join(opts.cacheRoot ?? tmpdir(), `discburn-qemu-${kver}`);
  const memo = prepared.get(cacheDir);
  if (memo !== undefined) return memo;

  const vmlinuz = requireFile(`/boot/vmlinuz-${kver}`, "linux-image-amd64");
  const moduleDir = requireFile(`/lib/modules/${kver}`, "linux-image-amd64");
  const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
  if (busybox === undefined) throw new Error("busybox not found: install `busybox-static` (tools/install-oracles.sh)");
  assertStatic(busybox);

  /** @type {Record<string, string[]>} */
  const modules = {};
  /** @type {Array<{ group: string, name: string, file: string }>} */
  const moduleList = [];
  const loaded = new Set();
  for (const [group, wanted] of Object.entries(MODULE_GROUPS)) {
    const order = moduleLoadOrder(moduleDir, wanted, loaded);
    modules[group] = order.map((m) => m.name);
    for (const m of order) {
      loaded.add(m.name);
      moduleList.push({ group, ...m });
    }
  }

  const stampOf = (/** @type {string} */ f) => {
    const st = statSync(f);
    return `${f}:${st.size}:${st.mtimeMs}`;
  };
  const stamp = createHash("sha256")
    .update(
      JSON.stringify({
        RECIPE_VERSION,
        INIT_SCRIPT,
        MODULE_ARGS,
        inputs: [vmlinuz, busybox, ...moduleList.map((m) => m.file)].map(stampOf),
        moduleList,
      }),
    )
    .digest("hex");
  const vmlinux = join(cacheDir, "vmlinux");
  const initrd = join(cacheDir, "base.cpio");
  const stampFile = join(cacheDir, "stamp");
  if (readText(stampFile) !== stamp || !existsSync(vmlinux) || !existsSync(initrd)) {
    mkdirSync(cacheDir, { recursive: true });
    writeAtomic(vmlinux, (tmp) => writeFileSync(tmp, extractVmlinux(readFileSync(vmlinuz))));
    writeAtomic(initrd, (tmp) => {
      const cpio = new CpioWriter(tmp, 1);
      for (const d of ["bin", "dev", "proc", "sys", "tmp", "mnt", "root", "share", "job", "etc/discburn"]) cpio.dir(d);
      cpio.file("/bin/busybox", busybox, 0o755);
      cpio.data("/init", Buffer.from(INIT_SCRIPT), 0o755);
      for (const m of moduleList) cpio.file(`/lib/modules/${m.name}.ko`, m.file, 0o644);
      const list = moduleList.map((m) => `${m.group} ${m.name} ${MODULE_ARGS[m.name] ?? ""}`.trimEnd());
      cpio.data("/etc/discburn/modules", Buffer.from(`${list.join("\n")}\n`), 0o644);
      cpio.data("/etc/discburn/kernel-version", Buffer.from(`${kver}\n`), 0o644);
      cpio.close();
    });
    writeFileSync(stampFile, stamp);
  }
  /** @type {Guest} */
  const guest = { kernelVersion: kver, vmlinux, initrd, cacheDir, modules };
  prepared.set(cacheDir, guest);
  return guest;
}

// ---------------------------------------------------------------------------------------------------------
// runGuest

/**
 * Runs QEMU to completion, killing it (SIGKILL, by its own PID) after timeoutMs.
 * @param {string[]} args
 * @param {{ timeoutMs: number, onStdout?: (chunk: Buffer) => boolean, describeTimeout: () => string }} opts
 *   onStdout may return true to stop QEMU early (the run then counts as finished, not timed out).
 * @returns {Promise<{ code: number | null, signal: string | null, stderr: string, stopped: boolean, durationMs: number }>}
 */
function runQemu(args, opts) {
  const qemu = requireProgram(QEMU, "qemu-system-x86");
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
    /** @type {Buffer[]} */
    const err = [];
    let stopped = false;
    let timedOut = false;
    child.stderr.on("data", (b) => err.push(b));
    child.stdout.on("data", (b) => {
      if (!stopped && opts.onStdout?.(b) === true) {
        stopped = true;
        child.kill("SIGKILL");
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${qemu}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      const durationMs = Date.now() - started;
      if (timedOut && !stopped)
        reject(
          new Error(
            `QEMU timed out after ${opts.timeoutMs} ms\n${opts.describeTimeout()}${stderr ? `\nQEMU stderr:\n${stderr}` : ""}`,
          ),
        );
      else resolvePromise({ code, signal, stderr, stopped, durationMs });
    });
  });
}

/** The QEMU arguments common to every run (machine, CPU, no default devices). @param {number} memoryMb */
function baseQemuArgs(memoryMb) {
  // biome-ignore format: option/value pairs, one per line
  return [
    "-machine", "pc", // i440FX + PIIX3: the board has the IDE controller ide-cd/ide-hd sit on
    "-accel", "tcg", // software emulation: KVM does not work on these machines
    "-cpu", "max", // every CPU feature TCG can emulate
    "-m", String(memoryMb), // guest RAM in MiB
    "-nodefaults", // no default NIC, VGA, serial, parallel, floppy or CD-ROM: only what we add
    "-no-reboot", // a guest reset (our init's `reboot -f`, a triple fault, panic=-1) ends QEMU
    "-display", "none", // no window, no VNC
    "-monitor", "none", // no human monitor on stdio
  ];
}

/**
 * QEMU arguments attaching the drives; virtio-scsi devices get scsi-id = their index, IDE drives fill
 * ide.0 master, ide.0 slave, ide.1 master, ide.1 slave. Returns the guest-side locators too.
 * @param {Drive[]} drives
 * @returns {{ args: string[], locators: string[], needsAta: boolean }}
 */
function driveArgs(drives) {
  const args = [];
  const locators = [];
  let scsiController = false;
  let ide = 0;
  let needsAta = false;
  drives.forEach((d, i) => {
    const ro = d.readonly ?? true;
    const id = `disc${i}`;
    const backing = () => {
      if (d.file === undefined || d.file === "") throw new Error(`drive ${i} (${d.kind}) needs a file`);
      const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(d.file);
      if (!isUrl && !existsSync(d.file)) throw new Error(`drive ${i}: ${d.file} does not exist`);
      const file = isUrl ? d.file : resolve(d.file);
      const parts = [`file=${qemuValue(file)}`, "if=none", `id=${id}`, `format=${d.format ?? "raw"}`];
      if (ro) parts.push("readonly=on");
      if (d.cache !== undefined) parts.push(`cache=${d.cache}`);
      return ["-drive", parts.join(",")];
    };
    const scsi = () => {
      if (!scsiController) {
        // One virtio-scsi HBA for every SCSI drive; targets are addressed by scsi-id.
        args.push("-device", "virtio-scsi-pci,id=vscsi");
        scsiController = true;
      }
      return `bus=vscsi.0,channel=0,scsi-id=${i},lun=0`;
    };
    switch (d.kind) {
      case "scsi-cd":
        args.push(...backing(), "-device", `scsi-cd,drive=${id},${scsi()}`);
        locators.push(`scsi ${i}`);
        break;
      case "empty-scsi-cd":
        // A CD-ROM drive with no drive= property: the tray is empty (TEST UNIT READY: NOT READY 3A/00).
        args.push("-device", `scsi-cd,${scsi()}`);
        locators.push(`scsi ${i}`);
        break;
      case "scsi-hd":
        args.push(...backing(), "-device", `scsi-hd,drive=${id},${scsi()}`);
        locators.push(`scsi ${i}`);
        break;
      case "scsi-block":
        // Pass-through: QEMU forwards every CDB to the backing device (a host /dev/sg or an iSCSI LUN).
        args.push(...backing(), "-device", `scsi-block,drive=${id},${scsi()}`);
        locators.push(`scsi ${i}`);
        break;
      case "scsi-generic":
        args.push(...backing(), "-device", `scsi-generic,drive=${id},${scsi()}`);
        locators.push(`generic ${i}`);
        break;
      case "ide-cd": {
        if (ide >= 4) throw new Error("at most 4 IDE drives (ide.0 and ide.1, master and slave)");
        const bus = ide >> 1;
        const unit = ide & 1;
        ide++;
        needsAta = true;
        args.push(...backing(), "-device", `ide-cd,drive=${id},bus=ide.${bus},unit=${unit}`);
        locators.push(`ide ${bus}:${unit}`);
        break;
      }
      case "virtio-blk":
        // serial= shows up as /sys/block/vdX/serial: that is how the guest finds which vdX is which.
        args.push(...backing(), "-device", `virtio-blk-pci,drive=${id},serial=discburn${i}`);
        locators.push(`virtio-blk ${i}`);
        break;
      default:
        throw new Error(`unknown drive kind ${JSON.stringify(d.kind)}`);
    }
  });
  return { args, locators, needsAta };
}

/** @param {string} s */
function shellQuote(s) {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Boots the cached kernel with drives attached and runs `script` (busybox sh) as root inside.
 * The script's stdout, stderr and exit status come back over virtio serial ports, dmesg too.
 * Throws when QEMU cannot start, when the guest ends without reporting a status, or on timeout
 * (with the tail of the serial console).
 * @param {GuestOptions} opts
 * @returns {Promise<GuestResult>}
 */
export async function runGuest(opts) {
  const guest = prepareGuest();
  const drives = opts.drives ?? [];
  const shares = opts.shares ?? [];
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), "discburn-qemu-run-"));
  try {
    const { args: dargs, locators, needsAta } = driveArgs(drives);
    const groups = ["core", ...(needsAta ? ["ata"] : []), ...(shares.length > 0 ? ["9p"] : [])];
    for (const s of shares)
      if (!/^[A-Za-z0-9_.-]+$/.test(s.tag)) throw new Error(`share tag ${JSON.stringify(s.tag)}: use [A-Za-z0-9_.-]`);
    const env = [
      `DB_GROUPS=${shellQuote(groups.join(" "))}`,
      `DB_NDRIVES=${drives.length}`,
      ...locators.map((l, i) => `DB_DRIVE${i}=${shellQuote(l)}`),
      `DB_SHARES=${shellQuote(shares.map((s) => `${s.tag}:${s.readonly === false ? "rw" : "ro"}`).join(" "))}`,
    ];

    // The job archive: /job/env, /job/script.sh and the caller's files, unpacked over the base initramfs.
    const job = join(dir, "job.cpio");
    const cpio = new CpioWriter(job, 1_000_000);
    cpio.data("/job/env", Buffer.from(`${env.join("\n")}\n`), 0o644);
    cpio.data("/job/script.sh", Buffer.from(opts.script), 0o755);
    for (const f of opts.files ?? []) {
      if (!f.path.startsWith("/")) throw new Error(`files: guest path must be absolute: ${f.path}`);
      if (f.symlink !== undefined) cpio.symlink(f.path, f.symlink);
      else if (f.source !== undefined) cpio.file(f.path, f.source, f.mode);
      else if (f.data !== undefined)
        cpio.data(f.path, typeof f.data === "string" ? Buffer.from(f.data) : f.data, f.mode ?? 0o644);
      else throw new Error(`files: ${f.path} needs source, data or symlink`);
    }
    cpio.close();
    // One initrd file: the base archive followed by the job archive (the kernel unpacks both, in order).
    const initrd = join(dir, "initrd.cpio");
    copyFileSync(guest.initrd, initrd);
    {
      const out = openSync(initrd, "a");
      try {
        const data = readFileSync(job);
        let done = 0;
        while (done < data.length) done += writeSync(out, data, done, data.length - done);
      } finally {
        closeSync(out);
      }
    }

    const files = {
      console: join(dir, "console.log"),
      out: join(dir, "stdout"),
      err: join(dir, "stderr"),
      status: join(dir, "status"),
      dmesg: join(dir, "dmesg"),
    };
    // biome-ignore format: option/value pairs, one per line
    const args = [
      ...baseQemuArgs(opts.memoryMb ?? 512),
      "-kernel", guest.vmlinux, // uncompressed ELF: QEMU boots it through PVH, skipping in-guest decompression
      "-initrd", initrd, // base + job newc archives, uncompressed (decompressing under TCG is slow)
      // console=ttyS0: kernel messages to the first serial port; quiet: only warnings and worse (printing to
      // an emulated UART is slow); panic=-1: reboot at once on a panic (then -no-reboot ends QEMU).
      "-append", ["console=ttyS0", "quiet", "panic=-1", "rdinit=/init", ...(opts.append ?? [])].join(" "),
      "-serial", `file:${files.console}`, // ttyS0: the console, read only for error messages
      // Job output: virtio serial ports backed by host files. Binary-safe (no tty line discipline) and fast.
      "-device", "virtio-serial-pci,id=vser",
    ];
    for (const c of ["out", "err", "status", "dmesg"]) {
      args.push("-chardev", `file,id=ch-${c},path=${qemuValue(files[/** @type {"out"} */ (c)])}`);
      args.push("-device", `virtserialport,bus=vser.0,chardev=ch-${c},name=discburn.${c}`);
    }
    args.push(...dargs);
    for (const s of shares) {
      // security_model=none: files appear with the host's owners and modes, no xattr mapping.
      args.push(
        "-virtfs",
        `local,path=${qemuValue(resolve(s.host))},mount_tag=${s.tag},security_model=none${s.readonly === false ? "" : ",readonly=on"}`,
      );
    }

    const r = await runQemu(args, {
      timeoutMs,
      describeTimeout: () => `serial console (tail):\n${tail(readText(files.console))}`,
    });
    const status = readText(files.status).trim();
    const consoleText = readText(files.console);
    if (!/^\d+$/.test(status)) {
      throw new Error(
        `guest ended without reporting the script's exit status (QEMU exit ${r.code ?? r.signal})\n` +
          `serial console (tail):\n${tail(consoleText)}${r.stderr ? `\nQEMU stderr:\n${r.stderr}` : ""}`,
      );
    }
    const stdoutBytes = existsSync(files.out) ? readFileSync(files.out) : Buffer.alloc(0);
    return {
      exitCode: Number(status),
      stdout: stdoutBytes.toString("utf8"),
      stdoutBytes,
      stderr: readText(files.err),
      dmesg: readText(files.dmesg),
      console: consoleText,
      durationMs: r.durationMs,
    };
  } finally {
    if (opts.keepTemp === true) process.stderr.write(`discburn qemu harness: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The GuestFile list that makes a dynamically linked host program run in the guest: the program and every
 * shared library `ldd` lists, the loader line too (/lib64/ld-linux-x86-64.so.2 has no "=>"), each at its
 * host path. For Node: `files: programFiles("/usr/bin/node")` and memoryMb >= 1024 (the initramfs is
 * unpacked into RAM).
 * @param {string} program Absolute host path.
 * @returns {GuestFile[]}
 */
export function programFiles(program) {
  const ldd = requireProgram("ldd", "libc-bin");
  const r = spawnSync(ldd, [program], { encoding: "utf8" });
  /** @type {GuestFile[]} */
  const files = [{ path: program, source: program }];
  if (r.status !== 0) {
    if (/not a dynamic executable/.test(`${r.stdout}${r.stderr}`)) return files;
    throw new Error(`ldd ${program} failed: ${r.stderr}`);
  }
  for (const line of r.stdout.split("\n")) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m !== null) files.push({ path: m[1], source: m[1] });
  }
  return files;
}

// ---------------------------------------------------------------------------------------------------------
// Listing a mounted tree

/**
 * A busybox sh fragment that lists everything under directory $1 (root excluded) in a form
 * parseListing() reads: every name-bearing section is hex (od), so names may hold any byte but NUL and "/".
 * Sections: "@@names" NUL-separated "./path" list; "@@stat" one line per name; "@@sha" sha256sum output of
 * the regular files; "@@links" NUL-separated pairs (path, target); "@@end".
 */
export const LIST_FUNCTION = `
discburn_list() (
  cd "$1" || exit 1
  hex() { od -An -v -tx1 | tr -d ' \\n'; echo; }
  find . -mindepth 1 -print0 > /tmp/list.names
  echo "@@names"; hex < /tmp/list.names
  echo "@@stat"; xargs -0 -r stat -c '%f %s %u %g %h %Y %t %T %i' < /tmp/list.names
  echo "@@sha"; find . -mindepth 1 -type f -print0 | xargs -0 -r sha256sum | hex
  echo "@@links"
  find . -mindepth 1 -type l -exec sh -c 'for l; do printf "%s\\0" "$l"; readlink -n "$l"; printf "\\0"; done' sh {} + | hex
  echo "@@end"
)
`;

const S_IFMT = 0o170000;
// A Map, not an object literal: biome's useSimpleNumberKeys "fix" mangles octal keys (0o040000 -> 9604).
/** @type {Map<number, EntryType>} */
const TYPES = new Map([
  [0o040000, "dir"],
  [0o100000, "file"],
  [0o120000, "symlink"],
  [0o010000, "fifo"],
  [0o140000, "socket"],
  [0o020000, "chardev"],
  [0o060000, "blockdev"],
]);

/** Splits a buffer on NUL bytes (a trailing NUL ends the last item). @param {Buffer} b */
function splitNul(b) {
  /** @type {Buffer[]} */
  const out = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0) {
      out.push(b.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < b.length) out.push(b.subarray(start));
  return out;
}

/**
 * Parses what LIST_FUNCTION printed (the text from "@@names" to "@@end").
 * @param {string} text
 * @returns {KernelEntry[]}
 */
export function parseListing(text) {
  const lines = text.split("\n");
  const at = (/** @type {string} */ m) => {
    const i = lines.indexOf(m);
    if (i < 0) throw new Error(`listing: no ${m} section in:\n${tail(text, 2000)}`);
    return i;
  };
  const iNames = at("@@names");
  const iStat = at("@@stat");
  const iSha = at("@@sha");
  const iLinks = at("@@links");
  const iEnd = at("@@end");
  if (!(iNames < iStat && iStat < iSha && iSha < iLinks && iLinks < iEnd))
    throw new Error("listing: sections out of order");
  const names = splitNul(Buffer.from(lines[iNames + 1], "hex"));
  const stats = lines.slice(iStat + 1, iSha);
  if (stats.length !== names.length)
    throw new Error(`listing: ${names.length} names but ${stats.length} stat lines:\n${stats.slice(0, 5).join("\n")}`);
  /** @type {Map<string, KernelEntry>} */
  const byRaw = new Map();
  /** @type {KernelEntry[]} */
  const entries = [];
  names.forEach((nb, i) => {
    const raw = nb.toString("latin1");
    if (!raw.startsWith("./")) throw new Error(`listing: unexpected name ${JSON.stringify(nb.toString("utf8"))}`);
    const f = stats[i].split(" ");
    if (f.length !== 9) throw new Error(`listing: bad stat line ${JSON.stringify(stats[i])}`);
    const rawMode = Number.parseInt(f[0], 16);
    const type = TYPES.get(rawMode & S_IFMT);
    if (type === undefined) throw new Error(`listing: unknown file type in mode ${f[0]} of ${raw}`);
    /** @type {KernelEntry} */
    const e = {
      path: nb.subarray(1).toString("utf8"),
      type,
      size: Number(f[1]),
      mode: rawMode & 0o7777,
      uid: Number(f[2]),
      gid: Number(f[3]),
      nlink: Number(f[4]),
      mtime: Number(f[5]),
      ino: Number(f[8]),
    };
    if (type === "chardev" || type === "blockdev")
      e.rdev = { major: Number.parseInt(f[6], 16), minor: Number.parseInt(f[7], 16) };
    byRaw.set(raw, e);
    entries.push(e);
  });

  // sha256sum prints "<64 hex>  <name>\n" per file with the name raw; names may hold "\n", so read it
  // record by record: the second `find -type f` walks the read-only tree in the same order as the first.
  const sha = Buffer.from(lines[iSha + 1], "hex").toString("latin1");
  const files = names.map((n) => n.toString("latin1")).filter((n) => byRaw.get(n)?.type === "file");
  let pos = 0;
  for (const name of files) {
    const hash = sha.slice(pos, pos + 64);
    if (!/^[0-9a-f]{64}$/.test(hash) || !sha.startsWith(`  ${name}\n`, pos + 64))
      throw new Error(
        `listing: expected the sha256 of ${JSON.stringify(name)} at byte ${pos}, got ${JSON.stringify(sha.slice(pos, pos + 200))}`,
      );
    const entry = byRaw.get(name);
    if (entry !== undefined) entry.sha256 = hash;
    pos += 64 + 2 + name.length + 1;
  }
  if (pos !== sha.length)
    throw new Error(`listing: unexpected sha256sum output: ${JSON.stringify(sha.slice(pos, pos + 200))}`);

  const links = splitNul(Buffer.from(lines[iLinks + 1], "hex"));
  if (links.length % 2 !== 0) throw new Error("listing: odd number of items in the symlink section");
  for (let i = 0; i < links.length; i += 2) {
    const e = byRaw.get(links[i].toString("latin1"));
    if (e === undefined || e.type !== "symlink") throw new Error(`listing: readlink of unlisted ${links[i]}`);
    e.target = links[i + 1].toString("utf8");
  }
  for (const e of entries)
    if (e.type === "symlink" && e.target === undefined) throw new Error(`listing: no target for symlink ${e.path}`);
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Kernel log lines between two markers written to /dev/kmsg, without "[   1.234567] " prefixes. */
function dmesgBetween(/** @type {string} */ dmesg, /** @type {string} */ begin, /** @type {string} */ end) {
  const lines = dmesg.split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, ""));
  const b = lines.indexOf(begin);
  const e = lines.indexOf(end, b + 1);
  if (b < 0) return [];
  return lines.slice(b + 1, e < 0 ? undefined : e).filter((l) => l !== "");
}

/**
 * Mounts one image several ways in a single guest run (each mount is unmounted before the next), and
 * returns what the kernel showed each time. Runs one guest: much cheaper than one per mount.
 * @param {{ image: string, mounts: MountSpec[], kind?: DriveKind, timeoutMs?: number, keepTemp?: boolean }} opts
 * @returns {Promise<MountResult[]>}
 */
export async function mountAndListAll(opts) {
  const parts = [LIST_FUNCTION, "mkdir -p /mnt/img"];
  opts.mounts.forEach((m, i) => {
    const fs = m.fs ?? "iso9660";
    if (fs !== "iso9660" && fs !== "udf") throw new Error(`unsupported fs ${fs}`);
    const options = ["ro", ...(m.options ?? [])].join(",");
    parts.push(
      `echo "discburn-mount-begin-${i}" > /dev/kmsg`,
      `mount -t ${fs} -o ${shellQuote(options)} "$DISC0" /mnt/img 2> /tmp/mount.err; rc=$?`,
      `echo "discburn-mount-end-${i}" > /dev/kmsg`,
      `echo "@@mount ${i} $rc"`,
      `if [ $rc -eq 0 ]; then discburn_list /mnt/img; umount /mnt/img || exit 9; else od -An -v -tx1 /tmp/mount.err | tr -d ' \\n'; echo; fi`,
    );
  });
  parts.push(`echo "@@done"`);
  const r = await runGuest({
    drives: [{ file: opts.image, kind: opts.kind ?? "scsi-cd", readonly: true }],
    script: parts.join("\n"),
    timeoutMs: opts.timeoutMs,
    keepTemp: opts.keepTemp,
  });
  if (r.exitCode !== 0 || !r.stdout.includes("\n@@done\n"))
    throw new Error(`listing script failed (exit ${r.exitCode}):\n${tail(r.stderr)}\n${tail(r.stdout, 1000)}`);
  const sections = r.stdout.split(/^@@mount /m).slice(1);
  return opts.mounts.map((_, i) => {
    const s = sections[i];
    const m = /^(\d+) (\d+)\n/.exec(s ?? "");
    if (m === null || Number(m[1]) !== i) throw new Error(`listing: missing section for mount ${i}`);
    const dmesg = dmesgBetween(r.dmesg, `discburn-mount-begin-${i}`, `discburn-mount-end-${i}`);
    const body = s.slice(m[0].length);
    if (m[2] !== "0")
      return { mounted: false, tree: [], dmesg, mountError: Buffer.from(body.split("\n")[0], "hex").toString("utf8") };
    return { mounted: true, tree: parseListing(body), dmesg, mountError: "" };
  });
}

/**
 * Mounts `image` read-only in the guest (as /dev/sr0 on virtio-scsi by default) with the kernel's
 * iso9660 or udf driver and lists what it sees. Throws, with the kernel's messages, if the mount fails.
 * @param {{ image: string, fs?: "iso9660" | "udf", options?: string[], kind?: DriveKind, timeoutMs?: number }} opts
 * @returns {Promise<{ tree: KernelEntry[], dmesg: string[] }>}
 */
export async function mountAndList(opts) {
  const [r] = await mountAndListAll({
    image: opts.image,
    kind: opts.kind,
    timeoutMs: opts.timeoutMs,
    mounts: [{ fs: opts.fs, options: opts.options }],
  });
  if (!r.mounted)
    throw new Error(
      `mount -t ${opts.fs ?? "iso9660"} -o ${["ro", ...(opts.options ?? [])].join(",")} failed: ${r.mountError.trim()}\n` +
        `kernel log:\n${r.dmesg.join("\n")}`,
    );
  return { tree: r.tree, dmesg: r.dmesg };
}

// ---------------------------------------------------------------------------------------------------------
// bootGuest: real firmware booting an image

/**
 * Finds the OVMF firmware: the split CODE/VARS pair (4 MiB build first) or the unified OVMF.fd.
 * @returns {{ code: string, vars: string } | { unified: string }}
 */
export function findOvmf() {
  const pairs = [
    ["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"],
    ["/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"],
  ];
  for (const [code, vars] of pairs) if (existsSync(code) && existsSync(vars)) return { code, vars };
  if (existsSync("/usr/share/ovmf/OVMF.fd")) return { unified: "/usr/share/ovmf/OVMF.fd" };
  throw new Error("OVMF firmware not found: install `ovmf` (tools/install-oracles.sh)");
}

/** Removes ANSI escape sequences and carriage returns (firmware consoles draw with them). @param {string} s */
export function plainConsole(s) {
  return s
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
    .replace(/\x1b[()][A-Za-z0-9]/g, "")
    .replace(/\x1b[=>]/g, "")
    .replace(/\r/g, "");
}

/**
 * Boots `image` with SeaBIOS ("bios") or OVMF ("uefi"), attached as an IDE CD-ROM ("cdrom", El Torito) or
 * an IDE hard disk ("disk", MBR/GPT: isohybrid), and watches the first serial port until `expect` matches
 * (then QEMU is killed) or timeoutMs passes. Never throws on a mismatch: returns matched=false with the
 * console so the caller can show it.
 * @param {{ image: string, firmware?: "bios" | "uefi", attach?: "cdrom" | "disk", expect: RegExp, timeoutMs?: number, memoryMb?: number }} opts
 * @returns {Promise<{ matched: boolean, console: string, durationMs: number }>}
 */
export async function bootGuest(opts) {
  const firmware = opts.firmware ?? "bios";
  const attach = opts.attach ?? "cdrom";
  const timeoutMs = opts.timeoutMs ?? 120_000;
  if (!existsSync(opts.image)) throw new Error(`bootGuest: ${opts.image} does not exist`);
  const dir = mkdtempSync(join(tmpdir(), "discburn-qemu-boot-"));
  try {
    const args = [
      ...baseQemuArgs(opts.memoryMb ?? 256),
      // The firmware's, the boot loader's and the kernel's serial output arrive on our stdout.
      "-serial",
      "stdio",
    ];
    if (firmware === "uefi") {
      const ovmf = findOvmf();
      if ("code" in ovmf) {
        // Split firmware: read-only code in pflash unit 0, a private writable copy of the variable store in
        // unit 1 (OVMF writes boot entries there; the installed template must stay pristine).
        const vars = join(dir, "OVMF_VARS.fd");
        copyFileSync(ovmf.vars, vars);
        args.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${qemuValue(ovmf.code)}`);
        args.push("-drive", `if=pflash,format=raw,unit=1,file=${qemuValue(vars)}`);
      } else {
        args.push("-bios", ovmf.unified);
      }
    } else if (firmware !== "bios") throw new Error(`unknown firmware ${firmware}`);
    const file = qemuValue(resolve(opts.image));
    if (attach === "cdrom") {
      // An ATAPI CD-ROM as secondary master, like most PCs; bootindex makes it the first boot device.
      args.push("-drive", `file=${file},if=none,id=boot,format=raw,media=cdrom,readonly=on`);
      args.push("-device", "ide-cd,drive=boot,bus=ide.1,unit=0,bootindex=0");
    } else if (attach === "disk") {
      // A hard disk as primary master. ide-hd refuses read-only drives, so snapshot=on sends the
      // firmware's writes (OVMF may write a boot entry, grub an environment block) to a discarded overlay.
      args.push("-drive", `file=${file},if=none,id=boot,format=raw,snapshot=on`);
      args.push("-device", "ide-hd,drive=boot,bus=ide.0,unit=0,bootindex=0");
    } else throw new Error(`unknown attach ${attach}`);

    // A copy without the g/y flags: RegExp.test with those keeps state (lastIndex) between calls.
    const expect = new RegExp(opts.expect.source, opts.expect.flags.replace(/[gy]/g, ""));
    let seen = "";
    /** @type {Buffer[]} */
    const chunks = [];
    const r = await runQemu(args, {
      timeoutMs,
      onStdout: (b) => {
        chunks.push(b);
        seen += b.toString("latin1");
        return expect.test(seen) || expect.test(plainConsole(seen));
      },
      describeTimeout: () => "",
    }).catch((/** @type {Error} */ e) => {
      if (e.message.startsWith("QEMU timed out")) return undefined;
      throw e;
    });
    const consoleText = Buffer.concat(chunks).toString("utf8");
    if (r === undefined) return { matched: false, console: consoleText, durationMs: timeoutMs };
    if (!r.stopped && r.stderr.trim() !== "" && r.code !== 0)
      throw new Error(`QEMU failed (exit ${r.code ?? r.signal}): ${r.stderr}\nconsole:\n${tail(consoleText)}`);
    return { matched: r.stopped, console: consoleText, durationMs: r.durationMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage:
  node tools/qemu/harness.mjs prepare
  node tools/qemu/harness.mjs mount IMG [--fs iso9660|udf] [-o OPT[,OPT...]] [--kind scsi-cd|ide-cd|virtio-blk]
  node tools/qemu/harness.mjs boot IMG --firmware bios|uefi --attach cdrom|disk --expect REGEX [--timeout MS]
  node tools/qemu/harness.mjs run [--drive KIND:FILE]... [--timeout MS] SCRIPT`;

/** @param {string[]} argv */
async function main(argv) {
  const [cmd, ...rest] = argv;
  /** @type {Record<string, string[]>} */
  const flags = {};
  /** @type {string[]} */
  const positional = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a.startsWith("-") && a !== "-") {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      flags[a] = [...(flags[a] ?? []), v];
    } else positional.push(a);
  }
  const one = (/** @type {string} */ f) => flags[f]?.at(-1);
  switch (cmd) {
    case "prepare": {
      console.log(JSON.stringify(prepareGuest(), null, 2));
      return 0;
    }
    case "mount": {
      if (positional.length !== 1) throw new Error(USAGE);
      const fs = /** @type {"iso9660" | "udf"} */ (one("--fs") ?? "iso9660");
      const options = (flags["-o"] ?? []).flatMap((o) => o.split(",")).filter(Boolean);
      const kind = /** @type {DriveKind | undefined} */ (one("--kind"));
      const r = await mountAndList({ image: positional[0], fs, options, kind });
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    case "boot": {
      const expect = one("--expect");
      if (positional.length !== 1 || expect === undefined) throw new Error(USAGE);
      const r = await bootGuest({
        image: positional[0],
        firmware: /** @type {"bios" | "uefi"} */ (one("--firmware") ?? "bios"),
        attach: /** @type {"cdrom" | "disk"} */ (one("--attach") ?? "cdrom"),
        expect: new RegExp(expect),
        timeoutMs: Number(one("--timeout") ?? 120_000),
      });
      process.stdout.write(`${plainConsole(r.console)}\n`);
      console.error(`${r.matched ? "matched" : "NOT matched"} ${expect} after ${r.durationMs} ms`);
      return r.matched ? 0 : 1;
    }
    case "run": {
      if (positional.length !== 1) throw new Error(USAGE);
      const drives = (flags["--drive"] ?? []).map((d) => {
        const colon = d.indexOf(":");
        return /** @type {Drive} */ ({
          kind: d.slice(0, colon < 0 ? undefined : colon),
          file: colon < 0 ? undefined : d.slice(colon + 1),
        });
      });
      const r = await runGuest({ drives, script: positional[0], timeoutMs: Number(one("--timeout") ?? 120_000) });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      console.error(`exit ${r.exitCode} after ${r.durationMs} ms`);
      return r.exitCode;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 2;
    },
  );
}
