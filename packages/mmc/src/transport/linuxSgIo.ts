// Linux: SCSI commands through ioctl(fd, SG_IO, &sg_io_hdr) on /dev/srN or /dev/sgN (linux/include/uapi/scsi/sg.h).
//
// The ioctl runs in a worker thread of its own (one per open device), called synchronously there through koffi,
// so that errno is read on the thread that made the call: koffi's async calls run on libuv's pool and errno is
// lost by the time the callback runs (tested: an async ioctl failing with ENOTTY reports errno 0). The worker also
// keeps long commands (a 10-minute BLANK, a SYNCHRONIZE CACHE) off both the event loop and libuv's pool, so file
// I/O is never starved. Header, CDB, sense and data live in one SharedArrayBuffer: the worker patches the three
// pointers into the header and calls ioctl; no bytes are copied between threads. See docs/FFI.md.
import { close as closeCallback, constants as fsConstants, open as openCallback, stat as statCallback } from "node:fs";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import type { ScsiCommand } from "../commands/cdb.js";
import {
  DeviceError,
  type ExecuteOptions,
  type NormalizedCommand,
  normalizeCommand,
  type RawScsiCommand,
  type ScsiResult,
  type ScsiTransport,
  senseFrom,
} from "./transport.js";

const openAsync = promisify(openCallback);
const closeAsync = promisify(closeCallback);
const statAsync = promisify(statCallback);

/** SG_IO request number (sg.h: `#define SG_IO 0x2285`). */
export const SG_IO = 0x2285;
/** SG_GET_VERSION_NUM (sg.h): answered by sg and by the block layer for sr, refused (ENOTTY) by anything else. */
export const SG_GET_VERSION_NUM = 0x2282;
/** sg.h dxfer_direction values. */
export const SG_DXFER = { NONE: -1, TO_DEV: -2, FROM_DEV: -3 } as const;

// sg.h struct sg_io_hdr on LP64 (x86-64, aarch64): offsets of each field, 88 bytes in all.
export const SG_IO_HDR = {
  interfaceId: 0, // int, 'S'
  dxferDirection: 4, // int
  cmdLen: 8, // unsigned char
  mxSbLen: 9, // unsigned char
  iovecCount: 10, // unsigned short
  dxferLen: 12, // unsigned int
  dxferp: 16, // void *
  cmdp: 24, // unsigned char *
  sbp: 32, // unsigned char *
  timeout: 40, // unsigned int, milliseconds
  flags: 44, // unsigned int
  packId: 48, // int
  usrPtr: 56, // void *
  status: 64, // unsigned char
  maskedStatus: 65, // unsigned char
  msgStatus: 66, // unsigned char
  sbLenWr: 67, // unsigned char
  hostStatus: 68, // unsigned short
  driverStatus: 70, // unsigned short
  resid: 72, // int
  duration: 76, // unsigned int, milliseconds
  info: 80, // unsigned int
  size: 88,
} as const;

/** Sense buffer offered to the kernel (SPC-4 allows up to 252 bytes; drives send 18 to 32). */
export const SENSE_BUFFER_LENGTH = 96;

/** Where each part lies in the shared block: header, CDB, sense, then data (8-byte aligned). */
export interface SgIoLayout {
  cdbOffset: number;
  senseOffset: number;
  dataOffset: number;
  byteLength: number;
}

export function sgIoLayout(transferLength: number): SgIoLayout {
  const cdbOffset = SG_IO_HDR.size;
  const senseOffset = cdbOffset + 16;
  const dataOffset = senseOffset + SENSE_BUFFER_LENGTH;
  return { cdbOffset, senseOffset, dataOffset, byteLength: dataOffset + transferLength };
}

/**
 * Fills the input fields of an sg_io_hdr (pointers left 0: the worker sets them to addresses in the same block).
 * `mem` is the whole shared block laid out by sgIoLayout().
 */
export function encodeSgIoHeader(mem: Uint8Array, command: NormalizedCommand, timeoutMs: number): SgIoLayout {
  const layout = sgIoLayout(command.transferLength);
  if (mem.length < layout.byteLength) throw new RangeError(`SG_IO block of ${mem.length} bytes is too small`);
  const v = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  v.setInt32(SG_IO_HDR.interfaceId, 0x53, true);
  const direction =
    command.direction === "in" ? SG_DXFER.FROM_DEV : command.direction === "out" ? SG_DXFER.TO_DEV : SG_DXFER.NONE;
  v.setInt32(SG_IO_HDR.dxferDirection, direction, true);
  v.setUint8(SG_IO_HDR.cmdLen, command.cdb.length);
  v.setUint8(SG_IO_HDR.mxSbLen, SENSE_BUFFER_LENGTH);
  v.setUint16(SG_IO_HDR.iovecCount, 0, true);
  v.setUint32(SG_IO_HDR.dxferLen, command.transferLength, true);
  v.setUint32(SG_IO_HDR.timeout, Math.max(1, Math.min(0xfffffffe, Math.round(timeoutMs))), true);
  v.setUint32(SG_IO_HDR.flags, 0, true);
  mem.set(command.cdb, layout.cdbOffset);
  if (command.direction === "out" && command.buffer) mem.set(command.buffer, layout.dataOffset);
  return layout;
}

