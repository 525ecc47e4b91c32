// The "udf" namespace: what independent readers see in the UDF file system (ECMA-167 / OSTA UDF 1.02-2.60) of a
// UDF or bridge (ISO 9660 + UDF) image. Three readers return a UdfTree (tree.ts' TreeEntry plus a few UDF-only
// time stamps), and udfinfo() reports the volume structure:
//
//   readUdf7z               7-Zip's UDF handler: names, types, sizes, hashes (extraction), times, link counts
//   readUdfPycdlib          pycdlib (pycdlib_udf.py): everything in the File Entry, POSIX fields included
//   readUdfKernel           the Linux kernel's udf driver under QEMU (tools/qemu/harness.mjs); readUdfKernelAll
//                           mounts several images in one guest
//   udfinfo                 udftools' udfinfo: revision, label, block counts, file/dir counts, layout, errors
//
// UDF_READERS says which fields each reader fills and how it differs; expectedUdfView() applies that to a
// reference tree. Conventions shared by all readers (so their trees compare with compareTrees and with a host
// tree from hostTree(dir, { posix: true })):
//   - names exactly as recorded (CS0 8-bit or 16-bit, decoded to Unicode); "/" root excluded; sorted by path;
//   - mtime: the File Entry's Modification Time in whole UTC seconds (type 1 time stamps carry an offset from
//     UTC, which every reader applies);
//   - nlink: the File Link Count for non-directories; for directories the File Link Count + 1, the count the
//     kernel shows and a POSIX host has (2 + subdirectories): UDF counts the FID in the parent and the parent
//     FIDs of the subdirectories, not the directory's own ".";
//   - uid/gid: undefined when the File Entry records -1 ("not specified"); the kernel shows those as its uid=/gid=
//     mount options, by default the overflow id 65534 (UDF_KERNEL_UNSET_ID);
//   - mode: POSIX permission bits derived like the kernel's udf_convert_permissions (the UDF read, write and
//     execute bits of each class; setuid, setgid and sticky from the ICB tag flags), no file-type bits.

import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DriveKind,
  type KernelEntry,
  LIST_FUNCTION,
  mountAndList,
  parseListing,
  runGuest,
} from "../../../../tools/qemu/harness.mjs";
import { requirePycdlib, requireTool, run } from "./tools.js";
import { type EntryType, hostTree, type PosixField, sortTree, type Tree, type TreeEntry } from "./tree.js";

export type UdfReaderName = "7z" | "pycdlib" | "kernel";

/** A TreeEntry plus the UDF File Entry time stamps some readers show (whole UTC seconds). */
export interface UdfEntry extends TreeEntry {
  /** Access Time. */
  atime?: number;
  /** Attribute Time (last change of the File Entry's attributes; 7z calls it "Metadata Changed"). */
  attrTime?: number;
  /** 7z only: the Creation Time of an Extended File Entry (UDF 2.00+; plain File Entries have none). */
  createTime?: number;
  /** pycdlib only: the raw 15-bit UDF permissions (delete and change-attribute bits included). */
  permissions?: number;
  /** pycdlib only: the raw ICB tag flags (allocation descriptor type, setuid 0x40, setgid 0x80, sticky 0x100). */
  icbFlags?: number;
}

/** Sorted by path like tree.ts' Tree; assignable to readonly TreeEntry[] for compareTrees. */
export type UdfTree = UdfEntry[];

export interface UdfReadOptions {
  /** Extract and hash every file (default true). false: listing only, no sha256. 7z and pycdlib only. */
  hash?: boolean;
  /** Leave the extraction temp dir in place (its path is printed to stderr). Default false. */
  keepTemp?: boolean;
  /** Per-process (or per-guest) timeout in ms (default 120 000). */
  timeoutMs?: number;
}

export interface UdfKernelOptions {
  /** Mount options besides "ro", e.g. ["uid=1000"], ["novrs"], ["session=0"]. */
  options?: readonly string[];
  /** How the image is attached (default "scsi-cd": 2048-byte sectors; use "scsi-hd" for 512-byte UDF). */
  kind?: DriveKind;
  timeoutMs?: number;
}

/** The image has no UDF Volume Recognition Sequence (no NSR02/NSR03 descriptor). */
export class AbsentUdfError extends Error {
  constructor(
    readonly reader: UdfReaderName,
    detail: string,
  ) {
    super(`absent namespace: ${reader} finds no UDF file system in this image: ${detail}`);
    this.name = "AbsentUdfError";
  }
}

