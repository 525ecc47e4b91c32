// Wrappers around independent, third-party ISO readers ("oracles"). Each answers one question: which tree
// does reader X see in namespace NS of image IMG? The answer is a sorted TreeEntry[] (see tree.ts) whose
// file hashes come from really extracting every file through that same reader into a temp directory.
//
// Names are returned exactly as each reader reports them, then normalised only by normaliseName():
//   iso9660: strip a trailing ";<version>", then a trailing "." ("FILE.TXT;1" -> "FILE.TXT", "NOEXT.;1" -> "NOEXT")
//   joliet:  strip a trailing ";1" if the reader shows one; nothing else.
// Readers that cannot show a namespace faithfully throw UnsupportedNamespaceError; readers asked for a
// namespace the image does not have throw AbsentNamespaceError (instead of silently showing another tree).
// Known display quirks (isoinfo's 8-bit Joliet names, libcdio's lower-cased ISO 9660 names and truncated
// UTF-8 Joliet names) are described by READERS[].displayName so tests can predict them with expectedView().
//
// To add a namespace (e.g. "rockridge", "udf"): extend Namespace and NAMESPACES; every reader switches on
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
import { requirePycdlib, requireTool, run } from "./tools.js";
import { childPath, EMPTY_SHA256, hashFile, hostTree, mapNames, sortTree, type Tree, type TreeEntry } from "./tree.js";

export type Namespace = "iso9660" | "joliet";
export const NAMESPACES: readonly Namespace[] = ["iso9660", "joliet"];

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

/** The image has no such namespace (e.g. Joliet requested from an image without a Joliet SVD). */
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
 * add a version to Joliet names too); Joliet names are otherwise untouched.
 */
