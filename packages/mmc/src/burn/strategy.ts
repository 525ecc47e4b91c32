// How each kind of medium is written (MMC-6 4.x per profile): what is set before the first WRITE, where writing
// may start, and how the track and session are closed afterwards.
import { CLOSE_FUNCTION } from "../commands/closeTrackSession.js";
import { FEATURE, type Feature } from "../commands/features.js";
import { PROFILE } from "../commands/profiles.js";
import { type CueSheetEntry, dataTrackCueSheet } from "../commands/sendCueSheet.js";
import {
  DATA_BLOCK_TYPE,
  defaultWriteParameters,
  MULTISESSION,
  SESSION_FORMAT,
  TRACK_MODE,
  WRITE_TYPE,
  type WriteParameters,
} from "../commands/writeParametersPage.js";

export type WriteStrategyKind = "cd-tao" | "cd-sao" | "dvd-r-incremental" | "dvd+r" | "bd-r" | "overwrite";

export interface WriteStrategy {
  kind: WriteStrategyKind;
  /** For messages: "CD Track At Once, mode 1". */
  description: string;
  /** Write-once: only at the next writable address, closed with CLOSE TRACK/SESSION. */
  sequential: boolean;
  /** The write parameters mode page (05h) to select before writing, when the medium uses it (CD, DVD-R). */
  writeParameters(options: { multisession: boolean; underrunFree: boolean }): WriteParameters | null;
  /** CLOSE TRACK/SESSION functions to send after the data, in order (track closes name the track). */
  closing(options: { finalize: boolean }): Array<{ closeFunction: number; track: boolean; what: string }>;
  /** Whether the medium must be formatted before it takes data (blank DVD+RW, BD-RE). */
  formattable: boolean;
  /** A track shorter than this is padded with zero blocks (CD: the Red/Orange Book minimum of 4 s = 300 blocks). */
  minimumTrackBlocks: number;
  /** Session At Once: the cue sheet to send (SEND CUE SHEET) before the first WRITE, for a track of `blocks` blocks
   * (padding included) whose data starts at `start`. */
  cueSheet?(track: { start: number; blocks: number; trackNumber: number }): CueSheetEntry[];
  /** Zero blocks the host writes before the session's first block (the SAO pregap; 0 when the drive writes it). */
  pregapBlocks: number;
  /** The drive closes the track and the session by itself once it has the last block (SAO): `closing` is empty,
   * and a session left open by an interruption is closed as in TAO (CLOSE TRACK, CLOSE SESSION). */
  closesItself: boolean;
}

const closeTrack = { closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: true, what: "close track" };
const closeSession = { closeFunction: CLOSE_FUNCTION.CLOSE_SESSION, track: false, what: "close session" };

/** Page 05h for a CD data track (track mode 4, mode 1 blocks, CD-ROM session) written TAO or SAO. */
function cdWriteParameters(writeType: number): WriteStrategy["writeParameters"] {
  return ({ multisession, underrunFree }) =>
    defaultWriteParameters({
      writeType,
      trackMode: TRACK_MODE.DATA_UNINTERRUPTED,
      dataBlockType: DATA_BLOCK_TYPE.MODE_1_2048,
      sessionFormat: SESSION_FORMAT.CD_DA_OR_CD_ROM,
      multiSession: multisession ? MULTISESSION.OPEN : MULTISESSION.NONE,
      bufferUnderrunFree: underrunFree,
    });
}

// MMC-6 7.5.4: CD TAO data track (track mode 4, mode 1 blocks); the Multi-session field of the page decides
// whether CLOSE SESSION leaves the disc open for another session (11b) or finalises it (00b).
const CD_TAO: WriteStrategy = {
  kind: "cd-tao",
  description: "CD Track At Once, mode 1 data track",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 300,
  pregapBlocks: 0,
  closesItself: false,
  writeParameters: cdWriteParameters(WRITE_TYPE.TRACK_AT_ONCE),
  closing: () => [closeTrack, closeSession],
};

// MMC-6 4.2.3.5 / SEND CUE SHEET: CD Session At Once, for drives without Track At Once. Page 05h write type 2 (SAO);
// track mode 4 and data block type 8 describe the Mode 1 track (the cue sheet is what the drive goes by). The cue
// sheet announces lead-in, pregap, track and lead-out; the host writes from the pregap (its DATA FORM 10h: host
// data) through the last block, flushes, and the drive writes lead-in and lead-out itself: no CLOSE TRACK/SESSION
// (libburn's SAO cookbook, after mmc5r03c 6.33; cdrecord -sao sends none either). Multi-session 11b leaves the
// disc appendable, 00b finalises it, as with TAO.
const CD_SAO: WriteStrategy = {
  kind: "cd-sao",
  description: "CD Session At Once, mode 1 data track",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 300,
  pregapBlocks: 150,
  closesItself: true,
  writeParameters: cdWriteParameters(WRITE_TYPE.SESSION_AT_ONCE),
  cueSheet: ({ start, blocks, trackNumber }) => dataTrackCueSheet({ startLba: start, blocks, trackNumber }),
  closing: () => [],
};

