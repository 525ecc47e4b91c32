// The ring buffer between an image stream and the drive: every byte comes out once, in order, in whole write units
// (a shorter piece only at the end), whatever the chunk sizes and however producer and consumer interleave.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RingBuffer } from "../src/index.js";

async function* chunksOf(data: Uint8Array, sizes: number[], reuse: boolean): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let i = 0;
  const scratch = new Uint8Array(Math.max(1, ...sizes));
  while (offset < data.length) {
    const n = Math.min(sizes[i++ % sizes.length]!, data.length - offset);
    if (reuse) {
      // Like the image emitter: the same buffer is refilled for the next chunk.
      scratch.set(data.subarray(offset, offset + n));
      yield scratch.subarray(0, n);
    } else yield data.slice(offset, offset + n);
    offset += n;
    if (i % 3 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe("RingBuffer", () => {
  it("hands out the stream's bytes in order, in whole units, for any chunking and interleaving", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        async (data, sizes, unit, units, reuse, consumerYields) => {
          const ring = new RingBuffer(unit * units, unit);
          const pump = ring.pump(chunksOf(data, sizes, reuse));
          const out: number[] = [];
          const pieces: number[] = [];
          for (;;) {
            const piece = await ring.take();
            if (piece === null) break;
            pieces.push(piece.length);
            for (let i = 0; i < consumerYields; i++) await new Promise((r) => setImmediate(r));
            out.push(...piece);
            ring.release(piece.length);
          }
          await pump;
          expect(Uint8Array.from(out)).toEqual(data);
          // Every piece but the last is a whole unit; the last is at most one.
          for (const p of pieces.slice(0, -1)) expect(p).toBe(unit);
          if (pieces.length > 0) expect(pieces.at(-1)!).toBeLessThanOrEqual(unit);
          expect(ring.filled).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never holds more than its capacity: the producer waits for the writer", async () => {
    const ring = new RingBuffer(4096, 1024);
    const data = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
    let maxFilled = 0;
    const pump = ring.pump(chunksOf(data, [700], false));
    let total = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1));
      maxFilled = Math.max(maxFilled, ring.filled);
      const piece = await ring.take();
      if (piece === null) break;
      total += piece.length;
      ring.release(piece.length);
    }
    await pump;
    expect(total).toBe(data.length);
    expect(maxFilled).toBeGreaterThan(0);
    expect(maxFilled).toBeLessThanOrEqual(ring.capacity);
    expect(ring.capacity).toBe(4096);
  });

  it("passes the producer's failure to the writer, and the writer's to a waiting producer", async () => {
    const failing = async function* () {
      yield new Uint8Array(100);
      throw new Error("source vanished");
    };
    const ring = new RingBuffer(1024, 512);
    const pump = ring.pump(failing());
    await expect(
      (async () => {
        for (;;) {
          const p = await ring.take();
          if (p === null) return;
          ring.release(p.length);
        }
      })(),
    ).rejects.toThrow("source vanished");
    await pump;

    let produced = 0;
    let returned = false;
    const endless = async function* () {
      try {
        for (;;) {
          produced++;
          yield new Uint8Array(300);
        }
      } finally {
        returned = true;
      }
    };
    const ring2 = new RingBuffer(1024, 512);
    const pump2 = ring2.pump(endless());
    await ring2.take();
    ring2.abort(new Error("drive gone"));
    await pump2; // the producer stops instead of waiting for room forever ...
    expect(returned).toBe(true); // ... and the source is told so (its finally ran)
    const after = produced;
    await new Promise((r) => setTimeout(r, 20));
    expect(produced).toBe(after);
    await expect(ring2.put(new Uint8Array(1))).rejects.toThrow("drive gone");
  });
});
