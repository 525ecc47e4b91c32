import { checkUint, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

export interface ReadOptions {
  lba: number;
  blocks: number;
  /** Bytes per block: 2048 for data discs (the drive's block length). */
  blockSize?: number;
  /** FUA: read from the medium, not the drive's cache. */
  forceUnitAccess?: boolean;
}

export interface Read12Options extends ReadOptions {
  /** Streaming bit: stream at a constant rate rather than retry (MMC real-time streaming). */
  streaming?: boolean;
}

// SBC-3/MMC-6 READ(10) (28h): byte 1 FUA (3), bytes 2-5 LBA, bytes 7-8 transfer length in blocks.
export function buildRead10(options: ReadOptions): ScsiCommand {
  const blocks = checkUint("transfer length", options.blocks, 16);
  const lba = checkUint("LBA", options.lba, 32);
  return makeCommand(OPCODE.READ_10, 10, "in", blocks * (options.blockSize ?? 2048), (cdb) => {
    cdb[1] = options.forceUnitAccess ? 0x08 : 0;
    setUint32(cdb, 2, lba);
    setUint16(cdb, 7, blocks);
  });
}

// SBC-3/MMC-6 READ(12) (A8h): byte 1 FUA (3), bytes 2-5 LBA, bytes 6-9 transfer length, byte 10 Streaming (7).
export function buildRead12(options: Read12Options): ScsiCommand {
  const blocks = checkUint("transfer length", options.blocks, 32);
  const lba = checkUint("LBA", options.lba, 32);
  return makeCommand(OPCODE.READ_12, 12, "in", blocks * (options.blockSize ?? 2048), (cdb) => {
    cdb[1] = options.forceUnitAccess ? 0x08 : 0;
    setUint32(cdb, 2, lba);
    setUint32(cdb, 6, blocks);
    cdb[10] = options.streaming ? 0x80 : 0;
  });
}
