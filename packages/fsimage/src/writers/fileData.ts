// File data: one contiguous extent per distinct source, shared by every name (and every file system) that
// points at it.
import { LayoutError } from "../errors.js";
import { blocksFor, SECTOR_SIZE, type SectorAllocator, type SectorClaim } from "../layout/allocator.js";
import type { BlockSource } from "../read/blockSource.js";
import { ExtentSource } from "../read/extentSource.js";
import type { DirectoryItem, FileItem } from "../tree/items.js";
import { type FileSource, PlacedSource } from "../tree/sources.js";

/** Where a file's bytes lie: extents of whole blocks, in file order. */
export interface DataExtent {
  lba: number;
  bytes: number;
}

export class FileDataLayout {
  private readonly extents = new Map<FileSource, SectorClaim>();

  /**
   * @param medium the medium this session is appended to: files imported from it (ExtentSources reading it)
   *   keep their data where it already is, and the new session's records point there (nothing is copied).
   */
  constructor(private readonly medium: BlockSource | null = null) {}

  /** The recorded extents of a file imported from the medium this session extends, or null. */
  private inPlace(source: FileSource): readonly DataExtent[] | null {
    if (!this.medium || !(source instanceof ExtentSource) || source.blocks !== this.medium) return null;
    if (source.extents.some((e) => e.sparse)) return null; // unrecorded (UDF) extents must be written
    return source.extents;
  }
  private skip: (source: FileSource) => boolean = () => false;

  /**
   * Claims an extent for every distinct non-empty source, in depth-first, name-sorted tree order (locality),
   * except sources that every file system keeps elsewhere (`skip`: UDF embeds tiny files of UDF-only images).
   */
  plan(root: DirectoryItem, alloc: SectorAllocator, skip: (source: FileSource) => boolean = () => false): void {
    this.skip = skip;
    const stack: DirectoryItem[] = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      const subdirs: DirectoryItem[] = [];
      for (const child of dir.children()) {
        if (child.kind === "directory") subdirs.push(child);
        else if (child.kind === "file") this.claimFor(child, alloc);
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
    }
  }

  /** Sources whose bytes differ on disc from the source's own (a boot image with its boot info table). */
  readonly substitutes = new Map<FileSource, FileSource>();

  private claimFor(file: FileItem, alloc: SectorAllocator): void {
    const src = file.source;
    if (src.size === 0 || this.extents.has(src) || src instanceof PlacedSource || this.skip(src)) return;
    if (this.inPlace(src)) return;
    // The label is generic: a per-file path string here would cost memory per file; errors name the source.
    const content = this.substitutes.get(src) ?? src;
    this.extents.set(src, alloc.claim(blocksFor(src.size), "file data", { kind: "file", source: content }));
  }

  /** LBA of a source's data; empty files point at LBA 0 with length 0. */
  locationOf(source: FileSource): number {
    if (source instanceof PlacedSource) return source.location();
    return this.extentsOf(source)[0]?.lba ?? 0;
  }

  /** Every extent of a source's data: one for data this session writes, the recorded ones for data in place. */
  extentsOf(source: FileSource): readonly DataExtent[] {
    if (source.size === 0) return [];
    if (source instanceof PlacedSource) return [{ lba: source.location(), bytes: source.size }];
    const old = this.inPlace(source);
    if (old) return old;
    const claim = this.extents.get(source);
    if (!claim) throw new LayoutError(`no data extent was planned for ${source.describe()}`);
    return [{ lba: claim.start, bytes: source.size }];
  }

  /** Number of extents a source's data will have (known before allocation). */
  extentCountOf(source: FileSource): number {
    return source.size === 0 ? 0 : (this.inPlace(source)?.length ?? 1);
  }

  /** Extents of a source, split so that none exceeds `max` bytes (pieces stay whole blocks). */
  piecesOf(source: FileSource, max: number): DataExtent[] {
    const out: DataExtent[] = [];
    for (const e of this.extentsOf(source)) {
      for (let done = 0; done < e.bytes; done += max) {
        out.push({ lba: e.lba + done / SECTOR_SIZE, bytes: Math.min(max, e.bytes - done) });
      }
    }
    return out;
  }

  get count(): number {
    return this.extents.size;
  }
}
