// Sense data (SPC-4 fixed and descriptor formats), the additional sense codes burners meet (SPC-4 and MMC-6 ASC/ASCQ
// assignments), typed errors with text a user can act on, and when the standard expects a command to be retried.
import { getUint16, getUint32, getUint64, setUint32, setUint64 } from "./commands/bytes.js";
import { opcodeName } from "./commands/cdb.js";

export const SENSE_KEY = {
  NO_SENSE: 0x0,
  RECOVERED_ERROR: 0x1,
  NOT_READY: 0x2,
  MEDIUM_ERROR: 0x3,
  HARDWARE_ERROR: 0x4,
  ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6,
  DATA_PROTECT: 0x7,
  BLANK_CHECK: 0x8,
  VENDOR_SPECIFIC: 0x9,
  COPY_ABORTED: 0xa,
  ABORTED_COMMAND: 0xb,
  VOLUME_OVERFLOW: 0xd,
  MISCOMPARE: 0xe,
  COMPLETED: 0xf,
} as const;

const SENSE_KEY_NAMES = [
  "NO SENSE",
  "RECOVERED ERROR",
  "NOT READY",
  "MEDIUM ERROR",
  "HARDWARE ERROR",
  "ILLEGAL REQUEST",
  "UNIT ATTENTION",
  "DATA PROTECT",
  "BLANK CHECK",
  "VENDOR SPECIFIC",
  "COPY ABORTED",
  "ABORTED COMMAND",
  "RESERVED (0xC)",
  "VOLUME OVERFLOW",
  "MISCOMPARE",
  "COMPLETED",
];

/** "NOT READY", "ILLEGAL REQUEST", … (SPC-4 sense key descriptions). */
export function senseKeyName(key: number): string {
  return SENSE_KEY_NAMES[key & 0x0f];
}

/** SAM-5 status codes a transport reports. */
export const SCSI_STATUS = {
  GOOD: 0x00,
  CHECK_CONDITION: 0x02,
  CONDITION_MET: 0x04,
  BUSY: 0x08,
  RESERVATION_CONFLICT: 0x18,
  TASK_SET_FULL: 0x28,
  ACA_ACTIVE: 0x30,
  TASK_ABORTED: 0x40,
} as const;

export function statusName(status: number): string {
  for (const [name, value] of Object.entries(SCSI_STATUS)) if (value === status) return name.replace(/_/g, " ");
  return `status 0x${status.toString(16).padStart(2, "0")}`;
}

/** The sense-key specific field (bytes 15-17 of fixed sense, descriptor type 02h), decoded by sense key. */
export type SenseKeySpecific =
  /** ILLEGAL REQUEST: which byte (and bit) of the CDB or parameter list the drive rejected. */
  | { kind: "field-pointer"; commandData: boolean; fieldPointer: number; bitPointer?: number }
  /** NOT READY or NO SENSE: how far a long operation (format, blank, close) has come, 0 to 1. */
  | { kind: "progress"; progress: number }
  /** RECOVERED / MEDIUM / HARDWARE ERROR: retries the drive made. */
  | { kind: "retry-count"; count: number }
  | { kind: "other"; bytes: [number, number, number] };

export interface SenseData {
  format: "fixed" | "descriptor";
  /** 70h/71h fixed, 72h/73h descriptor. */
  responseCode: number;
  /** 71h/73h: the error belongs to an earlier command, typically a buffered WRITE that failed after GOOD status. */
  deferred: boolean;
  key: number;
  asc: number;
  ascq: number;
  /** The VALID bit: `information` holds what the standard says (for READ/WRITE, the LBA of the failing block). */
  valid: boolean;
  information: number;
  commandSpecific: number;
  /** Incorrect length indicator (fixed format byte 2 bit 5). */
  ili: boolean;
  fieldReplaceableUnit: number;
  senseKeySpecific?: SenseKeySpecific;
  /** Descriptor format: every sense data descriptor as sent (type, then its bytes without the 2-byte header). */
  descriptors: { type: number; data: Uint8Array }[];
}

function decodeSenseKeySpecific(key: number, b0: number, b1: number, b2: number): SenseKeySpecific | undefined {
  if ((b0 & 0x80) === 0) return undefined;
  const value = (b1 << 8) | b2;
  switch (key) {
    case SENSE_KEY.ILLEGAL_REQUEST:
      return {
        kind: "field-pointer",
        commandData: (b0 & 0x40) !== 0,
        fieldPointer: value,
        ...((b0 & 0x08) !== 0 ? { bitPointer: b0 & 0x07 } : {}),
      };
    case SENSE_KEY.NOT_READY:
    case SENSE_KEY.NO_SENSE:
      return { kind: "progress", progress: value / 65536 };
    case SENSE_KEY.RECOVERED_ERROR:
    case SENSE_KEY.MEDIUM_ERROR:
    case SENSE_KEY.HARDWARE_ERROR:
      return { kind: "retry-count", count: value };
    default:
      return { kind: "other", bytes: [b0, b1, b2] };
  }
}

