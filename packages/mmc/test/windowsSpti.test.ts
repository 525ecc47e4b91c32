// The Windows transport as far as it runs here: SCSI_PASS_THROUGH_DIRECT against the documented x64 layout
// (ntddscsi.h), the IOCTL codes (CTL_CODE), data alignment, and the whole call path with a fake DeviceIoControl that
// behaves like the port driver (reads the structure, writes data at DataBuffer, status and sense after it).
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  alignedDataOffset,
  buildInquiry,
  buildModeSelect10,
  buildRead10,
  buildTestUnitReady,
  collectData,
  DeviceError,
  Drive,
  decodeAdapterDescriptor,
  decodeSptd,
  deviceErrorFromWin32,
  encodeAdapterPropertyQuery,
  encodeFixedSense,
  encodeInquiry,
  encodeSptd,
  IOCTL_SCSI_PASS_THROUGH_DIRECT,
  IOCTL_STORAGE_QUERY_PROPERTY,
  normalizeCommand,
  type PointerPatch,
  placeData,
  SPTD,
  SPTI_SENSE_LENGTH,
  SPTI_WORKER_SOURCE,
  type SptiApi,
  sptdLayout,
  toHex,
  WIN32_ERROR,
  WindowsSptiTransport,
  windowsDevicePath,
} from "../src/index.js";

// winioctl.h CTL_CODE(DeviceType, Function, Method, Access).
const ctlCode = (deviceType: number, fn: number, method: number, access: number) =>
  ((deviceType << 16) | (access << 14) | (fn << 2) | method) >>> 0;

