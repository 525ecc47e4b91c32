// File data: one contiguous extent per distinct source, shared by every name (and every file system) that
// points at it.
import { blocksFor, type SectorAllocator, type SectorClaim } from "../layout/allocator.js";
import type { DirectoryItem, FileItem } from "../tree/items.js";
import { type FileSource, PlacedSource } from "../tree/sources.js";

export class FileDataLayout {
  private readonly extents = new Map<FileSource, SectorClaim>();
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
    // The label is generic: a per-file path string here would cost memory per file; errors name the source.
    const content = this.substitutes.get(src) ?? src;
    this.extents.set(src, alloc.claim(blocksFor(src.size), "file data", { kind: "file", source: content }));
  }

  /** LBA of a source's data; empty files point at LBA 0 with length 0. */
  locationOf(source: FileSource): number {
    if (source instanceof PlacedSource) return source.location();
    return this.extents.get(source)?.start ?? 0;
  }

  get count(): number {
    return this.extents.size;
  }
}
