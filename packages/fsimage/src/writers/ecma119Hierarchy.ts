// The ECMA-119 directory hierarchy (9.1 records, 6.8 directories, 9.4 path tables), projected from the tree
// with one naming scheme: plain ISO 9660 names for the PVD (optionally with Rock Ridge), UCS-2 names for the
// Joliet SVD.
import {
  type DirectoryRecord,
  directoryRecordLength,
  encodeDirectoryRecordInto,
  FileFlags,
  MAX_DIRECTORY_RECORD_LENGTH,
} from "../ecma119/directoryRecord.js";
import { encodePathTableRecordInto, type PathTableByteOrder, pathTableRecordLength } from "../ecma119/pathTable.js";
import { LayoutError } from "../errors.js";
import { blocksFor, SECTOR_SIZE, type SectorAllocator, type SectorClaim } from "../layout/allocator.js";
import { CE_LENGTH, encodeCE } from "../rockridge/entries.js";
import { DirectoryItem, type ImageItem } from "../tree/items.js";
import type { FileSource } from "../tree/sources.js";
import type { FileDataLayout } from "./fileData.js";
import {
  pieceLength,
  type RockRidgeRecord,
  type RockRidgeWriter,
  type SystemUseSplit,
  splitSystemUse,
} from "./rockRidge.js";

/** How one hierarchy names things. */
export interface HierarchyNaming {
  /** "ISO 9660" or "Joliet", for messages. */
  readonly label: string;
  /** Unique identifiers for the children of one directory. */
  mapChildren(children: readonly ImageItem[]): Map<ImageItem, string>;
  /** Record order within a directory (ECMA-119 9.3). */
  compare(a: string, b: string): number;
  /** Identifier bytes as recorded. */
  encode(identifier: string): Uint8Array;
  /** Length of encode(identifier), without encoding. */
  byteLength(identifier: string): number;
  /** ECMA-119 6.8.2.1 keeps 8 levels and 255-byte paths; Joliet readers assume 240 bytes. */
  readonly maxPathBytes: number;
  /** Bytes a "/" separator counts for in a path (2 for UCS-2). */
  readonly separatorBytes: number;
}

export interface HierarchyOptions {
  /** Refuse (instead of warn about) directories deeper than 8 levels and over-long paths. */
  strict: boolean;
  /** Level 3 only: split files of 4 GiB and more into several extents (ECMA-119 6.5.1 / 9.1.6 bit 7). */
  multiExtent: boolean;
  /** Rock Ridge entries in every record (ISO 9660 hierarchy only). */
  rockRidge: RockRidgeWriter | null;
  /**
   * RRIP 4.1.5: move directories deeper than 8 levels into this directory at the root (hidden from Rock
   * Ridge readers by an RE entry), leaving CL links in their place. Null writes deep trees as they are.
   */
  relocationDirectory: string | null;
  /** The time given to a relocation directory (the volume creation time). */
  defaultTimeMs: number;
  /** Items shown in a directory without being part of the caller's tree (the El Torito boot catalog). */
  extraChildren: ReadonlyMap<DirectoryItem, readonly ImageItem[]>;
}

interface HierDirectory {
  item: DirectoryItem;
  identifier: Uint8Array;
  parent: HierDirectory | null;
  /** 1-based directory number in the path table (6.9.1). */
  number: number;
  entries: HierEntry[];
  /** Extent size in bytes, a whole number of sectors. */
  size: number;
  claim: SectorClaim | null;
  /** Rock Ridge continuation area for this directory's records (SUSP 5.1), if any. */
  continuationBytes: number;
  continuationClaim: SectorClaim | null;
  /** Where each record's continuation pieces lie in the area, by record index ("." 0, ".." 1, entries 2…). */
  continuationOffsets: Map<number, number[]> | null;
  serial: number;
  /** For a directory moved under the relocation directory: its true parent in the tree (RRIP 4.1.5.2 PL). */
  relocatedFrom: DirectoryItem | null;
}

