// The ECMA-119 directory hierarchy (9.1 records, 6.8 directories, 9.4 path tables), projected from the tree
// with one naming scheme: plain ISO 9660 names for the PVD, UCS-2 names for the Joliet SVD.
import {
  type DirectoryRecord,
  directoryRecordLength,
  encodeDirectoryRecordInto,
  FileFlags,
} from "../ecma119/directoryRecord.js";
import { encodePathTableRecordInto, type PathTableByteOrder, pathTableRecordLength } from "../ecma119/pathTable.js";
import { LayoutError } from "../errors.js";
import { blocksFor, SECTOR_SIZE, type SectorAllocator, type SectorClaim } from "../layout/allocator.js";
import type { DirectoryItem, ImageItem } from "../tree/items.js";
import type { FileDataLayout } from "./fileData.js";

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
}

interface HierEntry {
  /** Identifier text; encoded only when the directory is emitted (memory grows with file count, not names). */
  id: string;
  item: ImageItem;
  directory: HierDirectory | null;
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

  constructor(
    root: DirectoryItem,
    private readonly naming: HierarchyNaming,
    private readonly data: FileDataLayout,
    private readonly options: HierarchyOptions,
  ) {
    this.project(root);
  }

  private project(root: DirectoryItem): void {
    const rootDir: HierDirectory = {
      item: root,
      identifier: Uint8Array.of(0),
      parent: null,
      number: 1,
      entries: [],
      size: 0,
      claim: null,
    };
    this.directories.push(rootDir);
    const depths = new Map<HierDirectory, number>([[rootDir, 1]]);
    const pathBytes = new Map<HierDirectory, number>([[rootDir, 0]]);
    let deep = 0;
    let long = 0;
    // Breadth-first with children in record order yields exactly the path table order of 6.9.1.
    for (let i = 0; i < this.directories.length; i++) {
      const dir = this.directories[i];
      const children = dir.item.children();
      const ids = this.naming.mapChildren(children);
      const sorted = children.map((item) => ({ item, id: ids.get(item)! }));
      sorted.sort((a, b) => this.naming.compare(a.id, b.id));
      const depth = depths.get(dir)!;
      for (const { item, id } of sorted) {
        const entry: HierEntry = { id, item, directory: null };
        const bytes = pathBytes.get(dir)! + (dir.parent ? this.naming.separatorBytes : 0) + this.naming.byteLength(id);
        if (bytes > this.naming.maxPathBytes) {
          long++;
          this.limit(`${this.naming.label} path of ${item.path} is ${bytes} bytes, over ${this.naming.maxPathBytes}`);
        }
        if (item.kind === "directory") {
          if (dir.number > MAX_DIRECTORY_NUMBER) {
            // 9.4.4: a path table record names its parent by a 16-bit directory number.
            throw new LayoutError(
              `${this.naming.label}: ${dir.item.path} is directory number ${dir.number} in the path table, so its ` +
                `subdirectories cannot name it (ECMA-119 9.4.4 allows ${MAX_DIRECTORY_NUMBER}); split the tree into several images`,
            );
          }
          const sub: HierDirectory = {
            item,
            identifier: this.naming.encode(id),
            parent: dir,
            number: this.directories.length + 1,
            entries: [],
            size: 0,
            claim: null,
          };
          if (depth + 1 > MAX_DEPTH) {
            deep++;
            this.limit(
              `${this.naming.label} directory ${item.path} is at level ${depth + 1}, deeper than ${MAX_DEPTH}`,
            );
          }
          depths.set(sub, depth + 1);
          pathBytes.set(sub, bytes);
          entry.directory = sub;
          this.directories.push(sub);
        } else if (item.size > MAX_SINGLE_EXTENT && !this.options.multiExtent) {
          throw new LayoutError(
            `${item.path} is ${item.size} bytes; files of 4 GiB and more need ISO 9660 level 3 (multi-extent files)`,
          );
        }
        dir.entries.push(entry);
      }
      dir.size = this.directorySize(dir);
      this.pathTableSize += pathTableRecordLength(dir.identifier.length);
    }
    if (deep > 0)
      this.warnings.push(
        `${deep} ${this.naming.label} directories are deeper than ${MAX_DEPTH} levels (most readers accept them)`,
      );
    if (long > 0) {
      this.warnings.push(
        `${long} ${this.naming.label} paths are longer than ${this.naming.maxPathBytes} bytes (most readers accept them)`,
      );
    }
  }

