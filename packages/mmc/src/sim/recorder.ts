// A software MMC recorder: a ScsiTransport that answers the CDBs of a CD/DVD/BD writer from a disc file (block N at
// byte N * 2048, sparse) and a state file beside it (sessions, tracks, next writable address, write parameters, tray).
// It follows MMC-6/SPC-4 closely enough for the Drive and the burn strategies to run against it unchanged, refuses
// what a strict drive refuses (with the sense a drive answers), and can be told to fail: a write error, the medium
// pulled out, power lost, a slow drive. One process at a time has a disc open (lock file `${disc}.lock`); the state
// file is written only when this instance changed the state. See ./README.md for the choices where the standard leaves
// room.
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { getUint16, getUint32, setUint32 } from "../commands/bytes.js";
import type { ScsiCommand } from "../commands/cdb.js";
import { OPCODE } from "../commands/cdb.js";
import { decodeFormatParameterList, FORMAT_TYPE } from "../commands/formatUnit.js";
import { encodeConfiguration } from "../commands/getConfiguration.js";
import { encodeEventStatus, MEDIA_EVENT } from "../commands/getEventStatusNotification.js";
import { encodeNominalPerformance, encodeWriteSpeeds } from "../commands/getPerformance.js";
import { encodeInquiry, PERIPHERAL_DEVICE_TYPE } from "../commands/inquiry.js";
import { encodeMechanismStatus } from "../commands/mechanismStatus.js";
import { encodeModeSenseData, MODE_PAGE } from "../commands/modeParameters.js";
import { encodeBufferCapacity } from "../commands/readBufferCapacity.js";
import { encodeCapacity } from "../commands/readCapacity.js";
import { cueSheetSize, decodeCueSheet } from "../commands/sendCueSheet.js";
import { decodePerformanceDescriptor } from "../commands/setStreaming.js";
import { encodeWriteParametersPage, parseWriteParametersPage } from "../commands/writeParametersPage.js";
import { encodeFixedSense, SCSI_STATUS, type SenseFields } from "../sense.js";
import {
  DeviceError,
  type DeviceErrorKind,
  type ExecuteOptions,
  type NormalizedCommand,
  normalizeCommand,
  type RawScsiCommand,
  type ScsiResult,
  type ScsiTransport,
  senseFrom,
} from "../transport/transport.js";
import {
  BLOCK,
  BUFFER_BYTES,
  capabilitiesPage,
  discInformation,
  features,
  formatCapacities,
  MAX_CUE_SHEET_BYTES,
  type SimWriteMethods,
  selectFeatures,
  type TrackView,
  toc,
  trackByLba,
  trackByNumber,
  trackBySession,
  trackInformation,
  vpdPage,
  writeParametersMask,
  writeSpeedDescriptors,
  writeSpeedsKBps,
} from "./answers.js";
import { isSimProfileName, SIM_PROFILES, type SimMedium, type SimProfileName, simMedium } from "./media.js";
import {
  blankState,
  check,
  defaultWriteParametersPage,
  invalidCdbField,
  invalidParameter,
  type SaoLayout,
  SENSE,
  SimCheck,
  SimDisc,
  type SimState,
  type SimStateSnapshot,
} from "./model.js";
import { parseState, statePathOf, stateText, writeStateFile, writeStateText } from "./stateFile.js";

export type { SimWriteMethods } from "./answers.js";
export type { SimProfileName } from "./media.js";
export { SIM_PROFILES } from "./media.js";
export type { SimDiscStatus, SimSession, SimState, SimStateSnapshot, SimTrack } from "./model.js";

export interface SimFaults {
  /** A WRITE covering this LBA fails: MEDIUM ERROR 3/0C/00 (write error); blocks before it in that command are
   * written, the NWA advances to it. */
  writeErrorAtLba?: number;
  /** When a WRITE reaches this LBA the medium is gone: that and every later command answers NOT READY 2/3A/00 (state
   * as of the last persist remains on disk; blocks before it are written, and found again when the disc is reopened). */
  removeMediumAtLba?: number;
  /** The drive dies when a WRITE reaches this LBA: blocks before it are in the disc file, the state file is not
   * updated any more, every later execute() throws DeviceError("io", ...); close() releases the lock. Reopened, the
   * blocks written since the last commit are an incomplete track of the open session (see README, Loading a disc). */
  powerLossAtLba?: number;
  /** A slow drive: each WRITE command takes at least this long. */
  writeDelayMs?: number;
  /** A READ covering this LBA returns that block with its first byte inverted: data recorded wrongly without the
   * drive noticing, which only a verify finds. */
  corruptReadAtLba?: number;
}

export interface SoftwareRecorderOptions {
  /** Required when the disc file does not exist yet (a blank disc of that profile is created); when it exists, must
   * match the state file or be omitted. */
  profile?: SimProfileName;
  /** Override the profile's capacity (tests use small discs); when the disc exists, must match or be omitted. */
  capacityBlocks?: number;
  faults?: SimFaults;
  /** The CD write methods the drive offers (default both): without `tao` GET CONFIGURATION lists no CD Track at
   * Once feature (002Dh) and page 05h refuses write type 1; without `sao` no CD Mastering feature (002Eh), SEND CUE
   * SHEET is an unknown command and a CD refuses write type 2. A property of the drive, not of the disc. */
  writeMethods?: Partial<SimWriteMethods>;
}

/** How long an operation started with IMMED (FORMAT UNIT, BLANK, CLOSE TRACK/SESSION) keeps the drive not ready. */
export const SIM_LONG_OPERATION_MS = 200;

