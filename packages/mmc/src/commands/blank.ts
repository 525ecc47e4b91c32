import { checkUint, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Blanking Type field (CD-RW, DVD-RW). */
export const BLANKING_TYPE = {
  /** The whole disc (slow: every block is erased). */
  DISC: 0,
  /** Minimal: PMA, TOC and the first track's pregap (quick). */
  MINIMAL: 1,
  TRACK: 2,
  UNRESERVE_TRACK: 3,
  TRACK_TAIL: 4,
  UNCLOSE_LAST_SESSION: 5,
  LAST_SESSION: 6,
} as const;

export interface BlankOptions {
  blankingType: number;
  /** IMMED: return at once and blank in the background (poll with TEST UNIT READY / REQUEST SENSE progress). */
  immediate?: boolean;
  /** Start address (track tail) or track number (blank/unreserve track). */
  address?: number;
}

// MMC-6 BLANK (A1h): byte 1 IMMED (4) blanking type (2-0), bytes 2-5 start address / logical track number.
export function buildBlank(options: BlankOptions): ScsiCommand {
  const address = checkUint("start address / track number", options.address ?? 0, 32);
  return makeCommand(OPCODE.BLANK, 12, "none", 0, (cdb) => {
    cdb[1] = (options.immediate ? 0x10 : 0) | checkUint("blanking type", options.blankingType, 3);
    setUint32(cdb, 2, address);
  });
}
