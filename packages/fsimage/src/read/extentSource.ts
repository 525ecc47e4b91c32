// The data of an imported file: extents of a block source, read in order. The writer streams it like any
// other FileSource; a later append can point new directory records at the same extents instead of copying.
import type { FileSource, SyncReader } from "../tree/sources.js";
import { BLOCK_SIZE, type BlockSource, ImageFileSource } from "./blockSource.js";
import { ImageReadError } from "./errors.js";

/** One piece of a file: `bytes` bytes from the start of block `lba`; a sparse extent reads as zeros. */
export interface Extent {
  readonly lba: number;
  readonly bytes: number;
  /** UDF extents allocated but not recorded, or not allocated (ECMA-167 4/14.14.1.1 types 1 and 2). */
  readonly sparse?: boolean;
}

/** The most bytes read from the block source at once. */
const CHUNK_BYTES = 1 << 20;

export class ExtentSource implements FileSource {
  readonly size: number;
  readonly extents: ReadonlyArray<Extent>;
  /** Offset in the file of each extent's first byte. */
  private readonly starts: number[];
  /** Present when the block source reads synchronously. */
  readonly openSync?: () => SyncReader;

  constructor(
    readonly blocks: BlockSource,
    extents: readonly Extent[],
  ) {
    const starts: number[] = [];
    let size = 0;
    for (const e of extents) {
      if (!Number.isSafeInteger(e.bytes) || e.bytes < 0 || !Number.isSafeInteger(e.lba) || e.lba < 0) {
        throw new ImageReadError("file data extent", e.lba, `has an invalid length (${e.bytes} bytes)`);
      }
      if (!e.sparse && e.lba + Math.ceil(e.bytes / BLOCK_SIZE) > blocks.blockCount) {
        throw new ImageReadError(
          "file data extent",
          e.lba,
          `of ${e.bytes} bytes runs past the end of the image (${blocks.blockCount} blocks)`,
        );
      }
      starts.push(size);
      size += e.bytes;
    }
    if (!Number.isSafeInteger(size)) {
      throw new ImageReadError("file data extent", extents[0]?.lba ?? 0, `adds up to an impossible size (${size})`);
    }
    this.size = size;
    this.extents = extents;
    this.starts = starts;
    if (blocks.readSync) this.openSync = () => this.syncReader();
  }

  describe(): string {
    const first = this.extents.find((e) => !e.sparse);
    const where = first ? `LBA ${first.lba}` : "no recorded extent";
    return `<${this.size} bytes of ${this.blocks.describe?.() ?? "an image"} at ${where}>`;
  }

  /** Index of the extent holding byte `position` (< size). */
  private locate(position: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= position) lo = mid;
      else hi = mid - 1;
    }
    // Skip empty extents that start at the same offset.
    while (lo < this.extents.length - 1 && this.starts[lo] + this.extents[lo].bytes <= position) lo++;
    return lo;
  }

  /** How many bytes from `position` lie in one extent (at most `length`), and where. */
  private piece(position: number, length: number): { extent: Extent; within: number; n: number } {
    const i = this.locate(position);
    const extent = this.extents[i];
    const within = position - this.starts[i];
    return { extent, within, n: Math.min(length, extent.bytes - within, CHUNK_BYTES) };
  }

  private syncReader(): SyncReader {
    const blocks = this.blocks;
    return {
      read: (target, offset, length, position) => {
        if (position >= this.size || length <= 0) return 0;
        const { extent, within, n } = this.piece(position, Math.min(length, this.size - position));
        if (extent.sparse) {
          target.fill(0, offset, offset + n);
          return n;
        }
        const byte = extent.lba * BLOCK_SIZE + within;
        if (blocks instanceof ImageFileSource) {
          blocks.readBytesSync(target, offset, n, byte);
          return n;
        }
        const first = Math.floor(byte / BLOCK_SIZE);
        const count = Math.ceil((byte + n) / BLOCK_SIZE) - first;
        const data = blocks.readSync!(first, count);
        const skip = byte - first * BLOCK_SIZE;
        target.set(data.subarray(skip, skip + n), offset);
        return n;
      },
      close: () => {},
    };
  }

  async *chunks(signal?: AbortSignal): AsyncIterable<Uint8Array> {
    for (let position = 0; position < this.size; ) {
      signal?.throwIfAborted();
      const { extent, within, n } = this.piece(position, this.size - position);
      if (extent.sparse) {
        yield new Uint8Array(n);
      } else {
        const byte = extent.lba * BLOCK_SIZE + within;
        if (this.blocks instanceof ImageFileSource) {
          const out = new Uint8Array(n);
          await this.blocks.readBytes(out, 0, n, byte);
          yield out;
        } else {
          const first = Math.floor(byte / BLOCK_SIZE);
          const count = Math.ceil((byte + n) / BLOCK_SIZE) - first;
          const data = await this.blocks.read(first, count);
          const skip = byte - first * BLOCK_SIZE;
          yield data.subarray(skip, skip + n);
        }
      }
      position += n;
    }
  }
}