function encodeSenseKeySpecific(s: SenseKeySpecific): [number, number, number] {
  switch (s.kind) {
    case "field-pointer":
      return [
        0x80 | (s.commandData ? 0x40 : 0) | (s.bitPointer !== undefined ? 0x08 | (s.bitPointer & 7) : 0),
        s.fieldPointer >> 8,
        s.fieldPointer & 0xff,
      ];
    case "progress": {
      const v = Math.min(0xffff, Math.max(0, Math.round(s.progress * 65536)));
      return [0x80, v >> 8, v & 0xff];
    }
    case "retry-count":
      return [0x80, s.count >> 8, s.count & 0xff];
    case "other":
      return s.bytes;
  }
}

/**
 * Decodes sense data as REQUEST SENSE or autosense returns it. Fixed format (SPC-4, response codes 70h/71h):
 * byte 0 VALID + response code, byte 2 FILEMARK/EOM/ILI + sense key, 3-6 information, 7 additional length,
 * 8-11 command-specific information, 12 ASC, 13 ASCQ, 14 FRU code, 15-17 sense-key specific.
 * Descriptor format (72h/73h): byte 1 sense key, 2 ASC, 3 ASCQ, 7 additional length, then descriptors
 * (00h information, 01h command-specific, 02h sense-key specific, 0Ah progress indication).
 * Returns undefined when there is no sense data (empty, or a response code outside 70h-73h).
 */
export function decodeSense(data: Uint8Array): SenseData | undefined {
  if (data.length < 1) return undefined;
  const responseCode = data[0] & 0x7f;
  const at = (i: number) => (i < data.length ? data[i] : 0);
  if (responseCode === 0x70 || responseCode === 0x71) {
    const end = Math.min(data.length, 8 + at(7));
    const has = (i: number) => i < end;
    const key = at(2) & 0x0f;
    return {
      format: "fixed",
      responseCode,
      deferred: responseCode === 0x71,
      key,
      asc: has(12) ? data[12] : 0,
      ascq: has(13) ? data[13] : 0,
      valid: (data[0] & 0x80) !== 0,
      information: data.length >= 7 ? getUint32(data, 3) : 0,
      commandSpecific: has(11) ? getUint32(data, 8) : 0,
      ili: (at(2) & 0x20) !== 0,
      fieldReplaceableUnit: has(14) ? data[14] : 0,
      senseKeySpecific: has(17) ? decodeSenseKeySpecific(key, data[15], data[16], data[17]) : undefined,
      descriptors: [],
    };
  }
  if (responseCode === 0x72 || responseCode === 0x73) {
    const key = at(1) & 0x0f;
    const sense: SenseData = {
      format: "descriptor",
      responseCode,
      deferred: responseCode === 0x73,
      key,
      asc: at(2),
      ascq: at(3),
      valid: false,
      information: 0,
      commandSpecific: 0,
      ili: false,
      fieldReplaceableUnit: 0,
      senseKeySpecific: undefined,
      descriptors: [],
    };
    const end = Math.min(data.length, 8 + at(7));
    for (let o = 8; o + 2 <= end; ) {
      const type = data[o];
      const len = data[o + 1];
      const d = data.slice(o + 2, Math.min(end, o + 2 + len));
      sense.descriptors.push({ type, data: d });
      if (type === 0x00 && d.length >= 10) {
        sense.valid = (d[0] & 0x80) !== 0;
        sense.information = getUint64(d, 2);
      } else if (type === 0x01 && d.length >= 10) {
        sense.commandSpecific = getUint64(d, 2);
      } else if (type === 0x02 && d.length >= 5) {
        sense.senseKeySpecific = decodeSenseKeySpecific(key, d[2], d[3], d[4]);
      } else if (type === 0x0a && d.length >= 6 && sense.senseKeySpecific === undefined) {
        sense.senseKeySpecific = { kind: "progress", progress: getUint16(d, 4) / 65536 };
      } else if (type === 0x05 && d.length >= 2) {
        sense.ili = (d[1] & 0x20) !== 0;
      }
      o += 2 + len;
    }
    return sense;
  }
  return undefined;
}

export interface SenseFields {
  key: number;
  asc: number;
  ascq: number;
  deferred?: boolean;
  valid?: boolean;
  information?: number;
  commandSpecific?: number;
  ili?: boolean;
  fieldReplaceableUnit?: number;
  senseKeySpecific?: SenseKeySpecific;
}

