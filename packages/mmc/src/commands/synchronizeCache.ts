import { checkUint, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

export interface SynchronizeCacheOptions {
  /** IMMED: return at once and flush in the background (poll with TEST UNIT READY; 2/04/07 or 2/04/08 meanwhile). */
  immediate?: boolean;
  /** First block to flush; 0 with `blocks` 0 means the whole cache (what burners send). */
  lba?: number;
  blocks?: number;
}

// SBC-3 SYNCHRONIZE CACHE(10) (35h): byte 1 IMMED (1), bytes 2-5 LBA, bytes 7-8 number of blocks.
export function buildSynchronizeCache10(options: SynchronizeCacheOptions = {}): ScsiCommand {
  const lba = checkUint("LBA", options.lba ?? 0, 32);
  const blocks = checkUint("number of blocks", options.blocks ?? 0, 16);
  return makeCommand(OPCODE.SYNCHRONIZE_CACHE_10, 10, "none", 0, (cdb) => {
    cdb[1] = options.immediate ? 0x02 : 0;
    setUint32(cdb, 2, lba);
    setUint16(cdb, 7, blocks);
  });
}