interface HierEntry {
  /** Identifier text; encoded only when the directory is emitted (memory grows with file count, not names). */
  id: string;
  item: ImageItem;
  directory: HierDirectory | null;
  /** A relocated directory's place in its true parent: a zero-length record with a CL link to it. */
  relocatedTo: HierDirectory | null;
  serial: number;
}

/** ECMA-119 9.1.4 allows 2^32-1 bytes per extent; multi-extent sections are kept sector-aligned (as libisofs does). */
export const MAX_SECTION_BYTES = 0xfffff800;
const MAX_SINGLE_EXTENT = 0xffffffff;
const MAX_DEPTH = 8;
const MAX_DIRECTORY_NUMBER = 0xffff;

export class Ecma119Hierarchy {
  readonly directories: HierDirectory[] = [];
  readonly warnings: string[] = [];
  pathTableSize = 0;
  private lPathTable: SectorClaim | null = null;
  private mPathTable: SectorClaim | null = null;
  private readonly dirOf = new Map<DirectoryItem, HierDirectory>();
  private relocationDir: HierDirectory | null = null;
  /** Number of names that share each hard-linked source (only counts above 1 are kept). */
  private readonly linkCounts = new Map<FileSource, number>();
  private readonly linkSerials = new Map<FileSource, number>();
  private nextSerial = 1;
  /** Continuation area contents of the directory just encoded (emitted right after it). */
  private pendingContinuation: { dir: HierDirectory; bytes: Uint8Array } | null = null;

  constructor(
    root: DirectoryItem,
    private readonly naming: HierarchyNaming,
    private readonly data: FileDataLayout,
    private readonly options: HierarchyOptions,
  ) {
    this.project(root);
  }

  private get rr(): RockRidgeWriter | null {
    return this.options.rockRidge;
  }

  /** Which directories must move to keep ECMA-119's 8 levels (RRIP 4.1.5), and the rest of the tree's facts. */
  private survey(root: DirectoryItem): DirectoryItem[] {
    const relocated: DirectoryItem[] = [];
    const seen = new Set<FileSource>();
    const walk = (dir: DirectoryItem, depth: number) => {
      for (const child of dir.children()) {
        if (child.kind === "directory") {
          const d = depth + 1;
          if (d > MAX_DEPTH && this.options.relocationDirectory !== null) {
            relocated.push(child);
            walk(child, 3); // under the relocation directory, itself at level 2
          } else walk(child, d);
        } else if (child.kind === "file" && this.rr) {
          if (seen.has(child.source)) this.linkCounts.set(child.source, (this.linkCounts.get(child.source) ?? 1) + 1);
          else seen.add(child.source);
        }
      }
    };
    walk(root, 1);
    return relocated;
  }

  private newDirectory(item: DirectoryItem, identifier: Uint8Array, parent: HierDirectory | null): HierDirectory {
    const dir: HierDirectory = {
      item,
      identifier,
      parent,
      number: this.directories.length + 1,
      entries: [],
      size: 0,
      claim: null,
      continuationBytes: 0,
      continuationClaim: null,
      continuationOffsets: null,
      serial: this.nextSerial++,
      relocatedFrom: null,
    };
    this.directories.push(dir);
    this.dirOf.set(item, dir);
    return dir;
  }