/** Fixed-format sense data, 18 bytes (what a software recorder returns). */
export function encodeFixedSense(s: SenseFields): Uint8Array {
  const out = new Uint8Array(18);
  out[0] = (s.valid ? 0x80 : 0) | (s.deferred ? 0x71 : 0x70);
  out[2] = (s.ili ? 0x20 : 0) | (s.key & 0x0f);
  setUint32(out, 3, s.information ?? 0);
  out[7] = 10;
  setUint32(out, 8, s.commandSpecific ?? 0);
  out[12] = s.asc;
  out[13] = s.ascq;
  out[14] = s.fieldReplaceableUnit ?? 0;
  if (s.senseKeySpecific) out.set(encodeSenseKeySpecific(s.senseKeySpecific), 15);
  return out;
}

/** Descriptor-format sense data with information (00h) and sense-key specific (02h) descriptors when present. */
export function encodeDescriptorSense(s: SenseFields): Uint8Array {
  const parts: number[] = [];
  if (s.valid || (s.information ?? 0) !== 0) {
    const d = new Uint8Array(12);
    d[0] = 0x00;
    d[1] = 0x0a;
    d[2] = s.valid ? 0x80 : 0;
    setUint64(d, 4, s.information ?? 0);
    parts.push(...d);
  }
  if ((s.commandSpecific ?? 0) !== 0) {
    const d = new Uint8Array(12);
    d[0] = 0x01;
    d[1] = 0x0a;
    setUint64(d, 4, s.commandSpecific ?? 0);
    parts.push(...d);
  }
  if (s.senseKeySpecific) parts.push(0x02, 0x06, 0, 0, ...encodeSenseKeySpecific(s.senseKeySpecific), 0);
  if (s.ili) parts.push(0x05, 0x02, 0, 0x20);
  const out = new Uint8Array(8 + parts.length);
  out[0] = s.deferred ? 0x73 : 0x72;
  out[1] = s.key & 0x0f;
  out[2] = s.asc;
  out[3] = s.ascq;
  out[7] = parts.length;
  out.set(parts, 8);
  return out;
}

