import { getUint32, requireLength, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

// SBC-3 READ CAPACITY(10) (25h): ten bytes, all zero but the opcode (no PMI: the capacity of the whole medium).
export function buildReadCapacity10(): ScsiCommand {
  return makeCommand(OPCODE.READ_CAPACITY_10, 10, "in", 8);
}

export interface Capacity {
  /** Last addressable LBA. On a blank disc drives report 0 (or nonsense): ask READ TRACK INFORMATION instead. */
  lastLba: number;
  blockLength: number;
}

// SBC-3 READ CAPACITY(10) parameter data: bytes 0-3 returned logical block address, 4-7 block length in bytes.
export function parseCapacity(data: Uint8Array): Capacity {
  requireLength("READ CAPACITY(10)", data, 8);
  return { lastLba: getUint32(data, 0), blockLength: getUint32(data, 4) };
}

export function encodeCapacity(c: Capacity): Uint8Array {
  const out = new Uint8Array(8);
  setUint32(out, 0, c.lastLba);
  setUint32(out, 4, c.blockLength);
  return out;
}
