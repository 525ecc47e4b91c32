// Where a file's bytes come from. Names live in the tree; a source is only data, and one source object
// shared by several names (hard links, the ISO 9660 and Joliet views of one file) is written once.
import { closeSync, openSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { BufferRing } from "../emit/bufferRing.js";
import { SourceChangedError, SourceError } from "../errors.js";

export interface FileSource {
  /** Exact number of bytes the source delivers. */
  readonly size: number;
  /** For messages and progress: a host path, or a description such as "<bytes: 12 B>". */
  describe(): string;
  /**
   * The whole contents as chunks (any sizes); must deliver exactly `size` bytes or throw. With `ring`, chunk
   * buffers may come from it (the consumer then keeps each chunk only as the ring's contract allows).
   */
  chunks(signal?: AbortSignal, ring?: BufferRing): AsyncIterable<Uint8Array>;
  /**
   * Copies exactly `size` bytes into `target` at `offset`, synchronously. It may scribble one byte past
   * them when `target` has room; the caller owns (and clears) the bytes after `offset + size`. Offered by sources for which a
   * blocking read is cheap (host files, bytes); the emitter uses it to batch many small files.
   */
  readSyncInto?(target: Uint8Array, offset: number): void;
}

const CHUNK = 1 << 20;
const ONE_BYTE = new Uint8Array(1);

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

  readSyncInto(target: Uint8Array, offset: number): void {
    const path = this.path;
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      throw new SourceError(`cannot read source file ${path}: ${(e as Error).message}`, path, { cause: e });
    }
    try {
      // Ask for one byte more than planned: a file that grew shows at once, and when the target has room
      // for that byte (the caller zero-fills past `size` afterwards) the EOF check costs no extra call.
      const room = Math.min(this.size + 1, target.length - offset);
      let got = 0;
      for (;;) {
        const n = readSync(fd, target, offset + got, room - got, got);
        got += n;
        if (n === 0 || got === room) break;
      }
      if (got > this.size) throw this.changed("it grew");
      if (got < this.size) throw this.changed(`it ended after ${got} bytes`);
      if (room === this.size && readSync(fd, ONE_BYTE, 0, 1, got) !== 0) throw this.changed("it grew");
    } catch (e) {
      if (e instanceof SourceError) throw e;
      throw new SourceError(`error reading source file ${path}: ${(e as Error).message}`, path, { cause: e });
    } finally {
      closeSync(fd);
    }
  }

  private async openChecked(): Promise<FileHandle> {
    try {
      return await open(this.path, "r");
    } catch (e) {
      throw new SourceError(`cannot read source file ${this.path}: ${(e as Error).message}`, this.path, { cause: e });
    }
  }

  private changed(got: string): SourceChangedError {
    return new SourceChangedError(
      `source file ${this.path} changed while the image was being written (planned ${this.size} bytes, ${got}); ` +
        "make sure nothing modifies the source tree during the build and try again",
      this.path,
    );
  }

  async *chunks(signal?: AbortSignal, ring?: BufferRing): AsyncIterable<Uint8Array> {
    const fh = await this.openChecked();
    try {
      let pos = 0;
      let next: Promise<Buffer> | null = null;
      const readAt = async (at: number): Promise<Buffer> => {
        const want = Math.min(CHUNK * 4, this.size + 1 - at);
        const buf = ring ? ring.take(want) : Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, at + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      };
      next = readAt(0);
      while (pos <= this.size) {
        signal?.throwIfAborted();
        const buf: Buffer = await next;
        const end = pos + buf.length;
        if (end > this.size) throw this.changed("it grew");
        if (buf.length === 0) {
          if (pos !== this.size) throw this.changed(`it ended after ${pos} bytes`);
          break;
        }
        // Double buffering: the next read runs while the consumer handles this chunk.
        next = readAt(end);
        yield buf;
        pos = end;
      }
    } catch (e) {
      if (e instanceof SourceError || (e instanceof Error && e.name === "AbortError")) throw e;
      throw new SourceError(`error reading source file ${this.path}: ${(e as Error).message}`, this.path, { cause: e });
    } finally {
      await fh.close();
    }
  }
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
  readSyncInto(target: Uint8Array, offset: number): void {
    target.set(this.bytes, offset);
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
