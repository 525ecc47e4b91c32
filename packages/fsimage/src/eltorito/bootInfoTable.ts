// The boot information table that mkisofs -boot-info-table writes into a no-emulation boot image (isolinux
// reads it to find itself): 56 bytes at offset 8 of the image.
import { readU32LE, writeU32LE } from "../encoding/bothEndian.js";

export interface BootInfoTable {
  /** LBA of the Primary Volume Descriptor. */
  pvdLba: number;
  /** LBA of the boot file. */
  fileLba: number;
  fileLength: number;
  /** Sum of the 32-bit little-endian words from offset 64 to the end of the file. */
  checksum: number;
}

export const BOOT_INFO_TABLE_OFFSET = 8;
export const BOOT_INFO_TABLE_END = 64;

export function bootFileChecksum(file: Uint8Array): number {
  let sum = 0;
  for (let i = BOOT_INFO_TABLE_END; i < file.length; i += 4) {
    const word = i + 4 <= file.length ? readU32LE(file, i) : readPartialWord(file, i);
    sum = (sum + word) >>> 0;
  }
  return sum;
}

function readPartialWord(file: Uint8Array, i: number): number {
  let w = 0;
  for (let k = 0; i + k < file.length; k++) w |= file[i + k] << (8 * k);
  return w >>> 0;
}

/** Writes the table into a copy-in-place of the boot file (bytes 8-63; 24-63 are reserved zeros). */
export function patchBootInfoTable(file: Uint8Array, t: BootInfoTable): void {
  writeU32LE(file, 8, t.pvdLba);
  writeU32LE(file, 12, t.fileLba);
  writeU32LE(file, 16, t.fileLength);
  writeU32LE(file, 20, t.checksum);
  file.fill(0, 24, BOOT_INFO_TABLE_END);
}

export function readBootInfoTable(file: Uint8Array): BootInfoTable {
  return {
    pvdLba: readU32LE(file, 8),
    fileLba: readU32LE(file, 12),
    fileLength: readU32LE(file, 16),
    checksum: readU32LE(file, 20),
  };
}
