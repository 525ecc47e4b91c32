// Command descriptor blocks: the operation codes MMC-6 and SPC-4 define for optical drives, and the shape every
// builder returns (CDB, data direction, transfer length).

/** Which way data moves in the data phase (SAM-5 Data-In from the drive, Data-Out to it). */
export type DataDirection = "none" | "in" | "out";

/** A ready-to-send command: what a transport needs, nothing about how it gets there. */
export interface ScsiCommand {
  /** The command's name in the standard, e.g. "READ(10)". */
  readonly name: string;
  readonly opcode: number;
  readonly cdb: Uint8Array;
  readonly direction: DataDirection;
  /** Bytes the drive should send ("in") or receive ("out"); 0 when direction is "none". */
  readonly transferLength: number;
  /** The parameter list to send, for "out" commands whose data this layer builds (MODE SELECT, SET STREAMING …). */
  readonly data?: Uint8Array;
}

// Operation codes of the MMC-6, SPC-4 and SBC-3 commands a host sends to a multimedia device.
export const OPCODE = {
  TEST_UNIT_READY: 0x00,
  REZERO_UNIT: 0x01,
  REQUEST_SENSE: 0x03,
  FORMAT_UNIT: 0x04,
  INQUIRY: 0x12,
  MODE_SELECT_6: 0x15,
  MODE_SENSE_6: 0x1a,
  START_STOP_UNIT: 0x1b,
  PREVENT_ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_FORMAT_CAPACITIES: 0x23,
  READ_CAPACITY_10: 0x25,
  READ_10: 0x28,
  WRITE_10: 0x2a,
  SEEK_10: 0x2b,
  WRITE_AND_VERIFY_10: 0x2e,
  VERIFY_10: 0x2f,
  SYNCHRONIZE_CACHE_10: 0x35,
  WRITE_BUFFER: 0x3b,
  READ_BUFFER: 0x3c,
  READ_SUB_CHANNEL: 0x42,
  READ_TOC_PMA_ATIP: 0x43,
  GET_CONFIGURATION: 0x46,
  PLAY_AUDIO_MSF: 0x47,
  GET_EVENT_STATUS_NOTIFICATION: 0x4a,
  PAUSE_RESUME: 0x4b,
  LOG_SENSE: 0x4d,
  READ_DISC_INFORMATION: 0x51,
  READ_TRACK_INFORMATION: 0x52,
  RESERVE_TRACK: 0x53,
  SEND_OPC_INFORMATION: 0x54,
  MODE_SELECT_10: 0x55,
  REPAIR_TRACK: 0x58,
  MODE_SENSE_10: 0x5a,
  CLOSE_TRACK_SESSION: 0x5b,
  READ_BUFFER_CAPACITY: 0x5c,
  SEND_CUE_SHEET: 0x5d,
  SERVICE_ACTION_IN_16: 0x9e,
  REPORT_LUNS: 0xa0,
  BLANK: 0xa1,
  SECURITY_PROTOCOL_IN: 0xa2,
  SEND_KEY: 0xa3,
  REPORT_KEY: 0xa4,
  LOAD_UNLOAD_MEDIUM: 0xa6,
  SET_READ_AHEAD: 0xa7,
  READ_12: 0xa8,
  WRITE_12: 0xaa,
  READ_MEDIA_SERIAL_NUMBER: 0xab,
  GET_PERFORMANCE: 0xac,
  READ_DISC_STRUCTURE: 0xad,
  SECURITY_PROTOCOL_OUT: 0xb5,
  SET_STREAMING: 0xb6,
  READ_CD_MSF: 0xb9,
  SET_CD_SPEED: 0xbb,
  MECHANISM_STATUS: 0xbd,
  READ_CD: 0xbe,
  SEND_DISC_STRUCTURE: 0xbf,
} as const;

const OPCODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, "TEST UNIT READY"],
  [0x01, "REZERO UNIT"],
  [0x03, "REQUEST SENSE"],
  [0x04, "FORMAT UNIT"],
  [0x12, "INQUIRY"],
  [0x15, "MODE SELECT(6)"],
  [0x1a, "MODE SENSE(6)"],
  [0x1b, "START STOP UNIT"],
  [0x1e, "PREVENT ALLOW MEDIUM REMOVAL"],
  [0x23, "READ FORMAT CAPACITIES"],
  [0x25, "READ CAPACITY(10)"],
  [0x28, "READ(10)"],
  [0x2a, "WRITE(10)"],
  [0x2b, "SEEK(10)"],
  [0x2e, "WRITE AND VERIFY(10)"],
  [0x2f, "VERIFY(10)"],
  [0x35, "SYNCHRONIZE CACHE(10)"],
  [0x3b, "WRITE BUFFER"],
  [0x3c, "READ BUFFER"],
  [0x42, "READ SUB-CHANNEL"],
  [0x43, "READ TOC/PMA/ATIP"],
  [0x46, "GET CONFIGURATION"],
  [0x47, "PLAY AUDIO MSF"],
  [0x4a, "GET EVENT STATUS NOTIFICATION"],
  [0x4b, "PAUSE/RESUME"],
  [0x4d, "LOG SENSE"],
  [0x51, "READ DISC INFORMATION"],
  [0x52, "READ TRACK INFORMATION"],
  [0x53, "RESERVE TRACK"],
  [0x54, "SEND OPC INFORMATION"],
  [0x55, "MODE SELECT(10)"],
  [0x58, "REPAIR TRACK"],
  [0x5a, "MODE SENSE(10)"],
  [0x5b, "CLOSE TRACK/SESSION"],
  [0x5c, "READ BUFFER CAPACITY"],
  [0x5d, "SEND CUE SHEET"],
  [0x9e, "SERVICE ACTION IN(16)"],
  [0xa0, "REPORT LUNS"],
  [0xa1, "BLANK"],
  [0xa2, "SECURITY PROTOCOL IN"],
  [0xa3, "SEND KEY"],
  [0xa4, "REPORT KEY"],
  [0xa6, "LOAD/UNLOAD MEDIUM"],
  [0xa7, "SET READ AHEAD"],
  [0xa8, "READ(12)"],
  [0xaa, "WRITE(12)"],
  [0xab, "READ MEDIA SERIAL NUMBER"],
  [0xac, "GET PERFORMANCE"],
  [0xad, "READ DISC STRUCTURE"],
  [0xb5, "SECURITY PROTOCOL OUT"],
  [0xb6, "SET STREAMING"],
  [0xb9, "READ CD MSF"],
  [0xbb, "SET CD SPEED"],
  [0xbd, "MECHANISM STATUS"],
  [0xbe, "READ CD"],
  [0xbf, "SEND DISC STRUCTURE"],
]);

/** The standard's name for an operation code, or "operation code 0xNN". */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES.get(opcode) ?? `operation code 0x${opcode.toString(16).padStart(2, "0")}`;
}

/** Assembles a command: a CDB of `length` bytes with the opcode in byte 0, filled in by `fill`. */
export function makeCommand(
  opcode: number,
  length: 6 | 10 | 12 | 16,
  direction: DataDirection,
  transferLength: number,
  fill: (cdb: Uint8Array) => void = () => {},
  data?: Uint8Array,
): ScsiCommand {
  const cdb = new Uint8Array(length);
  cdb[0] = opcode;
  fill(cdb);
  const cmd: ScsiCommand = { name: opcodeName(opcode), opcode, cdb, direction, transferLength };
  return data === undefined ? cmd : { ...cmd, data };
}
