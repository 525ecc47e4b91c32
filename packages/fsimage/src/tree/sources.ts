// Where a file's bytes come from. Names live in the tree; a source is only data, and one source object
// shared by several names (hard links, the ISO 9660 and Joliet views of one file) is written once.
import { closeSync, openSync, readSync } from "node:fs";
import type { Readable } from "node:stream";
import { SourceChangedError, SourceError } from "../errors.js";

/** Blocking random access to a source's bytes. */
export interface SyncReader {
  /** Reads up to `length` bytes at `position` into `target` at `offset`; returns the count (0 at the end). */
  read(target: Uint8Array, offset: number, length: number, position: number): number;
  close(): void;
}

export interface FileSource {
  /** Exact number of bytes the source delivers. */
  readonly size: number;
  /** For messages and progress: a host path, or a description such as "<bytes: 12 B>". */
  describe(): string;
  /** The whole contents as chunks (any sizes), asynchronously; must deliver exactly `size` bytes or throw. */
  chunks(signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /**
   * Blocking reads, offered where they are cheap (host files, bytes in memory). The emitter prefers them:
   * it copies through one small buffer like cp(1) does, and checks the size itself.
   */
  openSync?(): SyncReader;
}

const CHUNK = 1 << 20;

/** A file on the host, read when the image is written. Its size is taken at planning and checked while reading. */
export class HostFileSource implements FileSource {
  /**
   * @param location the file's path, or its directory when `name` is given (files of one directory then
   *   share the directory's path string instead of each holding a full path: memory grows with file count)
   */
  constructor(
    private readonly location: string,
    readonly size: number,
    private readonly name?: string,
  ) {}

  get path(): string {
    if (this.name === undefined) return this.location;
    return this.location.endsWith("/") ? this.location + this.name : `${this.location}/${this.name}`;
  }

  describe(): string {
    return this.path;
  }

  openSync(): SyncReader {
    const path = this.path;
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      throw new SourceError(`cannot read source file ${path}: ${(e as Error).message}`, path, { cause: e });
    }
    return {
      read: (target, offset, length, position) => {
        try {
          return readSync(fd, target, offset, length, position);
        } catch (e) {
          throw new SourceError(`error reading source file ${path}: ${(e as Error).message}`, path, { cause: e });
        }
      },
      close: () => closeSync(fd),
    };
  }

  async *chunks(): AsyncIterable<Uint8Array> {
    yield* chunksFromSyncReader(this);
  }
}

/** Async chunks over a source's blocking reader, with the size checked (for consumers of FileSource.chunks). */
async function* chunksFromSyncReader(source: FileSource & { openSync(): SyncReader }): AsyncIterable<Uint8Array> {
  const reader = source.openSync();
  try {
    for (let pos = 0; ; ) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, source.size + 1 - pos));
      const n = reader.read(buf, 0, buf.length, pos);
      if (pos + n > source.size) throw sourceChanged(source, "it grew");
      if (n === 0) {
        if (pos < source.size) throw sourceChanged(source, `it ended after ${pos} bytes`);
        return;
      }
      pos += n;
      yield buf.subarray(0, n);
    }
  } finally {
    reader.close();
  }
}

/** The error for a source whose size differs from the one planned. */
export function sourceChanged(source: FileSource, what: string): SourceChangedError {
  return new SourceChangedError(
    `source ${source.describe()} changed while the image was being written (planned ${source.size} bytes, ${what}); ` +
      "make sure nothing modifies the sources during the build and try again",
    source.describe(),
  );
}

/** Bytes held in memory (small generated files; the caller keeps them alive). */
export class BytesSource implements FileSource {
  readonly size: number;
  constructor(
    readonly bytes: Uint8Array,
    private readonly label = "<bytes>",
  ) {
    this.size = bytes.length;
  }
  describe(): string {
    return this.label;
  }
  openSync(): SyncReader {
    return {
      read: (target, offset, length, position) => {
        const piece = this.bytes.subarray(position, position + length);
        target.set(piece, offset);
        return piece.length;
      },
      close: () => {},
    };
  }
  async *chunks(): AsyncIterable<Uint8Array> {
    if (this.size > 0) yield this.bytes;
  }
}

/** A stream opened afresh by a factory each time the image is written; it must deliver exactly `size` bytes. */
export class StreamSource implements FileSource {
  constructor(
    readonly size: number,
    private readonly factory: () =>
      | Readable
      | AsyncIterable<Uint8Array>
      | Promise<Readable | AsyncIterable<Uint8Array>>,
    private readonly label = "<stream>",
  ) {}
  describe(): string {
    return this.label;
  }
  async *chunks(signal?: AbortSignal): AsyncIterable<Uint8Array> {
    let got = 0;
    const stream = await this.factory();
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      signal?.throwIfAborted();
      got += chunk.length;
      if (got > this.size) {
        throw new SourceChangedError(
          `stream ${this.label} delivered more than its declared ${this.size} bytes`,
          this.label,
        );
      }
      yield chunk;
    }
    if (got !== this.size) {
      throw new SourceChangedError(
        `stream ${this.label} ended after ${got} of its declared ${this.size} bytes`,
        this.label,
      );
    }
  }
}

/**
 * Data that a format writer places itself (the El Torito boot catalog): the file's records point at the
 * writer's claim instead of a data extent of their own.
 */
export class PlacedSource implements FileSource {
  constructor(
    readonly size: number,
    readonly location: () => number,
    private readonly label: string,
  ) {}
  describe(): string {
    return this.label;
  }
  // biome-ignore lint/correctness/useYield: a placed source is written by its writer, never streamed
  async *chunks(): AsyncIterable<Uint8Array> {
    throw new Error(`${this.label} is written by its format writer, not read as a file`);
  }
}
