// Windows: SCSI commands through DeviceIoControl(IOCTL_SCSI_PASS_THROUGH_DIRECT) on \\.\CdRomN or \\.\X: (ntddscsi.h).
// The struct marshalling is pure (encodeSptd/decodeSptd, tested against the documented x64 layout); the Win32
// calls sit behind SptiApi, which the real implementation runs in a worker thread through koffi (GetLastError is
// per thread, like errno: it must be read on the thread that made the call) and tests replace with a fake.
import { createRequire } from "node:module";
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

/** CTL_CODE(IOCTL_SCSI_BASE 4, 0x405, METHOD_BUFFERED, FILE_READ_ACCESS | FILE_WRITE_ACCESS) (ntddscsi.h). */
export const IOCTL_SCSI_PASS_THROUGH_DIRECT = 0x4d014;
/** CTL_CODE(IOCTL_STORAGE_BASE 0x2D, 0x500, METHOD_BUFFERED, FILE_ANY_ACCESS) (ntddstor.h). */
export const IOCTL_STORAGE_QUERY_PROPERTY = 0x2d1400;
/** ntddscsi.h DataIn values. */
export const SCSI_IOCTL_DATA = { OUT: 0, IN: 1, UNSPECIFIED: 2 } as const;

// ntddscsi.h SCSI_PASS_THROUGH_DIRECT, x64: natural alignment puts DataBuffer at 24 and pads the end to 56 bytes.
export const SPTD = {
  length: 0, // USHORT Length = sizeof(SCSI_PASS_THROUGH_DIRECT)
  scsiStatus: 2, // UCHAR ScsiStatus (output)
  pathId: 3, // UCHAR PathId
  targetId: 4, // UCHAR TargetId
  lun: 5, // UCHAR Lun
  cdbLength: 6, // UCHAR CdbLength
  senseInfoLength: 7, // UCHAR SenseInfoLength
  dataIn: 8, // UCHAR DataIn (then 3 bytes of padding)
  dataTransferLength: 12, // ULONG DataTransferLength (output: bytes transferred)
  timeOutValue: 16, // ULONG TimeOutValue, seconds (then 4 bytes of padding)
  dataBuffer: 24, // PVOID DataBuffer
  senseInfoOffset: 32, // ULONG SenseInfoOffset, from the start of the structure
  cdb: 36, // UCHAR Cdb[16]
  size: 56,
} as const;

/** Sense bytes appended after the structure (SCSI_PASS_THROUGH_DIRECT_WITH_BUFFER style). */
export const SPTI_SENSE_LENGTH = 32;

/** Default alignment mask when the adapter cannot be asked: 8-byte aligned buffers satisfy every common HBA. */
export const DEFAULT_ALIGNMENT_MASK = 7;

/** Where each part lies in the block handed to DeviceIoControl: structure, sense, then room for the aligned data. */
export interface SptdLayout {
  senseOffset: number;
  /** Start of the data area; the data itself goes at the first address inside it that the adapter accepts. */
  dataStart: number;
  byteLength: number;
}

export function sptdLayout(transferLength: number, alignmentMask: number): SptdLayout {
  const senseOffset = SPTD.size;
  const dataStart = senseOffset + SPTI_SENSE_LENGTH;
  return { senseOffset, dataStart, byteLength: dataStart + transferLength + alignmentMask };
}

/** Offset (from the block start) of the first address at or after `dataStart` aligned per `alignmentMask`. */
export function alignedDataOffset(blockAddress: bigint, dataStart: number, alignmentMask: number): number {
  const mask = BigInt(alignmentMask);
  const at = blockAddress + BigInt(dataStart);
  return dataStart + Number(((at + mask) & ~mask) - at);
}

/**
 * Encodes SCSI_PASS_THROUGH_DIRECT for `command` into the first 56 bytes of `mem` (DataBuffer left 0: it is an
 * address, set where the block's address is known). PathId/TargetId/Lun are 0: the class driver fills them in.
 */
