// The normalised tree that every oracle reader returns, the host-side equivalent, and a comparison that
// produces human-readable differences.

import { createHash } from "node:crypto";
import {
  closeSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** Every kind of entry a tree can hold; the non-"file"/"dir" kinds only appear in POSIX (Rock Ridge) trees. */
export type EntryType = "file" | "dir" | "symlink" | "fifo" | "socket" | "chardev" | "blockdev";

/** The POSIX attributes a TreeEntry may carry (Rock Ridge PX, SL and PN; hostTree with { posix: true }). */
export type PosixField = "mode" | "uid" | "gid" | "nlink" | "target" | "rdev";
export const POSIX_FIELDS: readonly PosixField[] = ["mode", "uid", "gid", "nlink", "target", "rdev"];

/** A device number split the Linux/glibc way (gnu_dev_major / gnu_dev_minor). */
export interface DeviceNumber {
  major: number;
  minor: number;
}

export interface TreeEntry {
  /** Absolute within the image: "/a", "/a/b.txt". The root "/" itself is never listed. */
  path: string;
  type: EntryType;
  /** Byte size, files only. */
  size?: number;
  /** Lower-case hex SHA-256 of the contents, files only. */
  sha256?: string;
  /** Modification time in whole Unix seconds (UTC), only when the source exposes second precision. */
  mtime?: number;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000); no file-type bits. */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Link count. */
  nlink?: number;
  /** Symlink target exactly as recorded (symlinks only). */
  target?: string;
  /** Device number (chardev and blockdev only). */
  rdev?: DeviceNumber;
}

/** A tree is a list of entries sorted by path in UTF-16 code-unit order (the default JS string order). */
export type Tree = TreeEntry[];

export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts in place by path (code-unit order) and returns the same array. */
export function sortTree<T extends { path: string }>(entries: T[]): T[] {
  return entries.sort((x, y) => comparePaths(x.path, y.path));
}

/** Joins an image directory path ("/" or "/a") and a child name. */
export function childPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** The SHA-256 of an empty file. */
export const EMPTY_SHA256 = createHash("sha256").digest("hex");

/** Streams a host file through SHA-256 (1 MiB reads, so large files do not need to fit in memory). */
export function hashFile(file: string): { sha256: string; size: number } {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, "r");
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest("hex"), size };
}

export interface HostTreeOptions {
  /** Hash file contents (default true). */
  hash?: boolean;
  /**
   * Also list symlinks (never followed), fifos, sockets and device nodes, and fill the POSIX fields (mode,
   * uid, gid, nlink, target, rdev) from lstat. Default false: only files and directories, no POSIX fields.
   */
  posix?: boolean;
}

/** Splits a Linux dev_t the way glibc's gnu_dev_major / gnu_dev_minor do (64-bit encoding). */
export function splitDevice(dev: bigint): DeviceNumber {
  const major = ((dev & 0xfff00n) >> 8n) | ((dev & 0xfffff00000000000n) >> 32n);
  const minor = (dev & 0xffn) | ((dev & 0xffffff00000n) >> 12n);
  return { major: Number(major), minor: Number(minor) };
}

/** The inverse of splitDevice (glibc's gnu_dev_makedev). */
export function makeDevice(d: DeviceNumber): bigint {
  const major = BigInt(d.major);
  const minor = BigInt(d.minor);
  return (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);
}