describe("SCSI_PASS_THROUGH_DIRECT layout (x64)", () => {
  it("offsets follow C natural alignment of the documented members; 56 bytes in all", () => {
    // ntddscsi.h member order with their x64 sizes (PVOID 8, ULONG 4, USHORT 2, UCHAR 1).
    const members: [keyof typeof SPTD, number, number][] = [
      ["length", 2, 1],
      ["scsiStatus", 1, 1],
      ["pathId", 1, 1],
      ["targetId", 1, 1],
      ["lun", 1, 1],
      ["cdbLength", 1, 1],
      ["senseInfoLength", 1, 1],
      ["dataIn", 1, 1],
      ["dataTransferLength", 4, 1],
      ["timeOutValue", 4, 1],
      ["dataBuffer", 8, 1],
      ["senseInfoOffset", 4, 1],
      ["cdb", 1, 16],
    ];
    let offset = 0;
    let maxAlign = 1;
    for (const [name, size, count] of members) {
      offset = Math.ceil(offset / size) * size;
      maxAlign = Math.max(maxAlign, size);
      expect(SPTD[name], name).toBe(offset);
      offset += size * count;
    }
    expect(SPTD.size).toBe(Math.ceil(offset / maxAlign) * maxAlign);
    expect(SPTD).toMatchObject({ dataBuffer: 24, senseInfoOffset: 32, cdb: 36, size: 56 });
  });

  it("IOCTL codes are CTL_CODE(IOCTL_SCSI_BASE, 0x405, METHOD_BUFFERED, read|write) and (STORAGE, 0x500, …, any)", () => {
    expect(IOCTL_SCSI_PASS_THROUGH_DIRECT).toBe(ctlCode(0x04, 0x405, 0, 3));
    expect(IOCTL_SCSI_PASS_THROUGH_DIRECT).toBe(0x4d014);
    expect(IOCTL_STORAGE_QUERY_PROPERTY).toBe(ctlCode(0x2d, 0x500, 0, 0));
    expect(IOCTL_STORAGE_QUERY_PROPERTY).toBe(0x2d1400);
  });

  it("encodes READ(10): length, CDB, sense length and offset, DataIn, byte count, timeout in seconds", () => {
    const mem = new Uint8Array(SPTD.size);
    encodeSptd(mem, normalizeCommand(buildRead10({ lba: 16, blocks: 2 })), 30_500);
    const expected = new Uint8Array(SPTD.size);
    expected.set([56, 0], 0); // Length
    expected[6] = 10; // CdbLength
    expected[7] = SPTI_SENSE_LENGTH; // SenseInfoLength
    expected[8] = 1; // DataIn = SCSI_IOCTL_DATA_IN
    expected.set([0x00, 0x10, 0, 0], 12); // DataTransferLength 4096, little-endian
    expected.set([31, 0, 0, 0], 16); // TimeOutValue: 31 s (rounded up)
    expected.set([56, 0, 0, 0], 32); // SenseInfoOffset: right after the structure
    expected.set([0x28, 0, 0, 0, 0, 0x10, 0, 0, 2, 0], 36); // Cdb
    expect(toHex(mem)).toBe(toHex(expected));
  });

  it("DataIn: 0 for data out, 2 for no data", () => {
    const out = new Uint8Array(SPTD.size);
    encodeSptd(out, normalizeCommand(buildModeSelect10(new Uint8Array(16))), 1000);
    expect(out[SPTD.dataIn]).toBe(0);
    expect(out[SPTD.dataTransferLength]).toBe(16);
    const none = new Uint8Array(SPTD.size);
    encodeSptd(none, normalizeCommand(buildTestUnitReady()), 1000);
    expect(none[SPTD.dataIn]).toBe(2);
    expect(none[SPTD.cdbLength]).toBe(6);
  });

  it("STORAGE_PROPERTY_QUERY for the adapter, and its AlignmentMask", () => {
    expect(toHex(encodeAdapterPropertyQuery())).toBe("01 00 00 00 00 00 00 00 00 00 00 00");
    const d = new Uint8Array(32);
    new DataView(d.buffer).setUint32(8, 0x20000, true);
    new DataView(d.buffer).setUint32(16, 3, true);
    expect(decodeAdapterDescriptor(d)).toEqual({ maximumTransferLength: 0x20000, alignmentMask: 3 });
    expect(decodeAdapterDescriptor(new Uint8Array(8)).alignmentMask).toBe(7);
  });

  it("data goes to the first address the adapter accepts", () => {
    expect(alignedDataOffset(0x1000n, 88, 7)).toBe(88);
    expect(alignedDataOffset(0x1001n, 88, 7)).toBe(95);
    expect(alignedDataOffset(0x1003n, 88, 511)).toBe(88 + (0x1200 - 0x1003 - 88));
    expect(alignedDataOffset(0x1003n, 88, 0)).toBe(88);
    for (const [base, mask] of [
      [0x7ff012345671n, 3],
      [0x7ff012345671n, 511],
      [0x10n, 4095],
    ] as const) {
      const at = alignedDataOffset(base, 88, mask);
      expect(Number((base + BigInt(at)) & BigInt(mask))).toBe(0);
      expect(at - 88).toBeLessThanOrEqual(mask);
    }
  });

  it("placeData moves outgoing data to the aligned place and points DataBuffer at it; collectData brings data back", () => {
    const layout = sptdLayout(4, 15);
    const mem = new Uint8Array(layout.byteLength);
    mem.set([1, 2, 3, 4], layout.dataStart);
    const patch: PointerPatch = {
      at: SPTD.dataBuffer,
      dataStart: layout.dataStart,
      dataLength: 4,
      alignmentMask: 15,
      moveIn: true,
      moveOut: true,
    };
    const base = 0x5003n;
    const at = placeData(mem, base, patch);
    expect(Number((base + BigInt(at)) % 16n)).toBe(0);
    expect([...mem.subarray(at, at + 4)]).toEqual([1, 2, 3, 4]);
    expect(decodeSptd(mem).dataBuffer).toBe(base + BigInt(at));
    mem.set([9, 8, 7, 6], at);
    collectData(mem, patch, at);
    expect([...mem.subarray(layout.dataStart, layout.dataStart + 4)]).toEqual([9, 8, 7, 6]);
  });

  it("the worker's source is valid JavaScript (it runs only on Windows)", () => {
    expect(() => new Script(SPTI_WORKER_SOURCE)).not.toThrow();
    expect(SPTI_WORKER_SOURCE).toContain("function placeData(");
  });
});