  private project(root: DirectoryItem): void {
    const relocated = this.survey(root);
    const relocatedSet = new Set(relocated);
    const relocation =
      relocated.length > 0
        ? new DirectoryItem(this.options.relocationDirectory!, { mode: 0o755 }, this.options.defaultTimeMs)
        : null;
    const rootDir = this.newDirectory(root, Uint8Array.of(0), null);
    const depths = new Map<HierDirectory, number>([[rootDir, 1]]);
    const pathBytes = new Map<HierDirectory, number>([[rootDir, 0]]);
    let deep = 0;
    let long = 0;
    let unrecorded = 0;
    const records = (item: ImageItem) => item.kind === "file" || item.kind === "directory" || this.rr !== null;
    // Breadth-first with children in record order yields exactly the path table order of 6.9.1.
    for (let i = 0; i < this.directories.length; i++) {
      const dir = this.directories[i];
      let children: ImageItem[];
      if (dir.item === relocation) children = relocated;
      else {
        children = dir.item.children();
        const extra = this.options.extraChildren.get(dir.item);
        if (extra) children.push(...extra);
        if (dir === rootDir && relocation) children.push(relocation);
      }
      const kept = children.filter(records);
      unrecorded += children.length - kept.length;
      const ids = this.naming.mapChildren(kept);
      const sorted = kept.map((item) => ({ item, id: ids.get(item)! }));
      sorted.sort((a, b) => this.naming.compare(a.id, b.id));
      const depth = depths.get(dir)!;
      for (const { item, id } of sorted) {
        const entry: HierEntry = { id, item, directory: null, relocatedTo: null, serial: 0 };
        const bytes = pathBytes.get(dir)! + (dir.parent ? this.naming.separatorBytes : 0) + this.naming.byteLength(id);
        if (bytes > this.naming.maxPathBytes) {
          long++;
          this.limit(`${this.naming.label} path of ${item.path} is ${bytes} bytes, over ${this.naming.maxPathBytes}`);
        }
        if (item.kind === "directory" && relocatedSet.has(item) && dir.item !== relocation) {
          // Its directory lives under the relocation directory; here a CL record points to it.
          entry.relocatedTo = null; // resolved below, once the relocated directory exists
        } else if (item.kind === "directory") {
          if (dir.number > MAX_DIRECTORY_NUMBER) {
            // 9.4.4: a path table record names its parent by a 16-bit directory number.
            throw new LayoutError(
              `${this.naming.label}: ${dir.item.path} is directory number ${dir.number} in the path table, so its ` +
                `subdirectories cannot name it (ECMA-119 9.4.4 allows ${MAX_DIRECTORY_NUMBER}); split the tree into several images`,
            );
          }
          const sub = this.newDirectory(item, this.naming.encode(id), dir);
          if (item === relocation) this.relocationDir = sub;
          if (dir.item === relocation) sub.relocatedFrom = item.parent;
          if (depth + 1 > MAX_DEPTH) {
            deep++;
            this.limit(
              `${this.naming.label} directory ${item.path} is at level ${depth + 1}, deeper than ${MAX_DEPTH}`,
            );
          }
          depths.set(sub, depth + 1);
          pathBytes.set(sub, bytes);
          entry.directory = sub;
        } else if (item.kind === "file" && item.size > MAX_SINGLE_EXTENT && !this.options.multiExtent) {
          throw new LayoutError(
            `${item.path} is ${item.size} bytes; files of 4 GiB and more need ISO 9660 level 3 (multi-extent files)`,
          );
        }
        if (this.rr) entry.serial = this.serialOf(entry);
        dir.entries.push(entry);
      }
    }
    // CL targets: relocated directories were projected under the relocation directory, earlier in the walk.
    for (const dir of this.directories) {
      for (const e of dir.entries) {
        if (e.item.kind === "directory" && !e.directory) e.relocatedTo = this.dirOf.get(e.item) ?? null;
      }
    }
    for (const dir of this.directories) {
      dir.size = this.directorySize(dir);
      this.pathTableSize += pathTableRecordLength(dir.identifier.length);
    }
    if (deep > 0) {
      this.warnings.push(
        `${deep} ${this.naming.label} directories are deeper than ${MAX_DEPTH} levels (most readers accept them)`,
      );
    }
    if (long > 0) {
      this.warnings.push(
        `${long} ${this.naming.label} paths are longer than ${this.naming.maxPathBytes} bytes (most readers accept them)`,
      );
    }
    if (unrecorded > 0) {
      this.warnings.push(
        `${unrecorded} symbolic links or special files are not in the ${this.naming.label} tree (only Rock Ridge can record them)`,
      );
    }
  }

