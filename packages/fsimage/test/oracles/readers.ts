// Wrappers around independent, third-party ISO readers ("oracles"). Each answers one question: which tree
// does reader X see in namespace NS of image IMG? The answer is a sorted TreeEntry[] (see tree.ts) whose
// file hashes come from really extracting every file through that same reader into a temp directory.
//
// Names are returned exactly as each reader reports them, then normalised only by normaliseName():
//   iso9660:   strip a trailing ";<version>", then a trailing "." ("FILE.TXT;1" -> "FILE.TXT", "NOEXT.;1" -> "NOEXT")
//   joliet:    strip a trailing ";1" if the reader shows one; nothing else.
//   rockridge: nothing (NM names carry no version).
// The rockridge namespace (RRIP 1.10/1.12 over SUSP) also yields symlinks, fifos, sockets and device nodes and
// the POSIX fields each reader can show (TreeEntry.mode/uid/gid/nlink/target/rdev); READERS[].rockRidge says
// which fields a reader reports, how it treats relocated deep directories (RE/CL/PL) and its other quirks.
// Readers that cannot show a namespace faithfully throw UnsupportedNamespaceError; readers asked for a
// namespace the image does not have throw AbsentNamespaceError (instead of silently showing another tree).
// Known display quirks (isoinfo's 8-bit Joliet names, libcdio's lower-cased ISO 9660 names and truncated
// UTF-8 Joliet names) are described by READERS[].displayName so tests can predict them with expectedView().
//
// To add a namespace (e.g. "udf"): extend Namespace and NAMESPACES; every reader switches on
// the namespace with an exhaustive `never` default, so the compiler lists each place to update.

import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RunError, type RunResult, requirePycdlib, requireTool, run } from "./tools.js";
import {
  childPath,
  type DeviceNumber,
  EMPTY_SHA256,
  type EntryType,
  hashFile,
  hostTree,
  keepPosixFields,
  mapNames,
  type PosixField,
  sortTree,
  splitDevice,
  type Tree,
  type TreeEntry,
} from "./tree.js";

export type Namespace = "iso9660" | "joliet" | "rockridge";
export const NAMESPACES: readonly Namespace[] = ["iso9660", "joliet", "rockridge"];

export type ReaderName = "xorriso" | "isoinfo" | "libcdio" | "7z" | "bsdtar" | "pycdlib";

export interface ReadOptions {
  /** Extract and hash every file (default true). false: listing only, no sha256. */
  hash?: boolean;
  /** Leave the extraction temp dir in place (its path is printed to stderr). Default false. */
  keepTemp?: boolean;
  /** Per-process timeout in ms (default 120 000). */
  timeoutMs?: number;
}

export type ReaderFn = (img: string, ns: Namespace, opts?: ReadOptions) => Promise<TreeEntry[]>;

/** The reader cannot present this namespace of this image faithfully (e.g. 7z always prefers Joliet). */
export class UnsupportedNamespaceError extends Error {
  constructor(
    readonly reader: ReaderName,
    readonly namespace: Namespace,
    reason: string,
  ) {
    super(`unsupported namespace: ${reader} cannot show the ${namespace} tree of this image: ${reason}`);
    this.name = "UnsupportedNamespaceError";
  }
}

/**
 * The image has no such namespace (e.g. Joliet requested from an image without a Joliet SVD, Rock Ridge from an
 * image whose root directory has no SUSP SP / RRIP ER entries).
 */
export class AbsentNamespaceError extends Error {
  constructor(
    readonly reader: ReaderName,
    readonly namespace: Namespace,
    detail: string,
  ) {
    super(`absent namespace: ${reader} finds no ${namespace} tree in this image: ${detail}`);
    this.name = "AbsentNamespaceError";
  }
}

function unreachable(ns: never): never {
  throw new Error(`unknown namespace ${String(ns)}`);
}

/**
 * The only normalisation applied to reader-reported names.
 * iso9660: strip a trailing ";<version>" (";" + digits, e.g. ";1"), then one trailing "." (the separator
 * ISO 9660 requires even without an extension). joliet: strip a trailing ";1" (some writers and readers
 * add a version to Joliet names too); Joliet names are otherwise untouched. rockridge: untouched.
 */
export function normaliseName(ns: Namespace, name: string): string {
  switch (ns) {
    case "iso9660":
      return name.replace(/;\d*$/, "").replace(/\.$/, "");
    case "joliet":
      return name.replace(/;1$/, "");
    case "rockridge":
      return name;
    default:
      return unreachable(ns);
  }
}

function normalisePath(ns: Namespace, path: string): string {
  return `/${path
    .slice(1)
    .split("/")
    .map((c) => normaliseName(ns, c))
    .join("/")}`;
}

// ---------------------------------------------------------------------------------------------------------
// Shared plumbing

/** Removes a tree even if the reader extracted read-only directories. */
function removeTree(dir: string): void {
  const unlock = (d: string): void => {
    try {
      chmodSync(d, 0o700);
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) unlock(join(d, e.name));
    } catch {
      // best effort; rmSync below reports what really matters
    }
  };
  unlock(dir);
  rmSync(dir, { recursive: true, force: true });
}

async function withTempDir<T>(reader: ReaderName, opts: ReadOptions, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `discburn-oracle-${reader}-`));
  try {
    return await fn(dir);
  } finally {
    if (opts.keepTemp === true) process.stderr.write(`oracle ${reader}: kept ${dir}\n`);
    else removeTree(dir);
  }
}

/** Runs fn over items with at most `limit` in flight, preserving order of results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Decodes C-style escapes (\\ \a \b \f \n \r \t \v \ooo \xHH) in a byte string and returns the raw bytes.
 * Used for xorriso (-backslash_codes encode_output) and bsdtar (which escapes non-printable name bytes).
 */
