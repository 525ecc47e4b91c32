// Phase 3: the image as a forward-only sequence of bytes, assembled from the claims in LBA order.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { CancelledError, LayoutError } from "../errors.js";
import { SECTOR_SIZE, type SectorClaim } from "../layout/allocator.js";
import { sourceChanged } from "../tree/sources.js";

export interface Progress {
  /** Sectors of this session emitted so far. */
  sectorsWritten: number;
  totalSectors: number;
  /** The source being read (host path or description), if file data is being written. */
  currentFile: string | undefined;
}

export interface EmitOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/**
 * Everything passes through one small staging buffer, as in cp(1) or genisoimage (32 KiB): copying 2 GiB
 * through 32-128 KiB buffers runs about twice as fast as through 256 KiB or 4 MiB ones on these machines
 * (bench/chunk-size.mjs, figures in bench/RESULTS.md), the buffer staying in the CPU cache. Sources with
 * blocking reads (host files) are read straight into it; many small files share one chunk.
 */
const STAGE_BYTES = 64 << 10;
/** Blocking reads run in slices: the event loop gets a turn (signals, timers, progress) at least this often. */
const YIELD_EVERY_BYTES = 16 << 20;

/**
 * Yields the session's bytes from `sessionStart` to `sessionStart + totalBlocks`: claims in order, zeros in
 * the gaps, file data read from each source and never held whole. Chunks are fresh buffers the caller may
 * keep. With `sink`, every full stage goes to it synchronously instead (the same buffer each time, to be
 * consumed before sink returns) and the generator yields nothing: ResultImage.writeTo writes that way, with
 * no promise per 64 KiB.
 */
export async function* emitSectors(
  claims: readonly SectorClaim[],
  sessionStart: number,
  totalBlocks: number,
  options: EmitOptions = {},
  sink?: (chunk: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  const { signal, onProgress } = options;
  // One spare byte: the last read of a file asks for one byte more than planned, to see a file that grew.
  const stage = Buffer.allocUnsafe(STAGE_BYTES + 1);
  let fill = 0;
  let emitted = 0;
  let sinceYield = 0;
  const report = (currentFile: string | undefined) =>
    onProgress?.({
      sectorsWritten: Math.floor((emitted + fill) / SECTOR_SIZE),
      totalSectors: totalBlocks,
      currentFile,
    });
  /** Hands the filled stage to the sink (returning null) or returns a copy to yield. */
  const take = (): Uint8Array | null => {
    const n = fill;
    emitted += n;
    fill = 0;
    if (sink) {
      sink(stage.subarray(0, n));
      return null;
    }
    return Buffer.from(stage.subarray(0, n));
  };
  /** Copies `data` (or `count` zeros when data is null) into the stage, yielding each full stage. */
  async function* put(data: Uint8Array | null, count: number): AsyncGenerator<Uint8Array> {
    for (let done = 0; done < count; ) {
      const n = Math.min(STAGE_BYTES - fill, count - done);
      if (data) stage.set(data.subarray(done, done + n), fill);
      else stage.fill(0, fill, fill + n);
      fill += n;
      done += n;
      if (fill === STAGE_BYTES) {
        const chunk = take();
        if (chunk) yield chunk;
      }
    }
  }

  /** Gives the event loop a turn after every YIELD_EVERY_BYTES of work; the place where cancellation is seen. */
  const pace = async (bytes: number, currentFile: string | undefined) => {
    sinceYield += bytes;
    if (sinceYield < YIELD_EVERY_BYTES && !signal?.aborted) return;
    sinceYield = 0;
    report(currentFile);
    await yieldToEventLoop();
    if (signal?.aborted) throw new CancelledError("image writing was cancelled");
  };

  report(undefined);
  let lba = sessionStart;
  for (const claim of claims) {
    if (claim.start < lba) throw new LayoutError(`${claim.label} at LBA ${claim.start} overlaps the previous claim`);
    yield* put(null, (claim.start - lba) * SECTOR_SIZE);
    const bytes = claim.blocks * SECTOR_SIZE;
    let written: number;
    if (claim.content.kind === "metadata") {
      const data = claim.content.encode();
      if (data.length > bytes)
        throw new LayoutError(`${claim.label} encoded to ${data.length} bytes, more than its ${bytes}`);
      yield* put(data, data.length);
      written = data.length;
    } else {
      const source = claim.content.source;
      report(source.describe());
      if (source.openSync) {
        const reader = source.openSync();
        try {
          for (let pos = 0; pos < source.size; ) {
            const want = Math.min(STAGE_BYTES - fill, source.size - pos);
            const n = reader.read(stage, fill, pos + want === source.size ? want + 1 : want, pos);
            if (n === 0) throw sourceChanged(source, `it ended after ${pos} bytes`);
            if (n > want) throw sourceChanged(source, "it grew");
            fill += n;
            pos += n;
            if (fill === STAGE_BYTES) {
              const chunk = take();
              if (chunk) yield chunk;
              await pace(STAGE_BYTES, source.describe());
            }
          }
        } finally {
          reader.close();
        }
      } else {
        let got = 0;
        for await (const chunk of source.chunks(signal)) {
          got += chunk.length;
          if (got > source.size) throw sourceChanged(source, "it delivered more");
          yield* put(chunk, chunk.length);
          await pace(chunk.length, source.describe());
        }
        if (got < source.size) throw sourceChanged(source, `it ended after ${got} bytes`);
      }
      written = source.size;
    }
    yield* put(null, bytes - written);
    lba = claim.start + claim.blocks;
    await pace(claim.content.kind === "metadata" ? bytes : bytes - written, undefined);
  }
  if (lba > sessionStart + totalBlocks) throw new LayoutError("claims run past the end of the session");
  yield* put(null, (sessionStart + totalBlocks - lba) * SECTOR_SIZE);
  if (fill > 0) {
    const chunk = take();
    if (chunk) yield chunk;
  }
  report(undefined);
}