export function normaliseName(ns: Namespace, name: string): string {
  switch (ns) {
    case "iso9660":
      return name.replace(/;\d*$/, "").replace(/\.$/, "");
    case "joliet":
      return name.replace(/;1$/, "");
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
 * Volume descriptor scan (sectors 16.. up to the terminator). Used ONLY to decide whether a reader that
 * cannot say which tree it shows (7z, bsdtar) is showing Joliet; never for contents.
 */
export function volumeDescriptors(img: string): { joliet: boolean } {
  const fd = openSync(img, "r");
  const buf = Buffer.alloc(2048);
  let joliet = false;
  try {
    for (let sector = 16; sector < 16 + 64; sector++) {
      if (readSync(fd, buf, 0, 2048, sector * 2048) < 2048) break;
      if (buf.toString("latin1", 1, 6) !== "CD001") break;
      const type = buf[0];
      if (type === 255) break;
      if (type === 2 && buf[88] === 0x25 && buf[89] === 0x2f && [0x40, 0x43, 0x45].includes(buf[90])) joliet = true;
    }
  } finally {
    closeSync(fd);
  }
  return { joliet };
}

interface Listed {
  /** Path as the reader reports it (not normalised), used to find the extracted/extractable file. */
  raw: string;
  type: "file" | "dir";
  size?: number;
  sha256?: string;
  mtime?: number;
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

function finish(ns: Namespace, listed: readonly Listed[]): Tree {
  return sortTree(
    listed.map((l) => {
      const e: TreeEntry = { path: normalisePath(ns, l.raw), type: l.type };
      if (l.type === "file") {
        e.size = l.size;
        if (l.sha256 !== undefined) e.sha256 = l.sha256;
      }
      if (l.mtime !== undefined) e.mtime = l.mtime;
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

/**
 * xorriso (libisofs). Namespace selection (must precede -indev): iso9660 = `-read_fs ecma119` (neither Rock
 * Ridge nor Joliet), joliet = `-read_fs norock`. xorriso silently falls back to ECMA-119 when the wish
 * cannot be met, so we check the "ISO loaded" line of -toc. `-ecma119_map unmapped` / `-joliet_map
 * unmapped` keep ";1" and case as recorded. Listing: `-find / -exec lsdl --` with `-backslash_codes
 * encode_output` (non-ASCII bytes printed as \ooo). Extraction: `-osirrox on -extract / DIR`. lsdl shows
 * no seconds, but extraction restores the recorded mtime of files and directories, so mtime comes from there.
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
    default:
      return unreachable(ns);
  }
  const hash = opts.hash !== false;
  return withTempDir("xorriso", opts, async (tmp) => {
    const root = join(tmp, "root");
    const args = [
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
      "-read_fs",
      readFs,
      "-ecma119_map",
      "unmapped",
      "-joliet_map",
      "unmapped",
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
      ...(hash ? ["-osirrox", "on", "-extract", "/", root] : []),
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
      if (ns === "joliet" && kind === "Only_ECMA_119")
        throw new AbsentNamespaceError("xorriso", ns, `-read_fs ${readFs} loaded ${kind}`);
      throw new Error(`xorriso: expected "ISO loaded : ${expectLoaded}" for ${ns}, got ${JSON.stringify(loaded)}`);
    }
    const listed: Listed[] = [];
    const re = /^(\S)\S{9}\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+('.*)$/s;
    for (const raw of lines.slice(iList + 1, iEnd)) {
      const line = decodeCEscapes(raw).toString("utf8");
      const m = re.exec(line);
      if (m === null) throw new Error(`xorriso: cannot parse lsdl line ${JSON.stringify(line)}`);
      const path = shellUnquote(m[3]);
      if (path === "/") continue;
      if (m[1] === "d") listed.push({ raw: path, type: "dir" });
      else if (m[1] === "-") listed.push({ raw: path, type: "file", size: Number(m[2]) });
      else throw new Error(`xorriso: unsupported file type "${m[1]}" in ${ns} tree: ${JSON.stringify(path)}`);
    }
    if (hash) {
      if (!existsSync(root)) mkdirSync(root, { recursive: true });
      mergeExtracted("xorriso", listed, root, true);
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

/**
 * isoinfo (genisoimage). iso9660: `isoinfo -l -i IMG` (ISO 9660 names with ";1"; Rock Ridge only with -R);
 * joliet: `isoinfo -J -j iso8859-1 -l -i IMG` (lossy: see isoinfoJolietName). The listing has no seconds
 * (day precision), so mtime is left undefined. Files are extracted one by one with `-x PATH` (the exact
 * listed name, version included); -x of an unknown path prints nothing and exits 0, so extracted sizes are
 * checked against the listing. Paths are passed through `printf %b` because Node cannot put raw Latin-1
 * bytes into argv. -x takes the first record with a matching name, so two Joliet names that isoinfo
 * displays identically (lossy "_") cannot be told apart.
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
    default:
      return unreachable(ns);
  }
  const r = await run(isoinfo, [...nsArgs, "-l", "-i", img], { timeoutMs: opts.timeoutMs, allowNonZero: true });
  // Without a Joliet SVD, `isoinfo -J` prints this and exits nonzero.
  if (/Unable to find Joliet SVD/.test(r.stderr)) throw new AbsentNamespaceError("isoinfo", ns, r.stderr.trim());
  if (r.code !== 0) throw new Error(`isoinfo -l exited with code ${r.code}: ${r.stderr.trim()}`);
  const listed: Listed[] = [];
  let dir: string | undefined;
  const entryRe = /^(\S)\S{9}\s+\d+\s+\d+\s+\d+\s+(\d+) (?:\S{3}|\?\?\?)\s+\d+\s+\d+ \[\s*\d+ [0-9A-F]{2}\] {2}(.*) $/s;
  for (const line of r.stdout.toString(encoding).split("\n")) {
    if (line === "") continue;
    const header = /^Directory listing of (\/.*)$/.exec(line);
    if (header !== null) {
      dir = header[1].endsWith("/") && header[1] !== "/" ? header[1].slice(0, -1) : header[1];
      continue;
    }
    const m = entryRe.exec(line);
    if (m === null || dir === undefined) throw new Error(`isoinfo: cannot parse line ${JSON.stringify(line)}`);
    const name = m[3];
    if (name === "." || name === "..") continue;
    const raw = childPath(dir, name);
    if (m[1] === "d") listed.push({ raw, type: "dir" });
    else if (m[1] === "-") listed.push({ raw, type: "file", size: Number(m[2]) });
    else throw new Error(`isoinfo: unsupported file type "${m[1]}": ${JSON.stringify(raw)}`);
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
  type: "file" | "dir";
  lsn: number;
  size: number;
  mtime: number;
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
    /^ {2}(?:([-dl])\S{9}\s+\d+\s+\d+\s+\d+|([-dl]))\s+\[LSN\s+(\d+)\]\s+(\d+) (\w{3}) (\d{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) {2}(.*)$/s;
  for (const line of lines.slice(start + 1)) {
    if (line === "") continue;
    if (line.startsWith("/") && line.endsWith(":")) {
      const d = line.slice(0, -1);
      dir = d.length > 1 && d.endsWith("/") ? d.slice(0, -1) : d;
      continue;
    }
    const m = entryRe.exec(line);
    if (m === null || dir === undefined) throw new Error(`iso-info: cannot parse line ${JSON.stringify(line)}`);
    const name = m[11];
    if (name === "." || name === "..") continue;
    const t = m[1] ?? m[2];
    const raw = childPath(dir, name);
    if (t !== "-" && t !== "d") throw new Error(`iso-info: unsupported file type "${t}": ${JSON.stringify(raw)}`);
    const mon = MONTHS.indexOf(m[5]) + 1;
    if (mon === 0) throw new Error(`iso-info: bad month in ${JSON.stringify(line)}`);
    entries.push({
      raw,
      type: t === "d" ? "dir" : "file",
      lsn: Number(m[3]),
      size: Number(m[4]),
      mtime: utcSeconds(Number(m[7]), mon, Number(m[6]), Number(m[8]), Number(m[9]), Number(m[10])),
    });
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
 */
export async function readLibcdio(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const isoInfo = requireTool("iso-info");
  const isoRead = requireTool("iso-read");
  const base = ["--no-header", "--no-xa"];
  // The ISO 9660 (or Rock Ridge) side: names iso-read can resolve, with extents.
  const isoSide = async (): Promise<CdioListing> => {
    const r = await run(isoInfo, [...base, "--no-joliet", "--show-rock-ridge=0", "-l", img], {
      timeoutMs: opts.timeoutMs,
    });
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
    default:
      return unreachable(ns);
  }
  const listed: Listed[] = shown.map((e) => ({
    raw: e.raw,
    type: e.type,
    size: e.type === "file" ? e.size : undefined,
    mtime: e.mtime,
  }));
  if (opts.hash !== false) {
    const byExtent = new Map<string, string>();
    if (ns !== "iso9660") readable = await isoSide();
    for (const e of readable?.entries ?? [])
      if (e.type === "file" && !byExtent.has(`${e.lsn}/${e.size}`)) byExtent.set(`${e.lsn}/${e.size}`, e.raw);
    await withTempDir("libcdio", opts, async (tmp) => {
      await mapLimit(
        shown.map((e, i) => ({ e, l: listed[i], i })).filter((x) => x.e.type === "file"),
        4,
        async ({ e, l, i }) => {
          const source = ns === "iso9660" ? e.raw : byExtent.get(`${e.lsn}/${e.size}`);
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
 */
export async function read7z(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const sevenZip = requireTool("7z");
  const { joliet } = volumeDescriptors(img);
  switch (ns) {
    case "iso9660":
      if (joliet) throw new UnsupportedNamespaceError("7z", ns, "7z always shows the Joliet tree when one exists");
      break;
    case "joliet":
      if (!joliet) throw new AbsentNamespaceError("7z", ns, "no Joliet SVD (7z would show another tree)");
      break;
    default:
      return unreachable(ns);
  }
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
    if (folder === "+") listed.push({ raw, type: "dir", mtime });
    else listed.push({ raw, type: "file", size: Number(fields.get("Size") ?? "NaN"), mtime });
  }
  if (ns === "iso9660" && usesRockRidge)
    throw new UnsupportedNamespaceError("7z", ns, "7z shows Rock Ridge names when Rock Ridge exists");
  if (opts.hash !== false) {
    await withTempDir("7z", opts, async (tmp) => {
      const root = join(tmp, "root");
      mkdirSync(root);
      await run(sevenZip, ["x", ...common, "-y", `-o${root}`, img], { timeoutMs: opts.timeoutMs });
      mergeExtracted("7z", listed, root, false);
    });
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// bsdtar (libarchive)

/**
 * bsdtar (libarchive-tools 3.6.2). libarchive prefers Rock Ridge, then Joliet, then ISO 9660; we select with
 * `--options iso9660:!rockridge` (joliet) and `--options iso9660:!rockridge,iso9660:!joliet` (iso9660).
 * Without a Joliet SVD, the joliet selection silently falls back to ISO 9660 names, so joliet requires one.
 * ISO 9660 names come with ";1" and the trailing "." already stripped. `-tvf` prints no seconds and escapes
 * non-printable bytes as \ooo; extraction (`-xf IMG -C DIR`) restores mtimes, which we use.
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
    default:
      return unreachable(ns);
  }
  const r = await run(bsdtar, ["--options", options, "-tvf", img], { timeoutMs: opts.timeoutMs });
  const listed: Listed[] = [];
  const re = /^(\S)\S{9}\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S{3}\s+\d+\s+\S+ (.*)$/s;
  for (const raw of bufferLines(r.stdout)) {
    const line = decodeCEscapes(raw).toString("utf8");
    const m = re.exec(line);
    if (m === null) throw new Error(`bsdtar: cannot parse line ${JSON.stringify(line)}`);
    const name = m[3].replace(/^\.\//, "").replace(/\/$/, "");
    if (name === "." || name === "") continue;
    const path = `/${name}`;
    if (m[1] === "d") listed.push({ raw: path, type: "dir" });
    else if (m[1] === "-") listed.push({ raw: path, type: "file", size: Number(m[2]) });
    else throw new Error(`bsdtar: unsupported file type "${m[1]}": ${JSON.stringify(path)}`);
  }
  if (opts.hash !== false) {
    await withTempDir("bsdtar", opts, async (tmp) => {
      await run(bsdtar, ["--options", options, "-xf", img, "-C", tmp], { timeoutMs: opts.timeoutMs });
      mergeExtracted("bsdtar", listed, tmp, true);
    });
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// pycdlib

const PYCDLIB_WALK = fileURLToPath(new URL("./pycdlib_walk.py", import.meta.url));

function asRecord(v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("pycdlib: expected a JSON object");
  return v as Record<string, unknown>;
}

/**
 * pycdlib (python3-pycdlib 1.12, run with /usr/bin/python3) through pycdlib_walk.py: walks iso_path= or
 * joliet_path= with list_children, prints raw identifiers (ISO 9660 with ";1"), sizes, SHA-256 read through
 * get_file_from_iso_fp, and the directory-record date converted to UTC seconds (gmtoffset applied).
 */
export async function readPycdlib(img: string, ns: Namespace, opts: ReadOptions = {}): Promise<Tree> {
  const python = await requirePycdlib();
  switch (ns) {
    case "iso9660":
    case "joliet":
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
    if (typeof path !== "string" || (type !== "file" && type !== "dir")) throw new Error(`pycdlib: bad entry ${line}`);
    const l: Listed = { raw: path, type };
    if (type === "file") {
      if (typeof size !== "number") throw new Error(`pycdlib: entry without size ${line}`);
      l.size = size;
      if (typeof sha256 === "string") l.sha256 = sha256;
    }
    if (typeof mtime === "number") l.mtime = mtime;
    listed.push(l);
  }
  return finish(ns, listed);
}

// ---------------------------------------------------------------------------------------------------------
// Registry

export interface ReaderSpec {
  readonly name: ReaderName;
  readonly read: ReaderFn;
  /** Whether the reader fills mtime (second precision) in its trees. */
  readonly mtime: boolean;
  /**
   * How the reader displays a (normalised) on-disc name of namespace ns; identity when faithful.
   * Use expectedView() to apply it to a reference tree.
   */
  readonly displayName: (ns: Namespace, name: string) => string;
}

const faithful = (_ns: Namespace, name: string): string => name;

export const READERS: readonly ReaderSpec[] = [
  { name: "xorriso", read: readXorriso, mtime: true, displayName: faithful },
  {
    name: "isoinfo",
    read: readIsoinfo,
    mtime: false,
    displayName: (ns, name) => (ns === "joliet" ? isoinfoJolietName(name) : name),
  },
  {
    name: "libcdio",
    read: readLibcdio,
    mtime: true,
    displayName: (ns, name) => (ns === "iso9660" ? libcdioIso9660Name(name) : libcdioJolietName(name)),
  },
  {
    name: "7z",
    read: read7z,
    mtime: true,
    // 7z drops one trailing "." from a Joliet name ("a." shows as "a", "b.." as "b.").
    displayName: (ns, name) => (ns === "joliet" ? name.replace(/\.$/, "") : name),
  },
  { name: "bsdtar", read: readBsdtar, mtime: true, displayName: faithful },
  { name: "pycdlib", read: readPycdlib, mtime: true, displayName: faithful },
];

export function reader(name: ReaderName): ReaderSpec {
  const r = READERS.find((x) => x.name === name);
  if (r === undefined) throw new Error(`unknown reader ${name}`);
  return r;
}

/** What `spec` is expected to report for namespace ns when the true tree is `tree` (names and mtimes). */
export function expectedView(spec: ReaderSpec, ns: Namespace, tree: readonly TreeEntry[]): Tree {
  const renamed = mapNames(tree, (n) => spec.displayName(ns, n));
  return spec.mtime ? renamed : renamed.map(({ mtime: _m, ...rest }) => rest);
}