// MMC-6 4.5.3: DVD-R/-RW sequential recording, incremental write type; closing as for CD.
const DVD_R: WriteStrategy = {
  kind: "dvd-r-incremental",
  description: "DVD-R incremental sequential recording",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 0,
  pregapBlocks: 0,
  closesItself: false,
  writeParameters: ({ multisession, underrunFree }) =>
    defaultWriteParameters({
      writeType: WRITE_TYPE.PACKET_INCREMENTAL,
      trackMode: TRACK_MODE.DATA_INCREMENTAL,
      dataBlockType: DATA_BLOCK_TYPE.MODE_1_2048,
      multiSession: multisession ? MULTISESSION.OPEN : MULTISESSION.NONE,
      bufferUnderrunFree: underrunFree,
    }),
  closing: () => [closeTrack, closeSession],
};

// MMC-6 4.5.5 / 6.3.2.2: DVD+R ignores page 05h; CLOSE SESSION (010b) leaves it appendable, 101b finalises it
// compatibly (30 mm lead-out) for DVD-ROM readers.
const DVD_PLUS_R: WriteStrategy = {
  kind: "dvd+r",
  description: "DVD+R sequential recording",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 0,
  pregapBlocks: 0,
  closesItself: false,
  writeParameters: () => null,
  closing: ({ finalize }) =>
    finalize
      ? [
          closeTrack,
          {
            closeFunction: CLOSE_FUNCTION.FINALIZE_DVD_PLUS_R_COMPATIBLE,
            track: false,
            what: "finalise disc",
          },
        ]
      : [closeTrack, closeSession],
};

// MMC-6 4.5.7 / 6.3.2.2: BD-R in sequential recording mode: 010b closes the session, 110b finalises.
const BD_R: WriteStrategy = {
  kind: "bd-r",
  description: "BD-R sequential recording",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 0,
  pregapBlocks: 0,
  closesItself: false,
  writeParameters: () => null,
  closing: ({ finalize }) =>
    finalize
      ? [closeTrack, { closeFunction: CLOSE_FUNCTION.FINALIZE, track: false, what: "finalise disc" }]
      : [closeTrack, closeSession],
};

// Random-writable media: blocks are written in place; a session is an extent after the previous one, and the head
// at 16 is rewritten last (as growisofs grows DVD+RW). Nothing to close.
const OVERWRITE: WriteStrategy = {
  kind: "overwrite",
  description: "random-access overwrite",
  sequential: false,
  formattable: true,
  minimumTrackBlocks: 0,
  pregapBlocks: 0,
  closesItself: false,
  writeParameters: () => null,
  closing: () => [],
};

/**
 * Whether a CD is written Session At Once: the drive's configuration (GET CONFIGURATION) has no current CD Track
 * at Once feature (002Dh) but a current CD Mastering feature (002Eh) with its SAO bit (MMC-6 features). A drive that
 * offers TAO keeps TAO.
 */
export function usesSessionAtOnce(features: readonly Feature[]): boolean {
  if (features.some((f) => f.code === FEATURE.CD_TRACK_AT_ONCE && f.current)) return false;
  return features.some((f) => f.kind === "cd-mastering" && f.current && f.sessionAtOnce);
}

/** The strategy for a medium profile, or null when discburn does not write it. For CD, the drive's features decide
 * between Track At Once (the default, and without `features`) and Session At Once (`usesSessionAtOnce`). */
export function strategyFor(profile: number, features?: readonly Feature[]): WriteStrategy | null {
  switch (profile) {
    case PROFILE.CD_R:
    case PROFILE.CD_RW:
      return features && usesSessionAtOnce(features) ? CD_SAO : CD_TAO;
    case PROFILE.DVD_R_SEQUENTIAL:
    case PROFILE.DVD_RW_SEQUENTIAL:
    case PROFILE.DVD_R_DL_SEQUENTIAL:
      return DVD_R;
    case PROFILE.DVD_PLUS_R:
    case PROFILE.DVD_PLUS_R_DL:
      return DVD_PLUS_R;
    case PROFILE.BD_R_SRM:
      return BD_R;
    case PROFILE.DVD_PLUS_RW:
    case PROFILE.DVD_PLUS_RW_DL:
    case PROFILE.DVD_RW_RESTRICTED_OVERWRITE:
    case PROFILE.DVD_RAM:
    case PROFILE.BD_RE:
      return OVERWRITE;
    default:
      return null;
  }
}