/** The image has UDF, but this reader refuses it (7z: a symlink; pycdlib: no ISO 9660 PVD; kernel: mount fails). */
export class UnreadableUdfError extends Error {
  constructor(
    readonly reader: UdfReaderName,
    reason: string,
  ) {
    super(`unreadable: ${reader} cannot read the UDF file system of this image: ${reason}`);
    this.name = "UnreadableUdfError";
  }
}

/** What the kernel shows as owner of a File Entry whose uid/gid is -1 (default mount options: overflowuid). */
export const UDF_KERNEL_UNSET_ID = 65534;

// ---------------------------------------------------------------------------------------------------------
// Volume Recognition Sequence

export interface UdfRecognition {
  /** Identifiers of the Volume Structure Descriptors found from byte 32768 on, in order ("CD001", "BEA01", ...). */
  descriptors: string[];
  /** "NSR02" (UDF 1.02-1.50) or "NSR03" (UDF 2.00+), undefined without UDF. */
  nsr?: "NSR02" | "NSR03";
}

const VSD_IDS = new Set(["CD001", "CDW02", "BEA01", "NSR02", "NSR03", "TEA01", "BOOT2"]);

/**
 * Scans the Volume Recognition Sequence (ECMA-167 2/8.3; 2048-byte steps from byte 32768, all-zero sectors
 * skipped so block sizes above 2048 work) for the NSR descriptor that marks a UDF volume. Used only to tell
 * "no UDF here" from "the reader refuses this UDF"; never for contents.
 */
export function udfRecognition(img: string): UdfRecognition {
  const fd = openSync(img, "r");
  const buf = Buffer.alloc(2048);
  const descriptors: string[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      if (readSync(fd, buf, 0, 2048, 32768 + i * 2048) < 2048) break;
      if (buf.every((b) => b === 0)) continue;
      const id = buf.toString("latin1", 1, 6);
      if (!VSD_IDS.has(id)) break;
      descriptors.push(id);
      if (id === "TEA01") break;
    }
  } finally {
    closeSync(fd);
  }
  const nsr = descriptors.find((d): d is "NSR02" | "NSR03" => d === "NSR02" || d === "NSR03");
  return nsr === undefined ? { descriptors } : { descriptors, nsr };
}

function requireUdf(reader: UdfReaderName, img: string): void {
  const r = udfRecognition(img);
  if (r.nsr === undefined)
    throw new AbsentUdfError(reader, `no NSR02/NSR03 descriptor (found ${r.descriptors.join(", ") || "nothing"})`);
}

// ---------------------------------------------------------------------------------------------------------
// Shared plumbing

function utcSeconds(y: number, mon: number, d: number, h: number, mi: number, s: number): number {
  return Math.floor(Date.UTC(y, mon - 1, d, h, mi, s) / 1000);
}