  private serialOf(e: HierEntry): number {
    if (e.directory) return e.directory.serial;
    if (e.item.kind === "file" && this.linkCounts.has(e.item.source)) {
      let s = this.linkSerials.get(e.item.source);
      if (s === undefined) {
        s = this.nextSerial++;
        this.linkSerials.set(e.item.source, s);
      }
      return s;
    }
    return this.nextSerial++;
  }

  private limit(message: string): void {
    if (this.options.strict)
      throw new LayoutError(`${message}; strict mode refuses it (shorten the tree or drop --strict)`);
  }

  /** Directory records a file needs: one per extent piece of at most MAX_SECTION_BYTES (one when empty). */
  private sectionsOf(item: ImageItem): number {
    if (item.kind !== "file" || item.size === 0) return 1;
    const extents = this.data.extentCountOf(item.source);
    if (extents === 1) return item.size <= MAX_SINGLE_EXTENT ? 1 : Math.ceil(item.size / MAX_SECTION_BYTES);
    return this.data.extentsOf(item.source).reduce((n, e) => n + Math.ceil(e.bytes / MAX_SECTION_BYTES), 0);
  }

  /** The extents a file's records describe: whole when they fit one record, else pieces of MAX_SECTION_BYTES. */
  private sectionPieces(source: FileSource, size: number): Array<{ lba: number; bytes: number }> {
    const extents = this.data.extentsOf(source);
    if (extents.length === 1 && size <= MAX_SINGLE_EXTENT) return [{ lba: extents[0].lba, bytes: size }];
    if (!this.options.multiExtent) {
      throw new LayoutError(
        `${source.describe()} needs several extents; that takes ISO 9660 level 3 (multi-extent files)`,
      );
    }
    return this.data.piecesOf(source, MAX_SECTION_BYTES);
  }

  /** POSIX link count: a directory's "." and ".." plus its subdirectories (as Rock Ridge readers see them). */
  private links(item: ImageItem): number {
    if (item.kind === "directory") {
      const dir = this.dirOf.get(item);
      let subdirs = 0;
      if (dir && dir === this.relocationDir) subdirs = dir.entries.length;
      else for (const c of item.unsortedChildren()) if (c.kind === "directory") subdirs++;
      return 2 + subdirs;
    }
    if (item.kind === "file") return this.linkCounts.get(item.source) ?? 1;
    return 1;
  }

  /** The Rock Ridge view of record `index` of `dir` ("." 0, ".." 1, entries from 2). */
  private rrRecord(dir: HierDirectory, index: number, resolve: boolean): RockRidgeRecord {
    const lba = (d: HierDirectory | null | undefined) => (resolve && d?.claim ? d.claim.start : 0);
    if (index === 0) {
      return {
        isRootDot: dir === this.directories[0],
        item: dir.item,
        name: null,
        links: this.links(dir.item),
        serial: dir.serial,
        childLink: null,
        parentLink: null,
        relocated: false,
      };
    }
    if (index === 1) {
      // A relocated directory's ".." names the relocation directory; PL gives its true parent (4.1.5.2),
      // whose attributes Rock Ridge readers should see.
      const trueParent = dir.relocatedFrom ? this.dirOf.get(dir.relocatedFrom) : undefined;
      const shown = trueParent ?? dir.parent ?? dir;
      return {
        isRootDot: false,
        item: shown.item,
        name: null,
        links: this.links(shown.item),
        serial: shown.serial,
        childLink: null,
        parentLink: trueParent ? lba(trueParent) : null,
        relocated: false,
      };
    }
    const e = dir.entries[index - 2];
    return {
      isRootDot: false,
      item: e.item,
      name: e.item.name,
      links: this.links(e.item),
      serial: e.serial,
      childLink: e.relocatedTo ? lba(e.relocatedTo) : null,
      parentLink: null,
      // RE marks the relocated directories, and the relocation directory itself so that readers hide it.
      relocated:
        (dir === this.relocationDir && e.directory !== null) ||
        (e.directory !== null && e.directory === this.relocationDir),
    };
  }