describe("device paths and errors", () => {
  it("names a drive as Windows wants it", () => {
    expect(windowsDevicePath("E:")).toBe("\\\\.\\E:");
    expect(windowsDevicePath("e")).toBe("\\\\.\\E:");
    expect(windowsDevicePath("CdRom1")).toBe("\\\\.\\CdRom1");
    expect(windowsDevicePath("\\\\.\\CdRom0")).toBe("\\\\.\\CdRom0");
  });

  it("GetLastError values become errors with advice", () => {
    const d = "\\\\.\\CdRom0";
    expect(deviceErrorFromWin32(5, d, "open")).toMatchObject({ kind: "permission", code: "ERROR_ACCESS_DENIED" });
    expect(deviceErrorFromWin32(5, d, "open").message).toMatch(/Run as administrator/);
    expect(deviceErrorFromWin32(32, d, "open")).toMatchObject({ kind: "busy", code: "ERROR_SHARING_VIOLATION" });
    expect(deviceErrorFromWin32(2, d, "open").message).toMatch(/no such device/);
    expect(deviceErrorFromWin32(21, d, "READ(10)")).toMatchObject({ kind: "no-medium" });
    expect(deviceErrorFromWin32(1, d, "open")).toMatchObject({ kind: "not-mmc" });
    expect(deviceErrorFromWin32(121, d, "BLANK")).toMatchObject({ kind: "timeout" });
    expect(deviceErrorFromWin32(999, d, "open")).toMatchObject({ kind: "io", code: "Win32 error 999" });
  });
});

/** A fake port driver: answers INQUIRY, READ(10) (the LBA in every byte), TEST UNIT READY with a sense. */
class FakePortDriver implements SptiApi {
  readonly base = 0x2_0000_0003n;
  readonly seen: { code: number; cdb: string; dataBuffer: bigint; dataIn: number; timeout: number }[] = [];
  readonly opened: string[] = [];
  closed = 0;

  constructor(
    private readonly openErrors: number[] = [],
    private readonly alignmentMask = 3,
    private readonly ioctlError = 0,
  ) {}

  async createFile(path: string, access: "read-write" | "read") {
    this.opened.push(`${access} ${path}`);
    const e = this.openErrors.shift();
    return e ? { lastError: e } : { handle: 0x1234n };
  }

  async deviceIoControl(
    handle: bigint,
    code: number,
    block: SharedArrayBuffer,
    inLength: number,
    outLength: number,
    patch?: PointerPatch,
  ) {
    expect(handle).toBe(0x1234n);
    const mem = new Uint8Array(block);
    if (code === IOCTL_STORAGE_QUERY_PROPERTY) {
      expect(toHex(mem.subarray(0, inLength))).toBe(toHex(encodeAdapterPropertyQuery()));
      const v = new DataView(block);
      v.setUint32(4, 32, true);
      v.setUint32(16, this.alignmentMask, true);
      return { ok: true, bytesReturned: 32, lastError: 0 };
    }
    if (this.ioctlError) return { ok: false, bytesReturned: 0, lastError: this.ioctlError };
    expect(code).toBe(IOCTL_SCSI_PASS_THROUGH_DIRECT);
    expect(inLength).toBe(SPTD.size + SPTI_SENSE_LENGTH);
    expect(outLength).toBe(inLength);
    const at = patch ? placeData(mem, this.base, patch) : 0;
    const v = new DataView(block);
    const sptd = decodeSptd(mem);
    const cdb = mem.subarray(SPTD.cdb, SPTD.cdb + mem[SPTD.cdbLength]);
    this.seen.push({
      code,
      cdb: toHex(cdb),
      dataBuffer: sptd.dataBuffer,
      dataIn: mem[SPTD.dataIn],
      timeout: v.getUint32(SPTD.timeOutValue, true),
    });
    // The port driver writes through DataBuffer: here, an offset from the fake block address.
    const dataAt = Number(sptd.dataBuffer - this.base);
    if (cdb[0] === 0x12) {
      const inquiry = encodeInquiry({
        peripheralDeviceType: 5,
        removable: true,
        vendor: "HL-DT-ST",
        product: "DVDRAM GH24NSD1",
        revision: "LG00",
      });
      mem.set(inquiry, dataAt);
      v.setUint32(SPTD.dataTransferLength, inquiry.length, true);
    } else if (cdb[0] === 0x28) {
      mem.fill(cdb[5], dataAt, dataAt + sptd.dataTransferLength);
    } else if (cdb[0] === 0x00) {
      mem[SPTD.scsiStatus] = 0x02;
      const sense = encodeFixedSense({ key: 2, asc: 0x3a, ascq: 0x01 });
      mem.set(sense, v.getUint32(SPTD.senseInfoOffset, true));
      mem[SPTD.senseInfoLength] = sense.length;
    }
    if (patch) collectData(mem, patch, at);
    return { ok: true, bytesReturned: outLength, lastError: 0 };
  }