export function decodeCEscapes(input: Buffer): Buffer {
  const out: number[] = [];
  const simple: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, "\\": 92 };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== 0x5c || i + 1 >= input.length) {
      out.push(c);
      continue;
    }
    const n = String.fromCharCode(input[i + 1]);
    if (n in simple) {
      out.push(simple[n]);
      i++;
    } else if (/[0-7]/.test(n)) {
      let j = i + 1;
      let v = 0;
      while (j < input.length && j < i + 4 && input[j] >= 0x30 && input[j] <= 0x37) v = v * 8 + (input[j++] - 0x30);
      out.push(v & 0xff);
      i = j - 1;
    } else if (n === "x" && i + 3 < input.length && /^[0-9a-fA-F]{2}$/.test(input.toString("latin1", i + 2, i + 4))) {
      out.push(Number.parseInt(input.toString("latin1", i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

/** Splits a Buffer into lines on \n (a trailing \r is kept: none of our readers emit CRLF). */
function bufferLines(b: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      lines.push(b.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < b.length) lines.push(b.subarray(start));
  return lines;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function utcSeconds(y: number, mon: number, d: number, h: number, mi: number, s: number): number {
  return Math.floor(Date.UTC(y, mon - 1, d, h, mi, s) / 1000);
}

/**
 * Volume descriptor scan (sectors 16.. up to the terminator), plus a look at the SUSP entries of the root
 * directory's "." record (and its CE continuation) for Rock Ridge. Used ONLY to decide whether a reader that
 * cannot say which tree it shows (7z, bsdtar) is showing Joliet or Rock Ridge; never for contents.
 * rockRidge: SUSP "SP" present and an RRIP "ER" (RRIP_1991A, IEEE_P1282, IEEE_1282) or an "RR" / "PX" entry.
 */
export function volumeDescriptors(img: string): { joliet: boolean; rockRidge: boolean } {
  const fd = openSync(img, "r");
  const buf = Buffer.alloc(2048);
  let joliet = false;
  let rootExtent: number | undefined;
  const read = (lba: number, b: Buffer = Buffer.alloc(2048)): Buffer | undefined =>
    readSync(fd, b, 0, 2048, lba * 2048) < 2048 ? undefined : b;
  try {
    for (let sector = 16; sector < 16 + 64; sector++) {
      if (read(sector, buf) === undefined) break;
      if (buf.toString("latin1", 1, 6) !== "CD001") break;
      const type = buf[0];
      if (type === 255) break;
      if (type === 1 && rootExtent === undefined) rootExtent = buf.readUInt32LE(156 + 2);
      if (type === 2 && buf[88] === 0x25 && buf[89] === 0x2f && [0x40, 0x43, 0x45].includes(buf[90])) joliet = true;
    }
    let rockRidge = false;
    const dot = rootExtent === undefined ? undefined : read(rootExtent);
    if (dot !== undefined && dot[0] >= 34) {
      const nameLen = dot[32];
      let area: Buffer | undefined = dot.subarray(33 + nameLen + (nameLen % 2 === 0 ? 1 : 0), dot[0]);
      let sp = false;
      for (let hops = 0; area !== undefined && hops < 8; hops++) {
        let next: Buffer | undefined;
        for (let i = 0; i + 4 <= area.length; ) {
          const sig = area.toString("latin1", i, i + 2);
          const len = area[i + 2];
          if (len < 4 || i + len > area.length) break;
          if (sig === "SP" && area[i + 4] === 0xbe && area[i + 5] === 0xef) sp = true;
          if (sig === "RR" || sig === "PX") rockRidge = true;
          if (sig === "ER") {
            const id = area.toString("latin1", i + 8, i + 8 + area[i + 4]);
            if (/^(RRIP_1991A|IEEE_P1282|IEEE_1282)$/.test(id)) rockRidge = true;
          }
          if (sig === "CE") {
            const block = read(area.readUInt32LE(i + 4));
            const off = area.readUInt32LE(i + 12);
            const n = area.readUInt32LE(i + 20);
            next = block?.subarray(off, Math.min(2048, off + n));
          }
          if (sig === "ST") break;
          i += len;
        }
        area = next;
      }
      rockRidge &&= sp;
    }
    return { joliet, rockRidge };
  } finally {
    closeSync(fd);
  }
}

interface Listed {
  /** Path as the reader reports it (not normalised), used to find the extracted/extractable file. */
  raw: string;
  type: EntryType;
  size?: number;
  sha256?: string;
  mtime?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  nlink?: number;
  target?: string;
  rdev?: DeviceNumber;
}

const POSIX_TYPE_CHARS: Readonly<Record<string, EntryType>> = {
  "-": "file",
  d: "dir",
  l: "symlink",
  p: "fifo",
  s: "socket",
  c: "chardev",
  b: "blockdev",
};

/**
 * Parses an `ls -l` style mode string ("-rwsr-xr-x", "drwxrwxrwt", "crw-r--r--"): the entry type from the first
 * character (`typeChars` maps it: isoinfo writes "f" for a fifo) and the permission bits, with s/S and t/T
 * giving setuid, setgid and sticky.
 */
export function parseModeString(
  s: string,
  typeChars: Readonly<Record<string, EntryType>> = POSIX_TYPE_CHARS,
): { type: EntryType; mode: number } {
  const type = typeChars[s[0]];
  if (type === undefined || !/^.[r-][w-][xsS-][r-][w-][xsS-][r-][w-][xtT-]$/.test(s))
    throw new Error(`cannot parse mode string ${JSON.stringify(s)}`);
  let mode = 0;
  const bit = (i: number, c: string, v: number): void => {
    if (s[i] === c) mode |= v;
  };
  bit(1, "r", 0o400);
  bit(2, "w", 0o200);
  bit(4, "r", 0o040);
  bit(5, "w", 0o020);
  bit(7, "r", 0o004);
  bit(8, "w", 0o002);
  if ("xs".includes(s[3])) mode |= 0o100;
  if ("sS".includes(s[3])) mode |= 0o4000;
  if ("xs".includes(s[6])) mode |= 0o010;
  if ("sS".includes(s[6])) mode |= 0o2000;
  if ("xt".includes(s[9])) mode |= 0o001;
  if ("tT".includes(s[9])) mode |= 0o1000;
  return { type, mode };
}

/** "8,1" (as xorriso, bsdtar and ls print a device number) -> { major: 8, minor: 1 }. */
function parseDevice(s: string): DeviceNumber | undefined {
  const m = /^(\d+),\s*(\d+)$/.exec(s);
  return m === null ? undefined : { major: Number(m[1]), minor: Number(m[2]) };
}

/**
 * For readers that extract a whole tree: checks that the extracted tree has exactly the listed entries and
 * listed sizes, then fills sha256 (and mtime from the extracted files when mtimeFromDisk).
 */
function mergeExtracted(reader: ReaderName, listed: Listed[], extractedRoot: string, mtimeFromDisk: boolean): void {
  const onDisk = new Map(hostTree(extractedRoot).map((e) => [e.path, e]));
  const problems: string[] = [];
  for (const l of listed) {
    const d = onDisk.get(l.raw);
    onDisk.delete(l.raw);
    if (d === undefined) problems.push(`listed but not extracted: ${JSON.stringify(l.raw)}`);
    else if (d.type !== l.type) problems.push(`listed as ${l.type}, extracted as ${d.type}: ${JSON.stringify(l.raw)}`);
    else {
      if (l.type === "file") {
        if (d.size !== l.size) problems.push(`listed ${l.size} bytes, extracted ${d.size}: ${JSON.stringify(l.raw)}`);
        l.sha256 = d.sha256;
      }
      if (mtimeFromDisk) l.mtime = d.mtime;
    }
  }
  for (const p of onDisk.keys()) problems.push(`extracted but not listed: ${JSON.stringify(p)}`);
  if (problems.length > 0)
    throw new Error(`${reader}: listing and extraction disagree:\n  ${problems.slice(0, 20).join("\n  ")}`);
}

/** What a reader's extraction makes of a Rock Ridge tree (see mergeExtractedPosix). */
interface ExtractionProfile {
  /** Listed types the reader does not extract at all. */
  skipped?: readonly EntryType[];
  /** Listed paths (raw) the reader refused to extract (7z: symlinks leading out of the output directory). */
  refused?: ReadonlySet<string>;
  /** Listed types the reader may extract as an empty regular file instead. */
  asEmptyFile?: readonly EntryType[];
  /** Maps an extracted symlink's target back to the recorded one (7z re-roots absolute targets). */
  target?: (extracted: string, root: string) => string;
  /** Types whose mtime the extraction restores: the listing's mtime is taken from the extracted entry. */
  mtimeFrom?: readonly EntryType[];
  /**
   * Check that the extraction restored the listed mode (not for symlinks), uid and gid (only when running as
   * root) and, for files, nlink (hard links restored as hard links).
   */
  attributes?: boolean;
  /** With attributes: whether the owners of symlinks are restored too (xorriso leaves them to the extractor). */
  symlinkOwners?: boolean;
}

/**
 * mergeExtracted for Rock Ridge trees: files must be extracted with the listed size (their sha256 is filled in),
 * directories as directories; other types as the same type with the same target / device number, unless the
 * profile says the reader skips them or writes empty regular files for them. Everything extracted must be
 * listed.
 */
function mergeExtractedPosix(reader: ReaderName, listed: Listed[], root: string, profile: ExtractionProfile): void {
  const onDisk = new Map(hostTree(root, { posix: true }).map((e) => [e.path, e]));
  const problems: string[] = [];
  const asRoot = process.getuid?.() === 0;
  const where = (l: Listed): string => JSON.stringify(l.raw);
  for (const l of listed) {
    const d = onDisk.get(l.raw);
    onDisk.delete(l.raw);
    if (d === undefined) {
      if (!profile.skipped?.includes(l.type) && !profile.refused?.has(l.raw))
        problems.push(`listed (${l.type}) but not extracted: ${where(l)}`);
      continue;
    }
    if (d.type !== l.type) {
      const emptyFile = d.type === "file" && d.size === 0 && profile.asEmptyFile?.includes(l.type);
      if (!emptyFile) problems.push(`listed as ${l.type}, extracted as ${d.type}: ${where(l)}`);
      continue;
    }
    if (l.type === "file") {
      if (d.size !== l.size) problems.push(`listed ${l.size} bytes, extracted ${d.size}: ${where(l)}`);
      l.sha256 = d.sha256;
    }
    if (l.type === "symlink" && d.target !== undefined) {
      const t = profile.target ? profile.target(d.target, root) : d.target;
      if (t !== l.target)
        problems.push(`listed target ${JSON.stringify(l.target)}, extracted ${JSON.stringify(t)}: ${where(l)}`);
    }
    if (
      l.rdev !== undefined &&
      d.rdev !== undefined &&
      (l.rdev.major !== d.rdev.major || l.rdev.minor !== d.rdev.minor)
    )
      problems.push(
        `listed device ${l.rdev.major},${l.rdev.minor}, extracted ${d.rdev.major},${d.rdev.minor}: ${where(l)}`,
      );
    if (profile.attributes === true) {
      if (l.type !== "symlink" && l.mode !== undefined && l.mode !== d.mode)
        problems.push(`listed mode ${l.mode.toString(8)}, extracted ${d.mode?.toString(8)}: ${where(l)}`);
      const owners = l.type !== "symlink" || profile.symlinkOwners !== false;
      if (asRoot && owners && l.uid !== undefined && (l.uid !== d.uid || l.gid !== d.gid))
        problems.push(`listed owner ${l.uid}:${l.gid}, extracted ${d.uid}:${d.gid}: ${where(l)}`);
      if (l.type === "file" && l.nlink !== undefined && l.nlink !== d.nlink)
        problems.push(`listed ${l.nlink} links, extracted ${d.nlink}: ${where(l)}`);
    }
    if (profile.mtimeFrom?.includes(l.type)) l.mtime = d.mtime;
  }
  for (const [p, d] of onDisk) problems.push(`extracted but not listed: ${JSON.stringify(p)} (${d.type})`);
  if (problems.length > 0)
    throw new Error(`${reader}: listing and extraction disagree:\n  ${problems.slice(0, 20).join("\n  ")}`);
}

function finish(ns: Namespace, listed: readonly Listed[]): Tree {
  return sortTree(
    listed.map((l) => {
      const e: TreeEntry = { path: normalisePath(ns, l.raw), type: l.type };
      if (l.type === "file") {
        e.size = l.size;
        if (l.sha256 !== undefined) e.sha256 = l.sha256;
      }
      if (l.mtime !== undefined) e.mtime = l.mtime;
      if (ns === "rockridge") {
        if (l.mode !== undefined) e.mode = l.mode;
        if (l.uid !== undefined) e.uid = l.uid;
        if (l.gid !== undefined) e.gid = l.gid;
        if (l.nlink !== undefined) e.nlink = l.nlink;
        if (l.target !== undefined) e.target = l.target;
        if (l.rdev !== undefined) e.rdev = l.rdev;
      }
      return e;
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// xorriso

/** Parses a shell-quoted word as printed by xorriso ('...' segments, "'" for embedded single quotes). */
function shellUnquote(word: string): string {
  let out = "";
  let i = 0;
  while (i < word.length) {
    const q = word[i];
    if (q !== "'" && q !== '"') throw new Error(`xorriso: unexpected quoting in ${JSON.stringify(word)}`);
    const end = word.indexOf(q, i + 1);
    if (end < 0) throw new Error(`xorriso: unterminated quote in ${JSON.stringify(word)}`);
    out += word.slice(i + 1, end);
    i = end + 1;
  }
  return out;
}

/** Splits xorriso's `'path' -> 'target'` tail into its space-separated words (quotes kept, spaces in quotes too). */
function quotedWords(s: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === " ") {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== " ") {
      if (s[j] === "'" || s[j] === '"') {
        const end = s.indexOf(s[j], j + 1);
        if (end < 0) throw new Error(`xorriso: unterminated quote in ${JSON.stringify(s)}`);
        j = end + 1;
      } else j++;
    }
    words.push(s.slice(i, j));
    i = j;
  }
  return words;
}

const XORRISO_BASE_ARGS = [
  "-no_rc",
  "-abort_on",
  "FAILURE",
  "-return_with",
  "SORRY",
  "32",
  "-report_about",
  "SORRY",
  "-local_charset",
  "UTF-8",
  "-backslash_codes",
  "encode_output",
];

interface LsdlLine {
  path: string;
  type: EntryType;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** Size column: a byte count, or "major,minor" for devices. */
  size: string;
  target?: string;
}

/** Parses one `-lsdl` / `-exec lsdl` line (after decodeCEscapes). */
function parseLsdl(line: string): LsdlLine {
  const m = /^(\S{10})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+|\d+,\d+)\s+\S+\s+\S+\s+\S+\s+(['"].*)$/s.exec(line);
  if (m === null) throw new Error(`xorriso: cannot parse lsdl line ${JSON.stringify(line)}`);
  const { type, mode } = parseModeString(m[1]);
  const words = quotedWords(m[6]);
  const out: LsdlLine = {
    path: shellUnquote(words[0]),
    type,
    mode,
    nlink: Number(m[2]),
    uid: Number(m[3]),
    gid: Number(m[4]),
    size: m[5],
  };
  if (type === "symlink") {
    if (words.length !== 3 || words[1] !== "->")
      throw new Error(`xorriso: cannot parse symlink ${JSON.stringify(line)}`);
    out.target = shellUnquote(words[2]);
  } else if (words.length !== 1) throw new Error(`xorriso: unexpected words in ${JSON.stringify(line)}`);
  return out;
}

/**
 * xorriso (libisofs). Namespace selection (must precede -indev): iso9660 = `-read_fs ecma119` (neither Rock
 * Ridge nor Joliet), joliet = `-read_fs norock`, rockridge = `-read_fs nojoliet`. xorriso silently falls back
 * to another tree when the wish cannot be met, so we check the "ISO loaded" line of -toc. `-ecma119_map
 * unmapped` / `-joliet_map unmapped` keep ";1" and case as recorded. Listing: `-find / -exec lsdl --` with
 * `-backslash_codes encode_output` (non-ASCII bytes printed as \ooo). Extraction: `-osirrox on -extract /
 * DIR`. lsdl shows no seconds, but extraction restores the recorded mtime of files and directories, so mtime
 * comes from there.
 *
 * rockridge: lsdl shows type, mode (setuid/setgid/sticky included), uid, gid, device numbers ("8,1") and
 * symlink targets; xorriso follows CL and hides RE directories (the relocation directory, e.g. rr_moved, and
 * what was moved into it), so deep trees show at their true place. Its link count is not PX's: xorriso counts
 * the files that share a PX inode number (RRIP 1.12 only; `-hardlinks on:lsl_count`, which only `-lsdl` honours,
 * so non-directories are listed again in a second run), i.e. 1 for every file of an RRIP 1.10 image; directories
 * always show 1 and get no nlink here. Extraction (`-hardlinks on -osirrox on:device_files`) restores modes,
 * owners (as root; not of symlinks), symlinks, fifos, device nodes and hard links (same inode number), not
 * sockets; mtime comes from it for files, directories, fifos and devices (not symlinks: not restored).
 */
export async function readXorriso(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const xorriso = requireTool("xorriso");
  let readFs: string;
  let expectLoaded: string;
  switch (ns) {
    case "iso9660":
      readFs = "ecma119";
      expectLoaded = "Only_ECMA_119";
      break;
    case "joliet":
      readFs = "norock";
      expectLoaded = "Joliet";
      break;
    case "rockridge":
      readFs = "nojoliet";
      expectLoaded = "Rock_Ridge";
      break;
    default:
      return unreachable(ns);
  }
  const rr = ns === "rockridge";
  const hash = opts.hash !== false;
  return withTempDir("xorriso", opts, async (tmp) => {
    const root = join(tmp, "root");
    const args = [
      ...XORRISO_BASE_ARGS,
      "-read_fs",
      readFs,
      "-ecma119_map",
      "unmapped",
      "-joliet_map",
      "unmapped",
      ...(rr ? ["-hardlinks", "on"] : []),
      "-indev",
      img,
      "-print",
      "@@discburn-toc",
      "-toc",
      "-print",
      "@@discburn-list",
      "-find",
      "/",
      "-exec",
      "lsdl",
      "--",
      "-print",
      "@@discburn-end",
      ...(hash ? ["-osirrox", rr ? "on:device_files" : "on", "-extract", "/", root] : []),
    ];
    const r = await run(xorriso, args, { timeoutMs: opts.timeoutMs });
    const lines = bufferLines(r.stdout);
    const marker = (m: string): number => lines.findIndex((l) => l.toString("latin1") === m);
    const iToc = marker("@@discburn-toc");
    const iList = marker("@@discburn-list");
    const iEnd = marker("@@discburn-end");
    if (iToc < 0 || iList < iToc || iEnd < iList) throw new Error(`xorriso: unexpected output:\n${r.stdout}`);
    const loaded = lines
      .slice(iToc + 1, iList)
      .map((l) => l.toString("latin1"))
      .find((l) => l.startsWith("ISO loaded"));
    const kind = loaded?.replace(/^ISO loaded\s*:\s*/, "").trim();
    if (kind !== expectLoaded) {
      if ((ns === "joliet" && kind === "Only_ECMA_119") || (rr && kind !== undefined))
        throw new AbsentNamespaceError("xorriso", ns, `-read_fs ${readFs} loaded ${kind}`);
      throw new Error(`xorriso: expected "ISO loaded : ${expectLoaded}" for ${ns}, got ${JSON.stringify(loaded)}`);
    }
    const listed: Listed[] = [];
    for (const raw of lines.slice(iList + 1, iEnd)) {
      const l = parseLsdl(decodeCEscapes(raw).toString("utf8"));
      if (l.path === "/") continue;
      if (!rr && l.type !== "dir" && l.type !== "file")
        throw new Error(`xorriso: unsupported file type ${l.type} in ${ns} tree: ${JSON.stringify(l.path)}`);
      const e: Listed = { raw: l.path, type: l.type };
      if (l.type === "file") e.size = Number(l.size);
      if (rr) {
        if (!Number.isInteger(l.uid) || !Number.isInteger(l.gid))
          throw new Error(`xorriso: non-numeric owner of ${JSON.stringify(l.path)}`);
        e.mode = l.mode;
        e.uid = l.uid;
        e.gid = l.gid;
        if (l.target !== undefined) e.target = l.target;
        if (l.type === "chardev" || l.type === "blockdev") {
          const dev = parseDevice(l.size);
          if (dev === undefined) throw new Error(`xorriso: no device number for ${JSON.stringify(l.path)}`);
          e.rdev = dev;
        }
      }
      listed.push(e);
    }
    const others = listed.filter((l) => l.type !== "dir");
    if (rr && others.length > 0) {
      // Link counts: only -lsdl (not -find -exec lsdl) counts hard links, and only with lsl_count.
      const counted = await run(
        xorriso,
        [
          ...XORRISO_BASE_ARGS,
          "-read_fs",
          readFs,
          "-hardlinks",
          "on:lsl_count",
          "-iso_rr_pattern",
          "off",
          "-indev",
          img,
          "-print",
          "@@discburn-list",
          "-lsdl",
          ...others.map((l) => l.raw),
          "--",
        ],
        { timeoutMs: opts.timeoutMs },
      );
      const out = bufferLines(counted.stdout);
      const byPath = new Map(others.map((l) => [l.raw, l]));
      for (const raw of out.slice(out.findIndex((l) => l.toString("latin1") === "@@discburn-list") + 1)) {
        const l = parseLsdl(decodeCEscapes(raw).toString("utf8"));
        const e = byPath.get(l.path);
        if (e === undefined) throw new Error(`xorriso: -lsdl listed an unknown path ${JSON.stringify(l.path)}`);
        e.nlink = l.nlink;
        byPath.delete(l.path);
      }
      if (byPath.size > 0) throw new Error(`xorriso: -lsdl did not list ${JSON.stringify([...byPath.keys()][0])}`);
    }
    if (hash) {
      if (!existsSync(root)) mkdirSync(root, { recursive: true });
      if (rr)
        mergeExtractedPosix("xorriso", listed, root, {
          skipped: ["socket"],
          mtimeFrom: ["file", "dir", "fifo", "chardev", "blockdev"],
          attributes: true,
          symlinkOwners: false,
        });
      else mergeExtracted("xorriso", listed, root, true);
    }
    return finish(ns, listed);
  });
}

// ---------------------------------------------------------------------------------------------------------
// isoinfo (genisoimage)

/**
 * How isoinfo displays a Joliet name: it converts UCS-2 to an 8-bit charset (we force iso8859-1), replacing
 * every UTF-16 code unit above U+00FF (and U+0000) by "_". It has no UTF-8 output.
 */
export function isoinfoJolietName(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const u = name.charCodeAt(i);
    out += u === 0 || u > 0xff ? "_" : name[i];
  }
  return out;
}

/** isoinfo's type characters: "f" (not "p") for a fifo. */
const ISOINFO_TYPE_CHARS: Readonly<Record<string, EntryType>> = { ...POSIX_TYPE_CHARS, f: "fifo" };

/**
 * isoinfo (genisoimage). iso9660: `isoinfo -l -i IMG` (ISO 9660 names with ";1"; Rock Ridge only with -R);
 * joliet: `isoinfo -J -j iso8859-1 -l -i IMG` (lossy: see isoinfoJolietName). The listing has no seconds
 * (day precision), so mtime is left undefined. Files are extracted one by one with `-x PATH` (the exact
 * listed name, version included); -x of an unknown path prints nothing and exits 0, so extracted sizes are
 * checked against the listing. Paths are passed through `printf %b` because Node cannot put raw Latin-1
 * bytes into argv. -x takes the first record with a matching name, so two Joliet names that isoinfo
 * displays identically (lossy "_") cannot be told apart.
 *
 * rockridge: `isoinfo -R -l -i IMG` (presence checked with `-d`: "Rock Ridge signatures version N found").
 * Shows NM names (CE continuations included), type, the rwx bits only (setuid/setgid/sticky are never shown),
 * nlink (PX), uid and gid (printed in octal at fixed columns: parsed as such; a uid >= 4096 collides with the
 * gid column and is left undefined), symlink targets ("name -> target"); no device
 * numbers (size 0), no seconds. It does not apply RRIP relocation: the relocation directory (rr_moved) is listed
 * with the moved directories inside, and the CL placeholder shows as an empty directory at the true place.
 * Files are extracted with `-R -x RRPATH` (Rock Ridge paths resolve with -R).
 */
export async function readIsoinfo(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const isoinfo = requireTool("isoinfo");
  const sh = requireTool("/bin/sh");
  let nsArgs: string[];
  let encoding: BufferEncoding;
  switch (ns) {
    case "iso9660":
      nsArgs = [];
      encoding = "utf8";
      break;
    case "joliet":
      nsArgs = ["-J", "-j", "iso8859-1"];
      encoding = "latin1";
      break;
    case "rockridge": {
      nsArgs = ["-R"];
      encoding = "utf8";
      // `isoinfo -R -l` silently shows ISO 9660 names when there is no Rock Ridge; -d says which it found.
      const d = await run(isoinfo, ["-d", "-i", img], { timeoutMs: opts.timeoutMs });
      const text = d.stdout.toString("utf8");
      if (!/^Rock Ridge signatures version \d+ found/m.test(text))
        throw new AbsentNamespaceError(
          "isoinfo",
          ns,
          text.match(/^.*Rock Ridge.*$/m)?.[0] ?? "no Rock Ridge line in -d",
        );
      break;
    }
    default:
      return unreachable(ns);
  }
  const rr = ns === "rockridge";
  const r = await run(isoinfo, [...nsArgs, "-l", "-i", img], { timeoutMs: opts.timeoutMs, allowNonZero: true });
  // Without a Joliet SVD, `isoinfo -J` prints this and exits nonzero.
  if (/Unable to find Joliet SVD/.test(r.stderr)) throw new AbsentNamespaceError("isoinfo", ns, r.stderr.trim());
  if (r.code !== 0) throw new Error(`isoinfo -l exited with code ${r.code}: ${r.stderr.trim()}`);
  const listed: Listed[] = [];
  let dir: string | undefined;
  const entryRe =
    /^(\S{10})\s+(\d+) ([ 0-7]{5}[0-7 ]{10})\s*(\d+) (?:\S{3}|\?\?\?)\s+\d+\s+\d+ \[\s*\d+ [0-9A-F]{2}\] {2}(.*)$/s;
  for (const line of r.stdout.toString(encoding).split("\n")) {
    if (line === "") continue;
    const header = /^Directory listing of (\/.*)$/.exec(line);
    if (header !== null) {
      dir = header[1].endsWith("/") && header[1] !== "/" ? header[1].slice(0, -1) : header[1];
      continue;
    }
    const m = entryRe.exec(line);
    if (m === null || dir === undefined) throw new Error(`isoinfo: cannot parse line ${JSON.stringify(line)}`);
    const { type, mode } = parseModeString(m[1], ISOINFO_TYPE_CHARS);
    let name = m[5];
    let target: string | undefined;
    if (type === "symlink" && rr) {
      const arrow = name.indexOf(" -> ");
      if (arrow < 0) throw new Error(`isoinfo: symlink without target: ${JSON.stringify(line)}`);
      target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    } else if (name.endsWith(" ")) name = name.slice(0, -1);
    else throw new Error(`isoinfo: cannot parse line ${JSON.stringify(line)}`);
    // "." and ".." come first in every listing; with RRIP 1.12 NM entries isoinfo shows them as "".
    if (name === "." || name === ".." || name === "") continue;
    const raw = childPath(dir, name);
    if (!rr && type !== "dir" && type !== "file")
      throw new Error(`isoinfo: unsupported file type "${m[1][0]}": ${JSON.stringify(raw)}`);
    const e: Listed = { raw, type };
    if (type === "file") e.size = Number(m[4]);
    if (rr) {
      // isoinfo prints only the rwx bits (no setuid/setgid/sticky), and uid/gid in OCTAL at fixed columns:
      // uid "%4lo" at column 15, gid "%4lo" at column 20 (which overwrites the 6th digit of a longer uid), size
      // at column 30. A uid that reaches column 19 (>= 0o10000) may have lost digits: it is left undefined.
      e.mode = mode;
      e.nlink = Number(m[2]);
      const uidField = m[3].slice(0, 5);
      const gidField = m[3].slice(5).trim();
      if (!/^ *[0-7]+ ?$/.test(uidField) || !/^[0-7]+$/.test(gidField))
        throw new Error(`isoinfo: cannot find uid/gid columns in ${JSON.stringify(line)}`);
      if (uidField.endsWith(" ")) e.uid = Number.parseInt(uidField, 8);
      e.gid = Number.parseInt(gidField, 8);
      if (target !== undefined) e.target = target;
    }
    listed.push(e);
  }
  if (opts.hash !== false) {
    await withTempDir("isoinfo", opts, async (tmp) => {
      const files = listed.filter((l) => l.type === "file").map((l, i) => ({ l, out: join(tmp, `f${i}`) }));
      await mapLimit(files, 4, async ({ l, out }) => {
        // printf %b understands \0nnn (always 3 digits here, so a following digit is not swallowed).
        let escaped = "";
        for (const b of Buffer.from(l.raw, encoding))
          escaped +=
            b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\0${b.toString(8).padStart(3, "0")}`;
        const script = 'p=$(printf "%b" "$1"); shift; exec "$@" -x "$p"';
        await run(sh, ["-c", script, "sh", escaped, isoinfo, ...nsArgs, "-i", img], {
          stdoutFile: out,
          timeoutMs: opts.timeoutMs,
        });
        const h = hashFile(out);
        if (h.size !== l.size)
          throw new Error(`isoinfo: -x ${JSON.stringify(l.raw)} produced ${h.size} bytes, listing says ${l.size}`);
        l.sha256 = h.sha256;
      });
    });
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// libcdio (iso-info / iso-read)

interface CdioEntry {
  raw: string;
  type: EntryType;
  lsn: number;
  size: number;
  mtime: number;
  /** Rock Ridge format only ("drwxr-xr-x   1 0 0 [LSN ..."). */
  mode?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  target?: string;
}

interface CdioListing {
  header: string[];
  entries: CdioEntry[];
}

function parseIsoInfo(out: string): CdioListing {
  const lines = out.split("\n");
  const start = lines.indexOf("ISO-9660 Information");
  if (start < 0) throw new Error(`iso-info: no "ISO-9660 Information" section in:\n${out}`);
  const entries: CdioEntry[] = [];
  let dir: string | undefined;
  const entryRe =
    /^ {2}(?:(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)|([-dl]))\s+\[LSN\s+(\d+)\]\s+(\d+) (\w{3}) (\d{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) {2}(.*)$/s;
  for (const line of lines.slice(start + 1)) {
    if (line === "") continue;
    if (line.startsWith("/") && line.endsWith(":")) {
      const d = line.slice(0, -1);
      dir = d.length > 1 && d.endsWith("/") ? d.slice(0, -1) : d;
      continue;
    }
    const m = entryRe.exec(line);
    if (m === null || dir === undefined) throw new Error(`iso-info: cannot parse line ${JSON.stringify(line)}`);
    const posix = m[1] === undefined ? undefined : parseModeString(m[1]);
    const type = posix?.type ?? (m[5] === "d" ? "dir" : m[5] === "-" ? "file" : "symlink");
    let name = m[14];
    let target: string | undefined;
    if (type === "symlink" && posix !== undefined) {
      const arrow = name.indexOf(" -> ");
      if (arrow >= 0) {
        target = name.slice(arrow + 4);
        name = name.slice(0, arrow);
      }
    }
    if (name === "." || name === "..") continue;
    const raw = childPath(dir, name);
    const mon = MONTHS.indexOf(m[8]) + 1;
    if (mon === 0) throw new Error(`iso-info: bad month in ${JSON.stringify(line)}`);
    const e: CdioEntry = {
      raw,
      type,
      lsn: Number(m[6]),
      size: Number(m[7]),
      mtime: utcSeconds(Number(m[10]), mon, Number(m[9]), Number(m[11]), Number(m[12]), Number(m[13])),
    };
    if (posix !== undefined) {
      e.mode = posix.mode;
      e.nlink = Number(m[2]);
      e.uid = Number(m[3]);
      e.gid = Number(m[4]);
      if (target !== undefined) e.target = target;
    }
    entries.push(e);
  }
  return { header: lines.slice(0, start), entries };
}

/** How libcdio's iso-info shows an ISO 9660 name: lower-cased (iso9660_name_translate), ";1" and "." stripped. */
export function libcdioIso9660Name(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * How libcdio 2.1 shows a Joliet name: the UTF-8 conversion is cut to the identifier's on-disc byte length
 * (2 bytes per UTF-16 unit), so names whose UTF-8 form is longer (mostly CJK: 3 bytes per 2) lose their tail,
 * possibly mid-character (shown as U+FFFD): "日本" -> "日\uFFFD", "日本語日本語" -> "日本語日".
 */
export function libcdioJolietName(name: string): string {
  const utf8 = Buffer.from(name, "utf8");
  const limit = name.length * 2;
  return utf8.length <= limit ? name : utf8.subarray(0, limit).toString("utf8");
}

/**
 * libcdio. Listing: `iso-info --no-header --no-xa -l IMG` shows Joliet when present ("Joliet Level: N" in the
 * header, else "No Joliet extensions"); `--no-joliet` shows the ISO 9660 tree, but iso-info translates ISO
 * names (lower case, ";1" and trailing "." dropped) and shows Rock Ridge names whenever RR exists, even with
 * --no-rock-ridge, so the iso9660 namespace is unsupported for RR images (detected via --show-rock-ridge=0).
 * Joliet names are cut to their on-disc byte length after UTF-8 conversion (see libcdioJolietName).
 * Times have seconds (printed in TZ, we force UTC). Extraction: `iso-read -i IMG -e PATH -o OUT`; iso-read has
 * no Joliet mode (it resolves ISO 9660 or Rock Ridge names), so Joliet files are read through the ISO 9660
 * entry that shares their extent (same LSN and size) in iso-info's ISO 9660 listing. A 0-byte Joliet file
 * with no such twin gets the empty hash.
 *
 * rockridge: `iso-info --no-joliet --show-rock-ridge=0 -l` (header "Rock Ridge  : yes", else absent) shows type,
 * mode (setuid and setgid, but never the sticky bit), nlink, uid, gid (all PX), symlink targets ("name -> target"; the size
 * column then holds the target length) and seconds; no device numbers (size 0). Quirks: only the NM part inside
 * the directory record is used (a name continued in a CE area is cut, e.g. to 111 of 200 characters); entries
 * carrying RE (the relocation directory and the directories moved into it) show their ISO 9660 name
 * ("RR_MOVED", "H"), and relocation is not applied (rr_moved listed, CL placeholder an empty directory); iso-info
 * 2.1 crashes (SIGSEGV) on some records with long SL entries (reported as an Error naming SIGSEGV). Files are
 * read with `iso-read -e PATH` using the displayed (Rock Ridge) paths.
 */
export async function readLibcdio(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const isoInfo = requireTool("iso-info");
  const isoRead = requireTool("iso-read");
  const base = ["--no-header", "--no-xa"];
  // The ISO 9660 (or Rock Ridge) side: names iso-read can resolve, with extents.
  const isoSide = async (): Promise<CdioListing> => {
    const args = [...base, "--no-joliet", "--show-rock-ridge=0", "-l", img];
    let r: RunResult;
    try {
      r = await run(isoInfo, args, { timeoutMs: opts.timeoutMs });
    } catch (e) {
      if (e instanceof RunError && /killed by SIGSEGV/.test(e.message))
        throw new Error(
          `libcdio: iso-info crashed (SIGSEGV) listing ${img}: libcdio 2.1 does so on Rock Ridge directory records ` +
            "with a long SL (symlink) entry (e.g. a target of 140+ bytes next to a 1-character name)",
        );
      throw e;
    }
    return parseIsoInfo(r.stdout.toString("utf8"));
  };
  let shown: CdioEntry[];
  let readable: CdioListing | undefined;
  switch (ns) {
    case "iso9660": {
      readable = await isoSide();
      const rr = readable.header.find((l) => l.startsWith("Rock Ridge"));
      if (rr === undefined || !/:\s*no\s*$/.test(rr))
        throw new UnsupportedNamespaceError(
          "libcdio",
          ns,
          `iso-info shows Rock Ridge names instead of ISO 9660 names (${rr ?? "no Rock Ridge line"})`,
        );
      shown = readable.entries;
      break;
    }
    case "joliet": {
      const r = await run(isoInfo, [...base, "-l", img], { timeoutMs: opts.timeoutMs });
      const listing = parseIsoInfo(r.stdout.toString("utf8"));
      if (!listing.header.some((l) => /^Joliet Level\s*:\s*\d/.test(l)))
        throw new AbsentNamespaceError("libcdio", ns, listing.header.find((l) => /Joliet/.test(l)) ?? "no Joliet");
      shown = listing.entries;
      break;
    }
    case "rockridge": {
      readable = await isoSide();
      const rr = readable.header.find((l) => l.startsWith("Rock Ridge"));
      if (rr === undefined || !/:\s*yes\s*$/.test(rr))
        throw new AbsentNamespaceError("libcdio", ns, rr ?? "no Rock Ridge line in the header");
      shown = readable.entries;
      break;
    }
    default:
      return unreachable(ns);
  }
  const listed: Listed[] = shown.map((e) => {
    if (ns !== "rockridge" && e.type !== "file" && e.type !== "dir")
      throw new Error(`iso-info: unsupported file type ${e.type} in the ${ns} tree: ${JSON.stringify(e.raw)}`);
    const l: Listed = { raw: e.raw, type: e.type, size: e.type === "file" ? e.size : undefined, mtime: e.mtime };
    if (ns === "rockridge") {
      l.mode = e.mode;
      l.nlink = e.nlink;
      l.uid = e.uid;
      l.gid = e.gid;
      l.target = e.target;
    }
    return l;
  });
  if (opts.hash !== false) {
    const byExtent = new Map<string, string>();
    if (ns === "joliet") readable = await isoSide();
    for (const e of readable?.entries ?? [])
      if (e.type === "file" && !byExtent.has(`${e.lsn}/${e.size}`)) byExtent.set(`${e.lsn}/${e.size}`, e.raw);
    await withTempDir("libcdio", opts, async (tmp) => {
      await mapLimit(
        shown.map((e, i) => ({ e, l: listed[i], i })).filter((x) => x.e.type === "file"),
        4,
        async ({ e, l, i }) => {
          const source = ns === "joliet" ? byExtent.get(`${e.lsn}/${e.size}`) : e.raw;
          if (source === undefined) {
            if (e.size === 0) {
              l.sha256 = EMPTY_SHA256;
              return;
            }
            throw new Error(
              `libcdio: no ISO 9660 entry shares extent ${e.lsn} (${e.size} bytes) with ${JSON.stringify(e.raw)}`,
            );
          }
          const out = join(tmp, `f${i}`);
          await run(isoRead, ["--no-header", "-i", img, "-e", source, "-o", out], { timeoutMs: opts.timeoutMs });
          const h = hashFile(out);
          if (h.size !== e.size)
            throw new Error(`iso-read ${JSON.stringify(source)} produced ${h.size} bytes, listing says ${e.size}`);
          l.sha256 = h.sha256;
        },
      );
    });
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// 7z

/**
 * 7-Zip (p7zip-full, 7-Zip 26.02). `7z l -slt -tiso IMG` (-tiso so a UDF bridge image is still read as ISO),
 * `7z x -tiso -oDIR IMG`. 7z has no namespace switch: it shows Joliet whenever a Joliet SVD exists, else
 * Rock Ridge names when RR exists (then the "Mode" field is filled), else ISO 9660 names with ";1" and the
 * trailing "." already stripped. So joliet requires a Joliet SVD, and iso9660 is unsupported when the image
 * has Joliet or Rock Ridge. "Modified" has seconds (local time: we force TZ=UTC).
 *
 * rockridge: only for images without a Joliet SVD (else unsupported: 7z shows Joliet); absent when the root
 * has no Rock Ridge (volumeDescriptors) or no item has a "Mode". 7z shows type and mode (setuid/setgid/sticky
 * included) from "Mode" and symlink targets from "Symbolic Link"; no uid, gid, nlink or device numbers. Quirks:
 * it reads only the System Use area inside the directory record, never a CE continuation: a name continued
 * there is cut (NM), a symlink whose SL lies there shows an empty target (kept as ""). Relocation is not
 * applied: rr_moved and its contents are listed, and the CL placeholder is a 0-byte FILE (Folder "-", although
 * its Mode says "d"). Extraction writes symlinks (absolute targets re-rooted inside the output directory), and
 * empty regular files for fifos, sockets, devices and target-less symlinks; it restores no setuid bit and no
 * owner. Symlinks containing ".." are only extracted with -snld, which we pass; a symlink that leads out of the
 * output directory is still refused (exit 2, "Dangerous link path was ignored"; e.g. a relative link inside a
 * relocated directory, which 7z sees in rr_moved): it is left out of the extraction check.
 */
export async function read7z(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const sevenZip = requireTool("7z");
  const { joliet, rockRidge } = volumeDescriptors(img);
  switch (ns) {
    case "iso9660":
      if (joliet) throw new UnsupportedNamespaceError("7z", ns, "7z always shows the Joliet tree when one exists");
      break;
    case "joliet":
      if (!joliet) throw new AbsentNamespaceError("7z", ns, "no Joliet SVD (7z would show another tree)");
      break;
    case "rockridge":
      if (!rockRidge) throw new AbsentNamespaceError("7z", ns, "no Rock Ridge in the root directory record");
      if (joliet) throw new UnsupportedNamespaceError("7z", ns, "7z always shows the Joliet tree when one exists");
      break;
    default:
      return unreachable(ns);
  }
  const rr = ns === "rockridge";
  const common = ["-tiso", "-sccUTF-8", "-bd"];
  const r = await run(sevenZip, ["l", "-slt", ...common, img], { timeoutMs: opts.timeoutMs });
  const text = r.stdout.toString("utf8");
  if (/^(ERRORS?|WARNINGS?):/m.test(text) || /^(ERRORS?|WARNINGS?):/m.test(r.stderr))
    throw new Error(`7z reported problems listing ${img}:\n${text}\n${r.stderr}`);
  const sep = text.indexOf("\n----------\n");
  if (sep < 0) throw new Error(`7z: no item list in:\n${text}`);
  const listed: Listed[] = [];
  let usesRockRidge = false;
  for (const block of text.slice(sep + 12).split(/\n\n+/)) {
    if (block.trim() === "") continue;
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      const i = line.indexOf(" = ");
      if (i > 0) fields.set(line.slice(0, i), line.slice(i + 3));
      else if (line.endsWith(" =")) fields.set(line.slice(0, -2), "");
    }
    const path = fields.get("Path");
    const folder = fields.get("Folder");
    if (path === undefined || folder === undefined) throw new Error(`7z: cannot parse item block:\n${block}`);
    if ((fields.get("Mode") ?? "") !== "") usesRockRidge = true;
    const mod = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(fields.get("Modified") ?? "");
    const mtime =
      mod === null
        ? undefined
        : utcSeconds(Number(mod[1]), Number(mod[2]), Number(mod[3]), Number(mod[4]), Number(mod[5]), Number(mod[6]));
    const raw = `/${path}`;
    const modeString = fields.get("Mode") ?? "";
    if (rr && modeString !== "") {
      const { type, mode } = parseModeString(modeString);
      // The CL placeholder of a relocated directory: Mode "d...", but 7z lists (and extracts) it as a file.
      const shownType = folder === "+" ? "dir" : type === "dir" ? "file" : type;
      const e: Listed = { raw, type: shownType, mode, mtime };
      if (shownType === "file") e.size = Number(fields.get("Size") ?? "NaN");
      if (shownType === "symlink") e.target = fields.get("Symbolic Link") ?? "";
      listed.push(e);
    } else if (folder === "+") listed.push({ raw, type: "dir", mtime });
    else listed.push({ raw, type: "file", size: Number(fields.get("Size") ?? "NaN"), mtime });
  }
  if (ns === "iso9660" && usesRockRidge)
    throw new UnsupportedNamespaceError("7z", ns, "7z shows Rock Ridge names when Rock Ridge exists");
  if (rr && !usesRockRidge) throw new AbsentNamespaceError("7z", ns, "7z shows no Mode for any item");
  if (opts.hash !== false) {
    await withTempDir("7z", opts, async (tmp) => {
      const root = join(tmp, "root");
      mkdirSync(root);
      // -snld: without it 7z refuses ("Dangerous link path was ignored", exit 2) every symlink with "..". Even
      // with it, it refuses links that lead out of the output directory (exit 2): those are left out.
      const links = rr ? ["-snld"] : [];
      const x = await run(sevenZip, ["x", ...common, ...links, "-y", `-o${root}`, img], {
        timeoutMs: opts.timeoutMs,
        allowNonZero: rr,
      });
      const refused = new Set<string>();
      if (x.code !== 0) {
        for (const line of x.stderr.split("\n")) {
          if (line.trim() === "") continue;
          const m = /^ERROR: Dangerous link path was ignored : (.*) : .*$/.exec(line);
          if (m === null) throw new Error(`7z x exited with code ${x.code}:\n${x.stderr}`);
          refused.add(`/${m[1]}`);
        }
        if (refused.size === 0) throw new Error(`7z x exited with code ${x.code}:\n${x.stderr}`);
      }
      if (rr)
        mergeExtractedPosix("7z", listed, root, {
          refused,
          asEmptyFile: ["fifo", "socket", "chardev", "blockdev", "symlink"],
          target: (t, dir) => (t.startsWith(`${dir}/`) ? t.slice(dir.length) : t),
        });
      else mergeExtracted("7z", listed, root, false);
    });
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// bsdtar (libarchive)

/** Splits a bsdtar -tv name column into the name and a " -> target" (symlinks) or " link to path" (hard links). */
function splitBsdtarName(
  rest: string,
  isSymlink: boolean,
  known: ReadonlyMap<string, unknown>,
): { name: string; target?: string; hardlink?: string } {
  if (isSymlink) {
    const arrow = rest.indexOf(" -> ");
    if (arrow < 0) throw new Error(`bsdtar: symlink without target: ${JSON.stringify(rest)}`);
    return { name: rest.slice(0, arrow), target: rest.slice(arrow + 4) };
  }
  // A name may itself contain " link to ": take the split whose right side is an already listed path.
  for (let i = rest.indexOf(" link to "); i >= 0; i = rest.indexOf(" link to ", i + 1)) {
    const other = rest.slice(i + 9).replace(/^\.\//, "");
    if (known.has(other)) return { name: rest.slice(0, i), hardlink: other };
  }
  return { name: rest };
}

/**
 * bsdtar (libarchive-tools 3.6.2). libarchive prefers Rock Ridge, then Joliet, then ISO 9660; we select with
 * `--options iso9660:!rockridge` (joliet) and `--options iso9660:!rockridge,iso9660:!joliet` (iso9660).
 * Without a Joliet SVD, the joliet selection silently falls back to ISO 9660 names, so joliet requires one.
 * ISO 9660 names come with ";1" and the trailing "." already stripped. `-tvf` prints no seconds and escapes
 * non-printable bytes as \ooo; extraction (`-xf IMG -C DIR`) restores mtimes, which we use.
 *
 * rockridge: `--options iso9660:rockridge --numeric-owner -tvf` (absent unless volumeDescriptors finds Rock Ridge,
 * since libarchive would silently show Joliet or ISO 9660 names). Shows type, mode (setuid/setgid/sticky
 * included), nlink (PX for non-directories; for directories libarchive's own count, 2 + subdirectories), uid,
 * gid, device numbers ("1,3") and symlink targets; applies relocation (rr_moved and RE directories hidden, deep
 * tree at its true place). A second and later name of a hard-link family (same extent / PX inode number) is
 * listed as "NAME link to FIRST" with size 0: it gets FIRST's size. Quirk: libarchive drops the "/" between two
 * components that are split across SL entries (a target longer than one SL entry loses a "/"). Extraction
 * (`-xpf`) restores modes, owners (as root), symlinks (with the same missing "/"), fifos, device nodes, hard
 * links and all mtimes (symlinks included); sockets become empty regular files.
 */
export async function readBsdtar(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const bsdtar = requireTool("bsdtar");
  let options: string;
  switch (ns) {
    case "iso9660":
      options = "iso9660:!rockridge,iso9660:!joliet";
      break;
    case "joliet":
      if (!volumeDescriptors(img).joliet)
        throw new AbsentNamespaceError("bsdtar", ns, "no Joliet SVD (libarchive would show ISO 9660 names)");
      options = "iso9660:!rockridge";
      break;
    case "rockridge":
      if (!volumeDescriptors(img).rockRidge)
        throw new AbsentNamespaceError("bsdtar", ns, "no Rock Ridge (libarchive would show Joliet or ISO 9660 names)");
      options = "iso9660:rockridge";
      break;
    default:
      return unreachable(ns);
  }
  const rr = ns === "rockridge";
  const r = await run(bsdtar, ["--options", options, "--numeric-owner", "-tvf", img], { timeoutMs: opts.timeoutMs });
  const listed: Listed[] = [];
  const byPath = new Map<string, Listed>();
  const hardlinks: Array<[Listed, string]> = [];
  const re = /^(\S{10})\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+|\d+,\d+)\s+\S{3}\s+\d+\s+\S+ (.*)$/s;
  const clean = (name: string): string => name.replace(/^\.\//, "").replace(/\/$/, "");
  for (const raw of bufferLines(r.stdout)) {
    const line = decodeCEscapes(raw).toString("utf8");
    const m = re.exec(line);
    if (m === null) throw new Error(`bsdtar: cannot parse line ${JSON.stringify(line)}`);
    const { type, mode } = parseModeString(m[1]);
    const parts = rr ? splitBsdtarName(m[6], type === "symlink", byPath) : { name: m[6] };
    const name = clean(parts.name);
    if (name === "." || name === "") continue;
    const path = `/${name}`;
    if (!rr && type !== "dir" && type !== "file")
      throw new Error(`bsdtar: unsupported file type "${m[1][0]}": ${JSON.stringify(path)}`);
    const e: Listed = { raw: path, type };
    if (type === "file") e.size = Number(m[5]);
    if (rr) {
      e.mode = mode;
      e.nlink = Number(m[2]);
      e.uid = Number(m[3]);
      e.gid = Number(m[4]);
      if (parts.target !== undefined) e.target = parts.target;
      if (type === "chardev" || type === "blockdev") {
        const dev = parseDevice(m[5]);
        if (dev === undefined) throw new Error(`bsdtar: no device number in ${JSON.stringify(line)}`);
        e.rdev = dev;
      }
      if (parts.hardlink !== undefined) hardlinks.push([e, parts.hardlink]);
    }
    listed.push(e);
    byPath.set(name, e);
  }
  for (const [e, first] of hardlinks) e.size = byPath.get(first)?.size;
  if (opts.hash !== false) {
    await withTempDir("bsdtar", opts, async (tmp) => {
      await run(bsdtar, ["--options", options, rr ? "-xpf" : "-xf", img, "-C", tmp], { timeoutMs: opts.timeoutMs });
      if (rr)
        mergeExtractedPosix("bsdtar", listed, tmp, {
          asEmptyFile: ["socket"],
          mtimeFrom: ["file", "dir", "symlink", "fifo", "chardev", "blockdev"],
          attributes: true,
        });
      else mergeExtracted("bsdtar", listed, tmp, true);
    });
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// pycdlib

const ENTRY_TYPES: readonly EntryType[] = ["file", "dir", "symlink", "fifo", "socket", "chardev", "blockdev"];

const PYCDLIB_WALK = fileURLToPath(new URL("./pycdlib_walk.py", import.meta.url));

function asRecord(v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("pycdlib: expected a JSON object");
  return v as Record<string, unknown>;
}

/**
 * pycdlib (python3-pycdlib 1.12, run with /usr/bin/python3) through pycdlib_walk.py: walks iso_path= or
 * joliet_path= with list_children, prints raw identifiers (ISO 9660 with ";1"), sizes, SHA-256 read through
 * get_file_from_iso_fp, and the directory-record date converted to UTC seconds (gmtoffset applied).
 *
 * rockridge: the walker reads the parsed RRIP entries of every record: NM (CE continuations included), PX
 * (mode with setuid/setgid/sticky, nlink, uid, gid), SL (symlink_path()), PN (device number: the 64-bit dev_t
 * high << 32 | low, split the glibc way as libisofs and genisoimage write it), TF modification time. It applies
 * relocation itself (CL followed, RE entries hidden): pycdlib's own rr_path listing also shows rr_moved. Files
 * are hashed through pycdlib resolving their Rock Ridge path. pycdlib 1.12 refuses to open an image with more
 * than one ER entry ("Only single ER record supported"; e.g. xorriso's `-compliance new_rr`, which adds an AAIP
 * ER; `new_rr:aaip_susp_1_10` avoids it).
 */
export async function readPycdlib(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const python = await requirePycdlib();
  switch (ns) {
    case "iso9660":
    case "joliet":
    case "rockridge":
      break;
    default:
      return unreachable(ns);
  }
  const args = [PYCDLIB_WALK, img, ns, ...(opts.hash === false ? ["--no-hash"] : [])];
  const r = await run(python, args, { allowNonZero: true, timeoutMs: opts.timeoutMs });
  if (r.code === 3) throw new AbsentNamespaceError("pycdlib", ns, r.stderr.trim());
  if (r.code !== 0) throw new Error(`pycdlib_walk.py exited with ${r.code}:\n${r.stderr}`);
  const listed: Listed[] = [];
  for (const line of r.stdout.toString("utf8").split("\n")) {
    if (line === "") continue;
    const o = asRecord(JSON.parse(line) as unknown);
    if (o.kind === "info") continue;
    const { path, type, size, sha256, mtime } = o;
    const types: readonly unknown[] = ns === "rockridge" ? ENTRY_TYPES : ["file", "dir"];
    if (typeof path !== "string" || !types.includes(type)) throw new Error(`pycdlib: bad entry ${line}`);
    const l: Listed = { raw: path, type: type as EntryType };
    if (type === "file") {
      if (typeof size !== "number") throw new Error(`pycdlib: entry without size ${line}`);
      l.size = size;
      if (typeof sha256 === "string") l.sha256 = sha256;
    }
    if (typeof mtime === "number") l.mtime = mtime;
    if (ns === "rockridge") {
      const num = (k: string): number | undefined => (typeof o[k] === "number" ? (o[k] as number) : undefined);
      const mode = num("mode");
      if (mode !== undefined) l.mode = mode & 0o7777;
      l.uid = num("uid");
      l.gid = num("gid");
      l.nlink = num("nlink");
      if (typeof o.target === "string") l.target = o.target;
      const high = num("rdev_high");
      const low = num("rdev_low");
      if (high !== undefined && low !== undefined && (type === "chardev" || type === "blockdev"))
        l.rdev = splitDevice((BigInt(high) << 32n) | BigInt(low));
    }
    listed.push(l);
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// Registry

/**
 * How a reader shows Rock Ridge deep-directory relocation (RRIP RE/CL/PL: a writer moves directories that would
 * be deeper than 8 levels into a relocation directory such as rr_moved, marks them with RE, and leaves a CL
 * placeholder at the true place).
 *   resolved: the relocation directory and RE entries are hidden, CL is followed: the true deep tree.
 *   raw:      the physical layout: the relocation directory with the moved directories inside, and at the true
 *             place the CL placeholder without children, shown as an empty "dir" or a 0-byte "file"; reNames
 *             "iso9660" means entries carrying RE are shown by their ISO 9660 name (libcdio: "RR_MOVED").
 */
export type RelocationView =
  | { readonly kind: "resolved" }
  | { readonly kind: "raw"; readonly placeholder: "dir" | "file"; readonly reNames: "rockridge" | "iso9660" };

/** What a reader shows of the rockridge namespace. */
export interface RockRidgeSpec {
  /** POSIX fields the reader fills in its rockridge trees; the others are always undefined. */
  readonly fields: readonly PosixField[];
  /** Whether directories get an nlink too (see the reader's doc comment for what it means there). */
  readonly dirNlink: boolean;
  /** Entry types that get an mtime (whole seconds) in the reader's rockridge trees. */
  readonly mtimeTypes: readonly EntryType[];
  /** false: the reader cannot show Rock Ridge when the image also has Joliet (UnsupportedNamespaceError). */
  readonly withJoliet: boolean;
  readonly relocation: RelocationView;
  /** Adjusts a reference entry to what the reader displays (e.g. isoinfo: rwx bits only). */
  readonly view?: (e: TreeEntry) => TreeEntry;
  /** Known deviations that expectedView cannot predict from a tree alone (tests handle them explicitly). */
  readonly quirks: readonly string[];
}

export interface ReaderSpec {
  readonly name: ReaderName;
  readonly read: ReaderFn;
  /** Whether the reader fills mtime (second precision) in its iso9660 and joliet trees. */
  readonly mtime: boolean;
  /**
   * How the reader displays a (normalised) on-disc name of namespace ns; identity when faithful.
   * Use expectedView() to apply it to a reference tree.
   */
  readonly displayName: (ns: Namespace, name: string) => string;
  readonly rockRidge: RockRidgeSpec;
}

const faithful = (_ns: Namespace, name: string): string => name;

const ALL_TYPES: readonly EntryType[] = ENTRY_TYPES;
const ALL_FIELDS: readonly PosixField[] = ["mode", "uid", "gid", "nlink", "target", "rdev"];
const RESOLVED: RelocationView = { kind: "resolved" };

export const READERS: readonly ReaderSpec[] = [
  {
    name: "xorriso",
    read: readXorriso,
    mtime: true,
    displayName: faithful,
    rockRidge: {
      fields: ALL_FIELDS,
      dirNlink: false,
      mtimeTypes: ["file", "dir", "fifo", "chardev", "blockdev"],
      withJoliet: true,
      relocation: RESOLVED,
      quirks: [
        "nlink is xorriso's count of files sharing a PX inode number (RRIP 1.12), not PX's link count: " +
          "1 for every file of an RRIP 1.10 image (no inode numbers)",
      ],
    },
  },
  {
    name: "isoinfo",
    read: readIsoinfo,
    mtime: false,
    displayName: (ns, name) => (ns === "joliet" ? isoinfoJolietName(name) : name),
    rockRidge: {
      fields: ["mode", "uid", "gid", "nlink", "target"],
      dirNlink: true,
      mtimeTypes: [],
      withJoliet: true,
      relocation: { kind: "raw", placeholder: "dir", reNames: "rockridge" },
      view: (e) => (e.mode === undefined ? e : { ...e, mode: e.mode & 0o777 }),
      quirks: [
        "no device numbers",
        "mode without setuid/setgid/sticky",
        "uid/gid printed in octal at fixed columns: a uid >= 4096 (5+ octal digits) is left undefined",
      ],
    },
  },
  {
    name: "libcdio",
    read: readLibcdio,
    mtime: true,
    displayName: (ns, name) =>
      ns === "iso9660" ? libcdioIso9660Name(name) : ns === "joliet" ? libcdioJolietName(name) : name,
    rockRidge: {
      fields: ["mode", "uid", "gid", "nlink", "target"],
      dirNlink: true,
      mtimeTypes: ALL_TYPES,
      withJoliet: true,
      relocation: { kind: "raw", placeholder: "dir", reNames: "iso9660" },
      view: (e) => (e.mode === undefined ? e : { ...e, mode: e.mode & ~0o1000 }),
      quirks: [
        "mode without the sticky bit (setuid and setgid are shown)",
        "NM continued in a CE area is ignored: long names are cut to the part in the directory record",
        "iso-info 2.1 crashes (SIGSEGV) on records with long SL entries",
        "no device numbers",
      ],
    },
  },
  {
    name: "7z",
    read: read7z,
    mtime: true,
    // 7z drops one trailing "." from a Joliet name ("a." shows as "a", "b.." as "b.").
    displayName: (ns, name) => (ns === "joliet" ? name.replace(/\.$/, "") : name),
    rockRidge: {
      fields: ["mode", "target"],
      dirNlink: false,
      mtimeTypes: ALL_TYPES,
      withJoliet: false,
      relocation: { kind: "raw", placeholder: "file", reNames: "rockridge" },
      quirks: [
        'CE continuation areas are ignored: long names (NM) are cut, symlinks whose SL lies there show target ""',
      ],
    },
  },
  {
    name: "bsdtar",
    read: readBsdtar,
    mtime: true,
    displayName: faithful,
    rockRidge: {
      fields: ALL_FIELDS,
      dirNlink: true,
      mtimeTypes: ["file", "dir", "symlink", "fifo", "chardev", "blockdev"],
      withJoliet: true,
      relocation: RESOLVED,
      quirks: [
        "a symlink target split across SL entries loses the '/' between the two components",
        "directory nlink is libarchive's own count (2 + subdirectories)",
      ],
    },
  },
  {
    name: "pycdlib",
    read: readPycdlib,
    mtime: true,
    displayName: faithful,
    rockRidge: {
      fields: ALL_FIELDS,
      dirNlink: true,
      mtimeTypes: ALL_TYPES,
      withJoliet: true,
      relocation: RESOLVED,
      quirks: ["cannot open images with more than one ER entry"],
    },
  },
];

export function reader(name: ReaderName): ReaderSpec {
  const r = READERS.find((x) => x.name === name);
  if (r === undefined) throw new Error(`unknown reader ${name}`);
  return r;
}

/**
 * A writer's Rock Ridge relocation of deep directories: `dir` is the relocation directory (Rock Ridge path,
 * e.g. "/rr_moved") and `moved` the true paths of the directories moved into it (each under its own name;
 * not nested in one another).
 */
export interface Relocation {
  dir: string;
  moved: readonly string[];
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The physical (unresolved) layout of a relocated tree as a "raw" reader shows it (see RelocationView). */
export function unresolvedRelocationView(
  tree: readonly TreeEntry[],
  relocation: Relocation,
  view: Extract<RelocationView, { kind: "raw" }>,
): Tree {
  const reName = (name: string): string => (view.reNames === "iso9660" ? name.toUpperCase() : name);
  const relocDir = `/${reName(relocation.dir.slice(1))}`;
  const out: Tree = [{ path: relocDir, type: "dir" }];
  for (const e of tree) {
    const m = relocation.moved.find((p) => e.path === p || e.path.startsWith(`${p}/`));
    if (m === undefined) {
      out.push(e);
      continue;
    }
    const moved = `${relocDir}/${reName(baseName(m))}`;
    out.push({ ...e, path: moved + e.path.slice(m.length) });
    if (e.path === m) {
      const { nlink: _n, ...placeholder } = e;
      if (view.placeholder === "file") out.push({ ...placeholder, type: "file", size: 0, sha256: EMPTY_SHA256 });
      else out.push({ ...placeholder, type: "dir" });
    }
  }
  return sortTree(out);
}

export interface ExpectedViewOptions {
  /** rockridge: the relocation the writer did, applied for readers whose relocation view is "raw". */
  relocation?: Relocation;
}

/**
 * What `spec` is expected to report for namespace ns when the true tree is `tree` (names and mtimes; for
 * rockridge also the POSIX fields it reports, its display adjustments and, given opts.relocation, its view of
 * relocated directories). POSIX fields are dropped for iso9660 and joliet.
 */
export function expectedView(
  spec: ReaderSpec,
  ns: Namespace,
  tree: readonly TreeEntry[],
  opts: ExpectedViewOptions = {},
): Tree {
  const renamed = mapNames(tree, (n) => spec.displayName(ns, n));
  if (ns !== "rockridge") {
    const plain = keepPosixFields(renamed);
    return spec.mtime ? plain : plain.map(({ mtime: _m, ...rest }) => rest);
  }
  const rr = spec.rockRidge;
  let out = keepPosixFields(renamed, rr.fields).map((e) => {
    let v = rr.view ? rr.view(e) : e;
    if (!rr.dirNlink && v.type === "dir") {
      const { nlink: _n, ...rest } = v;
      v = rest;
    }
    if (!rr.mtimeTypes.includes(v.type)) {
      const { mtime: _m, ...rest } = v;
      v = rest;
    }
    return v;
  });
  if (opts.relocation !== undefined && rr.relocation.kind === "raw")
    out = unresolvedRelocationView(out, opts.relocation, rr.relocation);
  return out;
}
