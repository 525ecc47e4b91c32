// The planned image (IMAPI2's IFileSystemImageResult): size, a forward-only stream, and writing to a file.
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { type FileHandle, open, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { BufferRing } from "./emit/bufferRing.js";
import { BATCH_BUFFER_BYTES, type EmitOptions, emitSectors } from "./emit/sectorStream.js";
import { CancelledError, DiscburnError, OutputError } from "./errors.js";
import { SECTOR_SIZE } from "./layout/allocator.js";
import type { ImagePlan } from "./layout/plan.js";
import type { ImageItem } from "./tree/items.js";

/** How one item was named in each file system (so a user can see what the name mapping did). */
export interface NameMapping {
  path: string;
  kind: ImageItem["kind"];
  iso9660: string;
  joliet: string | undefined;
}

export interface WriteOptions extends EmitOptions {
  /** Flush the file to stable storage before renaming it into place (default false). */
  fsync?: boolean;
}

const WRITE_CHUNK = 4 << 20;

export class ResultImage {
  readonly blockSize = SECTOR_SIZE;

  constructor(
    private readonly plan: ImagePlan,
    readonly volumeName: string,
  ) {}

  /** Blocks (2048 bytes each) in this session's image. */
  get totalBlocks(): number {
    return this.plan.totalBlocks;
  }

  get totalBytes(): number {
    return this.plan.totalBlocks * SECTOR_SIZE;
  }

  /** First LBA of this session (0 unless the image was planned to be appended). */
  get sessionStart(): number {
    return this.plan.sessionStart;
  }

  /** Things that were written although a strict reader might object (deep directories, long paths). */
  get warnings(): readonly string[] {
    return this.plan.warnings;
  }

  /** Number of distinct data extents (files sharing a source are counted once). */
  get dataExtents(): number {
    return this.plan.data.count;
  }

  /** Every item's path in the tree and its identifier path in each file system. */
  *names(): Generator<NameMapping> {
    const joliet = this.plan.joliet ? new Map(this.plan.joliet.mappedPaths()) : undefined;
    for (const [item, iso] of this.plan.iso9660.mappedPaths()) {
      yield { path: item.path, kind: item.kind, iso9660: iso, joliet: joliet?.get(item) };
    }
  }

  /** The image bytes as an async iterable of chunks, forward only. */
  stream(options: EmitOptions = {}): AsyncGenerator<Uint8Array> {
    return emitSectors(this.plan.claims, this.plan.sessionStart, this.plan.totalBlocks, options);
  }

  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    return this.stream();
  }

  /** The image as a Node Readable stream. */
  toReadable(options: EmitOptions = {}): Readable {
    return Readable.from(this.stream(options), { objectMode: false });
  }

  /**
   * Writes the image to `path`. The bytes go to a temporary file beside it that is renamed into place
   * only when complete, so a failure or cancellation never leaves a half-written image under `path`.
   */
  async writeTo(path: string, options: WriteOptions = {}): Promise<void> {
    const dir = dirname(path);
    let dirStat: Stats;
    try {
      dirStat = await stat(dir);
    } catch {
      throw new OutputError(`cannot write ${path}: directory ${dir} does not exist (create it first)`, path);
    }
    if (!dirStat.isDirectory()) throw new OutputError(`cannot write ${path}: ${dir} is not a directory`, path);
    const existing = await stat(path).catch(() => null);
    if (existing && !existing.isFile()) {
      throw new OutputError(`cannot write ${path}: it exists and is not a regular file`, path);
    }
    const temp = join(dir, `.${basename(path)}.${randomBytes(4).toString("hex")}.part`);
    let fh: FileHandle;
    try {
      fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (e) {
      throw new OutputError(`cannot create ${temp}: ${(e as Error).message}`, path, { cause: e });
    }
    let ok = false;
    try {
      // Small chunks are coalesced into WRITE_CHUNK writes; one write is in flight while the next chunk is
      // produced (file reads and encoding overlap the write on the thread pool). Large chunks are written
      // without copying, from a ring of three reused buffers: one being written, one just handed over and
      // one being filled - never more than that is outstanding here.
      const ring = new BufferRing(3, BATCH_BUFFER_BYTES);
      const buffers = [Buffer.allocUnsafe(WRITE_CHUNK), Buffer.allocUnsafe(WRITE_CHUNK)];
      let current = 0;
      let fill = 0;
      let inflight: Promise<void> = Promise.resolve();
      const writeFully = async (data: Uint8Array) => {
        for (let done = 0; done < data.length; ) done += (await fh.write(data, done, data.length - done)).bytesWritten;
      };
      const submit = async (data: Uint8Array) => {
        await inflight;
        inflight = writeFully(data);
        inflight.catch(() => {}); // observed by the next submit or the final await
      };
      const flush = async () => {
        if (fill === 0) return;
        await submit(buffers[current].subarray(0, fill));
        current ^= 1;
        fill = 0;
      };
      const chunks = emitSectors(this.plan.claims, this.plan.sessionStart, this.plan.totalBlocks, options, ring);
      for await (const chunk of chunks) {
        if (chunk.length >= WRITE_CHUNK / 4) {
          await flush();
          await submit(chunk);
          continue;
        }
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(WRITE_CHUNK - fill, chunk.length - off);
          buffers[current].set(chunk.subarray(off, off + n), fill);
          fill += n;
          off += n;
          if (fill === WRITE_CHUNK) await flush();
        }
      }
      await flush();
      await inflight;
      if (options.fsync) await fh.sync();
      await fh.close();
      await rename(temp, path);
      ok = true;
    } catch (e) {
      if (e instanceof DiscburnError) throw e;
      if (e instanceof Error && e.name === "AbortError") throw new CancelledError("image writing was cancelled");
      throw new OutputError(`error writing ${path}: ${(e as Error).message}`, path, { cause: e });
    } finally {
      if (!ok) {
        await fh.close().catch(() => {});
        await unlink(temp).catch(() => {});
      }
    }
  }
}
