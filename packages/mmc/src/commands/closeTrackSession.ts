import { checkUint, setUint16 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Close Function field: what CLOSE TRACK/SESSION does; the meaning depends on the medium. */
export const CLOSE_FUNCTION = {
  /** DVD+RW: quick stop of background formatting. */
  STOP_BG_FORMAT_QUICK: 0,
  /** Close the logical track (CD-R/RW, DVD-R/RW, DVD+R, BD-R). */
  CLOSE_TRACK: 1,
  /** Close the session (CD/DVD-R: the disc is finalised unless multi-session was asked); DVD+RW: stop background
   * formatting with a compatible lead-out. */
  CLOSE_SESSION: 2,
  /** DVD+RW: stop background formatting (compatible); DVD-RW: finalise. */
  FINALIZE_DVD_MINUS_RW: 3,
  /** DVD+R DL: close the session with an extended lead-out. */
  CLOSE_SESSION_EXTENDED_LEADOUT: 4,
  /** DVD+R (DL): close the session and finalise with a 30 mm radius (compatible with DVD-ROM readers). */
  FINALIZE_DVD_PLUS_R_COMPATIBLE: 5,
  /** DVD+R (DL), HD DVD-R, BD-R: close the session and finalise with the minimal radius. */
  FINALIZE: 6,
} as const;

export interface CloseTrackSessionOptions {
  closeFunction: number;
  /** Track to close (close function 1); 0 elsewhere. */
  track?: number;
  /** IMMED: return at once; the close goes on in the background (poll TEST UNIT READY, 2/04/07 meanwhile). */
  immediate?: boolean;
}

// MMC-6 CLOSE TRACK/SESSION (5Bh): byte 1 IMMED (0), byte 2 close function (2-0), bytes 4-5 logical track number.
export function buildCloseTrackSession(options: CloseTrackSessionOptions): ScsiCommand {
  const track = checkUint("track number", options.track ?? 0, 16);
  return makeCommand(OPCODE.CLOSE_TRACK_SESSION, 10, "none", 0, (cdb) => {
    cdb[1] = options.immediate ? 0x01 : 0;
    cdb[2] = checkUint("close function", options.closeFunction, 3);
    setUint16(cdb, 4, track);
  });
}
