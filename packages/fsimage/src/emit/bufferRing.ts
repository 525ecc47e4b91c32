// Reusable I/O buffers for a consumer that keeps at most one chunk in flight while asking for the next
// (ResultImage.writeTo). Reuse avoids faulting in fresh memory for every chunk: on the 2 GiB corpus of
// bench/ a fresh 4 MiB buffer per chunk cost ~100,000 minor page faults and ~50% more system time.

export class BufferRing {
  private readonly slots: Buffer[];
  private next = 0;

  /**
   * @param count slots; 3 covers a chunk being written, the chunk just handed over, and the one being filled
   * @param size bytes per slot; larger requests get a fresh buffer
   */
  constructor(
    count: number,
    readonly size: number,
  ) {
    this.slots = Array.from({ length: count }, () => Buffer.allocUnsafe(size));
  }

  /** A buffer of exactly `length` bytes, taken round-robin from the ring (or fresh when too large). */
  take(length: number): Buffer {
    if (length > this.size) return Buffer.allocUnsafe(length);
    const slot = this.slots[this.next];
    this.next = (this.next + 1) % this.slots.length;
    return slot.subarray(0, length);
  }
}