export function encodeSptd(mem: Uint8Array, command: NormalizedCommand, timeoutMs: number): void {
  const v = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  mem.fill(0, 0, SPTD.size);
  v.setUint16(SPTD.length, SPTD.size, true);
  v.setUint8(SPTD.cdbLength, command.cdb.length);
  v.setUint8(SPTD.senseInfoLength, SPTI_SENSE_LENGTH);
  v.setUint8(
    SPTD.dataIn,
    command.direction === "in"
      ? SCSI_IOCTL_DATA.IN
      : command.direction === "out"
        ? SCSI_IOCTL_DATA.OUT
        : SCSI_IOCTL_DATA.UNSPECIFIED,
  );
  v.setUint32(SPTD.dataTransferLength, command.transferLength, true);
  v.setUint32(SPTD.timeOutValue, Math.max(1, Math.ceil(timeoutMs / 1000)), true);
  v.setUint32(SPTD.senseInfoOffset, SPTD.size, true);
  mem.set(command.cdb, SPTD.cdb);
}

export interface SptdOutput {
  scsiStatus: number;
  senseInfoLength: number;
  dataTransferLength: number;
  dataBuffer: bigint;
}

export function decodeSptd(mem: Uint8Array): SptdOutput {
  const v = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  return {
    scsiStatus: v.getUint8(SPTD.scsiStatus),
    senseInfoLength: v.getUint8(SPTD.senseInfoLength),
    dataTransferLength: v.getUint32(SPTD.dataTransferLength, true),
    dataBuffer: v.getBigUint64(SPTD.dataBuffer, true),
  };
}

// ntddstor.h STORAGE_PROPERTY_QUERY { PropertyId = StorageAdapterProperty (1), QueryType = PropertyStandardQuery (0) }.
export function encodeAdapterPropertyQuery(): Uint8Array {
  const q = new Uint8Array(12);
  new DataView(q.buffer).setUint32(0, 1, true);
  return q;
}

// ntddstor.h STORAGE_ADAPTER_DESCRIPTOR: Version, Size, MaximumTransferLength (8), MaximumPhysicalPages (12),
// AlignmentMask (16), each a ULONG.
export function decodeAdapterDescriptor(d: Uint8Array): { maximumTransferLength: number; alignmentMask: number } {
  if (d.length < 20) return { maximumTransferLength: 0, alignmentMask: DEFAULT_ALIGNMENT_MASK };
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return { maximumTransferLength: v.getUint32(8, true), alignmentMask: v.getUint32(16, true) };
}

// winerror.h codes the pass-through path meets.
export const WIN32_ERROR = {
  ERROR_INVALID_FUNCTION: 1,
  ERROR_FILE_NOT_FOUND: 2,
  ERROR_PATH_NOT_FOUND: 3,
  ERROR_ACCESS_DENIED: 5,
  ERROR_INVALID_HANDLE: 6,
  ERROR_NOT_READY: 21,
  ERROR_SHARING_VIOLATION: 32,
  ERROR_NOT_SUPPORTED: 50,
  ERROR_DEV_NOT_EXIST: 55,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_SEM_TIMEOUT: 121,
  ERROR_BUSY: 170,
  ERROR_IO_DEVICE: 1117,
  ERROR_NO_MEDIA_IN_DRIVE: 1112,
  ERROR_TIMEOUT: 1460,
} as const;

