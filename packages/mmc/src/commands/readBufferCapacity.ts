import { getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

// MMC-6 READ BUFFER CAPACITY (5Ch): byte 1 Block (0), bytes 7-8 allocation length (12).
export function buildReadBufferCapacity(options: { block?: boolean } = {}): ScsiCommand {
  return makeCommand(OPCODE.READ_BUFFER_CAPACITY, 10, "in", 12, (cdb) => {
    cdb[1] = options.block ? 0x01 : 0;
    setUint16(cdb, 7, 12);
  });
}

export type BufferCapacity =
  /** Block 0: sizes in bytes. */
  | { unit: "bytes"; bufferLength: number; blankLength: number }
  /** Block 1: free space in blocks. */
  | { unit: "blocks"; availableBlocks: number };

// MMC-6 buffer capacity: bytes 0-1 data length; Block 0: bytes 4-7 length of buffer, 8-11 blank length of buffer;
// Block 1: byte 3 bit 0 Block, bytes 8-11 available length of buffer in blocks.
export function parseBufferCapacity(data: Uint8Array): BufferCapacity {
  requireLength("READ BUFFER CAPACITY", data, 12);
  if ((data[3] & 0x01) !== 0) return { unit: "blocks", availableBlocks: getUint32(data, 8) };
  return { unit: "bytes", bufferLength: getUint32(data, 4), blankLength: getUint32(data, 8) };
}

/** A READ BUFFER CAPACITY answer (what a software recorder returns). */
export function encodeBufferCapacity(c: BufferCapacity): Uint8Array {
  const out = new Uint8Array(12);
  setUint16(out, 0, 10);
  if (c.unit === "blocks") {
    out[3] = 0x01;
    setUint32(out, 8, c.availableBlocks);
  } else {
    setUint32(out, 4, c.bufferLength);
    setUint32(out, 8, c.blankLength);
  }
  return out;
}
