// How each kind of medium is written (MMC-6 4.x per profile): what is set before the first WRITE, where writing
// may start, and how the track and session are closed afterwards.
import { CLOSE_FUNCTION } from "../commands/closeTrackSession.js";
import { PROFILE } from "../commands/profiles.js";
import {
  DATA_BLOCK_TYPE,
  defaultWriteParameters,
  MULTISESSION,
  SESSION_FORMAT,
  TRACK_MODE,
  WRITE_TYPE,
  type WriteParameters,
} from "../commands/writeParametersPage.js";

export type WriteStrategyKind = "cd-tao" | "dvd-r-incremental" | "dvd+r" | "bd-r" | "overwrite";

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
}

const closeTrack = { closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: true, what: "close track" };
const closeSession = { closeFunction: CLOSE_FUNCTION.CLOSE_SESSION, track: false, what: "close session" };

// MMC-6 7.5.4: CD TAO data track (track mode 4, mode 1 blocks); the Multi-session field of the page decides
// whether CLOSE SESSION leaves the disc open for another session (11b) or finalises it (00b).
const CD_TAO: WriteStrategy = {
  kind: "cd-tao",
  description: "CD Track At Once, mode 1 data track",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 300,
  writeParameters: ({ multisession, underrunFree }) =>
    defaultWriteParameters({
      writeType: WRITE_TYPE.TRACK_AT_ONCE,
      trackMode: TRACK_MODE.DATA_UNINTERRUPTED,
      dataBlockType: DATA_BLOCK_TYPE.MODE_1_2048,
      sessionFormat: SESSION_FORMAT.CD_DA_OR_CD_ROM,
      multiSession: multisession ? MULTISESSION.OPEN : MULTISESSION.NONE,
      bufferUnderrunFree: underrunFree,
    }),
  closing: () => [closeTrack, closeSession],
};

// MMC-6 4.5.3: DVD-R/-RW sequential recording, incremental write type; closing as for CD.
const DVD_R: WriteStrategy = {
  kind: "dvd-r-incremental",
  description: "DVD-R incremental sequential recording",
  sequential: true,
  formattable: false,
  minimumTrackBlocks: 0,
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
  writeParameters: () => null,
  closing: () => [],
};

/** The strategy for a medium profile, or null when discburn does not write it. */
export function strategyFor(profile: number): WriteStrategy | null {
  switch (profile) {
    case PROFILE.CD_R:
    case PROFILE.CD_RW:
      return CD_TAO;
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