/** A DeviceError with advice for a GetLastError() value. */
export function deviceErrorFromWin32(error: number, device: string, during: string): DeviceError {
  const name = Object.entries(WIN32_ERROR).find(([, v]) => v === error)?.[0] ?? `Win32 error ${error}`;
  const what = during === "open" ? "cannot open" : `${during} failed on`;
  switch (error) {
    case WIN32_ERROR.ERROR_ACCESS_DENIED:
      return new DeviceError(
        "permission",
        device,
        `access denied on ${device}: sending SCSI commands needs an elevated prompt (Run as administrator)`,
        name,
      );
    case WIN32_ERROR.ERROR_SHARING_VIOLATION:
    case WIN32_ERROR.ERROR_BUSY:
      return new DeviceError(
        "busy",
        device,
        `drive in use by another program (close other burning software and Explorer windows on ${device})`,
        name,
      );
    case WIN32_ERROR.ERROR_NOT_READY:
    case WIN32_ERROR.ERROR_NO_MEDIA_IN_DRIVE:
      return new DeviceError("no-medium", device, `${device}: no medium in the drive`, name);
    case WIN32_ERROR.ERROR_FILE_NOT_FOUND:
    case WIN32_ERROR.ERROR_PATH_NOT_FOUND:
    case WIN32_ERROR.ERROR_DEV_NOT_EXIST:
      return new DeviceError(
        "no-device",
        device,
        `${what} ${device}: no such device (list the drives with: discburn drives)`,
        name,
      );
    case WIN32_ERROR.ERROR_INVALID_FUNCTION:
    case WIN32_ERROR.ERROR_NOT_SUPPORTED:
    case WIN32_ERROR.ERROR_INVALID_PARAMETER:
      return new DeviceError(
        "not-mmc",
        device,
        `${device} is not a SCSI/MMC device (use a drive such as \\\\.\\CdRom0 or \\\\.\\E:)`,
        name,
      );
    case WIN32_ERROR.ERROR_SEM_TIMEOUT:
    case WIN32_ERROR.ERROR_TIMEOUT:
      return new DeviceError("timeout", device, `${what} ${device}: the drive did not answer in time`, name);
    case WIN32_ERROR.ERROR_INVALID_HANDLE:
      return new DeviceError("closed", device, `${what} ${device}: the handle is no longer valid`, name);
    default:
      return new DeviceError("io", device, `${what} ${device}: ${name}`, name);
  }
}

/** Where the worker writes the block's own address plus an offset (the SPTD's DataBuffer pointer). */
export interface PointerPatch {
  /** Offset of the 8-byte pointer field. */
  at: number;
  dataStart: number;
  dataLength: number;
  alignmentMask: number;
  /** The data to send sits at dataStart: move it to the aligned place before the call ("out"). */
  moveIn: boolean;
  /** Move received data from the aligned place back to dataStart after the call ("in"). */
  moveOut: boolean;
}

/**
 * Before DeviceIoControl: picks the aligned place for the data inside the block whose address is `base`, moves
 * the data to send there, and writes its address into the pointer field. Returns the data's offset. Self-contained
 * (the worker thread runs this very function's source).
 */
export function placeData(mem: Uint8Array, base: bigint, p: PointerPatch): number {
  const mask = BigInt(p.alignmentMask);
  const start = base + BigInt(p.dataStart);
  const at = p.dataStart + Number(((start + mask) & ~mask) - start);
  if (p.moveIn) mem.copyWithin(at, p.dataStart, p.dataStart + p.dataLength);
  new DataView(mem.buffer, mem.byteOffset, mem.byteLength).setBigUint64(
    p.at,
    p.dataLength > 0 ? base + BigInt(at) : BigInt(0),
    true,
  );
  return at;
}

/** After DeviceIoControl: received data goes back from its aligned place to dataStart. */
export function collectData(mem: Uint8Array, p: PointerPatch, at: number): void {
  if (p.moveOut) mem.copyWithin(p.dataStart, at, at + p.dataLength);
}

/** The Win32 calls the transport needs (kernel32 CreateFileW, DeviceIoControl, CloseHandle). */
export interface SptiApi {
  createFile(path: string, access: "read-write" | "read"): Promise<{ handle: bigint } | { lastError: number }>;
  deviceIoControl(
    handle: bigint,
    code: number,
    block: SharedArrayBuffer,
    inLength: number,
    outLength: number,
    patch?: PointerPatch,
  ): Promise<{ ok: boolean; bytesReturned: number; lastError: number }>;
  closeHandle(handle: bigint): Promise<void>;
}

/** \\.\CdRom0 and \\.\E: as given; "E:" and "e" become \\.\E:, "CdRom0" becomes \\.\CdRom0. */
export function windowsDevicePath(name: string): string {
  if (/^\\\\[.?]\\/.test(name)) return name;
  const letter = /^([A-Za-z]):?\\?$/.exec(name);
  if (letter) return `\\\\.\\${letter[1].toUpperCase()}:`;
  if (/^cdrom\d+$/i.test(name)) return `\\\\.\\CdRom${name.slice(5)}`;
  return name;
}