  /** System Use bytes a record may hold beside an identifier of `idLength` bytes (9.1: at most 255 in all). */
  private static budget(idLength: number): number {
    return MAX_DIRECTORY_RECORD_LENGTH - directoryRecordLength(idLength, 0);
  }

  /** Record lengths of a directory, planning Rock Ridge continuation pieces on the way. */
  private directorySize(dir: HierDirectory): number {
    let offset = 0;
    const add = (len: number) => {
      // 6.8.1.1: a record never spans a sector boundary.
      if ((offset % SECTOR_SIZE) + len > SECTOR_SIZE) offset = Math.ceil(offset / SECTOR_SIZE) * SECTOR_SIZE;
      offset += len;
    };
    const recordCount = dir.entries.length + 2;
    for (let index = 0; index < recordCount; index++) {
      const e = index >= 2 ? dir.entries[index - 2] : null;
      const idLength = e ? (e.directory ? e.directory.identifier.length : this.naming.byteLength(e.id)) : 1;
      const su = this.rr ? this.plannedSystemUse(dir, index, idLength) : 0;
      const len = directoryRecordLength(idLength, su);
      for (let s = e ? this.sectionsOf(e.item) : 1; s > 0; s--) add(len);
    }
    return blocksFor(offset) * SECTOR_SIZE;
  }

  /** In-record System Use length of a record; records that overflow get their continuation pieces placed. */
  private plannedSystemUse(dir: HierDirectory, index: number, idLength: number): number {
    const rr = this.rr!;
    const budget = Ecma119Hierarchy.budget(idLength);
    const record = this.rrRecord(dir, index, false);
    const total = rr.length(record);
    if (total <= budget) return total;
    const split = splitSystemUse(rr.entries(record, budget), budget);
    const offsets: number[] = [];
    for (let k = 0; k < split.pieces.length; k++) {
      const len = pieceLength(split, k);
      // A continuation area lies within one block.
      if ((dir.continuationBytes % SECTOR_SIZE) + len > SECTOR_SIZE) {
        dir.continuationBytes = Math.ceil(dir.continuationBytes / SECTOR_SIZE) * SECTOR_SIZE;
      }
      offsets.push(dir.continuationBytes);
      dir.continuationBytes += len;
    }
    dir.continuationOffsets ??= new Map();
    dir.continuationOffsets.set(index, offsets);
    return split.inRecord.reduce((n, x) => n + x.length, 0) + CE_LENGTH;
  }

  /** Every item with its identifier path in this hierarchy ("/DIR/FILE.TXT;1"), computed on demand. */
  *mappedPaths(): Generator<[ImageItem, string]> {
    const dirPaths = new Map<HierDirectory, string>([[this.directories[0], ""]]);
    yield [this.directories[0].item, "/"];
    for (const dir of this.directories) {
      const base = dirPaths.get(dir)!;
      for (const e of dir.entries) {
        const path = `${base}/${e.id}`;
        if (e.directory) dirPaths.set(e.directory, path);
        // The relocation directory and the relocated directories' places in it are placement details.
        const placement =
          this.relocationDir !== null && (dir === this.relocationDir || e.directory === this.relocationDir);
        if (!placement) yield [e.item, path];
      }
    }
  }

