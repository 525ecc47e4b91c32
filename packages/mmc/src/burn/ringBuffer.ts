// The buffer between an image stream and the drive: a producer copies the stream's chunks in (they may be
// reused by their emitter, so they are copied), the writer takes whole write units out without copying. The
// capacity is a multiple of the unit, so a unit never wraps around the end. A slow source drains it; a slow
// drive fills it and the producer waits.

export class RingBuffer {
  private readonly bytes: Uint8Array;
  /** Bytes taken out (and released) so far. */
  private head = 0;
  /** Bytes put in so far. */
  private tail = 0;
  private ended = false;
  private failure: unknown = null;
  private wakeReader: (() => void) | null = null;
  private wakeWriter: (() => void) | null = null;

  constructor(
    capacityBytes: number,
    /** Bytes of one write unit: take() hands out this much (less only at the end). */
    readonly unitBytes: number,
  ) {
    if (!Number.isInteger(unitBytes) || unitBytes <= 0) throw new RangeError(`write unit ${unitBytes}: not a size`);
    const units = Math.max(2, Math.ceil(capacityBytes / unitBytes));
    this.bytes = new Uint8Array(units * unitBytes);
  }

  get capacity(): number {
    return this.bytes.length;
  }

  /** Bytes waiting to be written. */
  get filled(): number {
    return this.tail - this.head;
  }

  /** 0..1: how full the buffer is. */
  get fill(): number {
    return this.filled / this.bytes.length;
  }

  /** Copies a chunk in, waiting for room as often as needed. */
  async put(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.failure !== null) throw this.failure;
      const room = this.bytes.length - this.filled;
      if (room === 0) {
        await new Promise<void>((resolve) => {
          this.wakeWriter = resolve;
        });
        continue;
      }
      const at = this.tail % this.bytes.length;
      const n = Math.min(chunk.length - offset, room, this.bytes.length - at);
      this.bytes.set(chunk.subarray(offset, offset + n), at);
      offset += n;
      this.tail += n;
      this.signalReader();
    }
  }

  /** No more data will come; `error` makes take() throw it. */
  end(error?: unknown): void {
    this.ended = true;
    if (error !== undefined) this.failure = error;
    this.signalReader();
  }

  /** The writer gave up: wake a waiting producer, whose put() then throws `error`. */
  abort(error: unknown): void {
    this.failure = error;
    this.signalWriter();
  }

  /**
   * The next write unit (a view into the buffer, valid until release()), a shorter last piece, or null at the
   * end. Throws what the producer failed with.
   */
  async take(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.failure !== null && this.ended) throw this.failure;
      const available = this.filled;
      if (available >= this.unitBytes || (this.ended && available > 0)) {
        const at = this.head % this.bytes.length;
        return this.bytes.subarray(at, at + Math.min(this.unitBytes, available));
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
    }
  }

  /** The unit from take() is on its way to the drive: its room can be reused. */
  release(bytes: number): void {
    this.head += bytes;
    this.signalWriter();
  }

  /** Feeds a stream into the buffer until it ends (or fails, or the writer aborts). */
  async pump(source: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of source) await this.put(chunk);
      this.end();
    } catch (e) {
      this.end(e);
    }
  }

  private signalReader(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  private signalWriter(): void {
    const wake = this.wakeWriter;
    this.wakeWriter = null;
    wake?.();
  }
}
