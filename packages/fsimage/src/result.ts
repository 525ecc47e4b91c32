// The planned image (IMAPI2's IFileSystemImageResult): size, a forward-only stream, and writing to a file.
import { randomBytes } from "node:crypto";
import { closeSync, constants, fsyncSync, openSync, type Stats, writeSync } from "node:fs";
import { rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { type EmitOptions, emitSectors } from "./emit/sectorStream.js";
import { CancelledError, DiscburnError, MediumFullError, OutputError } from "./errors.js";
import { SECTOR_SIZE } from "./layout/allocator.js";
import type { ImagePlan } from "./layout/plan.js";
import type { ImageItem } from "./tree/items.js";

/** How one item was named in each file system (so a user can see what the name mapping did). */
export interface NameMapping {
  path: string;
  kind: ImageItem["kind"];
  iso9660: string | undefined;
  joliet: string | undefined;
  udf: string | undefined;
}

export interface WriteOptions extends EmitOptions {
  /** Flush the file to stable storage before renaming it into place (default false). */
  fsync?: boolean;
}

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

  /** The medium must hold this many blocks (LBA 0 to the end of this session) for the session to fit. */
  get requiredBlocks(): number {
    return this.plan.sessionStart + this.plan.totalBlocks;
  }

  /** Throws MediumFullError unless the session fits a medium of `capacityBlocks` (IMAPI2's FreeMediaBlocks check). */
  assertFits(capacityBlocks: number): void {
    if (this.requiredBlocks > capacityBlocks) throw new MediumFullError(this.requiredBlocks, capacityBlocks);
  }

  /** Absolute block of this session's UDF file set descriptor (null without UDF, or inside a metadata partition). */
  get udfFileSetBlock(): number | null {
    return this.plan.udf?.fileSetBlock ?? null;
  }

  /** Blocks of the volume descriptor set at session start + 16 (what a grown image's head receives). */
  get volumeDescriptorBlocks(): number {
    return this.plan.descriptorBlocks;
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
    const udf = this.plan.udf ? new Map(this.plan.udf.mappedPaths()) : undefined;
    const iso: Iterable<[ImageItem, string]> = this.plan.iso9660
      ? this.plan.iso9660.mappedPaths()
      : [...udf!.keys()].map((i): [ImageItem, string] => [i, ""]);
    for (const [item, isoPath] of iso) {
      yield {
        path: item.path,
        kind: item.kind,
        iso9660: this.plan.iso9660 ? isoPath : undefined,
        joliet: joliet?.get(item),
        udf: udf?.get(item),
      };
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
    let fd: number;
    try {
      fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (e) {
      throw new OutputError(`cannot create ${temp}: ${(e as Error).message}`, path, { cause: e });
    }
    let ok = false;
    try {
      // Blocking writes of the emitter's small reused chunks (see emit/sectorStream.ts for why they are
      // small); the emitter hands the event loop a turn every few MiB, so signals and progress still flow.
      const write = (chunk: Uint8Array) => {
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
      };
      for await (const _ of emitSectors(
        this.plan.claims,
        this.plan.sessionStart,
        this.plan.totalBlocks,
        options,
        write,
      )) {
        // With a sink the emitter writes everything itself and yields nothing.
      }
      if (options.fsync) fsyncSync(fd);
      closeSync(fd);
      await rename(temp, path);
      ok = true;
    } catch (e) {
      if (e instanceof DiscburnError) throw e;
      if (e instanceof Error && e.name === "AbortError") throw new CancelledError("image writing was cancelled");
      throw new OutputError(`error writing ${path}: ${(e as Error).message}`, path, { cause: e });
    } finally {
      if (!ok) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
        await unlink(temp).catch(() => {});
      }
    }
  }
}
