import { getUint16, getUint32, MalformedResponseError, requireLength, setUint16, setUint32 } from "./bytes.js";
import type { ScsiCommand } from "./cdb.js";
import { buildModeSelect10, encodeModeSelectParameterList, MODE_PAGE } from "./modeParameters.js";

/** Write Type field. */
export const WRITE_TYPE = {
  PACKET_INCREMENTAL: 0,
  TRACK_AT_ONCE: 1,
  SESSION_AT_ONCE: 2,
  RAW: 3,
  LAYER_JUMP: 4,
} as const;

/** Multi-session field: what closing the session leaves possible (CD: the B0 pointer; DVD-R: the border). */
export const MULTISESSION = {
  /** No B0 pointer: no further session allowed. */
  NONE: 0,
  /** B0 pointer FF:FF:FF: no further session allowed. */
  FINAL_B0: 1,
  /** Next session allowed (B0 points at the next program area). */
  OPEN: 3,
} as const;

/** Data Block Type field (block layout and size the host sends). */
export const DATA_BLOCK_TYPE = {
  RAW_2352: 0,
  RAW_PQ_2368: 1,
  RAW_PW_PACKED_2448: 2,
  RAW_PW_RAW_2448: 3,
  MODE_1_2048: 8,
  MODE_2_2336: 9,
  MODE_2_FORM_1_2048: 10,
  MODE_2_FORM_1_SUBHEADER_2056: 11,
  MODE_2_FORM_2_2324: 12,
  MODE_2_MIXED_2332: 13,
} as const;

/** Session Format field (CD). */
export const SESSION_FORMAT = { CD_DA_OR_CD_ROM: 0x00, CD_I: 0x10, CD_ROM_XA: 0x20 } as const;

/** Track Mode values used for data: the CD CONTROL nibble, 5 for DVD-R incremental. */
export const TRACK_MODE = { AUDIO: 0, DATA_UNINTERRUPTED: 4, DATA_INCREMENTAL: 5 } as const;

export interface WriteParameters {
  /** BUFE: buffer underrun free recording. */
  bufferUnderrunFree: boolean;
  /** LS_V: the link size field is valid. */
  linkSizeValid: boolean;
  testWrite: boolean;
  writeType: number;
  multiSession: number;
  /** FP: fixed packets (packet writing). */
  fixedPacket: boolean;
  copy: boolean;
  trackMode: number;
  dataBlockType: number;
  linkSize: number;
  hostApplicationCode: number;
  sessionFormat: number;
  packetSize: number;
  audioPauseLength: number;
  mediaCatalogNumber: Uint8Array;
  isrc: Uint8Array;
  subHeader: Uint8Array;
  /** Bytes after the 52 the standard defines (page length over 32h), kept as sent. */
  vendorSpecific: Uint8Array;
}

/** A data track written track-at-once in Mode 1 with underrun protection: start from this and change what differs. */
export function defaultWriteParameters(overrides: Partial<WriteParameters> = {}): WriteParameters {
  return {
    bufferUnderrunFree: true,
    linkSizeValid: false,
    testWrite: false,
    writeType: WRITE_TYPE.TRACK_AT_ONCE,
    multiSession: MULTISESSION.NONE,
    fixedPacket: false,
    copy: false,
    trackMode: TRACK_MODE.DATA_UNINTERRUPTED,
    dataBlockType: DATA_BLOCK_TYPE.MODE_1_2048,
    linkSize: 0,
    hostApplicationCode: 0,
    sessionFormat: SESSION_FORMAT.CD_DA_OR_CD_ROM,
    packetSize: 0,
    audioPauseLength: 150,
    mediaCatalogNumber: new Uint8Array(16),
    isrc: new Uint8Array(16),
    subHeader: new Uint8Array(4),
    vendorSpecific: new Uint8Array(0),
    ...overrides,
  };
}

// MMC-6 Write Parameters mode page (05h): byte 1 page length 32h, byte 2 BUFE (6) LS_V (5) Test Write (4) write
// type (3-0), byte 3 multi-session (7-6) FP (5) Copy (4) track mode (3-0), byte 4 data block type (3-0), 5 link
// size, 7 host application code (5-0), 8 session format, 10-13 packet size, 14-15 audio pause length,
// 16-31 media catalog number, 32-47 ISRC, 48-51 sub-header.
export function encodeWriteParametersPage(w: WriteParameters): Uint8Array {
  const out = new Uint8Array(52 + w.vendorSpecific.length);
  out[0] = MODE_PAGE.WRITE_PARAMETERS;
  out[1] = out.length - 2;
  out[2] =
    (w.bufferUnderrunFree ? 0x40 : 0) | (w.linkSizeValid ? 0x20 : 0) | (w.testWrite ? 0x10 : 0) | (w.writeType & 0x0f);
  out[3] = ((w.multiSession & 3) << 6) | (w.fixedPacket ? 0x20 : 0) | (w.copy ? 0x10 : 0) | (w.trackMode & 0x0f);
  out[4] = w.dataBlockType & 0x0f;
  out[5] = w.linkSize & 0xff;
  out[7] = w.hostApplicationCode & 0x3f;
  out[8] = w.sessionFormat & 0xff;
  setUint32(out, 10, w.packetSize);
  setUint16(out, 14, w.audioPauseLength);
  out.set(w.mediaCatalogNumber.subarray(0, 16), 16);
  out.set(w.isrc.subarray(0, 16), 32);
  out.set(w.subHeader.subarray(0, 4), 48);
  out.set(w.vendorSpecific, 52);
  return out;
}

/** Decodes page 05h from its bytes (a ModePage's `bytes`, header included). */
export function parseWriteParametersPage(page: Uint8Array): WriteParameters {
  requireLength("MODE SENSE(10) page 05h", page, 2, "the page header");
  if ((page[0] & 0x3f) !== MODE_PAGE.WRITE_PARAMETERS) {
    throw new MalformedResponseError("MODE SENSE(10)", `page 0x${(page[0] & 0x3f).toString(16)} is not page 05h`);
  }
  requireLength("MODE SENSE(10) page 05h", page, 16, "the write parameters up to the audio pause length");
  const field = (offset: number, length: number) => {
    const out = new Uint8Array(length);
    out.set(page.subarray(offset, Math.min(page.length, offset + length)));
    return out;
  };
  return {
    bufferUnderrunFree: (page[2] & 0x40) !== 0,
    linkSizeValid: (page[2] & 0x20) !== 0,
    testWrite: (page[2] & 0x10) !== 0,
    writeType: page[2] & 0x0f,
    multiSession: page[3] >> 6,
    fixedPacket: (page[3] & 0x20) !== 0,
    copy: (page[3] & 0x10) !== 0,
    trackMode: page[3] & 0x0f,
    dataBlockType: page[4] & 0x0f,
    linkSize: page[5],
    hostApplicationCode: page[7] & 0x3f,
    sessionFormat: page[8],
    packetSize: getUint32(page, 10),
    audioPauseLength: getUint16(page, 14),
    mediaCatalogNumber: field(16, 16),
    isrc: field(32, 16),
    subHeader: field(48, 4),
    vendorSpecific: page.slice(Math.min(page.length, 52), page[1] + 2),
  };
}

/** MODE SELECT(10) carrying one Write Parameters page (PF=1, SP=0). */
export function buildModeSelectWriteParameters(w: WriteParameters): ScsiCommand {
  return buildModeSelect10(encodeModeSelectParameterList([encodeWriteParametersPage(w)]));
}
