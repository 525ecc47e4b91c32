import { checkUint, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

export interface WriteOptions {
  lba: number;
  blocks: number;
  /** Bytes per block: 2048 for data (Mode 1 / DVD / BD), what the data block type says on CD. */
  blockSize?: number;
  /** FUA: the drive writes to the medium before returning GOOD. */
  forceUnitAccess?: boolean;
}

export interface Write12Options extends WriteOptions {
  /** Streaming bit: write at a constant rate without defect management (BD-RE/DVD-RAM real-time recording). */
  streaming?: boolean;
}

// SBC-3/MMC-6 WRITE(10) (2Ah): byte 1 FUA (3), bytes 2-5 LBA, bytes 7-8 transfer length in blocks; data goes out.
// The caller supplies the `blocks * blockSize` bytes to the transport.
export function buildWrite10(options: WriteOptions): ScsiCommand {
  const blocks = checkUint("transfer length", options.blocks, 16);
  const lba = checkUint("LBA", options.lba, 32);
  return makeCommand(OPCODE.WRITE_10, 10, "out", blocks * (options.blockSize ?? 2048), (cdb) => {
    cdb[1] = options.forceUnitAccess ? 0x08 : 0;
    setUint32(cdb, 2, lba);
    setUint16(cdb, 7, blocks);
  });
}

// SBC-3/MMC-6 WRITE(12) (AAh): byte 1 FUA (3), bytes 2-5 LBA, bytes 6-9 transfer length, byte 10 Streaming (7).
export function buildWrite12(options: Write12Options): ScsiCommand {
  const blocks = checkUint("transfer length", options.blocks, 32);
  const lba = checkUint("LBA", options.lba, 32);
  return makeCommand(OPCODE.WRITE_12, 12, "out", blocks * (options.blockSize ?? 2048), (cdb) => {
    cdb[1] = options.forceUnitAccess ? 0x08 : 0;
    setUint32(cdb, 2, lba);
    setUint32(cdb, 6, blocks);
    cdb[10] = options.streaming ? 0x80 : 0;
  });
}