  /** Claims the two path tables, then every directory extent (and its continuation area) in path-table order. */
  plan(alloc: SectorAllocator): void {
    const ptBlocks = blocksFor(this.pathTableSize);
    const label = this.naming.label;
    this.lPathTable = alloc.claim(ptBlocks, `${label} type L path table`, {
      kind: "metadata",
      encode: () => this.encodePathTable("L"),
    });
    this.mPathTable = alloc.claim(ptBlocks, `${label} type M path table`, {
      kind: "metadata",
      encode: () => this.encodePathTable("M"),
    });
    for (const dir of this.extentOrder()) {
      dir.claim = alloc.claim(dir.size / SECTOR_SIZE, `${label} directory ${dir.item.path}`, {
        kind: "metadata",
        encode: () => this.encodeDirectory(dir),
      });
      if (dir.continuationBytes > 0) {
        dir.continuationClaim = alloc.claim(
          blocksFor(dir.continuationBytes),
          `Rock Ridge continuation ${dir.item.path}`,
          {
            kind: "metadata",
            encode: () => this.takeContinuation(dir),
          },
        );
      }
    }
  }

  /**
   * Directory extents in depth-first order of the true tree, each relocated directory where its CL record
   * is: readers that stream the image forward (libarchive) need a CL target after the record pointing at it
   * and a directory after its parent.
   * The path table keeps its own (breadth-first) order; extent positions are free.
   */
  private extentOrder(): HierDirectory[] {
    // The relocation directory comes first after the root: it is the ISO parent of every relocated
    // directory, and libarchive also wants a parent's extent before its children's.
    const order: HierDirectory[] = this.relocationDir ? [this.directories[0], this.relocationDir] : [];
    const stack: HierDirectory[] = this.relocationDir ? [] : [this.directories[0]];
    if (this.relocationDir) {
      const top = this.directories[0].entries.filter((e) => e.directory && e.directory !== this.relocationDir);
      for (let i = top.length - 1; i >= 0; i--) stack.push(top[i].directory!);
    }
    while (stack.length > 0) {
      const dir = stack.pop()!;
      order.push(dir);
      const next: HierDirectory[] = [];
      for (const e of dir.entries) {
        if (e.relocatedTo) next.push(e.relocatedTo);
        else if (e.directory && dir !== this.relocationDir) next.push(e.directory);
      }
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
    }
    if (order.length !== this.directories.length) {
      throw new LayoutError(
        `${this.naming.label}: ${this.directories.length - order.length} directories are unreachable`,
      );
    }
    return order;
  }

  get typeLPathTableLocation(): number {
    return this.lPathTable!.start;
  }

  get typeMPathTableLocation(): number {
    return this.mPathTable!.start;
  }

  /** 8.4.18: the root's directory record as stored in the volume descriptor (identifier 0x00, no System Use). */
  rootRecord(): DirectoryRecord {
    const root = this.directories[0];
    return this.directoryRecord(root, Uint8Array.of(0), root.item.mtimeMs, EMPTY);
  }

  private directoryRecord(dir: HierDirectory, identifier: Uint8Array, timeMs: number, su: Uint8Array): DirectoryRecord {
    return {
      extendedAttributeLength: 0,
      extentLocation: dir.claim!.start,
      dataLength: dir.size,
      recordingTime: { epochMs: timeMs, utcOffsetMinutes: 0 },
      fileFlags: FileFlags.directory,
      fileUnitSize: 0,
      interleaveGapSize: 0,
      volumeSequenceNumber: 1,
      fileIdentifier: identifier,
      systemUse: su,
    };
  }

  /** The System Use bytes of record `index`, writing its continuation pieces into `area`. */
  private systemUse(dir: HierDirectory, index: number, idLength: number, area: Uint8Array | null): Uint8Array {
    const rr = this.rr;
    if (!rr) return EMPTY;
    const record = this.rrRecord(dir, index, true);
    const offsets = dir.continuationOffsets?.get(index);
    if (!offsets) return Buffer.concat(rr.entries(record));
    const budget = Ecma119Hierarchy.budget(idLength);
    const split: SystemUseSplit = splitSystemUse(rr.entries(record, budget), budget);
    const start = dir.continuationClaim!.start;
    const ce = (k: number) =>
      encodeCE({
        block: start + Math.floor(offsets[k] / SECTOR_SIZE),
        offset: offsets[k] % SECTOR_SIZE,
        length: pieceLength(split, k),
      });
    split.pieces.forEach((piece, k) => {
      const bytes = Buffer.concat(k < split.pieces.length - 1 ? [...piece, ce(k + 1)] : piece);
      area!.set(bytes, offsets[k]);
    });
    return Buffer.concat([...split.inRecord, ce(0)]);
  }