export class WindowsSptiTransport implements ScsiTransport {
  private handle: bigint | null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly device: string,
    handle: bigint,
    readonly readOnly: boolean,
    private readonly api: SptiApi,
    readonly alignmentMask: number,
  ) {
    this.handle = handle;
  }

  /** CreateFileW (read-write, else read-only), then the adapter's alignment mask (IOCTL_STORAGE_QUERY_PROPERTY). */
  static async open(name: string, options: { readOnly?: boolean; api?: SptiApi } = {}): Promise<WindowsSptiTransport> {
    const device = windowsDevicePath(name);
    const api = options.api ?? (await koffiSptiApi());
    let readOnly = options.readOnly === true;
    let opened = await api.createFile(device, readOnly ? "read" : "read-write");
    if ("lastError" in opened && !readOnly && opened.lastError === WIN32_ERROR.ERROR_ACCESS_DENIED) {
      opened = await api.createFile(device, "read");
      readOnly = true;
    }
    if ("lastError" in opened) throw deviceErrorFromWin32(opened.lastError, device, "open");
    const block = new SharedArrayBuffer(64);
    new Uint8Array(block).set(encodeAdapterPropertyQuery());
    const r = await api.deviceIoControl(opened.handle, IOCTL_STORAGE_QUERY_PROPERTY, block, 12, 64);
    const mask = r.ok
      ? decodeAdapterDescriptor(new Uint8Array(block, 0, r.bytesReturned)).alignmentMask
      : DEFAULT_ALIGNMENT_MASK;
    return new WindowsSptiTransport(device, opened.handle, readOnly, api, Math.min(4095, Math.max(mask, 0)));
  }

  execute(command: ScsiCommand | RawScsiCommand, options: ExecuteOptions): Promise<ScsiResult> {
    const cmd = normalizeCommand(command);
    const run = this.queue.then(() => this.run(cmd, options));
    this.queue = run.catch(() => {});
    return run;
  }

  private async run(cmd: NormalizedCommand, options: ExecuteOptions): Promise<ScsiResult> {
    if (this.handle === null) throw new DeviceError("closed", this.device, `${this.device} is closed`);
    const layout = sptdLayout(cmd.transferLength, this.alignmentMask);
    const block = new SharedArrayBuffer(layout.byteLength);
    const mem = new Uint8Array(block);
    encodeSptd(mem, cmd, options.timeoutMs);
    if (cmd.direction === "out" && cmd.buffer) mem.set(cmd.buffer, layout.dataStart);
    const started = performance.now();
    const size = SPTD.size + SPTI_SENSE_LENGTH;
    const r = await this.api.deviceIoControl(this.handle, IOCTL_SCSI_PASS_THROUGH_DIRECT, block, size, size, {
      at: SPTD.dataBuffer,
      dataStart: layout.dataStart,
      dataLength: cmd.transferLength,
      alignmentMask: this.alignmentMask,
      moveIn: cmd.direction === "out",
      moveOut: cmd.direction === "in",
    });
    const durationMs = performance.now() - started;
    if (!r.ok) throw deviceErrorFromWin32(r.lastError, this.device, cmd.name);
    const out = decodeSptd(mem);
    const transferred = Math.min(out.dataTransferLength, cmd.transferLength);
    const senseLength = Math.min(SPTI_SENSE_LENGTH, out.senseInfoLength);
    const senseBytes =
      out.scsiStatus === 0 && senseLength === 0
        ? new Uint8Array(0)
        : mem.slice(layout.senseOffset, layout.senseOffset + (senseLength || SPTI_SENSE_LENGTH));
    let data: Uint8Array = new Uint8Array(0);
    if (cmd.direction === "in") {
      const received = mem.subarray(layout.dataStart, layout.dataStart + transferred);
      if (cmd.buffer) {
        cmd.buffer.set(received);
        data = cmd.buffer.subarray(0, transferred);
      } else data = received.slice();
    }
    return {
      status: out.scsiStatus & 0xfe,
      sense: out.scsiStatus === 0 ? null : senseFrom(senseBytes),
      senseBytes,
      residual: cmd.transferLength - transferred,
      durationMs,
      data,
    };
  }

  async close(): Promise<void> {
    await this.queue;
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await this.api.closeHandle(handle);
  }
}

