// Where a reader's 2048-byte blocks come from (an image file, bytes in memory, later a drive through
// READ(10)), and the bounded context every reader reads through: each read is bounds-checked against the
// source and counted against the budgets that keep a hostile image from costing unbounded time or memory.
import { closeSync, fstatSync, openSync, read as readCallback, readSync } from "node:fs";
import { promisify } from "node:util";
import { InvalidArgumentError, SourceError } from "../errors.js";
import { ImageReadError } from "./errors.js";

export const BLOCK_SIZE = 2048;

/** Random access to a medium in 2048-byte logical blocks (ECMA-119 6.1.2, ECMA-167 3/8.1.2). */
export interface BlockSource {
  /** Number of blocks; a partial last block of an image file counts, its tail reads as zeros. */
  readonly blockCount: number;
  /** Reads `count` blocks from `lba`; a read past the end throws an ImageReadError naming the LBA. */
  read(lba: number, count: number): Promise<Uint8Array>;
  /** Blocking reads, where they are cheap (files, memory); readers and extent sources prefer them. */
  readSync?(lba: number, count: number): Uint8Array;
  close(): Promise<void>;
  /** For messages: a path, "<memory>", a drive. */
  describe?(): string;
}

/** The largest single read a source accepts (readers never need more at once). */
export const MAX_READ_BYTES = 256 * 1024 * 1024;

function checkRange(source: BlockSource, lba: number, count: number, label: string): void {
  if (!Number.isSafeInteger(lba) || lba < 0 || !Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`read of ${count} blocks at LBA ${lba} from ${label}: not a valid block range`);
  }
  if (count * BLOCK_SIZE > MAX_READ_BYTES) {
    throw new InvalidArgumentError(
      `read of ${count} blocks at LBA ${lba} from ${label} exceeds ${MAX_READ_BYTES} bytes`,
    );
  }
  if (lba + count > source.blockCount) {
    throw new ImageReadError(
      "image block range",
      lba,
      `a read of ${count} blocks runs past the end of ${label} (${source.blockCount} blocks)`,
    );
  }
}

const readAsync = promisify(readCallback);