// SPC-4 Annex D ASC/ASCQ assignments (with MMC-6's own), the ones optical drives report.
const ASC_TEXT: ReadonlyMap<number, string> = new Map(
  (
    [
      [0x00, 0x00, "no additional sense information"],
      [0x00, 0x06, "I/O process terminated"],
      [0x00, 0x11, "audio play operation in progress"],
      [0x00, 0x12, "audio play operation paused"],
      [0x00, 0x13, "audio play operation successfully completed"],
      [0x00, 0x14, "audio play operation stopped due to error"],
      [0x00, 0x15, "no current audio status to return"],
      [0x00, 0x16, "operation in progress"],
      [0x00, 0x17, "cleaning requested"],
      [0x01, 0x00, "no index/sector signal"],
      [0x02, 0x00, "no seek complete"],
      [0x03, 0x00, "peripheral device write fault"],
      [0x04, 0x00, "logical unit not ready, cause not reportable"],
      [0x04, 0x01, "logical unit is in process of becoming ready"],
      [0x04, 0x02, "logical unit not ready, initializing command required"],
      [0x04, 0x03, "logical unit not ready, manual intervention required"],
      [0x04, 0x04, "logical unit not ready, format in progress"],
      [0x04, 0x07, "logical unit not ready, operation in progress"],
      [0x04, 0x08, "logical unit not ready, long write in progress"],
      [0x04, 0x09, "logical unit not ready, self-test in progress"],
      [0x05, 0x00, "logical unit does not respond to selection"],
      [0x06, 0x00, "no reference position found"],
      [0x08, 0x00, "logical unit communication failure"],
      [0x08, 0x01, "logical unit communication time-out"],
      [0x08, 0x02, "logical unit communication parity error"],
      [0x08, 0x03, "logical unit communication CRC error (Ultra-DMA/32)"],
      [0x09, 0x00, "track following error"],
      [0x09, 0x01, "tracking servo failure"],
      [0x09, 0x02, "focus servo failure"],
      [0x09, 0x03, "spindle servo failure"],
      [0x09, 0x04, "head select fault"],
      [0x0a, 0x00, "error log overflow"],
      [0x0b, 0x00, "warning"],
      [0x0b, 0x01, "warning - specified temperature exceeded"],
      [0x0b, 0x02, "warning - enclosure degraded"],
      [0x0c, 0x00, "write error"],
      [0x0c, 0x07, "write error - recovery needed"],
      [0x0c, 0x08, "write error - recovery failed"],
      [0x0c, 0x09, "write error - loss of streaming"],
      [0x0c, 0x0a, "write error - padding blocks added"],
      [0x10, 0x00, "ID CRC or ECC error"],
      [0x11, 0x00, "unrecovered read error"],
      [0x11, 0x01, "read retries exhausted"],
      [0x11, 0x02, "error too long to correct"],
      [0x11, 0x05, "L-EC uncorrectable error"],
      [0x11, 0x06, "CIRC unrecovered error"],
      [0x11, 0x0f, "error reading UPC/EAN number"],
      [0x11, 0x10, "error reading ISRC number"],
      [0x11, 0x11, "read error - loss of streaming"],
      [0x14, 0x00, "recorded entity not found"],
      [0x14, 0x01, "record not found"],
      [0x15, 0x00, "random positioning error"],
      [0x15, 0x01, "mechanical positioning error"],
      [0x15, 0x02, "positioning error detected by read of medium"],
      [0x17, 0x00, "recovered data with no error correction applied"],
      [0x17, 0x01, "recovered data with retries"],
      [0x17, 0x02, "recovered data with positive head offset"],
      [0x17, 0x03, "recovered data with negative head offset"],
      [0x17, 0x04, "recovered data with retries and/or CIRC applied"],
      [0x17, 0x05, "recovered data using previous sector ID"],
      [0x17, 0x07, "recovered data without ECC - recommend reassignment"],
      [0x17, 0x08, "recovered data without ECC - recommend rewrite"],
      [0x17, 0x09, "recovered data without ECC - data rewritten"],
      [0x18, 0x00, "recovered data with error correction applied"],
      [0x18, 0x01, "recovered data with error correction and retries applied"],
      [0x18, 0x02, "recovered data - data auto-reallocated"],
      [0x18, 0x03, "recovered data with CIRC"],
      [0x18, 0x04, "recovered data with L-EC"],
      [0x18, 0x05, "recovered data - recommend reassignment"],
      [0x18, 0x06, "recovered data - recommend rewrite"],
      [0x18, 0x08, "recovered data with linking"],
      [0x1a, 0x00, "parameter list length error"],
      [0x1b, 0x00, "synchronous data transfer error"],
      [0x1d, 0x00, "miscompare during verify operation"],
      [0x20, 0x00, "invalid command operation code"],
      [0x21, 0x00, "logical block address out of range"],
      [0x21, 0x01, "invalid element address"],
      [0x21, 0x02, "invalid address for write"],
      [0x21, 0x03, "invalid write crossing layer jump"],
      [0x24, 0x00, "invalid field in CDB"],
      [0x25, 0x00, "logical unit not supported"],
      [0x26, 0x00, "invalid field in parameter list"],
      [0x26, 0x01, "parameter not supported"],
      [0x26, 0x02, "parameter value invalid"],
      [0x26, 0x03, "threshold parameters not supported"],
      [0x27, 0x00, "write protected"],
      [0x27, 0x01, "hardware write protected"],
      [0x27, 0x02, "logical unit software write protected"],
      [0x27, 0x03, "associated write protect"],
      [0x27, 0x04, "persistent write protect"],
      [0x27, 0x05, "permanent write protect"],
      [0x27, 0x06, "conditional write protect"],
      [0x28, 0x00, "not ready to ready change, medium may have changed"],
      [0x28, 0x01, "import or export element accessed"],
      [0x29, 0x00, "power on, reset, or bus device reset occurred"],
      [0x29, 0x01, "power on occurred"],
      [0x29, 0x02, "SCSI bus reset occurred"],
      [0x29, 0x03, "bus device reset function occurred"],
      [0x29, 0x04, "device internal reset"],
      [0x2a, 0x00, "parameters changed"],
      [0x2a, 0x01, "mode parameters changed"],
      [0x2a, 0x02, "log parameters changed"],
      [0x2a, 0x03, "reservations preempted"],
      [0x2c, 0x00, "command sequence error"],
      [0x2c, 0x03, "current program area is not empty"],
      [0x2c, 0x04, "current program area is empty"],
      [0x2e, 0x00, "insufficient time for operation"],
      [0x2f, 0x00, "commands cleared by another initiator"],
      [0x30, 0x00, "incompatible medium installed"],
      [0x30, 0x01, "cannot read medium - unknown format"],
      [0x30, 0x02, "cannot read medium - incompatible format"],
      [0x30, 0x03, "cleaning cartridge installed"],
      [0x30, 0x04, "cannot write medium - unknown format"],
      [0x30, 0x05, "cannot write medium - incompatible format"],
      [0x30, 0x06, "cannot format medium - incompatible medium"],
      [0x30, 0x07, "cleaning failure"],
      [0x30, 0x08, "cannot write - application code mismatch"],
      [0x30, 0x09, "current session not fixated for append"],
      [0x30, 0x10, "medium not formatted"],
      [0x31, 0x00, "medium format corrupted"],
      [0x31, 0x01, "format command failed"],
      [0x31, 0x02, "zoned formatting failed due to spare linking"],
      [0x32, 0x00, "no defect spare location available"],
      [0x34, 0x00, "enclosure failure"],
      [0x35, 0x00, "enclosure services failure"],
      [0x37, 0x00, "rounded parameter"],
      [0x39, 0x00, "saving parameters not supported"],
      [0x3a, 0x00, "medium not present"],
      [0x3a, 0x01, "medium not present - tray closed"],
      [0x3a, 0x02, "medium not present - tray open"],
      [0x3a, 0x03, "medium not present - loadable"],
      [0x3b, 0x0d, "medium destination element full"],
      [0x3b, 0x0e, "medium source element empty"],
      [0x3b, 0x0f, "end of medium reached"],
      [0x3b, 0x11, "medium magazine not accessible"],
      [0x3b, 0x12, "medium magazine removed"],
      [0x3b, 0x13, "medium magazine inserted"],
      [0x3b, 0x14, "medium magazine locked"],
      [0x3b, 0x15, "medium magazine unlocked"],
      [0x3b, 0x16, "mechanical positioning or changer error"],
      [0x3d, 0x00, "invalid bits in identify message"],
      [0x3e, 0x00, "logical unit has not self-configured yet"],
      [0x3e, 0x01, "logical unit failure"],
      [0x3e, 0x02, "timeout on logical unit"],
      [0x3f, 0x00, "target operating conditions have changed"],
      [0x3f, 0x01, "microcode has been changed"],
      [0x3f, 0x02, "changed operating definition"],
      [0x3f, 0x03, "inquiry data has changed"],
      [0x43, 0x00, "message error"],
      [0x44, 0x00, "internal target failure"],
      [0x45, 0x00, "select or reselect failure"],
      [0x46, 0x00, "unsuccessful soft reset"],
      [0x47, 0x00, "SCSI parity error"],
      [0x48, 0x00, "initiator detected error message received"],
      [0x49, 0x00, "invalid message error"],
      [0x4a, 0x00, "command phase error"],
      [0x4b, 0x00, "data phase error"],
      [0x4c, 0x00, "logical unit failed self-configuration"],
      [0x4e, 0x00, "overlapped commands attempted"],
      [0x51, 0x00, "erase failure"],
      [0x51, 0x01, "erase failure - incomplete erase operation detected"],
      [0x53, 0x00, "media load or eject failed"],
      [0x53, 0x02, "medium removal prevented"],
      [0x55, 0x00, "system resource failure"],
      [0x57, 0x00, "unable to recover table-of-contents"],
      [0x5a, 0x00, "operator request or state change input"],
      [0x5a, 0x01, "operator medium removal request"],
      [0x5a, 0x02, "operator selected write protect"],
      [0x5a, 0x03, "operator selected write permit"],
      [0x5b, 0x00, "log exception"],
      [0x5d, 0x00, "failure prediction threshold exceeded"],
      [0x5d, 0x01, "media failure prediction threshold exceeded"],
      [0x5d, 0x02, "logical unit failure prediction threshold exceeded"],
      [0x5d, 0x03, "spare area exhaustion prediction threshold exceeded"],
      [0x5d, 0xff, "failure prediction threshold exceeded (false)"],
      [0x5e, 0x00, "low power condition on"],
      [0x5e, 0x01, "idle condition activated by timer"],
      [0x5e, 0x02, "standby condition activated by timer"],
      [0x5e, 0x03, "idle condition activated by command"],
      [0x5e, 0x04, "standby condition activated by command"],
      [0x63, 0x00, "end of user area encountered on this track"],
      [0x63, 0x01, "packet does not fit in available space"],
      [0x64, 0x00, "illegal mode for this track"],
      [0x64, 0x01, "invalid packet size"],
      [0x65, 0x00, "voltage fault"],
      [0x6f, 0x00, "copy protection key exchange failure - authentication failure"],
      [0x6f, 0x01, "copy protection key exchange failure - key not present"],
      [0x6f, 0x02, "copy protection key exchange failure - key not established"],
      [0x6f, 0x03, "read of scrambled sector without authentication"],
      [0x6f, 0x04, "media region code is mismatched to logical unit region"],
      [0x6f, 0x05, "drive region must be permanent/region reset count error"],
      [0x6f, 0x06, "insufficient block count for binding nonce recording"],
      [0x6f, 0x07, "conflict in binding nonce recording"],
      [0x72, 0x00, "session fixation error"],
      [0x72, 0x01, "session fixation error writing lead-in"],
      [0x72, 0x02, "session fixation error writing lead-out"],
      [0x72, 0x03, "session fixation error - incomplete track in session"],
      [0x72, 0x04, "empty or partially written reserved track"],
      [0x72, 0x05, "no more track reservations allowed"],
      [0x72, 0x06, "RMZ extension is not allowed"],
      [0x72, 0x07, "no more test zone extensions are allowed"],
      [0x73, 0x00, "CD control error"],
      [0x73, 0x01, "power calibration area almost full"],
      [0x73, 0x02, "power calibration area is full"],
      [0x73, 0x03, "power calibration area error"],
      [0x73, 0x04, "program memory area update failure"],
      [0x73, 0x05, "program memory area is full"],
      [0x73, 0x06, "RMA/PMA is almost full"],
      [0x73, 0x10, "current power calibration area almost full"],
      [0x73, 0x11, "current power calibration area is full"],
      [0x73, 0x17, "RDZ is full"],
    ] as const
  ).map(([asc, ascq, text]) => [(asc << 8) | ascq, text]),
);

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, "0");

