// Phase 3: the image as a forward-only sequence of bytes, assembled from the claims in LBA order.
import { CancelledError, LayoutError } from "../errors.js";
import { SECTOR_SIZE, type SectorClaim } from "../layout/allocator.js";

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

const ZEROS = new Uint8Array(1 << 20);
/** Small files are read ahead concurrently (the thread pool overlaps their open/read/close). */
const READ_AHEAD_MAX_FILE = 1 << 20;
const READ_AHEAD_FILES = 64;
const READ_AHEAD_BYTES = 32 << 20;
const PROGRESS_EVERY_BYTES = 8 << 20;

function* zeros(bytes: number): Generator<Uint8Array> {
  while (bytes > 0) {
    const n = Math.min(bytes, ZEROS.length);
    yield ZEROS.subarray(0, n);
    bytes -= n;
  }
}

function cancelled(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/**
 * Yields the session's bytes from `sessionStart` to `sessionStart + totalBlocks`: claims in order, zeros
 * in the gaps. File data comes from each source in large chunks and is never held whole.
 */
export async function* emitSectors(
  claims: readonly SectorClaim[],
  sessionStart: number,
  totalBlocks: number,
  options: EmitOptions = {},
): AsyncGenerator<Uint8Array> {
  const { signal, onProgress } = options;
  let lba = sessionStart;
  let sinceProgress = 0;
  const report = (currentFile: string | undefined) => {
    onProgress?.({ sectorsWritten: lba - sessionStart, totalSectors: totalBlocks, currentFile });
    sinceProgress = 0;
  };

  // Read-ahead window over small files.
  const pending = new Map<number, Promise<Uint8Array>>();
  let ahead = 0;
  let aheadBytes = 0;
  const pump = (from: number) => {
    if (ahead < from) ahead = from;
    while (ahead < claims.length && pending.size < READ_AHEAD_FILES && aheadBytes < READ_AHEAD_BYTES) {
      const c = claims[ahead];
      if (c.content.kind === "file" && c.content.source.readAll && c.content.source.size <= READ_AHEAD_MAX_FILE) {
        const p = c.content.source.readAll();
        p.catch(() => {}); // handled when its turn comes; avoids an unhandled rejection meanwhile
        pending.set(ahead, p);
        aheadBytes += c.content.source.size;
      }
      ahead++;
    }
  };

  report(undefined);
  for (let i = 0; i < claims.length; i++) {
    if (cancelled(signal)) throw new CancelledError("image writing was cancelled");
    const claim = claims[i];
    if (claim.start < lba) throw new LayoutError(`${claim.label} at LBA ${claim.start} overlaps the previous claim`);
    if (claim.start > lba) {
      yield* zeros((claim.start - lba) * SECTOR_SIZE);
      lba = claim.start;
    }
    const bytes = claim.blocks * SECTOR_SIZE;
    let written = 0;
    if (claim.content.kind === "metadata") {
      const data = claim.content.encode();
      if (data.length > bytes)
        throw new LayoutError(`${claim.label} encoded to ${data.length} bytes, more than its ${bytes}`);
      yield data;
      written = data.length;
    } else {
      const source = claim.content.source;
      report(source.describe());
      pump(i);
      const early = pending.get(i);
      if (early) {
        pending.delete(i);
        aheadBytes -= source.size;
        const data = await early;
        yield data;
        written = data.length;
      } else {
        for await (const chunk of source.chunks(signal)) {
          yield chunk;
          written += chunk.length;
          sinceProgress += chunk.length;
          if (sinceProgress >= PROGRESS_EVERY_BYTES) {
            lba = claim.start + Math.floor(written / SECTOR_SIZE);
            report(source.describe());
          }
        }
      }
    }
    if (written < bytes) yield* zeros(bytes - written);
    lba = claim.start + claim.blocks;
  }
  if (lba > sessionStart + totalBlocks) throw new LayoutError("claims run past the end of the session");
  yield* zeros((sessionStart + totalBlocks - lba) * SECTOR_SIZE);
  lba = sessionStart + totalBlocks;
  report(undefined);
}
