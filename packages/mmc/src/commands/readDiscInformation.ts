import { checkUint, getUint16, getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Disc Status field. */
export const DISC_STATUS = { EMPTY: 0, INCOMPLETE: 1, COMPLETE: 2, OTHERS: 3 } as const;
/** State of Last Session field. */
export const SESSION_STATE = { EMPTY: 0, INCOMPLETE: 1, RESERVED_DAMAGED: 2, COMPLETE: 3 } as const;
/** Background format status (byte 7 bits 1-0). */
export const BACKGROUND_FORMAT = { NONE: 0, STARTED: 1, IN_PROGRESS: 2, COMPLETED: 3 } as const;
/** Disc Type field (CD only). */
export const DISC_TYPE = { CD_DA_OR_CD_ROM: 0x00, CD_I: 0x10, CD_ROM_XA: 0x20, UNDEFINED: 0xff } as const;

const DISC_STATUS_NAMES = ["blank", "appendable", "complete", "random access"] as const;
export type DiscStatusName = (typeof DISC_STATUS_NAMES)[number];

export interface ReadDiscInformationOptions {
  /** Data Type: 000b standard disc information (the default), 001b track resources, 010b POW resources. */
  dataType?: number;
  /** 34 bytes cover the standard information without OPC tables. */
  allocationLength?: number;
}

// MMC-6 READ DISC INFORMATION (51h): byte 1 bits 2-0 data type, bytes 7-8 allocation length.
export function buildReadDiscInformation(options: ReadDiscInformationOptions = {}): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength ?? 34, 16);
  return makeCommand(OPCODE.READ_DISC_INFORMATION, 10, "in", length, (cdb) => {
    cdb[1] = checkUint("data type", options.dataType ?? 0, 3);
    setUint16(cdb, 7, length);
  });
}

export interface DiscInformation {
  dataLength: number;
  /** DISC_STATUS: 0 empty, 1 incomplete (appendable), 2 complete, 3 others (random-access media). */
  discStatus: number;
  discStatusName: DiscStatusName;
  /** SESSION_STATE of the last session. */
  lastSessionState: number;
  erasable: boolean;
  firstTrackOnDisc: number;
  numberOfSessions: number;
  firstTrackInLastSession: number;
  lastTrackInLastSession: number;
  discIdValid: boolean;
  barCodeValid: boolean;
  applicationCodeValid: boolean;
  unrestrictedUse: boolean;
  /** Dirty bit (MRW / DVD+RW): the disc's file system may be inconsistent. */
  dirty: boolean;
  backgroundFormatStatus: number;
  /** DISC_TYPE (meaningful on CD). */
  discType: number;
  discIdentification: number;
  /** Raw field: an MSF address on CD (byte 17 M, 18 S, 19 F), an LBA otherwise. */
  lastSessionLeadInStart: number;
  /** Raw field: an MSF address on CD, an LBA otherwise; for an appendable DVD/BD the capacity limit. */
  lastPossibleLeadOutStart: number;
  discBarCode: Uint8Array;
  discApplicationCode: number;
  opcTables: { speed: number; values: Uint8Array }[];
}

// MMC-6 Disc Information Block (data type 000b): bytes 0-1 length, byte 2 erasable (4) last session state (3-2)
// disc status (1-0), 3 first track, 4/9 sessions LSB/MSB, 5/10 first track in last session, 6/11 last track in last
// session, 7 DID_V DBC_V URU DAC_V Dbit BG format, 8 disc type, 12-15 disc id, 16-19 last session lead-in start,
// 20-23 last possible lead-out start, 24-31 bar code, 32 application code, 33 number of OPC tables (8 bytes each).
export function parseDiscInformation(data: Uint8Array): DiscInformation {
  requireLength("READ DISC INFORMATION", data, 8, "the disc status and track numbers");
  const dataLength = getUint16(data, 0);
  const at = (i: number) => (i < data.length ? data[i] : 0);
  const u32 = (i: number) => (i + 4 <= data.length ? getUint32(data, i) : 0);
  const opcTables: { speed: number; values: Uint8Array }[] = [];
  const end = Math.min(data.length, dataLength + 2);
  for (let i = 0, o = 34; i < at(33) && o + 8 <= end; i++, o += 8) {
    opcTables.push({ speed: getUint16(data, o), values: data.slice(o + 2, o + 8) });
  }
  const discStatus = data[2] & 0x03;
  return {
    dataLength,
    discStatus,
    discStatusName: DISC_STATUS_NAMES[discStatus],
    lastSessionState: (data[2] >> 2) & 0x03,
    erasable: (data[2] & 0x10) !== 0,
    firstTrackOnDisc: data[3],
    numberOfSessions: (at(9) << 8) | data[4],
    firstTrackInLastSession: (at(10) << 8) | data[5],
    lastTrackInLastSession: (at(11) << 8) | data[6],
    discIdValid: (data[7] & 0x80) !== 0,
    barCodeValid: (data[7] & 0x40) !== 0,
    unrestrictedUse: (data[7] & 0x20) !== 0,
    applicationCodeValid: (data[7] & 0x10) !== 0,
    dirty: (data[7] & 0x04) !== 0,
    backgroundFormatStatus: data[7] & 0x03,
    discType: at(8),
    discIdentification: u32(12),
    lastSessionLeadInStart: u32(16),
    lastPossibleLeadOutStart: u32(20),
    discBarCode: data.slice(Math.min(24, data.length), Math.min(32, data.length)),
    discApplicationCode: at(32),
    opcTables,
  };
}

export type DiscInformationFields = Omit<DiscInformation, "dataLength" | "discStatusName">;

/** The Disc Information Block for these fields (what a software recorder answers). */
export function encodeDiscInformation(d: DiscInformationFields): Uint8Array {
  const out = new Uint8Array(34 + 8 * d.opcTables.length);
  setUint16(out, 0, out.length - 2);
  out[2] = (d.erasable ? 0x10 : 0) | ((d.lastSessionState & 3) << 2) | (d.discStatus & 3);
  out[3] = d.firstTrackOnDisc;
  out[4] = d.numberOfSessions & 0xff;
  out[5] = d.firstTrackInLastSession & 0xff;
  out[6] = d.lastTrackInLastSession & 0xff;
  out[7] =
    (d.discIdValid ? 0x80 : 0) |
    (d.barCodeValid ? 0x40 : 0) |
    (d.unrestrictedUse ? 0x20 : 0) |
    (d.applicationCodeValid ? 0x10 : 0) |
    (d.dirty ? 0x04 : 0) |
    (d.backgroundFormatStatus & 3);
  out[8] = d.discType;
  out[9] = d.numberOfSessions >> 8;
  out[10] = d.firstTrackInLastSession >> 8;
  out[11] = d.lastTrackInLastSession >> 8;
  setUint32(out, 12, d.discIdentification);
  setUint32(out, 16, d.lastSessionLeadInStart);
  setUint32(out, 20, d.lastPossibleLeadOutStart);
  out.set(d.discBarCode.subarray(0, 8), 24);
  out[32] = d.discApplicationCode;
  out[33] = d.opcTables.length;
  d.opcTables.forEach((t, i) => {
    setUint16(out, 34 + i * 8, t.speed);
    out.set(t.values.subarray(0, 6), 36 + i * 8);
  });
  return out;
}