/** The standard's description of an ASC/ASCQ pair ("medium not present - tray open"). */
export function ascText(asc: number, ascq: number): string {
  const exact = ASC_TEXT.get((asc << 8) | ascq);
  if (exact !== undefined) return exact;
  if (asc === 0x40) return `diagnostic failure on component ${hex2(ascq)}h`;
  if (asc >= 0x80 || ascq >= 0x80) return `vendor specific (ASC ${hex2(asc)}h, ASCQ ${hex2(ascq)}h)`;
  const family = ASC_TEXT.get(asc << 8);
  if (family !== undefined) return `${family} (ASCQ ${hex2(ascq)}h)`;
  return `ASC ${hex2(asc)}h, ASCQ ${hex2(ascq)}h`;
}

// What a user can do about a condition: by exact ASC/ASCQ first, then by ASC alone, then by sense key.
const HINT_EXACT: ReadonlyMap<number, string> = new Map([
  [0x0401, "The drive is spinning up or identifying the disc; wait a moment and try again."],
  [0x0402, "The drive is stopped; it has to be started (START STOP UNIT) before it accepts this command."],
  [0x0403, "The drive needs manual intervention: check the tray and the disc."],
  [0x0404, "The disc is being formatted; wait until formatting has finished."],
  [0x0407, "The drive is still busy with a long operation (closing, blanking or formatting); wait and try again."],
  [0x0408, "The drive is still writing data from its buffer; wait and try again."],
  [
    0x0c09,
    "The data did not arrive fast enough (buffer underrun): burn at a lower speed or enable underrun protection.",
  ],
  [0x2000, "The drive does not support this command."],
  [0x2100, "The address is past the end of the disc or of the recorded area."],
  [
    0x2102,
    "The drive accepts writes only at the next writable address of an open track: read it again and write there.",
  ],
  [
    0x2c00,
    "The drive did not expect this command now (for example data before the track was set up, or a second close).",
  ],
  [0x3000, "The disc in the drive is not one this drive can use."],
  [0x3001, "The drive cannot read this disc: its format is unknown to the drive."],
  [0x3002, "The drive cannot read this disc: its format is not compatible with the drive."],
  [0x3004, "The drive cannot write this disc: its format is unknown to the drive."],
  [
    0x3005,
    "The drive cannot write this disc in this way: the medium is finalised, read-only, or needs another write mode.",
  ],
  [0x3006, "This disc cannot be formatted in this drive."],
  [0x3009, "The last session is not closed, so nothing can be appended: close it first."],
  [0x3010, "The disc is not formatted: format it first."],
  [0x5302, "The tray is locked (medium removal prevented): allow removal first."],
  [0x5700, "The drive cannot read the disc's table of contents: the disc may be damaged or was not closed correctly."],
  [0x6300, "The data does not fit in the track: use a disc with more free space."],
  [0x6301, "The packet does not fit in the space left on the disc."],
  [0x6400, "The write parameters (write type, track mode, data block type) do not suit this track."],
  [0x6401, "The packet size in the write parameters is not valid for this track."],
  [0x7204, "A reserved track was left empty or partly written: fill it before closing the session."],
  [0x7205, "The disc accepts no more track reservations."],
  [0x7301, "The disc's power calibration area is almost full: few more sessions or tracks can be written."],
  [0x7302, "The disc's power calibration area is full: nothing more can be written to this disc."],
  [
    0x7303,
    "Power calibration failed: the disc may be poor or unsuited to this drive; try another disc or a lower speed.",
  ],
  [0x7304, "The drive could not update the disc's program memory area: the disc may be damaged."],
  [0x7305, "The disc's program memory area is full: no more tracks can be added."],
  [0x7306, "The disc's recording management area is almost full: few more tracks or sessions can be added."],
  [0x7310, "The disc's power calibration area is almost full: few more sessions or tracks can be written."],
  [0x7311, "The disc's power calibration area is full: nothing more can be written to this disc."],
]);

