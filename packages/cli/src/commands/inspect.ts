// Image inspection: `discburn ls IMG [path]` (a long listing of one of the image's trees), `discburn extract IMG
// [paths...] -C DIR` (the tree, or parts of it, written to a host directory and never outside it) and the image
// half of `discburn info` (file systems, volume descriptors, El Torito, UDF revision).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import {
  chmod,
  chown,
  type FileHandle,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  realpath,
  rename,
  symlink,
  unlink,
} from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { promisify } from "node:util";
import {
  type BlockSource,
  CancelledError,
  type DirectoryItem,
  decodeVolumeDescriptor,
  type FileSource,
  type IdentifiedFileSystems,
  ImageFileSource,
  type ImageItem,
  type ImportableFileSystem,
  type ImportResult,
  InvalidArgumentError,
  identifyFileSystems,
  importFileSystem,
  OutputError,
  TreeError,
} from "@discburn/fsimage";
import { Command, Option } from "commander";

const FILE_SYSTEMS: readonly ImportableFileSystem[] = ["udf", "rockridge", "joliet", "iso9660"];
const execFileAsync = promisify(execFile);

interface SourceOptions {
  fs?: string;
  sessionStart?: string;
}

export interface LsOptions extends SourceOptions {
  json?: boolean;
  recursive?: boolean;
}

export interface ExtractOptions extends SourceOptions {
  directory: string;
  devices?: boolean;
  sameOwner?: boolean;
  quiet?: boolean;
}

/** Parses --session-start: a whole block number. */
function parseSessionStart(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(`--session-start ${text}: expected a block number (LBA)`);
  }
  return Number(text);
}