/** The output fields of an sg_io_hdr. */
export interface SgIoOutput {
  status: number;
  maskedStatus: number;
  sbLenWr: number;
  hostStatus: number;
  driverStatus: number;
  resid: number;
  duration: number;
  info: number;
}

export function decodeSgIoHeader(mem: Uint8Array): SgIoOutput {
  const v = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  return {
    status: v.getUint8(SG_IO_HDR.status),
    maskedStatus: v.getUint8(SG_IO_HDR.maskedStatus),
    sbLenWr: v.getUint8(SG_IO_HDR.sbLenWr),
    hostStatus: v.getUint16(SG_IO_HDR.hostStatus, true),
    driverStatus: v.getUint16(SG_IO_HDR.driverStatus, true),
    resid: v.getInt32(SG_IO_HDR.resid, true),
    duration: v.getUint32(SG_IO_HDR.duration, true),
    info: v.getUint32(SG_IO_HDR.info, true),
  };
}

// include/scsi/scsi_status.h host byte (DID_*) names.
const HOST_STATUS: readonly string[] = [
  "DID_OK",
  "DID_NO_CONNECT",
  "DID_BUS_BUSY",
  "DID_TIME_OUT",
  "DID_BAD_TARGET",
  "DID_ABORT",
  "DID_PARITY",
  "DID_ERROR",
  "DID_RESET",
  "DID_BAD_INTR",
  "DID_PASSTHROUGH",
  "DID_SOFT_ERROR",
  "DID_IMM_RETRY",
  "DID_REQUEUE",
  "DID_TRANSPORT_DISRUPTED",
  "DID_TRANSPORT_FAILFAST",
];
const DID_NO_CONNECT = 0x01;
const DID_TIME_OUT = 0x03;
const DID_BAD_TARGET = 0x04;
/** sg.h driver_status: DRIVER_TIMEOUT in the low nibble. */
const DRIVER_TIMEOUT = 0x06;

export function hostStatusName(hostStatus: number): string {
  return HOST_STATUS[hostStatus] ?? `host status 0x${hostStatus.toString(16)}`;
}

/**
 * A DeviceError for an operating system error on a device: the advice a user needs for each errno.
 * `during` says what was attempted ("open", or a command's name).
 */
export function deviceErrorFromErrno(code: string, device: string, during: string, cause?: unknown): DeviceError {
  const opts = cause === undefined ? undefined : { cause };
  const what = during === "open" ? "cannot open" : `${during} failed on`;
  switch (code) {
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new DeviceError(
        "permission",
        device,
        `permission denied on ${device}: add yourself to the cdrom group (sudo usermod -aG cdrom $USER) and log in again`,
        code,
        opts,
      );
    case "EBUSY":
      return new DeviceError(
        "busy",
        device,
        `drive in use by another program (close it, or find it with fuser -v ${device})`,
        code,
        opts,
      );
    case "ENOMEDIUM":
      return new DeviceError("no-medium", device, `${device}: no medium in the drive`, code, opts);
    case "ENOENT":
    case "ENODEV":
    case "ENXIO":
      return new DeviceError(
        "no-device",
        device,
        `${what} ${device}: no such device (list the drives with: discburn drives)`,
        code,
        opts,
      );
    case "ENOTTY":
    case "EINVAL":
    case "ENOTBLK":
    case "EISDIR":
      return new DeviceError(
        "not-mmc",
        device,
        `${device} is not a SCSI/MMC device (use a drive such as /dev/sr0 or /dev/sg0)`,
        code,
        opts,
      );
    case "ETIMEDOUT":
      return new DeviceError("timeout", device, `${what} ${device}: the drive did not answer in time`, code, opts);
    default:
      return new DeviceError("io", device, `${what} ${device}: ${code}`, code, opts);
  }
}