const HINT_ASC: ReadonlyMap<number, string> = new Map([
  [0x03, "Writing failed in the drive: try another disc, a lower speed, or another drive."],
  [0x0c, "Writing failed: the disc may be damaged or of poor quality; try another disc or a lower speed."],
  [0x11, "The disc could not be read here: it may be scratched, dirty or badly written."],
  [0x15, "The drive could not position its head on the disc: the disc may be damaged or unsuited to the drive."],
  [0x24, "The drive rejected a field of the command: it may not support this operation for this disc."],
  [0x26, "The drive rejected a parameter: it may not support this setting for this disc."],
  [0x27, "The disc or the drive is write-protected."],
  [0x28, "The disc may have been changed: read its state again before going on."],
  [0x29, "The drive was reset: its settings are back to defaults; read the disc's state again and start over."],
  [0x2a, "The drive's parameters were changed by someone else: read them again."],
  [0x31, "The disc's format is corrupted: blank or reformat it if it is rewritable, or use another disc."],
  [0x3a, "There is no disc in the drive: insert one."],
  [0x44, "The drive reported an internal failure: power-cycle it or use another drive."],
  [0x51, "Erasing failed: the disc may be worn out; try again or use another disc."],
  [0x53, "Loading or ejecting failed: check that nothing blocks the tray."],
  [0x5d, "The drive predicts a failure of itself or of the disc: back up the data and replace the disc or the drive."],
  [0x6f, "The drive refused copy-protected content (authentication or region)."],
  [0x72, "Closing the session failed: the disc may be unusable; verify it, and use another disc if needed."],
  [0x73, "The drive had trouble with the disc's calibration or management areas: try another disc."],
]);