  private limit(message: string): void {
    if (this.options.strict)
      throw new LayoutError(`${message}; strict mode refuses it (shorten the tree or drop --strict)`);
  }

  private sectionsOf(item: ImageItem): number {
    if (item.kind === "directory" || item.size <= MAX_SINGLE_EXTENT) return 1;
    return Math.ceil(item.size / MAX_SECTION_BYTES);
  }

  private directorySize(dir: HierDirectory): number {
    let offset = 2 * directoryRecordLength(1, 0);
    for (const e of dir.entries) {
      const len = directoryRecordLength(this.naming.byteLength(e.id), 0);
      for (let s = this.sectionsOf(e.item); s > 0; s--) {
        // 6.8.1.1: a record never spans a sector boundary.
        if ((offset % SECTOR_SIZE) + len > SECTOR_SIZE) offset = Math.ceil(offset / SECTOR_SIZE) * SECTOR_SIZE;
        offset += len;
      }
    }
    return blocksFor(offset) * SECTOR_SIZE;
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
        yield [e.item, path];
      }
    }
  }

  /** Claims the two path tables, then every directory extent in path-table order. */
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
    for (const dir of this.directories) {
      dir.claim = alloc.claim(dir.size / SECTOR_SIZE, `${label} directory ${dir.item.path}`, {
        kind: "metadata",
        encode: () => this.encodeDirectory(dir),
      });
    }
  }

  get typeLPathTableLocation(): number {
    return this.lPathTable!.start;
  }

  get typeMPathTableLocation(): number {
    return this.mPathTable!.start;
  }

  /** 8.4.18: the root's directory record as stored in the volume descriptor (identifier 0x00). */
  rootRecord(): DirectoryRecord {
    const root = this.directories[0];
    return this.directoryRecord(root, Uint8Array.of(0), root.item.mtimeMs);
  }

  private directoryRecord(dir: HierDirectory, identifier: Uint8Array, timeMs: number): DirectoryRecord {
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
      systemUse: EMPTY,
    };
  }

  encodeDirectory(dir: HierDirectory): Uint8Array {
    const buf = new Uint8Array(dir.size);
    let offset = 0;
    const put = (r: DirectoryRecord) => {
      const len = directoryRecordLength(r.fileIdentifier.length, r.systemUse.length);
      if ((offset % SECTOR_SIZE) + len > SECTOR_SIZE) offset = Math.ceil(offset / SECTOR_SIZE) * SECTOR_SIZE;
      offset += encodeDirectoryRecordInto(buf, offset, r);
    };
    put(this.directoryRecord(dir, DOT, dir.item.mtimeMs)); // 6.8.2.2: first record, the directory itself
    const parent = dir.parent ?? dir;
    put(this.directoryRecord(parent, DOTDOT, parent.item.mtimeMs)); // second record, the parent (root: itself)
    for (const e of dir.entries) {
      if (e.directory) {
        put(this.directoryRecord(e.directory, e.directory.identifier, e.item.mtimeMs));
        continue;
      }
      const identifier = this.naming.encode(e.id);
      const file = e.item;
      if (file.kind !== "file") continue;
      const start = this.data.locationOf(file.source);
      const time = { epochMs: file.mtimeMs, utcOffsetMinutes: 0 };
      const sections = this.sectionsOf(file);
      for (let s = 0; s < sections; s++) {
        const last = s === sections - 1;
        put({
          extendedAttributeLength: 0,
          extentLocation: start + (s * MAX_SECTION_BYTES) / SECTOR_SIZE,
          dataLength: last ? file.size - s * MAX_SECTION_BYTES : MAX_SECTION_BYTES,
          recordingTime: time,
          fileFlags: last ? 0 : FileFlags.multiExtent,
          fileUnitSize: 0,
          interleaveGapSize: 0,
          volumeSequenceNumber: 1,
          fileIdentifier: identifier,
          systemUse: EMPTY,
        });
      }
    }
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
