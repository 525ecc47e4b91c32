// Reading a host directory tree into image items (IMAPI2's IFsiDirectoryItem::AddTree).
import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { SourceError } from "../errors.js";
import { DirectoryItem, FileItem, type ItemAttributes, SpecialItem, type SpecialKind, SymlinkItem } from "./items.js";
import { type FileSource, HostFileSource } from "./sources.js";

/** What addTree found on the host and could not put in the tree at all. */
export interface SkippedHostEntry {
  hostPath: string;
  kind: "unknown";
}

export interface AddTreeReport {
  files: number;
  directories: number;
  /** Symbolic links added (recorded by Rock Ridge; left out, with a warning, where no file system can store them). */
  symlinks: number;
  /** FIFOs, sockets and device nodes added (likewise). */
  specialFiles: number;
  bytes: number;
  /** Files that are hard links of a file already added: they share its data. */
  hardLinks: number;
  skipped: SkippedHostEntry[];
}

/** An item's attributes from a host lstat/stat result (whole milliseconds, permission bits). */
export function attributesOf(st: Stats): ItemAttributes {
  return {
    mtimeMs: Math.floor(st.mtimeMs),
    atimeMs: Math.floor(st.atimeMs),
    ctimeMs: Math.floor(st.ctimeMs),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
  };
}

/** The kind of a host FIFO, socket or device node; null for anything else. */
export function specialKind(st: Stats): SpecialKind | null {
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isBlockDevice()) return "block-device";
  if (st.isCharacterDevice()) return "character-device";
  return null;
}

/** Linux dev_t encoding (glibc gnu_dev_major/minor) of st_rdev. */
export function splitDeviceNumber(rdev: number): { major: number; minor: number } {
  const big = BigInt(rdev);
  const major = Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn));
  const minor = Number((big & 0xffn) | ((big >> 12n) & ~0xffn));
  return { major, minor };
}

/** Synchronous metadata calls are several times cheaper than promise-based ones; yield to the event loop between batches. */
const ENTRIES_PER_YIELD = 2000;

/**
 * Walks `hostDir` and adds its contents to `into`. Existing directories are merged; an existing file of
 * the same name is an error unless `replace`. Hard-linked host files share one source (one data extent).
 */
export async function addHostTree(
  hostDir: string,
  into: DirectoryItem,
  options: { replace: boolean; defaultTimeMs: number; linkTable: Map<string, FileSource> },
): Promise<AddTreeReport> {
  const report: AddTreeReport = {
    files: 0,
    directories: 0,
    symlinks: 0,
    specialFiles: 0,
    bytes: 0,
    hardLinks: 0,
    skipped: [],
  };
  const queue: Array<[string, DirectoryItem]> = [[hostDir, into]];
  let sinceYield = 0;
  while (queue.length > 0) {
    const [dirPath, dirItem] = queue.pop()!;
    let names: string[];
    try {
      names = readdirSync(dirPath);
    } catch (e) {
      throw new SourceError(
        `cannot list source directory ${dirPath}: ${(e as Error).message} (check that it exists and is readable)`,
        dirPath,
        { cause: e },
      );
    }
    for (const name of names) {
      const hostPath = join(dirPath, name);
      let st: Stats;
      try {
        st = lstatSync(hostPath);
      } catch (e) {
        throw new SourceError(`cannot read source ${hostPath}: ${(e as Error).message}`, hostPath, { cause: e });
      }
      if (st.isDirectory()) {
        let sub = dirItem.get(name);
        if (!sub || sub.kind !== "directory") {
          sub = new DirectoryItem(name, attributesOf(st), options.defaultTimeMs);
          dirItem.add(sub, options.replace);
        }
        report.directories++;
        queue.push([hostPath, sub]);
      } else if (st.isFile()) {
        let source: FileSource | undefined;
        const key = st.nlink > 1 ? `${st.dev}:${st.ino}` : "";
        if (key) source = options.linkTable.get(key);
        if (source) report.hardLinks++;
        else {
          source = new HostFileSource(dirPath, st.size, name);
          if (key) options.linkTable.set(key, source);
          report.bytes += st.size;
        }
        dirItem.add(new FileItem(name, source, attributesOf(st), options.defaultTimeMs), options.replace);
        report.files++;
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = readlinkSync(hostPath);
        } catch (e) {
          throw new SourceError(`cannot read symbolic link ${hostPath}: ${(e as Error).message}`, hostPath, {
            cause: e,
          });
        }
        dirItem.add(new SymlinkItem(name, target, attributesOf(st), options.defaultTimeMs), options.replace);
        report.symlinks++;
      } else {
        const kind = specialKind(st);
        if (!kind) {
          report.skipped.push({ hostPath, kind: "unknown" });
          continue;
        }
        const device = kind.endsWith("device") ? splitDeviceNumber(st.rdev) : null;
        dirItem.add(new SpecialItem(name, kind, device, attributesOf(st), options.defaultTimeMs), options.replace);
        report.specialFiles++;
      }
    }
    sinceYield += names.length;
    if (sinceYield >= ENTRIES_PER_YIELD) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  return report;
}