function posixType(st: {
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): EntryType | undefined {
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "chardev";
  if (st.isBlockDevice()) return "blockdev";
  return undefined;
}

/**
 * Walks a host directory and returns its tree (root excluded): regular files with size, sha256 and mtime,
 * directories with mtime. Without opts.posix, symlinks and special files are rejected. With opts.posix, they
 * are listed too (lstat: symlinks are never followed, fifos and devices never opened) and every entry gets
 * mode (permission and setuid/setgid/sticky bits), uid, gid and nlink; symlinks their target (read as
 * UTF-8), devices their rdev.
 */
export function hostTree(dir: string, opts: HostTreeOptions = {}): Tree {
  const out: Tree = [];
  const posix = opts.posix === true;
  const walk = (hostDir: string, imageDir: string): void => {
    let names: Dirent[];
    try {
      names = readdirSync(hostDir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`hostTree: cannot read directory ${hostDir}: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const d of names) {
      const hostPath = join(hostDir, d.name);
      const path = childPath(imageDir, d.name);
      const st = lstatSync(hostPath, { bigint: true });
      const ms = st.mtimeMs; // floor to whole seconds, also before 1970
      const mtime = Number(ms >= 0n ? ms / 1000n : -((999n - ms) / 1000n));
      let entry: TreeEntry;
      if (st.isDirectory()) {
        entry = { path, type: "dir", mtime };
      } else if (st.isFile()) {
        entry = { path, type: "file", size: Number(st.size), mtime };
        if (opts.hash !== false) {
          const h = hashFile(hostPath);
          if (h.size !== entry.size) throw new Error(`hostTree: ${hostPath} changed size while hashing`);
          entry.sha256 = h.sha256;
        }
      } else {
        const type = posix ? posixType(st) : undefined;
        if (type === undefined)
          throw new Error(`hostTree: ${hostPath} is neither a regular file nor a directory (unsupported)`);
        entry = { path, type, mtime };
        if (type === "symlink") entry.target = readlinkSync(hostPath, "utf8");
        if (type === "chardev" || type === "blockdev") entry.rdev = splitDevice(st.rdev);
      }
      if (posix) {
        entry.mode = Number(st.mode & 0o7777n);
        entry.uid = Number(st.uid);
        entry.gid = Number(st.gid);
        entry.nlink = Number(st.nlink);
      }
      out.push(entry);
      if (entry.type === "dir") walk(hostPath, path);
    }
  };
  walk(dir, "/");
  return sortTree(out);
}

/**
 * Rewrites every path component of a tree with `rename` (e.g. to predict how a lossy reader displays names)
 * and re-sorts. Entries are copied.
 */
export function mapNames(tree: readonly TreeEntry[], rename: (name: string) => string): Tree {
  return sortTree(
    tree.map((e) => ({
      ...e,
      path: `/${e.path.slice(1).split("/").map(rename).join("/")}`,
    })),
  );
}

/** Copies a tree without mtimes (for comparing with a reader that has no second-precision times). */
export function withoutMtimes(tree: readonly TreeEntry[]): Tree {
  return tree.map(({ mtime: _mtime, ...rest }) => rest);
}

/** Copies a tree keeping only the POSIX fields listed in `keep` (none by default). */
export function keepPosixFields(tree: readonly TreeEntry[], keep: readonly PosixField[] = []): Tree {
  return tree.map((e) => {
    const copy: TreeEntry = { ...e };
    for (const f of POSIX_FIELDS) if (!keep.includes(f)) delete copy[f];
    return copy;
  });
}

/** "0o4755"-style octal, for messages. */
export function octal(mode: number): string {
  return `0o${mode.toString(8).padStart(3, "0")}`;
}

/**
 * A name-independent fingerprint of a tree: the sorted multiset of "depth type size sha256". Two trees with
 * the same structure and contents but differently mangled names (ISO 9660 vs host) have equal fingerprints.
 */
export function contentFingerprint(tree: readonly TreeEntry[]): string[] {
  return tree
    .map((e) => `${e.path.split("/").length - 1} ${e.type} ${e.size ?? "-"} ${e.sha256 ?? "-"}`)
    .sort(comparePaths);
}

export interface CompareOptions {
  /** Labels used in the messages. Defaults "A" and "B". */
  labelA?: string;
  labelB?: string;
  /** Compare mtimes where both sides have one: true (default), false, or "files" to skip directories. */
  mtime?: boolean | "files";
  /** Allowed absolute mtime difference in seconds. Default 0. */
  mtimeToleranceSeconds?: number;
  /** Compare sha256 where both sides have one. Default true. */
  sha256?: boolean;
  /** Paths to leave out on both sides. */
  ignore?: (path: string) => boolean;
  /**
   * POSIX fields to compare where both sides have them. Default: all (POSIX_FIELDS). Pass the fields a reader
   * reports (READERS[].rockRidge.fields) or leave some out, e.g. ["mode", "target", "rdev"] to skip owners.
   */
  posix?: readonly PosixField[];
  /**
   * Compare nlink of directories too. Default true. Writers disagree on it (libisofs records 1, a host counts
   * 2 + subdirectories), so comparisons between a host tree and a peer's image usually pass false.
   */
  dirNlink?: boolean;
}

function iso(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : `${seconds} (${d.toISOString().replace(".000Z", "Z")})`;
}

function show(path: string): string {
  return JSON.stringify(path);
}

function showField(f: PosixField, v: number | string | DeviceNumber): string {
  if (typeof v === "object") return `${v.major},${v.minor}`;
  if (f === "mode" && typeof v === "number") return octal(v);
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * Compares two trees and returns one readable line per difference (empty when equal): duplicate paths,
 * paths missing from / extra in B, type, size, sha256, mtime and the POSIX fields (mode, uid, gid, nlink,
 * target, rdev; see opts.posix and opts.dirNlink) where both sides have them.
 */
export function compareTrees(a: readonly TreeEntry[], b: readonly TreeEntry[], opts: CompareOptions = {}): string[] {
  const la = opts.labelA ?? "A";
  const lb = opts.labelB ?? "B";
  const tolerance = opts.mtimeToleranceSeconds ?? 0;
  const posixFields = opts.posix ?? POSIX_FIELDS;
  const diffs: string[] = [];
  const index = (tree: readonly TreeEntry[], label: string): Map<string, TreeEntry> => {
    const m = new Map<string, TreeEntry>();
    for (const e of tree) {
      if (opts.ignore?.(e.path)) continue;
      if (m.has(e.path)) diffs.push(`duplicate path in ${label}: ${show(e.path)}`);
      else m.set(e.path, e);
    }
    return m;
  };
  const ma = index(a, la);
  const mb = index(b, lb);
  const paths = sortTree([...new Set([...ma.keys(), ...mb.keys()])].map((path) => ({ path }))).map((p) => p.path);
  for (const path of paths) {
    const x = ma.get(path);
    const y = mb.get(path);
    if (x === undefined) {
      diffs.push(`extra in ${lb} (not in ${la}): ${show(path)} (${y?.type})`);
      continue;
    }
    if (y === undefined) {
      diffs.push(`missing in ${lb} (present in ${la}): ${show(path)} (${x.type})`);
      continue;
    }
    if (x.type !== y.type) {
      diffs.push(`type differs at ${show(path)}: ${la} ${x.type}, ${lb} ${y.type}`);
      continue;
    }
    if (x.size !== undefined && y.size !== undefined && x.size !== y.size)
      diffs.push(`size differs at ${show(path)}: ${la} ${x.size}, ${lb} ${y.size}`);
    if (opts.sha256 !== false && x.sha256 !== undefined && y.sha256 !== undefined && x.sha256 !== y.sha256)
      diffs.push(`sha256 differs at ${show(path)}: ${la} ${x.sha256}, ${lb} ${y.sha256}`);
    const checkMtime = opts.mtime === undefined || opts.mtime === true || (opts.mtime === "files" && x.type === "file");
    if (checkMtime && x.mtime !== undefined && y.mtime !== undefined && Math.abs(x.mtime - y.mtime) > tolerance)
      diffs.push(`mtime differs at ${show(path)}: ${la} ${iso(x.mtime)}, ${lb} ${iso(y.mtime)}`);
    for (const f of posixFields) {
      if (f === "nlink" && x.type === "dir" && opts.dirNlink === false) continue;
      const vx = x[f];
      const vy = y[f];
      if (vx === undefined || vy === undefined) continue;
      const sx = showField(f, vx);
      const sy = showField(f, vy);
      if (sx !== sy) diffs.push(`${f} differs at ${show(path)}: ${la} ${sx}, ${lb} ${sy}`);
    }
  }
  return diffs;
}

/** Deterministic pseudo-random bytes (xorshift32), so test files are not trivially compressible. */
export function noise(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/**
 * Creates `root` with the listed entries (relative paths; null content marks a directory,
 * parents before children) and gives each a distinct whole-second mtime from `baseTime` on.
 */
export function writeSourceTree(
  root: string,
  entries: ReadonlyArray<readonly [string, string | Buffer | null]>,
  baseTime: number,
): void {
  mkdirSync(root);
  for (const [rel, content] of entries) {
    if (content === null) mkdirSync(join(root, rel));
    else writeFileSync(join(root, rel), content);
  }
  // Deepest first: creating children touches their directory's mtime.
  const ordered = [...entries.entries()].sort(([, [a]], [, [b]]) => b.split("/").length - a.split("/").length);
  for (const [i, [rel]] of ordered) {
    const t = baseTime + i * 3607;
    utimesSync(join(root, rel), t, t);
  }
}