/** An image file, opened once; reads are positioned (no shared file offset), blocking or asynchronous. */
export class ImageFileSource implements BlockSource {
  readonly blockCount: number;
  /** Size of the file in bytes (the last block may be partial). */
  readonly byteLength: number;
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    this.byteLength = fstatSync(fd).size;
    this.blockCount = Math.ceil(this.byteLength / BLOCK_SIZE);
  }

  /** Opens an image file for reading. */
  static async open(path: string): Promise<ImageFileSource> {
    return ImageFileSource.openSync(path);
  }

  static openSync(path: string): ImageFileSource {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      throw new SourceError(`cannot open image file ${path}: ${(e as Error).message}`, path, { cause: e });
    }
    try {
      return new ImageFileSource(path, fd);
    } catch (e) {
      closeSync(fd);
      throw new SourceError(`cannot read image file ${path}: ${(e as Error).message}`, path, { cause: e });
    }
  }

  describe(): string {
    return this.path;
  }

  private handle(): number {
    if (this.fd === null) throw new InvalidArgumentError(`image file ${this.path} is closed`);
    return this.fd;
  }

  async read(lba: number, count: number): Promise<Uint8Array> {
    checkRange(this, lba, count, this.path);
    const buf = new Uint8Array(count * BLOCK_SIZE);
    await this.readBytes(buf, 0, buf.length, lba * BLOCK_SIZE);
    return buf;
  }

  readSync(lba: number, count: number): Uint8Array {
    checkRange(this, lba, count, this.path);
    const buf = new Uint8Array(count * BLOCK_SIZE);
    this.readBytesSync(buf, 0, buf.length, lba * BLOCK_SIZE);
    return buf;
  }

  /** Fills `length` bytes of `target` from byte `position`; bytes past the end of the file read as zeros. */
  readBytesSync(target: Uint8Array, offset: number, length: number, position: number): void {
    const fd = this.handle();
    const available = Math.max(0, Math.min(length, this.byteLength - position));
    for (let done = 0; done < available; ) {
      let n: number;
      try {
        n = readSync(fd, target, offset + done, available - done, position + done);
      } catch (e) {
        throw new SourceError(`error reading image file ${this.path}: ${(e as Error).message}`, this.path, {
          cause: e,
        });
      }
      if (n === 0) throw this.truncated(position + done);
      done += n;
    }
    target.fill(0, offset + available, offset + length);
  }

  /** Asynchronous readBytesSync. */
  async readBytes(target: Uint8Array, offset: number, length: number, position: number): Promise<void> {
    const fd = this.handle();
    const available = Math.max(0, Math.min(length, this.byteLength - position));
    for (let done = 0; done < available; ) {
      let n: number;
      try {
        ({ bytesRead: n } = await readAsync(fd, target, offset + done, available - done, position + done));
      } catch (e) {
        throw new SourceError(`error reading image file ${this.path}: ${(e as Error).message}`, this.path, {
          cause: e,
        });
      }
      if (n === 0) throw this.truncated(position + done);
      done += n;
    }
    target.fill(0, offset + available, offset + length);
  }

  private truncated(position: number): ImageReadError {
    return new ImageReadError(
      "image file",
      Math.floor(position / BLOCK_SIZE),
      `${this.path} ended early (it was truncated while being read)`,
    );
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** An image held in memory (tests, small images, images built on the fly). */
export class MemorySource implements BlockSource {
  readonly blockCount: number;

  constructor(
    readonly bytes: Uint8Array,
    private readonly label = "<image in memory>",
  ) {
    this.blockCount = Math.ceil(bytes.length / BLOCK_SIZE);
  }

  describe(): string {
    return this.label;
  }

  readSync(lba: number, count: number): Uint8Array {
    checkRange(this, lba, count, this.label);
    const out = new Uint8Array(count * BLOCK_SIZE);
    out.set(this.bytes.subarray(lba * BLOCK_SIZE, (lba + count) * BLOCK_SIZE));
    return out;
  }

  async read(lba: number, count: number): Promise<Uint8Array> {
    return this.readSync(lba, count);
  }

  async close(): Promise<void> {}
}

/**
 * Budgets of one import or identification. A legitimate image stays far below them; a hostile one (loops,
 * overlapping structures, absurd counts) reaches one and gets an ImageReadError instead of a hang.
 */
export interface ReadLimits {
  /** Directory entries (records, file identifiers) visited in one walk. */
  maxEntries: number;
  /** Directories visited in one walk. */
  maxDirectories: number;
  /** Bytes of one directory (its records or file identifiers). */
  maxDirectoryBytes: number;
  /** Metadata bytes read in one walk; default twice the source's size plus 16 MiB (structures never overlap). */
  maxMetadataBytes: number | null;
  /** SUSP continuation areas (CE) chained from one directory record. */
  maxContinuationAreas: number;
  /** System Use bytes of one record, continuation areas included. */
  maxSystemUseBytes: number;
  /** Bytes (UTF-8) of one name. */
  maxNameBytes: number;
  /** Characters (UTF-16 code units) of all names together. */
  maxTotalNameBytes: number;
  /** Bytes of one symbolic link target. */
  maxSymlinkBytes: number;
  /** Extents (directory records or allocation descriptors) of one file. */
  maxExtentsPerFile: number;
  /** UDF allocation extent descriptors chained for one file entry. */
  maxAllocationExtents: number;
  /** Volume descriptors (ECMA-119 set, UDF sequences) examined. */
  maxVolumeDescriptors: number;
}

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = {
  maxEntries: 10_000_000,
  maxDirectories: 10_000_000,
  maxDirectoryBytes: 64 * 1024 * 1024,
  maxMetadataBytes: null,
  maxContinuationAreas: 64,
  maxSystemUseBytes: 64 * 1024,
  maxNameBytes: 1024,
  maxTotalNameBytes: 512 * 1024 * 1024,
  maxSymlinkBytes: 4096,
  maxExtentsPerFile: 1 << 20,
  maxAllocationExtents: 4096,
  maxVolumeDescriptors: 256,
};

const MAX_WARNINGS = 200;

/** Read-ahead of single-block metadata reads: 32 blocks (64 KiB), up to 64 chunks (4 MiB) kept. */
const READ_AHEAD_BLOCKS = 32;
const READ_AHEAD_CHUNKS = 64;

/** ECMA-119 9.1: the smallest directory record (a UDF file identifier, 4/14.4, is larger). */
const MIN_ENTRY_BYTES = 34;

/** What a reader reads through: bounds checks with the structure's name, budgets, warnings, name checks. */
export class ReadContext {
  readonly limits: ReadLimits;
  readonly warnings: string[] = [];
  private suppressed = 0;
  private metadataBytes = 0;
  private readonly maxMetadata: number;
  private entries = 0;
  private directories = 0;
  private nameBytes = 0;
  private pieces = 0;
  private systemUseBytes = 0;
  private readonly chunks = new Map<number, Uint8Array>();

  constructor(
    readonly source: BlockSource,
    limits: Partial<ReadLimits> = {},
  ) {
    this.limits = { ...DEFAULT_READ_LIMITS, ...limits };
    this.maxMetadata = this.limits.maxMetadataBytes ?? 2 * source.blockCount * BLOCK_SIZE + 16 * 1024 * 1024;
  }

  get blockCount(): number {
    return this.source.blockCount;
  }

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(message);
    else this.suppressed++;
  }

  /** Warnings, with a last line counting those left out. */
  allWarnings(): string[] {
    return this.suppressed > 0
      ? [...this.warnings, `... and ${this.suppressed} more warnings of the same kinds`]
      : [...this.warnings];
  }

  /** Throws unless blocks [lba, lba + count) lie inside the source. */
  checkExtent(structure: string, lba: number, count: number, at = lba): void {
    if (!Number.isSafeInteger(lba) || lba < 0 || !Number.isSafeInteger(count) || count < 0) {
      throw new ImageReadError(structure, at, `has an invalid extent (${count} blocks at LBA ${lba})`);
    }
    if (lba + count > this.source.blockCount) {
      throw new ImageReadError(
        structure,
        at,
        `extent of ${count} blocks at LBA ${lba} runs past the end of the image (${this.source.blockCount} blocks)`,
      );
    }
  }

  /**
   * Reads metadata blocks, bounds-checked and counted against the metadata budget. Single blocks (file
   * entries, descriptors) come through a small read-ahead cache of aligned 64 KiB chunks: metadata of one
   * directory lies together, and one read instead of 32 is what makes large trees fast.
   */
  async read(structure: string, lba: number, count: number): Promise<Uint8Array> {
    this.checkExtent(structure, lba, count);
    if (count !== 1) return this.fetch(structure, lba, count);
    const start = lba - (lba % READ_AHEAD_BLOCKS);
    let chunk = this.chunks.get(start);
    if (!chunk) {
      if (this.chunks.size >= READ_AHEAD_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
      chunk = await this.fetch(structure, start, Math.min(READ_AHEAD_BLOCKS, this.source.blockCount - start));
      this.chunks.set(start, chunk);
    }
    const at = (lba - start) * BLOCK_SIZE;
    return chunk.subarray(at, at + BLOCK_SIZE);
  }

  private async fetch(structure: string, lba: number, count: number): Promise<Uint8Array> {
    this.metadataBytes += count * BLOCK_SIZE;
    if (this.metadataBytes > this.maxMetadata) {
      throw new ImageReadError(
        structure,
        lba,
        `reading it would bring the metadata read to more than ${this.maxMetadata} bytes, more than the image ` +
          "can hold without structures that overlap or repeat (a hostile or damaged image)",
      );
    }
    return this.source.readSync ? this.source.readSync(lba, count) : await this.source.read(lba, count);
  }

  /**
   * Counts one directory entry against the budget. Every entry occupies bytes of its own (a directory record
   * is at least 34 bytes, a UDF file identifier 40), so more entries than the image has room for means
   * structures that overlap or repeat.
   */
  countEntry(structure: string, lba: number): void {
    if (++this.entries > this.limits.maxEntries) {
      throw new ImageReadError(structure, lba, `is past the limit of ${this.limits.maxEntries} directory entries`);
    }
    const bytes = this.source.blockCount * BLOCK_SIZE;
    if (this.entries * MIN_ENTRY_BYTES > bytes) {
      throw new ImageReadError(
        structure,
        lba,
        `brings the directory entries to ${this.entries}, more than an image of ${bytes} bytes can hold ` +
          "(directories that overlap or repeat: a hostile or damaged image)",
      );
    }
  }

  /**
   * Counts extent pieces made block by block (ISO 9660 interleaved file units, UDF virtual blocks). Real
   * images map each block into few files, so four times the image's blocks (plus a million) is never reached.
   */
  countPieces(structure: string, lba: number, n: number): void {
    this.pieces += n;
    const limit = 4 * this.source.blockCount + 1_000_000;
    if (this.pieces > limit) {
      throw new ImageReadError(
        structure,
        lba,
        `maps more than ${limit} block pieces in all, more than an image of ${this.source.blockCount} blocks needs`,
      );
    }
  }

  /**
   * Counts System Use bytes parsed (records and continuation areas). Continuation areas never overlap in a
   * real image, so parsing more than twice the image's bytes means areas shared or repeated by many records.
   */
  countSystemUse(structure: string, lba: number, n: number): void {
    this.systemUseBytes += n;
    const limit = 2 * this.source.blockCount * BLOCK_SIZE + 1024 * 1024;
    if (this.systemUseBytes > limit) {
      throw new ImageReadError(
        structure,
        lba,
        `brings the System Use bytes parsed past ${limit}, more than the image holds (areas shared by many records)`,
      );
    }
  }

  /** Counts one directory against the budget. */
  countDirectory(structure: string, lba: number): void {
    if (++this.directories > this.limits.maxDirectories) {
      throw new ImageReadError(structure, lba, `is past the limit of ${this.limits.maxDirectories} directories`);
    }
  }

  /** Checks a name for the tree (non-empty, not "." or "..", no "/" or NUL, not absurdly long) and counts it. */
  checkName(name: string, structure: string, lba: number): string {
    if (name === "" || name === "." || name === "..") {
      throw new ImageReadError(structure, lba, `records the name ${JSON.stringify(name)}, which no file can have`);
    }
    if (name.includes("/") || name.includes("\0")) {
      throw new ImageReadError(structure, lba, `records the name ${JSON.stringify(name)}, which contains "/" or NUL`);
    }
    const bytes = Buffer.byteLength(name, "utf8");
    if (bytes > this.limits.maxNameBytes) {
      throw new ImageReadError(structure, lba, `records a name of ${bytes} bytes (limit ${this.limits.maxNameBytes})`);
    }
    this.nameBytes += name.length;
    if (this.nameBytes > this.limits.maxTotalNameBytes) {
      throw new ImageReadError(structure, lba, `brings the names past ${this.limits.maxTotalNameBytes} bytes in all`);
    }
    return name;
  }
}