/** Opens an image and imports the chosen (or most capable) tree; the caller closes the source. */
async function openTree(image: string, o: SourceOptions): Promise<{ source: BlockSource; result: ImportResult }> {
  const sessionStart = parseSessionStart(o.sessionStart);
  const source = await ImageFileSource.open(image);
  try {
    const result = await importFileSystem(source, {
      sessionStart,
      fileSystem: o.fs as ImportableFileSystem | undefined,
    });
    for (const w of result.warnings) process.stderr.write(`discburn: warning: ${image}: ${w}\n`);
    return { source, result };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/** Finds an image path ("/", "a/b", "/a/b/") in the tree. */
function lookup(root: DirectoryItem, path: string): ImageItem {
  let item: ImageItem = root;
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw new InvalidArgumentError(`image path ${path} must not contain ".."`);
    const next: ImageItem | undefined = item.kind === "directory" ? item.get(part) : undefined;
    if (!next) throw new TreeError(`${path}: no such file or directory in the image`, path);
    item = next;
  }
  return item;
}

/** Image path of a child of `dir` (which is "/" for the root). */
function childPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// ls

const TYPE_CHAR: Record<ImageItem["kind"], string> = {
  file: "-",
  directory: "d",
  symlink: "l",
  fifo: "p",
  socket: "s",
  "character-device": "c",
  "block-device": "b",
};

/** `ls -l` mode string: type, then rwx for owner, group and others with setuid, setgid and sticky. */
export function modeString(item: ImageItem): string {
  const m = item.mode;
  const triplet = (shift: number, special: boolean, specialChar: string): string => {
    const r = m & (4 << shift) ? "r" : "-";
    const w = m & (2 << shift) ? "w" : "-";
    const xBit = (m & (1 << shift)) !== 0;
    const x = special ? (xBit ? specialChar : specialChar.toUpperCase()) : xBit ? "x" : "-";
    return r + w + x;
  };
  return (
    TYPE_CHAR[item.kind] +
    triplet(6, (m & 0o4000) !== 0, "s") +
    triplet(3, (m & 0o2000) !== 0, "s") +
    triplet(0, (m & 0o1000) !== 0, "t")
  );
}

/** Names and targets for a terminal: control characters as \ooo escapes, like `ls -b`. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\\]/g, (c) =>
    c === "\\" ? "\\\\" : `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`,
  );
}

/** Local time as `ls --time-style=long-iso`: 2024-01-31 12:00. */
function formatTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "????-??-?? ??:??";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export interface ListedEntry {
  path: string;
  name: string;
  type: ImageItem["kind"];
  mode: number;
  modeString: string;
  links: number;
  uid: number;
  gid: number;
  /** Bytes of a file; bytes of a symlink's target; 0 for directories and special files. */
  size: number;
  device: { major: number; minor: number } | null;
  mtime: string;
  mtimeMs: number;
  target: string | null;
}

/** How many items share each file source (hard links). */
function linkCounts(root: DirectoryItem): Map<FileSource, number> {
  const counts = new Map<FileSource, number>();
  const stack: DirectoryItem[] = [root];
  for (let dir = stack.pop(); dir; dir = stack.pop()) {
    for (const c of dir.unsortedChildren()) {
      if (c.kind === "directory") stack.push(c);
      else if (c.kind === "file") counts.set(c.source, (counts.get(c.source) ?? 0) + 1);
    }
  }
  return counts;
}

function describeItem(item: ImageItem, path: string, counts: Map<FileSource, number>): ListedEntry {
  let links = 1;
  let size = 0;
  if (item.kind === "directory") {
    links = 2;
    for (const c of item.unsortedChildren()) if (c.kind === "directory") links++;
  } else if (item.kind === "file") {
    links = counts.get(item.source) ?? 1;
    size = item.size;
  } else if (item.kind === "symlink") {
    size = Buffer.byteLength(item.target, "utf8");
  }
  return {
    path,
    name: item.parent ? item.name : "/",
    type: item.kind,
    mode: item.mode & 0o7777,
    modeString: modeString(item),
    links,
    uid: item.uid,
    gid: item.gid,
    size,
    device: item.kind === "character-device" || item.kind === "block-device" ? item.device : null,
    mtime: new Date(item.mtimeMs).toISOString(),
    mtimeMs: item.mtimeMs,
    target: item.kind === "symlink" ? item.target : null,
  };
}

/** Lines of `ls -l` for some entries, columns aligned. */
function longLines(entries: ListedEntry[]): string[] {
  const sizeText = (e: ListedEntry) => (e.device ? `${e.device.major}, ${e.device.minor}` : String(e.size));
  const w = (f: (e: ListedEntry) => string) => Math.max(0, ...entries.map((e) => f(e).length));
  const wl = w((e) => String(e.links));
  const wu = w((e) => String(e.uid));
  const wg = w((e) => String(e.gid));
  const ws = w(sizeText);
  return entries.map(
    (e) =>
      `${e.modeString} ${String(e.links).padStart(wl)} ${String(e.uid).padEnd(wu)} ${String(e.gid).padEnd(wg)} ` +
      `${sizeText(e).padStart(ws)} ${formatTime(e.mtimeMs)} ${printable(e.name)}` +
      (e.target !== null ? ` -> ${printable(e.target)}` : ""),
  );
}

export async function runLs(image: string, path: string | undefined, o: LsOptions): Promise<void> {
  const { source, result } = await openTree(image, o);
  try {
    const start = lookup(result.root, path ?? "/");
    const startPath = start.path;
    const counts = linkCounts(result.root);
    /** Blocks of the listing: a header (for -R) and entries. */
    const blocks: { header: string | null; entries: ListedEntry[] }[] = [];
    if (start.kind !== "directory") {
      blocks.push({ header: null, entries: [describeItem(start, startPath, counts)] });
    } else {
      const queue: { dir: DirectoryItem; path: string }[] = [{ dir: start, path: startPath }];
      // Depth-first, children in name order, like ls -lR.
      while (queue.length > 0) {
        const { dir, path: dirPath } = queue.shift()!;
        const children = dir.children();
        blocks.push({
          header: o.recursive ? dirPath : null,
          entries: children.map((c) => describeItem(c, childPath(dirPath, c.name), counts)),
        });
        if (o.recursive) {
          const subdirs = children.filter((c): c is DirectoryItem => c.kind === "directory");
          queue.unshift(...subdirs.map((d) => ({ dir: d, path: childPath(dirPath, d.name) })));
        }
      }
    }
    if (o.json) {
      const out = {
        image,
        fileSystem: result.fileSystem,
        path: startPath,
        entries: blocks.flatMap((b) => b.entries),
        warnings: result.warnings,
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const text = blocks.map((b) => {
      const lines = longLines(b.entries);
      return b.header === null ? lines : [`${printable(b.header)}:`, ...lines];
    });
    const all = text.map((lines) => lines.join("\n")).filter((t) => t !== "");
    if (all.length > 0) process.stdout.write(`${all.join(o.recursive ? "\n\n" : "\n")}\n`);
  } finally {
    await source.close();
  }
}

export function lsCommand(_signal: AbortSignal): Command {
  return new Command("ls")
    .description("list the files of an image like ls -l (of the most capable file system, or the one named)")
    .argument("<image>", "image file")
    .argument("[path]", "directory or file in the image (default /)")
    .addOption(new Option("--fs <fs>", "file system to read").choices([...FILE_SYSTEMS]))
    .option("--session-start <lba>", "first block of the session to read (default 0)")
    .option("-R, --recursive", "list subdirectories recursively")
    .option("--json", "print the entries as JSON")
    .addHelpText(
      "after",
      `
Examples:
  discburn ls disc.iso                   the root of the most capable tree (UDF, Rock Ridge, Joliet, ISO 9660)
  discburn ls disc.iso /docs -R          a directory and everything under it
  discburn ls disc.iso --fs joliet       the Joliet tree`,
    )
    .action((image: string, path: string | undefined, o: LsOptions) => runLs(image, path, o));
}

// ---------------------------------------------------------------------------------------------------------------
// extract

/** A refusal or failure for one entry; extraction goes on with the others and fails at the end. */
class EntryError extends Error {
  constructor(
    readonly imagePath: string,
    message: string,
    readonly refused: boolean,
  ) {
    super(`${imagePath}: ${message}`);
  }
}

/** Checks a name read from the image before it becomes a host path component. */
function checkName(name: string, imagePath: string): void {
  if (name === "" || name === "." || name === "..") {
    throw new EntryError(imagePath, `refusing the name ${JSON.stringify(name)}`, true);
  }
  if (name.includes("/") || name.includes("\0")) {
    throw new EntryError(imagePath, `refusing the name ${JSON.stringify(name)}: it contains "/" or NUL`, true);
  }
}

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (e) {
    if (errorCode(e) === "ENOENT") return null;
    throw e;
  }
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

class Extractor {
  /** Directories to finish (mode, owner, times) once everything under them is written, in creation order. */
  private readonly directories: { path: string; item: DirectoryItem }[] = [];
  private readonly finished = new Set<string>();
  /** Host paths of extracted files, by source: later items sharing a source become hard links. */
  private readonly linked = new Map<FileSource, string>();
  readonly errors: EntryError[] = [];
  readonly notes: string[] = [];
  private readonly root: boolean = isRoot();

  constructor(
    /** The real path of DIR. */
    private readonly top: string,
    private readonly o: ExtractOptions,
    private readonly signal: AbortSignal,
  ) {}

  /** Throws unless `hostPath` (its real path) is DIR or lies inside it. */
  private async checkInside(hostPath: string, imagePath: string): Promise<void> {
    const real = await realpath(hostPath);
    if (real !== this.top && !real.startsWith(this.top + sep)) {
      throw new EntryError(
        imagePath,
        `refusing to write through ${hostPath}, which resolves outside the directory`,
        true,
      );
    }
  }

  /** A fresh name in `dir` for writing an entry before it is renamed into place. */
  private temporary(dir: string): string {
    return join(dir, `.discburn-${randomBytes(6).toString("hex")}.tmp`);
  }

  /**
   * Makes sure `name` in the verified directory `parent` is a real directory (never a symlink), creating it
   * (owner-only until it is finished) if missing. Returns its host path.
   */
  private async directory(parent: string, item: DirectoryItem, imagePath: string): Promise<string> {
    checkName(item.name, imagePath);
    const target = join(parent, item.name);
    let st = await lstatOrNull(target);
    if (!st) {
      try {
        await mkdir(target, { mode: 0o700 });
      } catch (e) {
        if (errorCode(e) !== "EEXIST") throw e;
      }
      st = await lstat(target);
    }
    if (st.isSymbolicLink()) {
      throw new EntryError(imagePath, `${target} is a symbolic link; refusing to follow it`, true);
    }
    if (!st.isDirectory()) throw new EntryError(imagePath, `${target} exists and is not a directory`, false);
    await this.checkInside(target, imagePath);
    if (!this.finished.has(target)) {
      this.finished.add(target);
      this.directories.push({ path: target, item });
    }
    return target;
  }

  /** Mode bits to apply: all as root; without setuid and setgid otherwise. */
  private modeOf(item: ImageItem): number {
    return item.mode & (this.root ? 0o7777 : 0o1777);
  }

  /** Renames a finished temporary entry into place; a directory of that name is not replaced. */
  private async place(temp: string, target: string, imagePath: string): Promise<void> {
    const existing = await lstatOrNull(target);
    if (existing?.isDirectory()) {
      await unlink(temp).catch(() => {});
      throw new EntryError(imagePath, `${target} exists and is a directory`, false);
    }
    try {
      await rename(temp, target);
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
  }

  private async writeFile(item: Extract<ImageItem, { kind: "file" }>, temp: string): Promise<void> {
    const earlier = this.linked.get(item.source);
    if (earlier) {
      await link(earlier, temp);
      return;
    }
    let handle: FileHandle | null = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      let written = 0;
      for await (const chunk of item.source.chunks(this.signal)) {
        for (let off = 0; off < chunk.length; ) {
          const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
        written += chunk.length;
      }
      if (written !== item.size) throw new Error(`read ${written} bytes of ${item.size}`);
      await handle.chmod(this.modeOf(item));
      if (this.root && this.o.sameOwner) await handle.chown(item.uid, item.gid);
      await handle.utimes(item.atimeMs / 1000, item.mtimeMs / 1000);
      await handle.close();
      handle = null;
    } catch (e) {
      await handle?.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw e;
    }
  }

  /** Extracts one non-directory entry into the verified directory `parent`. */
  private async entry(parent: string, item: Exclude<ImageItem, DirectoryItem>, imagePath: string): Promise<void> {
    checkName(item.name, imagePath);
    const target = join(parent, item.name);
    const temp = this.temporary(parent);
    switch (item.kind) {
      case "file":
        await this.writeFile(item, temp);
        await this.place(temp, target, imagePath);
        if (!this.linked.has(item.source)) this.linked.set(item.source, target);
        return;
      case "symlink":
        if (item.target.includes("\0")) throw new EntryError(imagePath, "refusing a symlink target with NUL", true);
        await symlink(item.target, temp);
        break;
      case "fifo":
        if (!this.root) {
          this.notes.push(`${imagePath}: FIFO skipped (FIFOs are created only when running as root)`);
          return;
        }
        await execFileAsync("mkfifo", ["-m", "600", "--", temp]);
        break;
      case "character-device":
      case "block-device": {
        if (!this.o.devices || !this.root || !item.device) {
          const why = !this.o.devices ? "use --devices to create it" : !this.root ? "needs root" : "no device number";
          this.notes.push(`${imagePath}: ${item.kind} skipped (${why})`);
          return;
        }
        const t = item.kind === "character-device" ? "c" : "b";
        await execFileAsync("mknod", [
          "-m",
          "600",
          "--",
          temp,
          t,
          String(item.device.major),
          String(item.device.minor),
        ]);
        break;
      }
      case "socket":
        this.notes.push(`${imagePath}: socket skipped`);
        return;
    }
    try {
      // The temporary entry is ours and never a symlink to follow except for the symlink itself (lchown, lutimes).
      if (item.kind !== "symlink") await chmod(temp, this.modeOf(item));
      if (this.root && this.o.sameOwner) await lchown(temp, item.uid, item.gid);
      await lutimes(temp, item.atimeMs / 1000, item.mtimeMs / 1000);
    } catch (e) {
      await unlink(temp).catch(() => {});
      throw e;
    }
    await this.place(temp, target, imagePath);
  }

  /** Runs `step`, turning its failure into an entry error. Returns false if it failed. */
  private async attempt(imagePath: string, step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (e) {
      if (this.signal.aborted) throw new CancelledError("extraction was cancelled");
      const err =
        e instanceof EntryError ? e : new EntryError(imagePath, e instanceof Error ? e.message : String(e), false);
      this.errors.push(err);
      if (!this.o.quiet) process.stderr.write(`discburn: ${err.refused ? "refused" : "error"}: ${err.message}\n`);
      return false;
    }
  }

  /** Extracts `item` (and everything under it) into the verified directory `parent`. */
  async tree(parent: string, item: ImageItem, imagePath: string): Promise<void> {
    if (this.signal.aborted) throw new CancelledError("extraction was cancelled");
    if (item.kind !== "directory") {
      await this.attempt(imagePath, () => this.entry(parent, item, imagePath));
      return;
    }
    let here = parent;
    if (item.parent) {
      let made: string | null = null;
      const ok = await this.attempt(imagePath, async () => {
        made = await this.directory(parent, item, imagePath);
      });
      if (!ok || made === null) return;
      here = made;
    }
    for (const child of item.children()) await this.tree(here, child, childPath(imagePath, child.name));
  }

  /** The directories leading to `item` (not itself), created if missing; null if one was refused. */
  async ancestors(item: ImageItem): Promise<string | null> {
    const chain: DirectoryItem[] = [];
    for (let p = item.parent; p?.parent; p = p.parent) chain.unshift(p);
    let here = this.top;
    for (const dir of chain) {
      let made: string | null = null;
      const ok = await this.attempt(dir.path, async () => {
        made = await this.directory(here, dir, dir.path);
      });
      if (!ok || made === null) return null;
      here = made;
    }
    return here;
  }

  /** Gives directories their modes, owners and times, deepest first (writing into them changed their times). */
  async finish(): Promise<void> {
    for (const { path, item } of [...this.directories].reverse()) {
      await this.attempt(item.path, async () => {
        const st = await lstat(path);
        if (!st.isDirectory()) throw new EntryError(item.path, `${path} is no longer a directory`, true);
        await chmod(path, this.modeOf(item));
        if (this.root && this.o.sameOwner) await chown(path, item.uid, item.gid);
        await lutimes(path, item.atimeMs / 1000, item.mtimeMs / 1000);
      });
    }
  }
}

export async function runExtract(
  image: string,
  paths: string[],
  o: ExtractOptions,
  signal: AbortSignal,
): Promise<void> {
  const { source, result } = await openTree(image, o);
  try {
    const selected = (paths.length > 0 ? paths : ["/"]).map((p) => lookup(result.root, p));
    const dir = resolve(o.directory);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new OutputError(`cannot create ${o.directory}: ${(e as Error).message}`, dir, { cause: e });
    }
    const top = await realpath(dir);
    if (!(await lstat(top)).isDirectory()) throw new OutputError(`${o.directory} is not a directory`, dir);
    const x = new Extractor(top, o, signal);
    for (const item of selected) {
      const parent = item.parent ? await x.ancestors(item) : top;
      if (parent !== null) await x.tree(parent, item, item.path);
    }
    await x.finish();
    if (!o.quiet) for (const n of x.notes) process.stderr.write(`discburn: note: ${n}\n`);
    if (x.errors.length > 0) {
      const refused = x.errors.filter((e) => e.refused).length;
      const message =
        `${x.errors.length} entries of ${image} were not extracted` +
        (refused > 0 ? ` (${refused} refused as unsafe)` : "") +
        `: ${x.errors[0].message}${x.errors.length > 1 ? " ..." : ""}`;
      if (refused > 0) throw new TreeError(message, x.errors[0].imagePath);
      throw new OutputError(message, dir);
    }
  } finally {
    await source.close();
  }
}

export function extractCommand(signal: AbortSignal): Command {
  return new Command("extract")
    .description("extract files of an image into a directory (never writing outside it), keeping times and modes")
    .argument("<image>", "image file")
    .argument("[paths...]", "files and directories in the image to extract (default: everything)")
    .requiredOption("-C, --directory <dir>", "directory to extract into (created if missing)")
    .addOption(new Option("--fs <fs>", "file system to read").choices([...FILE_SYSTEMS]))
    .option("--session-start <lba>", "first block of the session to read (default 0)")
    .option("--devices", "create device nodes (as root); without it they are skipped with a note")
    .option("--same-owner", "give entries the image's owners and groups (as root)")
    .option("-q, --quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
Names that could escape the directory ("..", names with "/", paths through symbolic links) are refused.

Examples:
  discburn extract disc.iso -C ./out
  discburn extract disc.iso /docs /readme.txt -C ./out --fs joliet`,
    )
    .action((image: string, paths: string[], o: ExtractOptions) => runExtract(image, paths, o, signal));
}

// ---------------------------------------------------------------------------------------------------------------
// info IMG

export interface ImageInfo {
  image: string;
  bytes: number;
  blocks: number;
  sessionStart: number;
  fileSystems: string[];
  iso9660: boolean;
  joliet: boolean;
  rockRidge: { version: string } | null;
  udf: { revision: string } | null;
  elTorito: IdentifiedFileSystems["elTorito"];
  volumeName: string;
  volumeSpaceSize: number;
  /** Identifiers of the primary volume descriptor, when there is one. */
  primaryVolumeDescriptor: {
    systemIdentifier: string;
    volumeIdentifier: string;
    volumeSetIdentifier: string;
    publisherIdentifier: string;
    dataPreparerIdentifier: string;
    applicationIdentifier: string;
    volumeSpaceSize: number;
  } | null;
  warnings: string[];
}

/** The PVD of the session's descriptor set (ECMA-119 8.4), or null. */
async function primaryDescriptor(
  source: BlockSource,
  sessionStart: number,
): Promise<ImageInfo["primaryVolumeDescriptor"]> {
  for (let lba = sessionStart + 16; lba < Math.min(source.blockCount, sessionStart + 16 + 64); lba++) {
    const b = await source.read(lba, 1);
    if (String.fromCharCode(...b.subarray(1, 6)) !== "CD001" || b[0] === 255) return null;
    if (b[0] !== 1) continue;
    try {
      const d = decodeVolumeDescriptor(b);
      return {
        systemIdentifier: d.systemIdentifier,
        volumeIdentifier: d.volumeIdentifier,
        volumeSetIdentifier: d.volumeSetIdentifier,
        publisherIdentifier: d.publisherIdentifier,
        dataPreparerIdentifier: d.dataPreparerIdentifier,
        applicationIdentifier: d.applicationIdentifier,
        volumeSpaceSize: d.volumeSpaceSize,
      };
    } catch {
      return null;
    }
  }
  return null;
}

export async function imageInfo(image: string, sessionStartText?: string): Promise<ImageInfo> {
  const sessionStart = parseSessionStart(sessionStartText) ?? 0;
  const source = await ImageFileSource.open(image);
  try {
    const id = await identifyFileSystems(source, { sessionStart });
    const fileSystems: string[] = [];
    if (id.iso9660) fileSystems.push("iso9660");
    if (id.rockRidge) fileSystems.push("rockridge");
    if (id.joliet) fileSystems.push("joliet");
    if (id.udf) fileSystems.push("udf");
    if (id.elTorito) fileSystems.push("eltorito");
    return {
      image,
      bytes: source.byteLength,
      blocks: source.blockCount,
      sessionStart,
      fileSystems,
      iso9660: id.iso9660,
      joliet: id.joliet,
      rockRidge: id.rockRidge,
      udf: id.udf,
      elTorito: id.elTorito,
      volumeName: id.volumeName,
      volumeSpaceSize: id.volumeSpaceSize,
      primaryVolumeDescriptor: id.iso9660 ? await primaryDescriptor(source, sessionStart) : null,
      warnings: id.warnings,
    };
  } finally {
    await source.close();
  }
}

/** `discburn info IMG`: what the image's session holds; `json` prints an ImageInfo object. */
export async function runInfoImage(image: string, opts: { json?: boolean; sessionStart?: string }): Promise<void> {
  const info = await imageInfo(image, opts.sessionStart);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  const names: string[] = [];
  if (info.iso9660) names.push("ISO 9660");
  if (info.rockRidge) names.push(`Rock Ridge ${info.rockRidge.version}`);
  if (info.joliet) names.push("Joliet");
  if (info.udf) names.push(`UDF ${info.udf.revision}`);
  if (info.elTorito) names.push("El Torito");
  const lines = [
    `image:              ${info.image} (${info.bytes} bytes, ${info.blocks} blocks)`,
    `session start:      ${info.sessionStart}`,
    `file systems:       ${names.length > 0 ? names.join(", ") : "none found"}`,
    `volume name:        ${printable(info.volumeName)}`,
    `volume space size:  ${info.volumeSpaceSize} blocks`,
  ];
  if (info.udf) lines.push(`UDF revision:       ${info.udf.revision}`);
  const pvd = info.primaryVolumeDescriptor;
  if (pvd) {
    const fields: [string, string][] = [
      ["system", pvd.systemIdentifier],
      ["volume set", pvd.volumeSetIdentifier],
      ["publisher", pvd.publisherIdentifier],
      ["data preparer", pvd.dataPreparerIdentifier],
      ["application", pvd.applicationIdentifier],
    ];
    lines.push(`ISO 9660 volume:    ${printable(pvd.volumeIdentifier)} (${pvd.volumeSpaceSize} blocks)`);
    for (const [k, v] of fields) if (v !== "") lines.push(`  ${`${k}:`.padEnd(18)}${printable(v)}`);
  }
  if (info.elTorito) {
    lines.push(`El Torito catalog:  LBA ${info.elTorito.catalogLba}`);
    info.elTorito.entries.forEach((e, i) => {
      lines.push(
        `  entry ${i + 1}: ${e.platform}, ${e.bootable ? "bootable" : "not bootable"}, emulation ${e.emulation}, ` +
          `load segment 0x${e.loadSegment.toString(16)}, ${e.sectorCount} sectors at LBA ${e.loadRba}`,
      );
    });
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  for (const w of info.warnings) process.stderr.write(`discburn: warning: ${image}: ${w}\n`);
}
