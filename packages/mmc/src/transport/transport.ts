// The one interface every way of reaching a drive implements (Linux SG_IO, Windows SPTI, a software recorder in
// tests): send a CDB with its data phase, get back SCSI status, decoded sense, residual and duration. Transports
// never throw for a CHECK CONDITION (that is an answer, for the Drive to judge); they throw DeviceError when the
// command could not be delivered at all (no device, no permission, the host adapter failed, a timeout).
import type { DataDirection, ScsiCommand } from "../commands/cdb.js";
import { opcodeName } from "../commands/cdb.js";
import { decodeSense, SCSI_STATUS, ScsiError, type SenseData } from "../sense.js";

/** A command as raw parts, for callers that build their own CDB. */
export interface RawScsiCommand {
  cdb: Uint8Array;
  direction: DataDirection;
  /** Data to send ("out"), or where to receive ("in"; a new buffer is made when absent). */
  buffer?: Uint8Array;
  /** Bytes to move in the data phase; 0 for "none". */
  transferLength: number;
  /** For messages; defaults to the standard's name for the opcode. */
  name?: string;
}

export interface ExecuteOptions {
  /** How long the drive may take before the command is aborted (SG_IO timeout, SPTI TimeOutValue). */
  timeoutMs: number;
}

export interface ScsiResult {
  /** SAM-5 status byte: SCSI_STATUS.GOOD, CHECK_CONDITION, BUSY, … */
  status: number;
  /** Sense data the drive returned with the status (autosense), decoded; null when there was none. */
  sense: SenseData | null;
  /** The sense bytes as received (empty when there were none). */
  senseBytes: Uint8Array;
  /** Bytes of the data phase that did not move (requested minus transferred). */
  residual: number;
  /** Wall time of the command, in milliseconds. */
  durationMs: number;
  /** "in": the bytes received (transferLength - residual of them); "out"/"none": empty. */
  data: Uint8Array;
}

/** A path to a drive: send commands one at a time, then close. */
export interface ScsiTransport {
  /** The drive as the user names it: "/dev/sr0", "\\\\.\\CdRom0". */
  readonly device: string;
  /** Whether the device was opened read-only (commands that write may be refused). */
  readonly readOnly: boolean;
  execute(command: ScsiCommand | RawScsiCommand, options: ExecuteOptions): Promise<ScsiResult>;
  close(): Promise<void>;
}

/** Why a device could not be used: each kind has its own advice. */
export type DeviceErrorKind =
  | "permission"
  | "busy"
  | "no-medium"
  | "no-device"
  | "not-mmc"
  | "timeout"
  | "io"
  | "closed"
  | "unsupported-platform";

/** The drive could not be opened or a command could not be delivered (as opposed to a drive's refusal: ScsiError). */
export class DeviceError extends Error {
  constructor(
    readonly kind: DeviceErrorKind,
    readonly device: string,
    message: string,
    /** The operating system's error name ("EACCES", "ERROR_ACCESS_DENIED"), when there was one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The transport interface, from either form of command. */
export interface NormalizedCommand {
  name: string;
  opcode: number;
  cdb: Uint8Array;
  direction: DataDirection;
  transferLength: number;
  /** "out": the bytes to send (exactly transferLength); "in": caller's buffer, if any. */
  buffer?: Uint8Array;
}

export function normalizeCommand(command: ScsiCommand | RawScsiCommand): NormalizedCommand {
  const cdb = command.cdb;
  if (cdb.length < 6 || cdb.length > 16) throw new RangeError(`a CDB has 6 to 16 bytes, got ${cdb.length}`);
  const opcode = cdb[0];
  const name = command.name ?? opcodeName(opcode);
  const length = command.transferLength;
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) {
    throw new RangeError(`${name}: transfer length ${length} is not a 32-bit byte count`);
  }
  if (command.direction === "none" && length !== 0) throw new RangeError(`${name}: no data phase, but ${length} bytes`);
  const buffer = "buffer" in command ? command.buffer : "data" in command ? command.data : undefined;
  if (command.direction === "out") {
    if (buffer === undefined || buffer.length < length) {
      throw new RangeError(`${name}: ${length} bytes to send, ${buffer?.length ?? 0} given`);
    }
    return { name, opcode, cdb, direction: "out", transferLength: length, buffer: buffer.subarray(0, length) };
  }
  if (command.direction === "in" && buffer !== undefined && buffer.length < length) {
    throw new RangeError(`${name}: a buffer of ${buffer.length} bytes cannot receive ${length}`);
  }
  return { name, opcode, cdb, direction: command.direction, transferLength: length, buffer };
}

/** Decodes the autosense bytes a transport received (null when none, or not sense data). */
export function senseFrom(bytes: Uint8Array): SenseData | null {
  return bytes.length === 0 ? null : (decodeSense(bytes) ?? null);
}

/** Throws ScsiError unless the command ended GOOD (or CONDITION MET); RECOVERED ERROR counts as success. */
export function checkResult(command: ScsiCommand | RawScsiCommand, result: ScsiResult, device?: string): ScsiResult {
  if (result.status === SCSI_STATUS.GOOD || result.status === SCSI_STATUS.CONDITION_MET) return result;
  if (result.sense !== null && result.sense.key === 0x01) return result;
  throw new ScsiError({
    opcode: command.cdb[0],
    command: command.name,
    status: result.status,
    sense: result.sense ?? undefined,
    device,
  });
}