// Runs in the worker: loads koffi, calls ioctl synchronously and reads errno on the same thread.
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const koffi = require(workerData.koffi);
let libc;
try { libc = koffi.load("libc.so.6"); } catch { libc = koffi.load(null); }
const ioctl = libc.func("int ioctl(int fd, unsigned long request, uint8_t *arg)");
const memmove = libc.func("void *memmove(void *dest, const void *src, size_t n)");
const names = {};
for (const [name, value] of Object.entries(koffi.os.errno)) if (names[value] === undefined) names[value] = name;
parentPort.on("message", (m) => {
  let rc = -1;
  let errno = 0;
  let value = 0;
  try {
    const mem = new Uint8Array(m.sab);
    if (m.op === "sgio") {
      const base = koffi.address(memmove(mem, mem, 0));
      const v = new DataView(m.sab);
      v.setBigUint64(${SG_IO_HDR.dxferp}, m.transferLength > 0 ? base + BigInt(m.dataOffset) : 0n, true);
      v.setBigUint64(${SG_IO_HDR.cmdp}, base + BigInt(m.cdbOffset), true);
      v.setBigUint64(${SG_IO_HDR.sbp}, base + BigInt(m.senseOffset), true);
    }
    koffi.errno(0);
    rc = ioctl(m.fd, m.request, mem);
    errno = rc < 0 ? koffi.errno() : 0;
    if (m.op === "version") value = new DataView(m.sab).getInt32(0, true);
    parentPort.postMessage({ id: m.id, rc, errno, code: names[errno] || ("errno " + errno), value });
  } catch (e) {
    parentPort.postMessage({ id: m.id, rc: -1, errno: 0, code: "EFFI", message: String(e && e.message || e) });
  }
});
`;

interface WorkerReply {
  id: number;
  rc: number;
  errno: number;
  code: string;
  value?: number;
  message?: string;
}

/** Options of LinuxSgIoTransport.open. */
export interface LinuxSgIoOpenOptions {
  /** Open O_RDONLY from the start (reading discs needs no more); default: O_RDWR, falling back to O_RDONLY. */
  readOnly?: boolean;
}

/** SG_IO through koffi in a worker thread; one command at a time per device. */
export class LinuxSgIoTransport implements ScsiTransport {
  private fd: number | null;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: WorkerReply) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly device: string,
    fd: number,
    readonly readOnly: boolean,
  ) {
    this.fd = fd;
  }

  /**
   * Opens a drive: O_RDWR|O_NONBLOCK (without O_NONBLOCK, sr refuses an empty drive with ENOMEDIUM), O_RDONLY when
   * writing is not permitted; then SG_GET_VERSION_NUM proves that the device takes SG_IO.
   */
  static async open(device: string, options: LinuxSgIoOpenOptions = {}): Promise<LinuxSgIoTransport> {
    if (process.platform !== "linux") {
      throw new DeviceError("unsupported-platform", device, "SG_IO exists on Linux only");
    }
    try {
      const st = await statAsync(device);
      if (!st.isCharacterDevice() && !st.isBlockDevice()) throw deviceErrorFromErrno("ENOTTY", device, "open");
    } catch (e) {
      if (e instanceof DeviceError) throw e;
      throw deviceErrorFromErrno((e as NodeJS.ErrnoException).code ?? "EIO", device, "open", e);
    }
    const { O_RDWR, O_RDONLY, O_NONBLOCK } = fsConstants;
    let fd: number;
    let readOnly = options.readOnly === true;
    try {
      fd = await openAsync(device, (readOnly ? O_RDONLY : O_RDWR) | O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "EIO";
      if (readOnly || (code !== "EACCES" && code !== "EPERM" && code !== "EROFS")) {
        throw deviceErrorFromErrno(code, device, "open", e);
      }
      try {
        fd = await openAsync(device, O_RDONLY | O_NONBLOCK);
        readOnly = true;
      } catch (e2) {
        throw deviceErrorFromErrno((e2 as NodeJS.ErrnoException).code ?? "EIO", device, "open", e2);
      }
    }
    const transport = new LinuxSgIoTransport(device, fd, readOnly);
    try {
      const r = await transport.call("version", SG_GET_VERSION_NUM, new SharedArrayBuffer(8), {});
      if (r.rc < 0) throw deviceErrorFromErrno(r.code, device, "open");
    } catch (e) {
      await transport.close();
      throw e;
    }
    return transport;
  }

  private startWorker(): Worker {
    if (this.worker) return this.worker;
    const koffi = createRequire(import.meta.url).resolve("koffi");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { koffi } });
    worker.unref();
    worker.on("message", (r: WorkerReply) => {
      const resolve = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      resolve?.(r);
    });
    worker.on("error", (e) => this.failAll(e));
    worker.on("exit", () => {
      this.worker = null;
      this.failAll(new DeviceError("closed", this.device, `${this.device}: the SG_IO worker ended`));
    });
    this.worker = worker;
    return worker;
  }

  private readonly rejecters = new Map<number, (e: unknown) => void>();

  private failAll(e: unknown): void {
    for (const [id, reject] of this.rejecters) {
      this.pending.delete(id);
      reject(e);
    }
    this.rejecters.clear();
  }

  private call(op: "sgio" | "version", request: number, sab: SharedArrayBuffer, extra: object): Promise<WorkerReply> {
    const fd = this.fd;
    if (fd === null) return Promise.reject(new DeviceError("closed", this.device, `${this.device} is closed`));
    const worker = this.startWorker();
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, (r) => {
        this.rejecters.delete(id);
        if (r.code === "EFFI") reject(new DeviceError("io", this.device, `${this.device}: FFI failure: ${r.message}`));
        else resolve(r);
      });
      this.rejecters.set(id, reject);
      worker.ref();
      worker.postMessage({ id, op, fd, request, sab, ...extra });
    });
  }

  execute(command: ScsiCommand | RawScsiCommand, options: ExecuteOptions): Promise<ScsiResult> {
    const cmd = normalizeCommand(command);
    const run = this.queue.then(() => this.run(cmd, options));
    this.queue = run.catch(() => {});
    return run;
  }

  private async run(cmd: NormalizedCommand, options: ExecuteOptions): Promise<ScsiResult> {
    const layout = sgIoLayout(cmd.transferLength);
    const sab = new SharedArrayBuffer(layout.byteLength);
    const mem = new Uint8Array(sab);
    encodeSgIoHeader(mem, cmd, options.timeoutMs);
    const started = performance.now();
    const reply = await this.call("sgio", SG_IO, sab, {
      transferLength: cmd.transferLength,
      cdbOffset: layout.cdbOffset,
      senseOffset: layout.senseOffset,
      dataOffset: layout.dataOffset,
    });
    const durationMs = performance.now() - started;
    if (reply.rc < 0) {
      // EPERM on a read-only descriptor: the kernel lets only read-class commands through (blk_verify_command).
      if (this.readOnly && (reply.code === "EPERM" || reply.code === "EACCES")) {
        throw new DeviceError(
          "permission",
          this.device,
          `${cmd.name} needs write access to ${this.device}, opened read-only: add yourself to the cdrom group ` +
            "(sudo usermod -aG cdrom $USER) and log in again",
          reply.code,
        );
      }
      throw deviceErrorFromErrno(reply.code, this.device, cmd.name);
    }
    const out = decodeSgIoHeader(mem);
    if (out.hostStatus === DID_TIME_OUT || (out.driverStatus & 0x0f) === DRIVER_TIMEOUT) {
      throw new DeviceError(
        "timeout",
        this.device,
        `${cmd.name} on ${this.device} timed out after ${options.timeoutMs} ms (the drive did not answer)`,
        hostStatusName(out.hostStatus),
      );
    }
    if (out.hostStatus === DID_NO_CONNECT || out.hostStatus === DID_BAD_TARGET) {
      throw new DeviceError(
        "no-device",
        this.device,
        `${cmd.name} on ${this.device}: the drive is gone (${hostStatusName(out.hostStatus)})`,
        hostStatusName(out.hostStatus),
      );
    }
    if (out.hostStatus !== 0) {
      throw new DeviceError(
        "io",
        this.device,
        `${cmd.name} on ${this.device} failed in the host adapter: ${hostStatusName(out.hostStatus)}`,
        hostStatusName(out.hostStatus),
      );
    }
    const senseBytes = mem.slice(layout.senseOffset, layout.senseOffset + Math.min(out.sbLenWr, SENSE_BUFFER_LENGTH));
    const residual = Math.max(0, Math.min(cmd.transferLength, out.resid));
    let data: Uint8Array = new Uint8Array(0);
    if (cmd.direction === "in") {
      const received = mem.subarray(layout.dataOffset, layout.dataOffset + cmd.transferLength - residual);
      if (cmd.buffer) {
        cmd.buffer.set(received);
        data = cmd.buffer.subarray(0, received.length);
      } else data = received.slice();
    }
    return {
      status: out.status & 0xfe,
      sense: senseFrom(senseBytes),
      senseBytes,
      residual,
      durationMs: out.duration > 0 ? out.duration : durationMs,
      data,
    };
  }

  async close(): Promise<void> {
    await this.queue;
    const fd = this.fd;
    this.fd = null;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    if (fd !== null) await closeAsync(fd);
  }
}