const HINT_KEY: readonly string[] = [
  "",
  "The drive recovered from an error; the command completed.",
  "The drive is not ready: wait and try again.",
  "The disc has an error at this place: try another disc.",
  "The drive reported a hardware failure: power-cycle it or use another drive.",
  "The drive rejected the command or a parameter: it may not support this operation for this disc.",
  "The drive was reset or the disc changed: read the disc's state again and repeat the operation.",
  "The disc or the drive is write-protected.",
  "The area is blank: nothing has been written there.",
  "",
  "",
  "The drive aborted the command: try again.",
  "",
  "The data does not fit on the medium.",
  "The data on the disc differs from what was written.",
  "",
];

/** What a user can do about this sense, in one sentence (empty when there is nothing useful to say). */
export function senseHint(sense: Pick<SenseData, "key" | "asc" | "ascq">): string {
  return HINT_EXACT.get((sense.asc << 8) | sense.ascq) ?? HINT_ASC.get(sense.asc) ?? HINT_KEY[sense.key & 0x0f];
}

/** "NOT READY, medium not present - tray open (2/3A/02)". */
export function describeSense(sense: Pick<SenseData, "key" | "asc" | "ascq">): string {
  const code = `${sense.key.toString(16).toUpperCase()}/${hex2(sense.asc)}/${hex2(sense.ascq)}`;
  return `${senseKeyName(sense.key)}, ${ascText(sense.asc, sense.ascq)} (${code})`;
}