// The worker side of the real SptiApi (exported for a syntax check): kernel32 called synchronously, GetLastError read
// on the same thread.
export const SPTI_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const koffi = require(workerData.koffi);
const k32 = koffi.load("kernel32.dll");
const msvcrt = koffi.load("msvcrt.dll");
const CreateFileW = k32.func("__stdcall", "CreateFileW", "intptr_t", ["str16", "uint32_t", "uint32_t", "void *", "uint32_t", "uint32_t", "void *"]);
const DeviceIoControl = k32.func("__stdcall", "DeviceIoControl", "int", ["intptr_t", "uint32_t", "uint8_t *", "uint32_t", "uint8_t *", "uint32_t", "_Out_ uint32_t *", "void *"]);
const CloseHandle = k32.func("__stdcall", "CloseHandle", "int", ["intptr_t"]);
const GetLastError = k32.func("__stdcall", "GetLastError", "uint32_t", []);
const memmove = msvcrt.func("void *memmove(void *dest, const void *src, size_t n)");
${placeData.toString()}
${collectData.toString()}
parentPort.on("message", (m) => {
  if (m.op === "open") {
    const h = CreateFileW(m.path, m.access, 3, null, 3, 0, null);
    const lastError = h === -1 ? GetLastError() : 0;
    parentPort.postMessage({ id: m.id, handle: String(h), lastError });
  } else if (m.op === "ioctl") {
    const mem = new Uint8Array(m.block);
    const p = m.patch;
    const at = p ? placeData(mem, koffi.address(memmove(mem, mem, 0)), p) : 0;
    const returned = [0];
    const ok = DeviceIoControl(BigInt(m.handle), m.code, mem, m.inLength, mem, m.outLength, returned, null) !== 0;
    const lastError = ok ? 0 : GetLastError();
    if (p) collectData(mem, p, at);
    parentPort.postMessage({ id: m.id, ok, bytesReturned: returned[0], lastError });
  } else if (m.op === "close") {
    CloseHandle(BigInt(m.handle));
    parentPort.postMessage({ id: m.id });
  }
});
`;

// winnt.h access rights and the request a worker answers.
const GENERIC_READ = 0x80000000;
const GENERIC_WRITE = 0x40000000;

/** The real SptiApi: one worker thread running kernel32 through koffi. */
async function koffiSptiApi(): Promise<SptiApi> {
  const koffi = createRequire(import.meta.url).resolve("koffi");
  const worker = new Worker(SPTI_WORKER_SOURCE, { eval: true, workerData: { koffi } });
  worker.unref();
  let nextId = 1;
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  worker.on("message", (reply: Record<string, unknown>) => {
    const id = reply.id as number;
    pending.get(id)?.(reply);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
  });
  const call = (message: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      worker.ref();
      worker.postMessage({ ...message, id });
    });
  return {
    async createFile(path, access) {
      const r = await call({
        op: "open",
        path,
        access: access === "read" ? GENERIC_READ : (GENERIC_READ | GENERIC_WRITE) >>> 0,
      });
      return (r.lastError as number) !== 0
        ? { lastError: r.lastError as number }
        : { handle: BigInt(r.handle as string) };
    },
    async deviceIoControl(handle, code, block, inLength, outLength, patch) {
      const r = await call({ op: "ioctl", handle: String(handle), code, block, inLength, outLength, patch });
      return { ok: r.ok as boolean, bytesReturned: r.bytesReturned as number, lastError: r.lastError as number };
    },
    async closeHandle(handle) {
      await call({ op: "close", handle: String(handle) });
      await worker.terminate();
    },
  };
}