  private takeContinuation(dir: HierDirectory): Uint8Array {
    const pending = this.pendingContinuation;
    if (!pending || pending.dir !== dir)
      throw new LayoutError(`continuation area of ${dir.item.path} was emitted out of order`);
    this.pendingContinuation = null;
    return pending.bytes;
  }

  encodeDirectory(dir: HierDirectory): Uint8Array {
    const buf = new Uint8Array(dir.size);
    const area = dir.continuationBytes > 0 ? new Uint8Array(dir.continuationBytes) : null;
    let offset = 0;
    const put = (r: DirectoryRecord) => {
      const len = directoryRecordLength(r.fileIdentifier.length, r.systemUse.length);
      if ((offset % SECTOR_SIZE) + len > SECTOR_SIZE) offset = Math.ceil(offset / SECTOR_SIZE) * SECTOR_SIZE;
      offset += encodeDirectoryRecordInto(buf, offset, r);
    };
    // 6.8.2.2: the first record is the directory itself, the second its parent (the root's is itself).
    put(this.directoryRecord(dir, DOT, dir.item.mtimeMs, this.systemUse(dir, 0, 1, area)));
    const parent = dir.parent ?? dir;
    put(this.directoryRecord(parent, DOTDOT, parent.item.mtimeMs, this.systemUse(dir, 1, 1, area)));
    dir.entries.forEach((e, k) => {
      const index = k + 2;
      if (e.directory) {
        const id = e.directory.identifier;
        put(this.directoryRecord(e.directory, id, e.item.mtimeMs, this.systemUse(dir, index, id.length, area)));
        return;
      }
      const identifier = this.naming.encode(e.id);
      const su = this.systemUse(dir, index, identifier.length, area);
      const time = { epochMs: e.item.mtimeMs, utcOffsetMinutes: 0 };
      const file = e.item;
      const size = file.kind === "file" ? file.size : 0;
      // Symlinks, special files and CL placeholders are zero-length records (RRIP 4.1.5.1); empty files
      // point at LBA 0.
      const pieces =
        file.kind === "file" && size > 0 ? this.sectionPieces(file.source, size) : [{ lba: 0, bytes: size }];
      for (let s = 0; s < pieces.length; s++) {
        const last = s === pieces.length - 1;
        put({
          extendedAttributeLength: 0,
          extentLocation: pieces[s].lba,
          dataLength: pieces[s].bytes,
          recordingTime: time,
          fileFlags: last ? 0 : FileFlags.multiExtent,
          fileUnitSize: 0,
          interleaveGapSize: 0,
          volumeSequenceNumber: 1,
          fileIdentifier: identifier,
          systemUse: su,
        });
      }
    });
    if (area) this.pendingContinuation = { dir, bytes: area };
    return buf;
  }

  encodePathTable(order: PathTableByteOrder): Uint8Array {
    const buf = new Uint8Array(this.pathTableSize);
    let offset = 0;
    for (const dir of this.directories) {
      offset += encodePathTableRecordInto(
        buf,
        offset,
        {
          extendedAttributeLength: 0,
          extentLocation: dir.claim!.start,
          parentDirectoryNumber: dir.parent?.number ?? 1,
          directoryIdentifier: dir.identifier,
        },
        order,
      );
    }
    return buf;
  }
}

const EMPTY = new Uint8Array(0);
const DOT = Uint8Array.of(0);
const DOTDOT = Uint8Array.of(1);