  async closeHandle() {
    this.closed++;
  }
}

describe("the SPTI call path with a fake DeviceIoControl", () => {
  it("opens read-write, learns the alignment mask, sends commands with aligned data buffers", async () => {
    const api = new FakePortDriver();
    const t = await WindowsSptiTransport.open("E:", { api });
    expect(api.opened).toEqual(["read-write \\\\.\\E:"]);
    expect(t.readOnly).toBe(false);
    expect(t.alignmentMask).toBe(3);
    const r = await t.execute(buildRead10({ lba: 7, blocks: 2 }), { timeoutMs: 5000 });
    expect(r.status).toBe(0);
    expect(r.sense).toBeNull();
    expect(r.residual).toBe(0);
    expect(r.data.length).toBe(4096);
    expect(r.data.every((b) => b === 7)).toBe(true);
    expect(api.seen[0]).toMatchObject({ cdb: "28 00 00 00 00 07 00 00 02 00", dataIn: 1, timeout: 5 });
    expect(Number(api.seen[0].dataBuffer & 3n)).toBe(0);
    await t.close();
    expect(api.closed).toBe(1);
  });

  it("reports residual and CHECK CONDITION with decoded sense", async () => {
    const t = await WindowsSptiTransport.open("\\\\.\\CdRom0", { api: new FakePortDriver() });
    const inq = await t.execute(buildInquiry({ allocationLength: 96 }), { timeoutMs: 1000 });
    expect(inq.data.length).toBe(36);
    expect(inq.residual).toBe(60);
    const tur = await t.execute(buildTestUnitReady(), { timeoutMs: 1000 });
    expect(tur.status).toBe(2);
    expect(tur.sense).toMatchObject({ key: 2, asc: 0x3a, ascq: 0x01 });
  });

  it("a Drive works over it: identity, and no medium from TEST UNIT READY", async () => {
    const transport = await WindowsSptiTransport.open("CdRom0", { api: new FakePortDriver([], 0) });
    const drive = new Drive(transport);
    expect(await drive.identity()).toMatchObject({ vendor: "HL-DT-ST", product: "DVDRAM GH24NSD1", revision: "LG00" });
    expect(await drive.mediumPresent()).toBe(false);
    await drive.close();
  });

  it("falls back to read-only access, and maps open and DeviceIoControl failures", async () => {
    const ro = new FakePortDriver([WIN32_ERROR.ERROR_ACCESS_DENIED]);
    const t = await WindowsSptiTransport.open("E:", { api: ro });
    expect(ro.opened).toEqual(["read-write \\\\.\\E:", "read \\\\.\\E:"]);
    expect(t.readOnly).toBe(true);
    const denied = WindowsSptiTransport.open("E:", { api: new FakePortDriver([5, 5]) });
    await expect(denied).rejects.toMatchObject({ kind: "permission" });
    await expect(WindowsSptiTransport.open("CdRom7", { api: new FakePortDriver([2]) })).rejects.toThrow(
      /no such device/,
    );
    await expect(WindowsSptiTransport.open("E:", { api: new FakePortDriver([32]) })).rejects.toMatchObject({
      kind: "busy",
    });
    const broken = await WindowsSptiTransport.open("E:", {
      api: new FakePortDriver([], 3, WIN32_ERROR.ERROR_INVALID_FUNCTION),
    });
    const e = await broken.execute(buildTestUnitReady(), { timeoutMs: 1000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect((e as DeviceError).kind).toBe("not-mmc");
  });
});
