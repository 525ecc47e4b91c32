import { checkUint, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

export type ReserveTrackOptions =
  /** Reserve a track of this many blocks at the next writable address (ARSV 0). */
  | { size: number }
  /** Reserve a track starting at this LBA (ARSV 1, BD-R/DVD-R with address reservation). */
  | { lba: number };

// MMC-6 RESERVE TRACK (53h): byte 1 ARSV (0); ARSV 0: bytes 5-8 reservation size in blocks; ARSV 1: bytes 5-8
// reservation logical block address.
export function buildReserveTrack(options: ReserveTrackOptions): ScsiCommand {
  const byAddress = "lba" in options;
  const value = checkUint(
    byAddress ? "reservation LBA" : "reservation size",
    byAddress ? options.lba : options.size,
    32,
  );
  return makeCommand(OPCODE.RESERVE_TRACK, 10, "none", 0, (cdb) => {
    cdb[1] = byAddress ? 0x01 : 0;
    setUint32(cdb, 5, value);
  });
}