export interface RetryAdvice {
  /** The standard expects the same command to succeed when sent again. */
  retry: boolean;
  /** How long to wait before sending it again. */
  delayMs: number;
  /** Give up when the condition lasts longer than this (0 when `retry` is false). */
  maxWaitMs: number;
  /** UNIT ATTENTION after a medium change or reset: cached profile, next writable address and mode pages are stale. */
  mediumMayHaveChanged: boolean;
  /** The drive is stopped and wants START STOP UNIT (Start=1) before this command. */
  needsStartUnit: boolean;
  /** How far a long operation has come (0 to 1), when the drive reported progress. */
  progress?: number;
  reason: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function advice(
  retry: boolean,
  delayMs: number,
  maxWaitMs: number,
  reason: string,
  extra: Partial<RetryAdvice> = {},
): RetryAdvice {
  return {
    retry,
    delayMs,
    maxWaitMs: retry ? maxWaitMs : 0,
    mediumMayHaveChanged: false,
    needsStartUnit: false,
    reason,
    ...extra,
  };
}

/**
 * Whether to send a failed command again, and for how long. Follows SPC-4/MMC-6: UNIT ATTENTION reports an event
 * once (retry at once, state is stale); NOT READY with "becoming ready", "format/operation in progress" or "long write
 * in progress" clears by itself (poll, bounded by how long such operations take); ABORTED COMMAND may succeed when
 * repeated; BUSY / TASK SET FULL status means "later". Everything else is final. The decision keys on the ASC as
 * well as the sense key: drives (tgt among them) report INVALID FIELD IN CDB with sense key NOT READY.
 */
export function retryAdvice(sense: SenseData | undefined, status: number = SCSI_STATUS.CHECK_CONDITION): RetryAdvice {
  if (status === SCSI_STATUS.BUSY || status === SCSI_STATUS.TASK_SET_FULL) {
    return advice(true, 100, 5 * SECOND, `the drive answered ${statusName(status)}`);
  }
  if (status === SCSI_STATUS.GOOD || status === SCSI_STATUS.CONDITION_MET)
    return advice(false, 0, 0, "the command succeeded");
  if (sense === undefined) return advice(false, 0, 0, `${statusName(status)} without sense data`);
  const progress = sense.senseKeySpecific?.kind === "progress" ? { progress: sense.senseKeySpecific.progress } : {};
  const what = describeSense(sense);
  switch (sense.key) {
    case SENSE_KEY.UNIT_ATTENTION: {
      const changed = sense.asc === 0x28 || sense.asc === 0x29 || sense.asc === 0x2a || sense.asc === 0x3f;
      return advice(true, 0, 5 * SECOND, `${what}: reported once, the command itself was not run`, {
        mediumMayHaveChanged: changed,
      });
    }
    case SENSE_KEY.NOT_READY:
      if (sense.asc === 0x04) {
        switch (sense.ascq) {
          case 0x00:
            return advice(true, 500, 10 * SECOND, what, progress);
          case 0x01:
            return advice(true, 500, 60 * SECOND, what, progress);
          case 0x02:
            return advice(false, 0, 0, what, { needsStartUnit: true });
          case 0x04:
            return advice(true, SECOND, 4 * 60 * MINUTE, what, progress);
          case 0x07:
            return advice(true, SECOND, 2 * 60 * MINUTE, what, progress);
          case 0x08:
            return advice(true, 100, 10 * MINUTE, what, progress);
          case 0x09:
            return advice(true, SECOND, 10 * MINUTE, what, progress);
          default:
            return advice(false, 0, 0, what);
        }
      }
      if (sense.asc === 0x3e && sense.ascq === 0x00) return advice(true, 500, 10 * SECOND, what);
      return advice(false, 0, 0, what);
    case SENSE_KEY.ABORTED_COMMAND:
      return advice(true, 100, SECOND, what);
    case SENSE_KEY.NO_SENSE:
      if (sense.asc === 0x00 && sense.ascq === 0x16) return advice(true, SECOND, 2 * 60 * MINUTE, what, progress);
      return advice(false, 0, 0, what);
    case SENSE_KEY.RECOVERED_ERROR:
      return advice(false, 0, 0, `${what}: the command completed`);
    default:
      return advice(false, 0, 0, what);
  }
}

export interface ScsiErrorInit {
  opcode: number;
  /** The command's name; defaults to the standard's name for the opcode. */
  command?: string;
  status?: number;
  sense?: SenseData;
  /** The drive, as the user knows it ("/dev/sr0"). */
  device?: string;
  /** The block the command addressed, when the sense information field does not say. */
  lba?: number;
  cause?: unknown;
}

/** A command ended with CHECK CONDITION or another non-GOOD status: which command, what the drive said, what to do. */
export class ScsiError extends Error {
  readonly command: string;
  readonly opcode: number;
  readonly status: number;
  readonly sense: SenseData | undefined;
  readonly device: string | undefined;
  readonly advice: RetryAdvice;

  constructor(init: ScsiErrorInit) {
    const command = init.command ?? opcodeName(init.opcode);
    const status = init.status ?? SCSI_STATUS.CHECK_CONDITION;
    super(ScsiError.compose(command, status, init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.command = command;
    this.opcode = init.opcode;
    this.status = status;
    this.sense = init.sense;
    this.device = init.device;
    this.advice = retryAdvice(init.sense, status);
  }

  get senseKey(): number | undefined {
    return this.sense?.key;
  }

  get asc(): number | undefined {
    return this.sense?.asc;
  }

  get ascq(): number | undefined {
    return this.sense?.ascq;
  }

  /** True for this exact condition: `err.is(0x3a)` (any medium-not-present) or `err.is(0x21, 0x02)`. */
  is(asc: number, ascq?: number): boolean {
    return this.sense !== undefined && this.sense.asc === asc && (ascq === undefined || this.sense.ascq === ascq);
  }

  private static compose(command: string, status: number, init: ScsiErrorInit): string {
    const where = init.device ? `${init.device}: ` : "";
    const sense = init.sense;
    if (sense === undefined) {
      const hint =
        status === SCSI_STATUS.BUSY || status === SCSI_STATUS.TASK_SET_FULL
          ? " The drive is busy with other commands; try again."
          : status === SCSI_STATUS.RESERVATION_CONFLICT
            ? " Another program has reserved the drive; close it and try again."
            : "";
      const noSense = status === SCSI_STATUS.CHECK_CONDITION ? " and no sense data" : "";
      return `${where}${command} failed with ${statusName(status)}${noSense}.${hint}`;
    }
    const lba = sense.valid ? sense.information : init.lba;
    const at = lba !== undefined ? ` at LBA ${lba}` : "";
    const deferred = sense.deferred ? " (deferred: reported for an earlier command)" : "";
    const hint = senseHint(sense);
    return `${where}${command} failed${at}: ${describeSense(sense)}${deferred}.${hint ? ` ${hint}` : ""}`;
  }
}