async function withTempDir<T>(
  reader: UdfReaderName,
  opts: UdfReadOptions,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `discburn-udf-${reader}-`));
  try {
    return await fn(dir);
  } finally {
    if (opts.keepTemp === true) process.stderr.write(`udf oracle ${reader}: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 7z

const SEVEN_ZIP_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/;

function sevenZipTime(s: string | undefined): number | undefined {
  const m = SEVEN_ZIP_TIME.exec(s ?? "");
  if (m === null) return undefined;
  return utcSeconds(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Parses the item blocks of `7z l -slt` (after the "----------" line) into field maps. */
function sevenZipBlocks(text: string): Map<string, string>[] {
  const sep = text.indexOf("\n----------\n");
  if (sep < 0) throw new Error(`7z: no item list in:\n${text}`);
  const blocks: Map<string, string>[] = [];
  for (const block of text.slice(sep + 12).split(/\n\n+/)) {
    if (block.trim() === "") continue;
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const i = line.indexOf(" = ");
      if (i > 0) fields.set(line.slice(0, i), line.slice(i + 3));
      else if (line.endsWith(" =")) fields.set(line.slice(0, -2), "");
    }
    blocks.push(fields);
  }
  return blocks;
}

/** The archive properties 7z prints for the UDF volume (the block between "--" and "----------"). */
export interface SevenZipUdfVolume {
  /** "Version": the UDF revision of the Logical Volume's Domain Identifier suffix, e.g. "1.02", "2.01". */
  version?: string;
  /** The raw "Comment" text (primary volume, partitions, logical volumes, partition maps, file sets). */
  comment: string;
}

/**
 * 7-Zip (p7zip-full, 7-Zip 26.02) with its UDF handler forced: `7z l -slt -tudf -sccUTF-8 IMG` and
 * `7z x -tudf -sccUTF-8 -oDIR IMG` (every listed file must be extracted with the listed size; hashes come from
 * the extraction). 7z shows per item Path (names exactly as recorded, "/"-separated, even "\\", ":" or "*"),
 * Folder, Size, Modified, Accessed, "Metadata Changed" (the Attribute Time), "Created" (only for Extended File
 * Entries: createTime), all with the time stamp's UTC offset applied (we force TZ=UTC), and Links (the File Link Count;
 * directories get +1, see the module comment). No uid, gid or permissions. It reads File Entries and Extended
 * File Entries, type 1, sparable and metadata partitions.
 *
 * Quirk: 7-Zip accepts only File Entries of type directory, file and real-time file; any other (a symlink, a
 * FIFO, a device...) makes it refuse the WHOLE image ("Cannot open the file as [Udf] archive", "Unsupported
 * feature"): UnreadableUdfError. It also refuses unfinished VAT (write-once) volumes, and images without an anchor at
 * sector 256 ("Is not archive": it does not fall back to the other anchors).
 */
export async function readUdf7z(img: string, opts: UdfReadOptions = {}): Promise<UdfTree> {
  return (await readUdf7zVolume(img, opts)).tree;
}

/** readUdf7z plus what 7z says about the volume (its "Version" and "Comment" properties). */
export async function readUdf7zVolume(
  img: string,
  opts: UdfReadOptions = {},
): Promise<{ tree: UdfTree; volume: SevenZipUdfVolume }> {
  const sevenZip = requireTool("7z");
  requireUdf("7z", img);
  const common = ["-tudf", "-sccUTF-8", "-bd"];
  const r = await run(sevenZip, ["l", "-slt", ...common, img], { timeoutMs: opts.timeoutMs, allowNonZero: true });
  const text = r.stdout.toString("utf8");
  if (/Cannot open the file as \[Udf\] archive/.test(`${text}\n${r.stderr}`)) {
    // 7z's reason is the first line after "ERRORS:" ("Unsupported feature", "Is not archive").
    const reason = /^ERRORS:\n(.*)$/m.exec(`${text}\n${r.stderr}`)?.[1] ?? "no reason given";
    throw new UnreadableUdfError(
      "7z",
      `"Cannot open the file as [Udf] archive", "${reason}" (7-Zip says "Unsupported feature" when a File Entry ` +
        `is neither a file nor a directory, e.g. a symlink, or for an unfinished VAT volume; "Is not archive" ` +
        "when there is no anchor at sector 256)",
    );
  }
  if (r.code !== 0 || /^(ERRORS?|WARNINGS?):/m.test(text) || /^(ERRORS?|WARNINGS?):/m.test(r.stderr))
    throw new Error(`7z reported problems listing ${img} (exit ${r.code}):\n${text}\n${r.stderr}`);
  const head = text.slice(0, Math.max(0, text.indexOf("\n----------\n")));
  const version = /^Version = (.*)$/m.exec(head)?.[1];
  const at = head.indexOf("\nComment = ");
  const comment = at < 0 ? "" : head.slice(at + 11);
  const tree: UdfTree = [];
  for (const fields of sevenZipBlocks(text)) {
    const path = fields.get("Path");
    const folder = fields.get("Folder");
    if (path === undefined || folder === undefined) throw new Error(`7z: cannot parse item block: ${[...fields]}`);
    const dir = folder === "+";
    const e: UdfEntry = { path: `/${path}`, type: dir ? "dir" : "file" };
    if (!dir) e.size = Number(fields.get("Size") ?? "NaN");
    const mtime = sevenZipTime(fields.get("Modified"));
    const atime = sevenZipTime(fields.get("Accessed"));
    const attrTime = sevenZipTime(fields.get("Metadata Changed"));
    const createTime = sevenZipTime(fields.get("Created"));
    if (mtime !== undefined) e.mtime = mtime;
    if (atime !== undefined) e.atime = atime;
    if (attrTime !== undefined) e.attrTime = attrTime;
    if (createTime !== undefined) e.createTime = createTime;
    const links = fields.get("Links");
    if (links !== undefined && links !== "") e.nlink = Number(links) + (dir ? 1 : 0);
    tree.push(e);
  }
  if (opts.hash !== false) {
    await withTempDir("7z", opts, async (tmp) => {
      const root = join(tmp, "root");
      mkdirSync(root);
      await run(sevenZip, ["x", ...common, "-y", `-o${root}`, img], { timeoutMs: opts.timeoutMs });
      const onDisk = new Map(hostTree(root).map((d) => [d.path, d]));
      const problems: string[] = [];
      for (const e of tree) {
        const d = onDisk.get(e.path);
        onDisk.delete(e.path);
        if (d === undefined) problems.push(`listed but not extracted: ${JSON.stringify(e.path)}`);
        else if (d.type !== e.type) problems.push(`listed as ${e.type}, extracted as ${d.type}: ${e.path}`);
        else if (e.type === "file") {
          if (d.size !== e.size) problems.push(`listed ${e.size} bytes, extracted ${d.size}: ${e.path}`);
          e.sha256 = d.sha256;
        }
      }
      for (const p of onDisk.keys()) problems.push(`extracted but not listed: ${JSON.stringify(p)}`);
      if (problems.length > 0)
        throw new Error(`7z: listing and extraction disagree:\n  ${problems.slice(0, 20).join("\n  ")}`);
    });
  }
  return { tree: sortTree(tree), volume: version === undefined ? { comment } : { version, comment } };
}

// ---------------------------------------------------------------------------------------------------------
// pycdlib

const PYCDLIB_UDF = fileURLToPath(new URL("./pycdlib_udf.py", import.meta.url));

/** What pycdlib_udf.py says about the volume (its first output line). */
export interface PycdlibUdfVolume {
  /** The Logical Volume's Domain Identifier suffix, e.g. "1.02" (pycdlib's own "2.60" images say 1.02). */
  revision: string;
  /** The Domain Identifier, "*OSTA UDF Compliant". */
  domain: string;
  /** The Logical Volume Identifier. */
  label: string;
  /** "1" per type 1 map; a type 2 map as "2:<identifier>", e.g. "2:*UDF Metadata Partition". */
  partitionMaps: string[];
}

function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`pycdlib: ${what} is not an object`);
  return v as Record<string, unknown>;
}

/**
 * pycdlib (python3-pycdlib 1.12, /usr/bin/python3) through pycdlib_udf.py: walks the UDF tree from get_record(
 * udf_path="/") through pycdlib's parsed File Identifier Descriptors, reads files with get_file_from_iso_fp(
 * udf_path=...), and reports from each File Entry: type (file, dir, symlink), size, sha256, mtime, atime,
 * attrTime, uid, gid (undefined for -1), mode (kernel-style from permissions and ICB flags), nlink (File Link
 * Count, +1 for directories), the raw permissions and ICB flags, and symlink targets (the symlink's data, read
 * through pycdlib's inode, decoded from ECMA-167 path components by the helper).
 *
 * Limits of pycdlib 1.12: it needs an ISO 9660 PVD (a bridge image; pure UDF images such as mkudffs's are
 * refused: UnreadableUdfError); it parses only File Entries (tag 261: no Extended File Entries, so UDF 2.00+
 * volumes written with EFEs are refused), uses the first partition's start as the base of every address (no
 * metadata partition, no VAT, no sparing), requires "checkpoint" 1, and has no notion of FIFOs or devices.
 */
export async function readUdfPycdlib(img: string, opts: UdfReadOptions = {}): Promise<UdfTree> {
  return (await readUdfPycdlibVolume(img, opts)).tree;
}

/** readUdfPycdlib plus the volume information pycdlib_udf.py prints. */
export async function readUdfPycdlibVolume(
  img: string,
  opts: UdfReadOptions = {},
): Promise<{ tree: UdfTree; volume: PycdlibUdfVolume }> {
  const python = await requirePycdlib();
  const args = [PYCDLIB_UDF, img, ...(opts.hash === false ? ["--no-hash"] : [])];
  const r = await run(python, args, { allowNonZero: true, timeoutMs: opts.timeoutMs });
  if (r.code === 3) throw new AbsentUdfError("pycdlib", r.stderr.trim());
  if (r.code === 4) throw new UnreadableUdfError("pycdlib", r.stderr.trim());
  if (r.code !== 0) throw new Error(`pycdlib_udf.py exited with ${r.code}:\n${r.stderr}`);
  const tree: UdfTree = [];
  let volume: PycdlibUdfVolume | undefined;
  for (const line of r.stdout.toString("utf8").split("\n")) {
    if (line === "") continue;
    const o = asRecord(JSON.parse(line) as unknown, line);
    const num = (k: string): number | undefined => (typeof o[k] === "number" ? (o[k] as number) : undefined);
    if (o.kind === "info") {
      const maps = o.partitionMaps;
      if (typeof o.revision !== "string" || !Array.isArray(maps)) throw new Error(`pycdlib: bad info line ${line}`);
      volume = {
        revision: o.revision,
        domain: String(o.domain),
        label: String(o.label),
        partitionMaps: maps.map(String),
      };
      continue;
    }
    const { path, type } = o;
    if (typeof path !== "string" || (type !== "file" && type !== "dir" && type !== "symlink"))
      throw new Error(`pycdlib: bad entry ${line}`);
    const e: UdfEntry = { path, type };
    if (type === "file") {
      const size = num("size");
      if (size === undefined) throw new Error(`pycdlib: file without size ${line}`);
      e.size = size;
      if (typeof o.sha256 === "string") e.sha256 = o.sha256;
    }
    const set = <K extends keyof UdfEntry>(k: K, v: UdfEntry[K] | undefined): void => {
      if (v !== undefined) e[k] = v;
    };
    set("mtime", num("mtime"));
    set("atime", num("atime"));
    set("attrTime", num("attrTime"));
    set("mode", num("mode"));
    set("uid", num("uid"));
    set("gid", num("gid"));
    const links = num("linkCount");
    if (links !== undefined) e.nlink = links + (type === "dir" ? 1 : 0);
    if (type === "symlink") {
      if (typeof o.target !== "string") throw new Error(`pycdlib: symlink without target ${line}`);
      e.target = o.target;
    }
    set("permissions", num("permissions"));
    set("icbFlags", num("icbFlags"));
    tree.push(e);
  }
  if (volume === undefined) throw new Error(`pycdlib_udf.py printed no info line:\n${r.stderr}`);
  return { tree: sortTree(tree), volume };
}

// ---------------------------------------------------------------------------------------------------------
// The Linux kernel (QEMU)

function fromKernel(entries: readonly KernelEntry[]): UdfTree {
  return entries.map((k) => {
    const e: UdfEntry = { path: k.path, type: k.type, mtime: k.mtime, mode: k.mode, uid: k.uid, gid: k.gid };
    e.nlink = k.nlink;
    if (k.type === "file") {
      e.size = k.size;
      if (k.sha256 !== undefined) e.sha256 = k.sha256;
    }
    if (k.target !== undefined) e.target = k.target;
    if (k.rdev !== undefined) e.rdev = k.rdev;
    return e;
  });
}

/**
 * The Linux kernel's udf driver (Debian 6.1 under QEMU, tools/qemu/harness.mjs): `mount -t udf -o ro` and a
 * listing (lstat, sha256sum, readlink). Shows every type, size, sha256, mtime, mode, uid, gid, nlink, symlink
 * targets and device numbers. Kernel conventions: uid/gid -1 become the uid=/gid= mount options (default
 * 65534, UDF_KERNEL_UNSET_ID); symlinks always show mode 0777; directories show File Link Count + 1; a File Link
 * Count of 0 shows as 1. Throws AbsentUdfError without a UDF recognition sequence, UnreadableUdfError (with the
 * kernel log) when the mount fails.
 */
export async function readUdfKernel(img: string, opts: UdfKernelOptions = {}): Promise<UdfTree> {
  requireUdf("kernel", img);
  let listed: { tree: KernelEntry[]; dmesg: string[] };
  try {
    listed = await mountAndList({
      image: img,
      fs: "udf",
      options: [...(opts.options ?? [])],
      kind: opts.kind,
      timeoutMs: opts.timeoutMs,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/^mount -t udf .* failed/.test(msg)) throw new UnreadableUdfError("kernel", msg);
    throw e;
  }
  return fromKernel(listed.tree);
}

export interface UdfKernelMount {
  image: string;
  options?: readonly string[];
  /** Default "scsi-cd". */
  kind?: DriveKind;
}

export interface UdfKernelResult {
  mounted: boolean;
  /** Empty when the mount failed. */
  tree: UdfTree;
  /** Kernel log lines printed while mounting (timestamps removed). */
  dmesg: string[];
  /** mount's stderr when it failed. */
  mountError: string;
}

/**
 * Mounts several images in ONE guest (each attached as its own drive, mounted and listed in turn): much cheaper
 * than one readUdfKernel per image (a guest costs 3-5 s under TCG). Never throws for a failed mount: see
 * UdfKernelResult.mounted. Images need no UDF recognition sequence (useful for negative controls).
 */
export async function readUdfKernelAll(
  mounts: readonly UdfKernelMount[],
  opts: { timeoutMs?: number } = {},
): Promise<UdfKernelResult[]> {
  const parts = [LIST_FUNCTION, "mkdir -p /mnt/img"];
  mounts.forEach((m, i) => {
    const options = ["ro", ...(m.options ?? [])].join(",");
    if (!/^[\w=,.:/-]+$/.test(options)) throw new Error(`readUdfKernelAll: unsupported mount options ${options}`);
    parts.push(
      `echo "discburn-udf-begin-${i}" > /dev/kmsg`,
      `mount -t udf -o ${options} "$DISC${i}" /mnt/img 2> /tmp/mount.err; rc=$?`,
      `echo "discburn-udf-end-${i}" > /dev/kmsg`,
      `echo "@@mount ${i} $rc"`,
      `if [ $rc -eq 0 ]; then discburn_list /mnt/img; umount /mnt/img || exit 9;`,
      `else od -An -v -tx1 /tmp/mount.err | tr -d ' \\n'; echo; fi`,
    );
  });
  parts.push(`echo "@@done"`);
  const r = await runGuest({
    drives: mounts.map((m) => ({ file: m.image, kind: m.kind ?? "scsi-cd", readonly: true })),
    script: parts.join("\n"),
    timeoutMs: opts.timeoutMs,
  });
  if (r.exitCode !== 0 || !r.stdout.includes("\n@@done\n"))
    throw new Error(
      `udf listing script failed (exit ${r.exitCode}):\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-1000)}`,
    );
  const log = r.dmesg.split("\n").map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, ""));
  const sections = r.stdout.split(/^@@mount /m).slice(1);
  return mounts.map((_, i) => {
    const s = sections[i];
    const m = /^(\d+) (\d+)\n/.exec(s ?? "");
    if (m === null || Number(m[1]) !== i) throw new Error(`udf listing: missing section for mount ${i}`);
    const b = log.indexOf(`discburn-udf-begin-${i}`);
    const e = log.indexOf(`discburn-udf-end-${i}`, b + 1);
    const dmesg = b < 0 ? [] : log.slice(b + 1, e < 0 ? undefined : e).filter((l) => l !== "");
    const body = s.slice(m[0].length);
    if (m[2] !== "0")
      return {
        mounted: false,
        tree: [],
        dmesg,
        mountError: Buffer.from(body.split("\n")[0], "hex").toString("utf8"),
      };
    return { mounted: true, tree: fromKernel(parseListing(body)), dmesg, mountError: "" };
  });
}

// ---------------------------------------------------------------------------------------------------------
// udfinfo (udftools)

export interface UdfInfoExtent {
  start: number;
  blocks: number;
  /** VRS, MVDS, RVDS, LVID, ANCHOR, PSPACE, USPACE, VAT, ... */
  type: string;
}

export interface UdfInfo {
  /** udfinfo's exit status: 1 when it cannot process the image at all, else 0 (even with "Error:" lines). */
  exitCode: number;
  /** Every key=value line exactly as printed (filename, label, uuid, lvid, vid, vsid, fsid, impid, ...). */
  fields: Record<string, string>;
  /** "udfrev": the minimum UDF read revision (LVID Implementation Use), e.g. "1.02", "2.01". */
  revision?: string;
  /** "udfwriterev": the minimum write revision. */
  writeRevision?: string;
  label?: string;
  blockSize?: number;
  blocks?: number;
  usedBlocks?: number;
  freeBlocks?: number;
  /** Files as the writer counted them in the LVID (udfinfo does not walk the tree). */
  numFiles?: number;
  /** Directories as the writer counted them in the LVID, the root included. */
  numDirs?: number;
  /** "closed" or "opened" (Logical Volume Integrity Descriptor). */
  integrity?: string;
  /** "readonly", "overwritable", "writeonce", ... */
  accessType?: string;
  /** The "start=N, blocks=N, type=T" lines: where udfinfo found each structure. */
  layout: UdfInfoExtent[];
  /** "udfinfo: Warning: ..." lines on stderr (without the prefix). */
  warnings: string[];
  /** "udfinfo: Error: ..." lines on stderr (without the prefix). */
  errors: string[];
  /** exitCode 0 and no error lines. Warnings (e.g. a missing first anchor) do not make a volume invalid. */
  valid: boolean;
}

/**
 * Runs `udfinfo IMG` (udftools 2.3) and parses it. udfinfo reads the volume structure only (anchors, volume
 * descriptor sequences, LVID, partition space): it never walks the directory tree, so numFiles/numDirs are what
 * the writer recorded. Problems are reported on stderr as "udfinfo: Warning: ..." (e.g. "First Anchor Volume
 * Descriptor Pointer not found, using second") and "udfinfo: Error: ..." lines; the exit status is 1 only when
 * it cannot use the image at all ("UDF Volume Recognition Sequence not found", "Cannot process device ... as UDF
 * disk"); an unfinished VAT volume prints "Error: Virtual Allocation Table not found" and still exits 0. Never
 * throws for a bad image: check `valid`, `errors`, `warnings`.
 */
export async function udfinfo(img: string, opts: { timeoutMs?: number } = {}): Promise<UdfInfo> {
  const tool = requireTool("udfinfo");
  const r = await run(tool, [img], { allowNonZero: true, timeoutMs: opts.timeoutMs });
  if (r.code !== 0 && r.code !== 1) throw new Error(`udfinfo exited with ${r.code}:\n${r.stderr}`);
  const fields: Record<string, string> = {};
  const layout: UdfInfoExtent[] = [];
  for (const line of r.stdout.toString("utf8").split("\n")) {
    if (line === "") continue;
    const ext = /^start=(\d+), blocks=(\d+), type=(\S+)$/.exec(line);
    if (ext !== null) {
      layout.push({ start: Number(ext[1]), blocks: Number(ext[2]), type: ext[3] });
      continue;
    }
    const kv = /^(\w+)=(.*)$/.exec(line);
    if (kv === null) throw new Error(`udfinfo: cannot parse line ${JSON.stringify(line)}`);
    fields[kv[1]] = kv[2];
  }
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const line of r.stderr.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^udfinfo: (Warning|Error): (.*)$/.exec(line);
    if (m?.[1] === "Warning") warnings.push(m[2]);
    else if (m?.[1] === "Error") errors.push(m[2]);
    else errors.push(line);
  }
  const int = (k: string): number | undefined => (fields[k] === undefined ? undefined : Number(fields[k]));
  const info: UdfInfo = {
    exitCode: r.code,
    fields,
    layout,
    warnings,
    errors,
    valid: r.code === 0 && errors.length === 0,
  };
  const set = <K extends keyof UdfInfo>(k: K, v: UdfInfo[K] | undefined): void => {
    if (v !== undefined) info[k] = v;
  };
  set("revision", fields.udfrev);
  set("writeRevision", fields.udfwriterev);
  set("label", fields.label);
  set("blockSize", int("blocksize"));
  set("blocks", int("blocks"));
  set("usedBlocks", int("usedblocks"));
  set("freeBlocks", int("freeblocks"));
  set("numFiles", int("numfiles"));
  set("numDirs", int("numdirs"));
  set("integrity", fields.integrity);
  set("accessType", fields.accesstype);
  return info;
}

// ---------------------------------------------------------------------------------------------------------
// Registry

export interface UdfReaderSpec {
  readonly name: UdfReaderName;
  /** Reads the UDF tree (the kernel reader boots a guest; see readUdfKernelAll for several images at once). */
  readonly read: (img: string, opts?: UdfReadOptions) => Promise<UdfTree>;
  /** Entry types the reader can show. */
  readonly types: readonly EntryType[];
  /** POSIX fields the reader fills (nlink: see the module comment for directories). */
  readonly fields: readonly PosixField[];
  /** Whether the reader fills atime and attrTime (7z also createTime, for Extended File Entries). */
  readonly udfTimes: boolean;
  /** Whether the reader opens a UDF volume without an ISO 9660 PVD (pure UDF, e.g. mkudffs). */
  readonly pureUdf: boolean;
  /** How symlinks (ICB file type 12) show: as "symlink" entries with targets, or the whole image is refused. */
  readonly symlinks: "listed" | "refuses-image";
  /** Adjusts a reference entry (as recorded) to what the reader displays. */
  readonly view?: (e: UdfEntry) => UdfEntry;
  /** Deviations expectedUdfView cannot predict from a tree alone. */
  readonly quirks: readonly string[];
}

const ALL_TYPES: readonly EntryType[] = ["file", "dir", "symlink", "fifo", "socket", "chardev", "blockdev"];

export const UDF_READERS: readonly UdfReaderSpec[] = [
  {
    name: "7z",
    read: readUdf7z,
    types: ["file", "dir"],
    fields: ["nlink"],
    udfTimes: true,
    pureUdf: true,
    symlinks: "refuses-image",
    quirks: [
      "refuses the whole image when any File Entry is not a file, directory or real-time file (e.g. a symlink)",
      "refuses unfinished VAT (write-once) volumes",
      "needs the anchor at sector 256 (does not fall back to the anchors at N-256 or N)",
    ],
  },
  {
    name: "pycdlib",
    read: readUdfPycdlib,
    types: ["file", "dir", "symlink"],
    fields: ["mode", "uid", "gid", "nlink", "target"],
    udfTimes: true,
    pureUdf: false,
    symlinks: "listed",
    quirks: [
      "needs an ISO 9660 PVD: pure UDF images are refused",
      "File Entries only: volumes with Extended File Entries (typical for UDF 2.00+ writers) are refused",
      "no metadata partition, VAT or sparing table: addresses are taken relative to the first partition",
      "uid/gid -1 (not specified) are reported as undefined",
    ],
  },
  {
    name: "kernel",
    read: (img, opts) => readUdfKernel(img, { timeoutMs: opts?.timeoutMs }),
    types: ALL_TYPES,
    fields: ["mode", "uid", "gid", "nlink", "target", "rdev"],
    udfTimes: false,
    pureUdf: true,
    symlinks: "listed",
    // A recorded entry with a mode but no uid/gid is one whose File Entry says -1: the kernel shows 65534.
    view: (e) => {
      const v: UdfEntry = { ...e };
      if (v.type === "symlink" && v.mode !== undefined) v.mode = 0o777;
      if (v.uid === undefined && e.mode !== undefined) v.uid = UDF_KERNEL_UNSET_ID;
      if (v.gid === undefined && e.mode !== undefined) v.gid = UDF_KERNEL_UNSET_ID;
      return v;
    },
    quirks: [
      "uid/gid -1 show as the uid=/gid= mount options (default 65534)",
      "symlinks always show mode 0777",
      "refuses unfinished VAT (write-once) volumes (No partition found)",
    ],
  },
];

export function udfReader(name: UdfReaderName): UdfReaderSpec {
  const r = UDF_READERS.find((x) => x.name === name);
  if (r === undefined) throw new Error(`unknown UDF reader ${name}`);
  return r;
}

/**
 * What `spec` is expected to show when the UDF tree as recorded is `tree` (uid/gid undefined where the File
 * Entry says -1; nlink with the directory convention of the module comment): spec.view first (kernel: 65534 for
 * unset owners of entries that have a mode, 0777 for symlinks), then the POSIX fields the reader does not report
 * are dropped, atime/attrTime unless spec.udfTimes, and the raw permissions and ICB flags always (compare
 * pycdlib's raw fields explicitly). Types the reader cannot show are kept (a reader that refuses them throws).
 */
export function expectedUdfView(spec: UdfReaderSpec, tree: readonly UdfEntry[]): UdfTree {
  const posix: readonly PosixField[] = ["mode", "uid", "gid", "nlink", "target", "rdev"];
  return sortTree(
    tree.map((src) => {
      let e: UdfEntry = spec.view ? spec.view(src) : { ...src };
      e = { ...e };
      for (const f of posix) if (!spec.fields.includes(f)) delete e[f];
      if (!spec.udfTimes) {
        delete e.atime;
        delete e.attrTime;
      }
      if (spec.name !== "7z") delete e.createTime;
      delete e.permissions;
      delete e.icbFlags;
      return e;
    }),
  );
}

/** Copies a tree without the UDF-only fields (atime, attrTime, createTime, permissions, icbFlags): a tree.ts Tree. */
export function plainTree(tree: readonly UdfEntry[]): Tree {
  return tree.map(({ atime: _a, attrTime: _t, createTime: _c, permissions: _p, icbFlags: _f, ...rest }) => rest);
}