// Commands that do not report (nor clear) a pending UNIT ATTENTION (SPC-4 5.14: INQUIRY, REQUEST SENSE; MMC-6 4.1.6.1:
// GET CONFIGURATION and GET EVENT STATUS NOTIFICATION).
const NO_UNIT_ATTENTION: ReadonlySet<number> = new Set([
  OPCODE.INQUIRY,
  OPCODE.REQUEST_SENSE,
  OPCODE.GET_CONFIGURATION,
  OPCODE.GET_EVENT_STATUS_NOTIFICATION,
]);

/** "sim:dvd+r:disc.img" (create or open a disc of that profile) or "sim:disc.img" (an existing disc); null when the
 * spec does not start with "sim:". */
export function parseSimDrive(spec: string): { profile?: SimProfileName; path: string } | null {
  if (!spec.startsWith("sim:")) return null;
  const rest = spec.slice(4);
  const colon = rest.indexOf(":");
  if (colon > 0) {
    const head = rest.slice(0, colon);
    if (isSimProfileName(head)) {
      const p = rest.slice(colon + 1);
      if (p === "") throw new RangeError(`${spec}: no disc file after the profile`);
      return { profile: head, path: p };
    }
    // A profile-like word that is not one of ours ("sim:dvd-ram:x"); a drive letter ("sim:C:\x") is a path.
    if (head.length > 1 && /^[a-z0-9+-]+$/i.test(head)) {
      throw new RangeError(`${spec}: unknown simulated profile "${head}" (one of ${SIM_PROFILES.join(", ")})`);
    }
  }
  if (rest === "") throw new RangeError(`${spec}: no disc file named`);
  return { path: rest };
}

function deviceErrorKind(e: unknown): DeviceErrorKind {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "EACCES" || code === "EPERM" ? "permission" : code === "ENOENT" ? "no-device" : "io";
}

/** The advisory lock beside a disc: `${disc}.lock`, holding the pid of the process that has it open. */
export function lockPathOf(discPath: string): string {
  return `${discPath}.lock`;
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock file with no pid in it yet is being taken right now, unless it is older than this (then it is debris). */
const LOCK_SETTLE_MS = 2_000;

/**
 * Takes the lock file of a disc: created exclusively (O_EXCL) with this process's pid. A lock held by a live process
 * refuses with DeviceError("busy") naming it; a lock left by a process that is gone (a crash) is taken over.
 */
function acquireLock(lockPath: string, discPath: string, name: string): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockPath, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (fd !== undefined) {
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    let text: string;
    let age: number;
    try {
      text = fs.readFileSync(lockPath, "utf8");
      age = Date.now() - fs.statSync(lockPath).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile: try again
      throw e;
    }
    const pid = /^\s*(\d+)\s*$/.exec(text)?.[1];
    const holder = pid === undefined ? null : Number(pid);
    const held = holder === null ? age < LOCK_SETTLE_MS : processAlive(holder);
    if (held) {
      const who =
        holder === null
          ? "another process (it is opening it right now)"
          : holder === process.pid
            ? `this process (pid ${holder}: another SoftwareRecorder on it is not closed)`
            : `process ${holder}`;
      throw new DeviceError("busy", name, `${discPath} is in use by ${who}; lock file ${lockPath}`);
    }
    // Stale: its process is gone (crashed, or killed after a simulated power loss). Take it over.
    fs.rmSync(lockPath, { force: true });
  }
  throw new DeviceError("busy", name, `${discPath}: cannot take the lock file ${lockPath}`);
}

/** Removes the lock file when it is still this process's. */
function releaseLock(lockPath: string): void {
  try {
    if (fs.readFileSync(lockPath, "utf8").trim() === String(process.pid)) fs.rmSync(lockPath, { force: true });
  } catch {
    // Already gone.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface LongOperation {
  started: number;
  until: number;
  /** ASCQ under ASC 04h: 04h format in progress, 07h operation in progress. */
  ascq: number;
}

export class SoftwareRecorder implements ScsiTransport {
  readonly readOnly = false as const;
  readonly device: string;
  readonly profile: SimProfileName;
  private readonly medium: SimMedium;
  private readonly disc: SimDisc;
  private readonly faults: SimFaults;
  private readonly methods: SimWriteMethods;
  private writeParameters: Uint8Array;
  /** The session SEND CUE SHEET announced, while it is being written (Session At Once); not saved. */
  private cue: SaoLayout | null = null;
  private closed = false;
  /** Power lost: nothing works any more, nothing is saved. */
  private dead = false;
  /** The medium was pulled out (fault): no medium for good, nothing is saved. */
  private mediumGone = false;
  private locked = false;
  private unitAttention = false;
  private mediaEvent: number | null = null;
  private longOperation: LongOperation | null = null;
  /** The state file's text as last loaded or saved: the state is saved only when it differs (this instance changed
   * it), so an instance that only looked never reverts what another one recorded. */
  private savedText: string;
  /** Data written (or the disc file truncated) since the last fsync of the disc file. */
  private unsynced = false;

  private constructor(
    readonly discPath: string,
    private readonly statePath: string,
    private readonly lockPath: string,
    state: SimState,
    private readonly fd: number,
    faults: SimFaults,
    methods: Partial<SimWriteMethods>,
  ) {
    this.profile = state.profile;
    this.medium = simMedium(state.profile);
    this.disc = new SimDisc(this.medium, state);
    this.faults = { ...faults };
    this.methods = { tao: methods.tao ?? true, sao: methods.sao ?? true };
    this.device = `sim:${state.profile}:${discPath}`;
    const page = Buffer.from(state.writeParameters, "hex");
    this.writeParameters = page.length >= 16 ? new Uint8Array(page) : defaultWriteParametersPage(this.medium);
    // Loading the disc: the drive finds what was recorded after the last commit (a power loss) by scanning, and a
    // background format does not survive the drive's restart. Neither is saved until something else changes.
    this.disc.recoverRecorded(Math.ceil(fs.fstatSync(fd).size / BLOCK));
    this.disc.stopBackgroundFormat();
    this.savedText = this.currentText();
  }

  /** Opens a simulated disc, creating a blank one of `options.profile` when the file does not exist. */
  static async open(discPath: string, options: SoftwareRecorderOptions = {}): Promise<SoftwareRecorder> {
    const abs = path.resolve(discPath);
    const statePath = statePathOf(abs);
    const name = `sim:${options.profile ?? "?"}:${abs}`;
    if (options.profile !== undefined && !isSimProfileName(options.profile)) {
      throw new DeviceError("no-device", name, `unknown simulated profile "${options.profile}"`);
    }
    const cap = options.capacityBlocks;
    if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 64 || cap > 0xffffffff)) {
      throw new RangeError(`capacityBlocks must be an integer from 64 to 2^32 - 1, got ${cap}`);
    }
    const lockPath = lockPathOf(abs);
    try {
      acquireLock(lockPath, abs, name);
    } catch (e) {
      if (e instanceof DeviceError) throw e;
      throw new DeviceError(deviceErrorKind(e), name, `cannot lock ${abs}: ${(e as Error).message}`, undefined, {
        cause: e,
      });
    }
    try {
      return SoftwareRecorder.openLocked(abs, statePath, lockPath, name, options);
    } catch (e) {
      releaseLock(lockPath);
      throw e;
    }
  }

  private static openLocked(
    abs: string,
    statePath: string,
    lockPath: string,
    name: string,
    options: SoftwareRecorderOptions,
  ): SoftwareRecorder {
    const cap = options.capacityBlocks;
    let state: SimState;
    let fd: number;
    try {
      if (!fs.existsSync(abs)) {
        if (options.profile === undefined) {
          throw new DeviceError(
            "no-device",
            name,
            `${abs} does not exist: name a profile to create a blank disc (sim:${SIM_PROFILES[3]}:${abs})`,
          );
        }
        const medium = simMedium(options.profile);
        state = blankState(medium, cap ?? medium.capacity);
        fd = fs.openSync(abs, "wx+");
        writeStateFile(statePath, state);
      } else {
        let text: string;
        try {
          text = fs.readFileSync(statePath, "utf8");
        } catch (e) {
          throw new DeviceError(
            "no-device",
            name,
            `${abs} has no state file ${statePath}: it is not a simulated disc (name a new file to create one)`,
            (e as NodeJS.ErrnoException).code,
            { cause: e },
          );
        }
        try {
          state = parseState(text);
        } catch (e) {
          throw new DeviceError(
            "io",
            name,
            `state file ${statePath} is not usable: ${(e as Error).message}`,
            undefined,
            {
              cause: e,
            },
          );
        }
        if (options.profile !== undefined && options.profile !== state.profile) {
          throw new DeviceError("no-device", name, `${abs} holds a ${state.profile} disc, not ${options.profile}`);
        }
        if (cap !== undefined && cap !== state.capacityBlocks) {
          throw new DeviceError("no-device", name, `${abs} has ${state.capacityBlocks} blocks, not ${cap}`);
        }
        fd = fs.openSync(abs, "r+");
      }
    } catch (e) {
      if (e instanceof DeviceError) throw e;
      throw new DeviceError(deviceErrorKind(e), name, `cannot open ${abs}: ${(e as Error).message}`, undefined, {
        cause: e,
      });
    }
    try {
      return new SoftwareRecorder(
        abs,
        statePath,
        lockPath,
        state,
        fd,
        options.faults ?? {},
        options.writeMethods ?? {},
      );
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  /** A copy of the recording state (sessions, tracks, next writable address, status, capacity, tray). */
  snapshot(): SimStateSnapshot {
    this.disc.state.writeParameters = Buffer.from(this.writeParameters).toString("hex");
    return structuredClone(this.disc.refresh());
  }

  async execute(command: ScsiCommand | RawScsiCommand, _options: ExecuteOptions): Promise<ScsiResult> {
    if (this.closed) throw new DeviceError("closed", this.device, `${this.device} is closed`);
    if (this.dead) throw this.powerLost();
    const cmd = normalizeCommand(command);
    const started = performance.now();
    let data: Uint8Array = new Uint8Array(0);
    let sense: SenseFields | null = null;
    try {
      data = this.dispatch(cmd);
    } catch (e) {
      if (e instanceof SimCheck) sense = e.sense;
      else if (e instanceof DeviceError) throw e;
      else {
        throw new DeviceError("io", this.device, `${cmd.name} on ${this.device}: ${(e as Error).message}`, undefined, {
          cause: e,
        });
      }
    }
    if ((cmd.opcode === OPCODE.WRITE_10 || cmd.opcode === OPCODE.WRITE_12) && this.faults.writeDelayMs) {
      // Timers may fire a fraction of a millisecond early: wait until the delay has really passed.
      for (;;) {
        const rest = this.faults.writeDelayMs - (performance.now() - started);
        if (rest <= 0) break;
        await sleep(Math.ceil(rest));
      }
    }
    let out: Uint8Array = new Uint8Array(0);
    if (cmd.direction === "in" && sense === null) {
      out = data.length > cmd.transferLength ? data.subarray(0, cmd.transferLength) : data;
      if (cmd.buffer && !(out.buffer === cmd.buffer.buffer && out.byteOffset === cmd.buffer.byteOffset)) {
        cmd.buffer.set(out);
        out = cmd.buffer.subarray(0, out.length);
      }
    }
    const senseBytes = sense ? encodeFixedSense(sense) : new Uint8Array(0);
    return {
      status: sense ? SCSI_STATUS.CHECK_CONDITION : SCSI_STATUS.GOOD,
      sense: senseFrom(senseBytes),
      senseBytes,
      residual: cmd.direction === "in" ? cmd.transferLength - out.length : 0,
      durationMs: performance.now() - started,
      data: out,
    };
  }

  /** Saves the state when this instance changed it, closes the disc file and releases the lock (after a power loss or
   * a pulled medium: closes and releases without saving). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.persist();
    } finally {
      try {
        fs.closeSync(this.fd);
      } finally {
        releaseLock(this.lockPath);
      }
    }
  }

  private powerLost(): DeviceError {
    return new DeviceError("io", this.device, `${this.device} does not answer: the drive lost power`);
  }

  private get present(): boolean {
    return !this.mediumGone && this.disc.state.mediumPresent;
  }

  private currentText(): string {
    this.disc.state.writeParameters = Buffer.from(this.writeParameters).toString("hex");
    return stateText(this.disc.refresh());
  }

  /** fsync of the disc file when something was written since the last one. */
  private flushData(): void {
    if (!this.unsynced) return;
    fs.fsyncSync(this.fd);
    this.unsynced = false;
  }

  /** A commit of the recording state: the data first (a drive writes its buffer before it records a close), then the
   * state file, only when it changed since it was loaded or last saved. */
  private persist(): void {
    if (this.dead || this.mediumGone) return;
    this.flushData();
    const text = this.currentText();
    if (text === this.savedText) return;
    writeStateText(this.statePath, text);
    this.savedText = text;
  }

  /** The NOT READY sense of a running long operation (with its progress), or null. */
  private busySense(): SenseFields | null {
    const op = this.longOperation;
    if (op === null) return null;
    const now = performance.now();
    if (now >= op.until) {
      this.longOperation = null;
      return null;
    }
    const progress = (now - op.started) / (op.until - op.started);
    return { key: 2, asc: 0x04, ascq: op.ascq, senseKeySpecific: { kind: "progress", progress } };
  }

  /** Media access: refuses without a medium (2/3A/00) or while a long operation runs (2/04/xx). */
  private requireMedium(): SimDisc {
    if (!this.present) throw SENSE.noMedium();
    const busy = this.busySense();
    if (busy) throw new SimCheck(busy);
    return this.disc;
  }

  private startLongOperation(ascq: number): void {
    const now = performance.now();
    this.longOperation = { started: now, until: now + SIM_LONG_OPERATION_MS, ascq };
  }

  private dispatch(cmd: NormalizedCommand): Uint8Array {
    const cdb = cmd.cdb;
    if (this.unitAttention && !NO_UNIT_ATTENTION.has(cmd.opcode)) {
      this.unitAttention = false;
      // 6/28/00 NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED (SPC-4).
      throw check(6, 0x28, 0x00);
    }
    const none = new Uint8Array(0);
    switch (cmd.opcode) {
      case OPCODE.TEST_UNIT_READY:
        this.requireMedium();
        return none;
      case OPCODE.REQUEST_SENSE:
        return this.requestSense(cdb);
      case OPCODE.INQUIRY:
        return this.inquiry(cdb);
      case OPCODE.GET_CONFIGURATION: {
        const all = features(this.present ? this.disc : null, this.methods);
        const list = selectFeatures(all, cdb[1] & 0x03, getUint16(cdb, 2));
        return cut(encodeConfiguration(this.present ? this.medium.profile : 0, list), getUint16(cdb, 7));
      }
      case OPCODE.READ_CAPACITY_10: {
        const disc = this.requireMedium();
        if ((cdb[8] & 0x01) === 0 && getUint32(cdb, 2) !== 0) throw invalidCdbField(2);
        const end = disc.recordedEnd();
        return encodeCapacity({ lastLba: end > 0 ? end - 1 : 0, blockLength: BLOCK });
      }
      case OPCODE.READ_DISC_INFORMATION: {
        const disc = this.requireMedium();
        if ((cdb[1] & 0x07) !== 0) throw invalidCdbField(1);
        return cut(discInformation(disc), getUint16(cdb, 7));
      }
      case OPCODE.READ_TRACK_INFORMATION:
        return cut(this.readTrackInformation(cdb), getUint16(cdb, 7));
      case OPCODE.READ_TOC_PMA_ATIP: {
        const disc = this.requireMedium();
        const format = cdb[2] & 0x0f;
        if (format > 1) throw invalidCdbField(2);
        return cut(toc(disc, format, (cdb[1] & 0x02) !== 0, cdb[6]), getUint16(cdb, 7));
      }
      case OPCODE.MODE_SENSE_10:
        return cut(this.modeSense(cdb), getUint16(cdb, 7));
      case OPCODE.MODE_SELECT_10:
        this.modeSelect(cmd);
        return none;
      case OPCODE.READ_10:
        return this.read(cmd, getUint32(cdb, 2), getUint16(cdb, 7));
      case OPCODE.READ_12:
        return this.read(cmd, getUint32(cdb, 2), getUint32(cdb, 6));
      case OPCODE.WRITE_10:
        this.write(cmd, getUint32(cdb, 2), getUint16(cdb, 7));
        return none;
      case OPCODE.WRITE_12:
        this.write(cmd, getUint32(cdb, 2), getUint32(cdb, 6));
        return none;
      case OPCODE.SEND_CUE_SHEET:
        this.sendCueSheet(cmd);
        return none;
      case OPCODE.SYNCHRONIZE_CACHE_10: {
        const disc = this.requireMedium();
        // Session At Once: with every block up to the lead-out in, flushing makes the drive write lead-in and
        // lead-out; the session is closed as page 05h Multi-session says (11b appendable, else complete).
        if (this.cue && disc.finishSao(this.cue, this.writeParameters[3] >> 6)) this.cue = null;
        this.persist();
        return none;
      }
      case OPCODE.CLOSE_TRACK_SESSION: {
        const disc = this.requireMedium();
        // The host gives up a Session At Once session (after an interruption): what was written is a track.
        this.cue = null;
        disc.close(cdb[2] & 0x07, getUint16(cdb, 4), this.writeParameters[3] >> 6);
        this.persist();
        if (cdb[1] & 0x01) this.startLongOperation(0x07);
        return none;
      }
      case OPCODE.RESERVE_TRACK: {
        const disc = this.requireMedium();
        if (cdb[1] & 0x01) throw invalidCdbField(1, 0);
        disc.reserveTrack(getUint32(cdb, 5));
        this.persist();
        return none;
      }
      case OPCODE.BLANK:
        this.blank(cdb);
        return none;
      case OPCODE.FORMAT_UNIT:
        this.formatUnit(cmd);
        return none;
      case OPCODE.READ_FORMAT_CAPACITIES:
        return cut(formatCapacities(this.present ? this.disc : null), getUint16(cdb, 7));
      case OPCODE.START_STOP_UNIT:
        this.startStopUnit(cdb);
        return none;
      case OPCODE.PREVENT_ALLOW_MEDIUM_REMOVAL:
        this.locked = (cdb[4] & 0x01) !== 0;
        return none;
      case OPCODE.READ_BUFFER_CAPACITY:
        // The data goes to the disc file as it arrives: the buffer is always empty.
        return cut(
          encodeBufferCapacity(
            cdb[1] & 0x01
              ? { unit: "blocks", availableBlocks: BUFFER_BYTES / BLOCK }
              : { unit: "bytes", bufferLength: BUFFER_BYTES, blankLength: BUFFER_BYTES },
          ),
          getUint16(cdb, 7),
        );
      case OPCODE.SET_CD_SPEED:
        return none;
      case OPCODE.SET_STREAMING:
        this.setStreaming(cmd);
        return none;
      case OPCODE.GET_PERFORMANCE:
        return this.getPerformance(cdb);
      case OPCODE.GET_EVENT_STATUS_NOTIFICATION:
        return this.eventStatus(cdb);
      case OPCODE.MECHANISM_STATUS:
        return cut(
          encodeMechanismStatus({
            fault: false,
            changerState: 0,
            currentSlot: 0,
            mechanismState: 0,
            doorOpen: this.disc.state.trayOpen,
            currentLba: 0,
          }),
          getUint16(cdb, 8),
        );
      default:
        // 5/20/00 INVALID COMMAND OPERATION CODE.
        throw check(5, 0x20, 0x00);
    }
  }

  // SPC-4 6.39 REQUEST SENSE: the pending condition as parameter data (fixed format, whatever DESC asks).
  private requestSense(cdb: Uint8Array): Uint8Array {
    let s: SenseFields = { key: 0, asc: 0, ascq: 0 };
    if (this.unitAttention) {
      this.unitAttention = false;
      s = { key: 6, asc: 0x28, ascq: 0 };
    } else if (!this.present) {
      s = SENSE.noMedium().sense;
    } else {
      s = this.busySense() ?? s;
    }
    return cut(encodeFixedSense(s), cdb[4]);
  }

  // SPC-4 6.6 INQUIRY: standard data (peripheral type 5, removable) or VPD pages 00h and 80h.
  private inquiry(cdb: Uint8Array): Uint8Array {
    const length = getUint16(cdb, 3);
    if (cdb[1] & 0x01) return cut(vpdPage(cdb[2]), length);
    if (cdb[2] !== 0) throw invalidCdbField(2);
    return cut(
      encodeInquiry({
        peripheralDeviceType: PERIPHERAL_DEVICE_TYPE.CD_DVD,
        removable: true,
        vendor: "DISCBURN",
        product: `SOFTWARE ${this.medium.label}`,
        revision: "1.0",
      }),
      length,
    );
  }

  // MMC-6 6.27 READ TRACK INFORMATION: by LBA (00b), track number (01b, FFh the invisible track), session (10b);
  // Open bit: the first open track from that number on.
  private readTrackInformation(cdb: Uint8Array): Uint8Array {
    const disc = this.requireMedium();
    const type = cdb[1] & 0x03;
    const value = getUint32(cdb, 2);
    let view: TrackView | null;
    if (type === 0) view = trackByLba(disc, value);
    else if (type === 1) {
      view = trackByNumber(disc, value);
      if (cdb[1] & 0x04) {
        view = null;
        for (let n = value; n <= disc.trackCount() + 1; n++) {
          const v = trackByNumber(disc, n);
          if (v && (v.kind !== "stored" || disc.trackNwa(v.track) !== null)) {
            view = v;
            break;
          }
        }
      }
    } else if (type === 2) view = trackBySession(disc, value);
    else throw invalidCdbField(1);
    if (view === null) throw invalidCdbField(2);
    return trackInformation(disc, view);
  }

  // SPC-4 6.14 MODE SENSE(10): pages 05h and 2Ah (3Fh: both); current, changeable and default values.
  private modeSense(cdb: Uint8Array): Uint8Array {
    const pc = cdb[2] >> 6;
    const code = cdb[2] & 0x3f;
    if (cdb[3] !== 0) throw invalidCdbField(3);
    // 5/39/00 SAVING PARAMETERS NOT SUPPORTED.
    if (pc === 3) throw check(5, 0x39, 0x00);
    const present = this.present ? this.disc : null;
    const page05 = () =>
      pc === 1 ? writeParametersMask() : pc === 2 ? defaultWriteParametersPage(this.medium) : this.writeParameters;
    const page2a = () => {
      const p = capabilitiesPage(present, this.locked);
      return pc === 1 ? Uint8Array.from([p[0], p[1], ...new Uint8Array(p.length - 2)]) : p;
    };
    const pages =
      code === MODE_PAGE.WRITE_PARAMETERS
        ? [page05()]
        : code === MODE_PAGE.CD_DVD_CAPABILITIES
          ? [page2a()]
          : code === MODE_PAGE.ALL_PAGES
            ? [page05(), page2a()]
            : null;
    if (pages === null) throw invalidCdbField(2);
    return encodeModeSenseData(pages);
  }

  // SPC-4 6.11 MODE SELECT(10): PF 1, SP 0; page 05h is checked and kept, page 2Ah accepted (nothing in it changes).
  private modeSelect(cmd: NormalizedCommand): void {
    const cdb = cmd.cdb;
    if ((cdb[1] & 0x10) === 0) throw invalidCdbField(1, 4);
    if (cdb[1] & 0x01) throw invalidCdbField(1, 0);
    const length = getUint16(cdb, 7);
    if (length !== cmd.transferLength) throw invalidCdbField(7);
    if (length === 0) return;
    const data = cmd.buffer ?? new Uint8Array(0);
    // 5/1A/00 PARAMETER LIST LENGTH ERROR.
    if (length < 8) throw check(5, 0x1a, 0x00);
    let o = 8 + getUint16(data, 6);
    let page05: Uint8Array | null = null;
    while (o < length) {
      if (o + 2 > length) throw invalidParameter(o);
      const code = data[o] & 0x3f;
      const end = o + 2 + data[o + 1];
      if (end > length) throw invalidParameter(o + 1);
      if (code === MODE_PAGE.WRITE_PARAMETERS) {
        if (data[o + 1] < 0x32) throw invalidParameter(o + 1);
        const w = parseWriteParametersPage(data.subarray(o, end));
        if (w.writeType > 4) throw invalidParameter(o + 2);
        // A write type the drive does not offer: Track At Once without 002Dh, Session At Once on CD without 002Eh.
        if (w.writeType === 1 && !this.methods.tao) throw invalidParameter(o + 2);
        if (w.writeType === 2 && !this.methods.sao && this.medium.family === "CD") throw invalidParameter(o + 2);
        // Test Write (simulation) is not offered: 5/26/01 PARAMETER NOT SUPPORTED.
        if (w.testWrite) throw invalidParameter(o + 2, 0x01);
        if (w.multiSession === 2) throw invalidParameter(o + 3);
        if (!(w.dataBlockType <= 3 || (w.dataBlockType >= 8 && w.dataBlockType <= 13))) throw invalidParameter(o + 4);
        page05 = encodeWriteParametersPage(w);
      } else if (code !== MODE_PAGE.CD_DVD_CAPABILITIES) {
        throw invalidParameter(o);
      }
      o = end;
    }
    if (page05) this.writeParameters = page05;
  }

  // SBC-3/MMC-6 READ(10)/(12): recorded blocks only (sequential media), the formatted area (DVD+RW, BD-RE).
  private read(cmd: NormalizedCommand, lba: number, blocks: number): Uint8Array {
    const disc = this.requireMedium();
    if (blocks === 0) return new Uint8Array(0);
    if (lba + blocks > disc.capacity) throw SENSE.lbaOutOfRange(Math.max(lba, disc.capacity));
    const bad = disc.firstUnreadable(lba, blocks);
    if (bad >= 0) throw SENSE.lbaOutOfRange(bad);
    const want = Math.min(cmd.transferLength, blocks * BLOCK);
    const out = cmd.buffer ? cmd.buffer.subarray(0, want) : new Uint8Array(want);
    let done = 0;
    while (done < want) {
      const n = fs.readSync(this.fd, out, done, want - done, lba * BLOCK + done);
      if (n === 0) break;
      done += n;
    }
    // Never-written blocks of a sparse or short disc file read as zeros.
    if (done < want) out.fill(0, done);
    const corrupt = this.faults.corruptReadAtLba;
    if (corrupt !== undefined && corrupt >= lba && (corrupt - lba) * BLOCK < want)
      out[(corrupt - lba) * BLOCK]! ^= 0xff;
    return out;
  }

  /** The first fault LBA in [lba, lba + blocks), power loss before medium removal before write error. */
  private faultIn(lba: number, blocks: number): { lba: number; kind: "power" | "medium" | "write" } | null {
    const candidates: { lba: number; kind: "power" | "medium" | "write" }[] = [];
    const add = (at: number | undefined, kind: "power" | "medium" | "write") => {
      if (at !== undefined && at >= lba && at < lba + blocks) candidates.push({ lba: at, kind });
    };
    add(this.faults.powerLossAtLba, "power");
    add(this.faults.removeMediumAtLba, "medium");
    add(this.faults.writeErrorAtLba, "write");
    candidates.sort((a, b) => a.lba - b.lba);
    return candidates[0] ?? null;
  }

  // SBC-3/MMC-6 WRITE(10)/(12): at the next writable address of an open track (sequential media), anywhere in the
  // formatted area (DVD+RW, BD-RE). Data goes straight to the disc file with positioned writes.
  private write(cmd: NormalizedCommand, lba: number, blocks: number): void {
    const disc = this.requireMedium();
    if (blocks === 0) return;
    if (cmd.transferLength !== blocks * BLOCK) throw invalidCdbField(7);
    const cd = this.medium.family === "CD";
    const writeType = this.writeParameters[2] & 0x0f;
    // A drive without Track At Once has no such mode for the page it was left with: 5/64/00.
    if (cd && writeType === 1 && !this.methods.tao) throw SENSE.illegalMode();
    // Session At Once: LBAs are signed (the first session's pregap starts at -150, sent as FFFFFF6Ah).
    const sao = cd && writeType === 2;
    if (sao) {
      lba = lba | 0;
      // No cue sheet, or its session is done: 5/2C/00 COMMAND SEQUENCE ERROR.
      if (!this.cue) throw SENSE.commandSequence();
    }
    const plan = sao ? disc.planSaoWrite(this.cue!, lba, blocks) : disc.planWrite(lba, blocks, this.writeParameters);
    const fault = this.faultIn(lba, blocks);
    const count = fault ? fault.lba - lba : blocks;
    const data = cmd.buffer ?? new Uint8Array(0);
    // The pregap of an SAO session is taken and dropped; only the track's blocks reach the disc file.
    const skip = sao ? Math.min(count, Math.max(0, this.cue!.start - lba)) : 0;
    let done = skip * BLOCK;
    const bytes = count * BLOCK;
    if (bytes > done) this.unsynced = true;
    while (done < bytes) done += fs.writeSync(this.fd, data, done, bytes - done, lba * BLOCK + done);
    plan.commit(count);
    if (!fault) return;
    if (fault.kind === "power") {
      this.dead = true;
      throw this.powerLost();
    }
    if (fault.kind === "medium") {
      this.mediumGone = true;
      throw SENSE.noMedium();
    }
    // 3/0C/00 WRITE ERROR, information: the block that failed.
    throw check(3, 0x0c, 0x00, { valid: true, information: fault.lba });
  }

  // MMC-6 SEND CUE SHEET (5Dh): bytes 6-8 the cue sheet size, a whole number of 8-byte entries up to the CD Mastering
  // feature's maximum (else 5/24/00); page 05h must say Session At Once (else 5/2C/00); the entries are checked
  // against the disc (SimDisc.planSao) and the layout kept until the session is written or given up.
  private sendCueSheet(cmd: NormalizedCommand): void {
    // A drive without CD Mastering does not have the command.
    if (!this.methods.sao) throw check(5, 0x20, 0x00);
    const disc = this.requireMedium();
    if (this.medium.family !== "CD") throw SENSE.incompatibleMedium();
    const size = cueSheetSize(cmd.cdb);
    if (size !== cmd.transferLength || size === 0 || size % 8 !== 0 || size > MAX_CUE_SHEET_BYTES) {
      throw invalidCdbField(6);
    }
    if ((this.writeParameters[2] & 0x0f) !== 2) throw SENSE.commandSequence();
    const data = cmd.buffer ?? new Uint8Array(0);
    if (data.length < size) throw check(5, 0x1a, 0x00);
    let entries: ReturnType<typeof decodeCueSheet>;
    try {
      entries = decodeCueSheet(data.subarray(0, size));
    } catch {
      // A time field that is no MSF address: point at the first such entry's time.
      const at = Array.from({ length: size / 8 }, (_, i) => i).find(
        (i) => data[i * 8 + 6] > 59 || data[i * 8 + 7] > 74,
      );
      throw invalidParameter((at ?? 0) * 8 + 5);
    }
    this.cue = disc.planSao(entries);
  }

  // MMC-6 6.2 BLANK: CD-RW only, blanking type 000b (disc) or 001b (minimal); the disc file is emptied.
  private blank(cdb: Uint8Array): void {
    const disc = this.requireMedium();
    if (!this.medium.blankable) throw SENSE.incompatibleMedium();
    if ((cdb[1] & 0x07) > 1) throw invalidCdbField(1, 0);
    fs.ftruncateSync(this.fd, 0);
    this.unsynced = true;
    this.cue = null;
    disc.blank();
    this.persist();
    if (cdb[1] & 0x10) this.startLongOperation(0x07);
  }

  // MMC-6 6.5 FORMAT UNIT: DVD+RW basic format (26h, the whole disc), BD-RE full format (00h, 30h, 31h) of up to the
  // capacity; without a parameter list (FmtData 0) the whole disc. Formatting empties the disc file.
  private formatUnit(cmd: NormalizedCommand): void {
    const disc = this.requireMedium();
    const cdb = cmd.cdb;
    if (!this.medium.formattable) throw SENSE.cannotFormat();
    let blocks = disc.capacity;
    let immediate = false;
    if (cdb[1] & 0x10) {
      if ((cdb[1] & 0x07) !== 1) throw invalidCdbField(1, 0);
      if (cmd.transferLength < 12 || !cmd.buffer) throw check(5, 0x1a, 0x00);
      let p: ReturnType<typeof decodeFormatParameterList>;
      try {
        p = decodeFormatParameterList(cmd.buffer);
      } catch {
        throw invalidParameter(2);
      }
      const n = p.descriptor.numberOfBlocks;
      const type = p.descriptor.formatType;
      if (this.medium.name === "dvd+rw") {
        if (type !== FORMAT_TYPE.DVD_PLUS_RW_BASIC) throw invalidParameter(8);
        if (n !== 0xffffffff && n > disc.capacity) throw invalidParameter(4);
      } else {
        const types: number[] = [
          FORMAT_TYPE.FULL,
          FORMAT_TYPE.BD_RE_FULL_WITH_SPARE,
          FORMAT_TYPE.BD_RE_FULL_WITHOUT_SPARE,
        ];
        if (!types.includes(type)) throw invalidParameter(8);
        if (n === 0 || n > disc.capacity || n % this.medium.align !== 0) throw invalidParameter(4);
        blocks = n;
      }
      immediate = p.formatOptionsValid && p.immediate;
    }
    fs.ftruncateSync(this.fd, 0);
    this.unsynced = true;
    disc.format(blocks);
    this.persist();
    if (immediate) this.startLongOperation(0x04);
  }

  // SBC-3/MMC-6 START STOP UNIT: LoEj with Start 0 ejects (refused while locked), with Start 1 loads.
  private startStopUnit(cdb: Uint8Array): void {
    if (cdb[4] >> 4 !== 0) return;
    const loej = (cdb[4] & 0x02) !== 0;
    const start = (cdb[4] & 0x01) !== 0;
    const state = this.disc.state;
    if (!loej) {
      if (start && !this.present) throw SENSE.noMedium();
      return;
    }
    if (!start) {
      // 5/53/02 MEDIUM REMOVAL PREVENTED.
      if (this.locked) throw check(5, 0x53, 0x02);
      if (this.present) this.mediaEvent = MEDIA_EVENT.MEDIA_REMOVAL;
      this.disc.stopBackgroundFormat();
      this.cue = null;
      state.trayOpen = true;
      state.mediumPresent = false;
      this.longOperation = null;
    } else {
      const wasIn = state.mediumPresent;
      state.trayOpen = false;
      state.mediumPresent = true;
      if (!wasIn && !this.mediumGone) {
        this.unitAttention = true;
        this.mediaEvent = MEDIA_EVENT.NEW_MEDIA;
      }
    }
    this.persist();
  }

  // MMC-6 6.31 SET STREAMING: a type 00h performance descriptor is checked and accepted.
  private setStreaming(cmd: NormalizedCommand): void {
    const cdb = cmd.cdb;
    if (cdb[8] !== 0) throw invalidCdbField(8);
    if (getUint16(cdb, 9) < 28 || cmd.transferLength < 28 || !cmd.buffer) throw invalidCdbField(9);
    const d = decodePerformanceDescriptor(cmd.buffer);
    if (!d.restoreDefaults && d.startLba > d.endLba) throw invalidParameter(4);
  }

  // MMC-6 6.8 GET PERFORMANCE: type 00h nominal performance, type 03h write speeds.
  private getPerformance(cdb: Uint8Array): Uint8Array {
    const type = cdb[10];
    const max = getUint16(cdb, 8);
    if (type === 0x03) {
      const list = writeSpeedDescriptors(this.present ? this.disc : null);
      return encodeWriteSpeeds(list.slice(0, max), list.length);
    }
    if (type !== 0x00) throw invalidCdbField(10);
    const disc = this.requireMedium();
    const write = (cdb[1] & 0x04) !== 0;
    if ((cdb[1] & 0x03) !== 0) {
      // The exception list: empty (the simulated disc has no slow zones).
      const out = new Uint8Array(8);
      setUint32(out, 0, 4);
      out[4] = (write ? 0x02 : 0) | 0x01;
      return out;
    }
    const speed = writeSpeedsKBps(disc)[0] ?? 0;
    const nominal = [{ startLba: 0, startPerformance: speed, endLba: disc.capacity - 1, endPerformance: speed }];
    return encodeNominalPerformance(nominal.slice(0, max), write, 1);
  }

  // MMC-6 6.7 GET EVENT STATUS NOTIFICATION (polled): the media class; new media after a load, removal after eject.
  private eventStatus(cdb: Uint8Array): Uint8Array {
    if ((cdb[1] & 0x01) === 0) throw invalidCdbField(1, 0);
    const media = 1 << 4;
    if ((cdb[4] & media) === 0) return cut(encodeEventStatus(media), getUint16(cdb, 7));
    const event = this.mediaEvent ?? MEDIA_EVENT.NO_CHANGE;
    this.mediaEvent = null;
    return cut(
      encodeEventStatus(media, {
        event,
        mediumPresent: this.present,
        trayOpen: this.disc.state.trayOpen,
        startSlot: 0,
        endSlot: 0,
      }),
      getUint16(cdb, 7),
    );
  }
}

/** The first `length` bytes of an answer (the allocation length). */
function cut(data: Uint8Array, length: number): Uint8Array {
  return data.length > length ? data.subarray(0, length) : data;
}
