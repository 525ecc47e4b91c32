// Drive logic against a fake transport: the real answers of a tgt DVD+R recorder (tgtTranscripts.ts) and hand-made
// CD/BD answers built with the package's own encoders (MMC-6 layouts): media state, sessions, next writable address,
// the READ TOC fallback QEMU needs, retries with fake timers, READ(10) as a block source.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  DeviceError,
  type DiscInformationFields,
  Drive,
  type ExecuteOptions,
  encodeCapacity,
  encodeConfiguration,
  encodeDiscInformation,
  encodeFixedSense,
  encodeTrackInformation,
  fromHex,
  type RawScsiCommand,
  SCSI_STATUS,
  type ScsiCommand,
  ScsiError,
  type ScsiResult,
  type ScsiTransport,
  type SenseFields,
  senseFrom,
  type TrackInformationFields,
  toHex,
  unsupportedPlatform,
} from "../src/index.js";
import * as tgt from "./tgtTranscripts.js";

type Answer = { data?: Uint8Array; sense?: SenseFields; status?: number };
type Responder = (cdb: Uint8Array, call: number) => Answer | undefined;

/** Answers by opcode; unknown commands get ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (20/00). */
class FakeTransport implements ScsiTransport {
  readonly device = "/dev/fake";
  readonly readOnly = false;
  readonly sent: string[] = [];
  readonly timeouts: number[] = [];
  closed = false;
  private readonly calls = new Map<number, number>();

  constructor(private readonly responders: Record<number, Responder>) {}

  async execute(command: ScsiCommand | RawScsiCommand, options: ExecuteOptions): Promise<ScsiResult> {
    const cdb = command.cdb;
    this.sent.push(toHex(cdb));
    this.timeouts.push(options.timeoutMs);
    const call = this.calls.get(cdb[0]) ?? 0;
    this.calls.set(cdb[0], call + 1);
    const answer = this.responders[cdb[0]]?.(cdb, call) ?? { sense: { key: 5, asc: 0x20, ascq: 0 } };
    const senseBytes = answer.sense ? encodeFixedSense(answer.sense) : new Uint8Array(0);
    const full = answer.data ?? new Uint8Array(0);
    const data = command.direction === "in" ? full.slice(0, command.transferLength) : new Uint8Array(0);
    return {
      status: answer.status ?? (answer.sense ? SCSI_STATUS.CHECK_CONDITION : SCSI_STATUS.GOOD),
      sense: senseFrom(senseBytes),
      senseBytes,
      residual: command.direction === "in" ? command.transferLength - data.length : 0,
      durationMs: 1,
      data,
    };
  }

  count(opcode: number): number {
    return this.calls.get(opcode) ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const NO_MEDIUM: Answer = { sense: { key: 2, asc: 0x3a, ascq: 0 } };

function disc(fields: Partial<DiscInformationFields>): Uint8Array {
  return encodeDiscInformation({
    discStatus: 2,
    lastSessionState: 3,
    erasable: false,
    firstTrackOnDisc: 1,
    numberOfSessions: 1,
    firstTrackInLastSession: 1,
    lastTrackInLastSession: 1,
    discIdValid: false,
    barCodeValid: false,
    applicationCodeValid: false,
    unrestrictedUse: true,
    dirty: false,
    backgroundFormatStatus: 0,
    discType: 0,
    discIdentification: 0,
    lastSessionLeadInStart: 0xffffffff,
    lastPossibleLeadOutStart: 0xffffffff,
    discBarCode: new Uint8Array(8),
    discApplicationCode: 0,
    opcTables: [],
    ...fields,
  });
}

function track(fields: Partial<TrackInformationFields> & { trackNumber: number; sessionNumber: number }): Uint8Array {
  return encodeTrackInformation({
    layerJumpRecordingStatus: 0,
    damage: false,
    copy: false,
    trackMode: 4,
    reservedTrack: false,
    blank: false,
    packetIncremental: false,
    fixedPacket: false,
    dataMode: 1,
    lastRecordedAddressValid: false,
    nextWritableAddressValid: false,
    trackStart: 0,
    nextWritableAddress: 0,
    freeBlocks: 0,
    ...fields,
  });
}

/** The responders every loaded medium has: TEST UNIT READY good, a current profile, a capacity. */
function medium(profile: number, lastLba: number, more: Record<number, Responder>): Record<number, Responder> {
  return {
    0: () => ({}),
    70: () => ({ data: encodeConfiguration(profile, []) }),
    37: () => ({ data: encodeCapacity({ lastLba, blockLength: 2048 }) }),
    ...more,
  };
}

/** READ TRACK INFORMATION by track number from a table. */
function tracksByNumber(table: Record<number, Uint8Array>): Responder {
  return (cdb) => {
    const n = (cdb[2] << 24) | (cdb[3] << 16) | (cdb[4] << 8) | cdb[5];
    const t = table[n];
    return t ? { data: t } : { sense: { key: 5, asc: 0x24, ascq: 0 } };
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Drive: identity and capabilities (tgt DVD+R recorder)", () => {
  it("INQUIRY gives vendor, product, revision", async () => {
    const t = new FakeTransport({ 18: () => ({ data: tgt.INQUIRY.data }) });
    const id = await new Drive(t).identity();
    expect(id).toEqual({
      vendor: "STGT_DVD",
      product: "DVD+R",
      revision: "0085",
      peripheralDeviceType: 5,
      removable: true,
    });
  });

  it("GET CONFIGURATION: header first, then the whole answer; DVD+R is writable", async () => {
    const t = new FakeTransport({
      70: (cdb) => ({
        data: cdb[8] === 8 ? tgt.GET_CONFIGURATION_HEADER.data : tgt.GET_CONFIGURATION_CURRENT_BLANK.data,
      }),
    });
    const caps = await new Drive(t).capabilities();
    expect(t.sent).toEqual(["46 00 00 00 00 00 00 00 08 00", "46 00 00 00 00 00 00 00 74 00"]);
    expect(caps.currentProfile).toBe(0x1b);
    expect(caps.profiles).toEqual([
      { number: 0x10, name: "DVD-ROM", current: false },
      { number: 0x1b, name: "DVD+R", current: true },
    ]);
    expect(caps.writableProfiles.map((p) => p.name)).toEqual(["DVD+R"]);
    expect(caps.features.map((f) => f.code)).toContain(0x2b);
  });
});

describe("Drive: media state", () => {
  it("blank DVD+R (tgt): blank, no session, next writable address 0, the whole disc free", async () => {
    const t = new FakeTransport(
      medium(0x1b, 0, {
        81: () => ({ data: tgt.READ_DISC_INFORMATION_BLANK.data }),
        82: () => ({ data: tgt.READ_TRACK_INFORMATION_BLANK.data }),
      }),
    );
    const drive = new Drive(t);
    const m = await drive.mediaInfo();
    expect(m).toMatchObject({
      present: true,
      profile: 0x1b,
      profileName: "DVD+R",
      family: "DVD",
      status: "blank",
      erasable: false,
      sessions: [],
      lastSessionStart: null,
      nextWritableAddress: 0,
      freeBlocks: 0x230540,
      totalBlocks: 0x230540,
      readableBlocks: 0,
    });
    expect(m.tracks).toEqual([
      expect.objectContaining({ number: 1, session: 1, start: 0, blank: true, nextWritableAddress: 0 }),
    ]);
    expect(drive.blockCount).toBe(0);
    expect(t.sent).toContain("52 01 00 00 00 01 00 00 30 00");
  });

  it("closed DVD+R (tgt, 116 blocks written): complete, one session at 0, nothing writable", async () => {
    const t = new FakeTransport(
      medium(0x1b, 115, {
        81: () => ({ data: tgt.READ_DISC_INFORMATION_COMPLETE.data }),
        82: () => ({ data: tgt.READ_TRACK_INFORMATION_CLOSED.data }),
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m).toMatchObject({
      status: "complete",
      sessions: [{ number: 1, start: 0, end: 116, complete: true, tracks: [1] }],
      lastSessionStart: 0,
      nextWritableAddress: null,
      freeBlocks: 0,
      totalBlocks: 116,
      readableBlocks: 116,
      notes: [],
    });
    expect(m.tracks).toEqual([
      expect.objectContaining({ number: 1, session: 1, start: 0, size: 116, isData: true, lastRecordedAddress: 115 }),
    ]);
    // READ TOC (which tgt answers short) is not needed when track information is there.
    expect(t.count(0x43)).toBe(0);
  });

  it("appendable multisession CD-R: two closed sessions, an open one; the import reads the second", async () => {
    const t = new FakeTransport(
      medium(0x09, 17_899, {
        81: () => ({
          data: disc({
            discStatus: 1,
            lastSessionState: 0,
            numberOfSessions: 3,
            firstTrackInLastSession: 3,
            lastTrackInLastSession: 3,
          }),
        }),
        82: tracksByNumber({
          1: track({ trackNumber: 1, sessionNumber: 1, trackStart: 0, trackSize: 5_000 }),
          2: track({ trackNumber: 2, sessionNumber: 2, trackStart: 16_400, trackSize: 1_500 }),
          3: track({
            trackNumber: 3,
            sessionNumber: 3,
            blank: true,
            trackStart: 24_800,
            nextWritableAddressValid: true,
            nextWritableAddress: 24_800,
            freeBlocks: 334_000,
          }),
        }),
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m.status).toBe("appendable");
    expect(m.family).toBe("CD");
    expect(m.sessions).toEqual([
      { number: 1, start: 0, end: 5_000, complete: true, tracks: [1] },
      { number: 2, start: 16_400, end: 17_900, complete: true, tracks: [2] },
    ]);
    expect(m.lastSessionStart).toBe(16_400);
    expect(m.nextWritableAddress).toBe(24_800);
    expect(m.freeBlocks).toBe(334_000);
    expect(m.totalBlocks).toBe(24_800 + 334_000);
  });

  it("appendable DVD-R with an incomplete last session: the import reads the previous, complete one", async () => {
    const t = new FakeTransport(
      medium(0x11, 2_999, {
        81: () => ({
          data: disc({
            discStatus: 1,
            lastSessionState: 1,
            numberOfSessions: 2,
            firstTrackInLastSession: 2,
            lastTrackInLastSession: 2,
          }),
        }),
        82: tracksByNumber({
          1: track({ trackNumber: 1, sessionNumber: 1, trackStart: 0, trackSize: 2_000 }),
          2: track({
            trackNumber: 2,
            sessionNumber: 2,
            trackStart: 2_000,
            trackSize: 1_000,
            packetIncremental: true,
            nextWritableAddressValid: true,
            nextWritableAddress: 3_000,
            freeBlocks: 2_000_000,
          }),
        }),
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m.sessions.map((s) => [s.number, s.start, s.complete])).toEqual([
      [1, 0, true],
      [2, 2_000, false],
    ]);
    expect(m.lastSessionStart).toBe(0);
    expect(m.nextWritableAddress).toBe(3_000);
  });

  it("formatted BD-RE: random access, erasable, capacity from READ CAPACITY", async () => {
    const t = new FakeTransport(
      medium(0x43, 12_219_391, {
        81: () => ({ data: disc({ discStatus: 3, erasable: true }) }),
        82: tracksByNumber({
          1: track({ trackNumber: 1, sessionNumber: 1, trackMode: 7, trackStart: 0, trackSize: 12_219_392 }),
        }),
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m).toMatchObject({
      profileName: "BD-RE",
      family: "BD",
      status: "random-access",
      erasable: true,
      totalBlocks: 12_219_392,
      readableBlocks: 12_219_392,
      lastSessionStart: 0,
    });
  });

  it("a drive without READ TRACK INFORMATION (QEMU): tracks from READ TOC, checked against READ CAPACITY", async () => {
    const toc = fromHex("00 12 01 01 00 14 01 00 00 00 00 00 00 14 aa 00 00 00 00 de");
    const t = new FakeTransport(
      medium(0x08, 221, {
        81: () => ({ data: fromHex("00 20 0e 01 01 01 01 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00") }),
        67: (cdb) => ((cdb[2] & 0x0f) === 0 ? { data: toc } : { data: fromHex("00 0a 01 01 00 14 01 00 00 00 00 00") }),
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m).toMatchObject({
      profileName: "CD-ROM",
      status: "complete",
      sessions: [{ number: 1, start: 0, end: 222, complete: true, tracks: [1] }],
      tracks: [{ number: 1, session: 1, start: 0, size: 222, isData: true, blank: false }],
      lastSessionStart: 0,
      totalBlocks: 222,
      readableBlocks: 222,
      nextWritableAddress: null,
    });
    expect(m.notes).toEqual(["READ TRACK INFORMATION refused: tracks from READ TOC"]);
  });

  it("cross-check: a READ TOC lead-out that disagrees with READ CAPACITY is noted", async () => {
    const toc = fromHex("00 12 01 01 00 14 01 00 00 00 00 00 00 14 aa 00 00 00 01 00");
    const t = new FakeTransport(
      medium(0x10, 221, {
        81: () => ({ data: tgt.READ_DISC_INFORMATION_COMPLETE.data }),
        67: (cdb) => ((cdb[2] & 0x0f) === 0 ? { data: toc } : { sense: { key: 5, asc: 0x24, ascq: 0 } }),
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m.notes).toContain("READ TOC lead-out 256 differs from READ CAPACITY 222 blocks");
    expect(m.readableBlocks).toBe(222);
  });

  it("tgt's short READ TOC: the lead-out is not trusted", async () => {
    const t = new FakeTransport(
      medium(0x10, 1663, {
        81: () => ({ data: tgt.READ_DISC_INFORMATION_COMPLETE.data }),
        67: (cdb) =>
          (cdb[2] & 0x0f) === 0 ? { data: tgt.READ_TOC_FORMATTED.data } : { data: tgt.READ_TOC_MULTISESSION.data },
      }),
    );
    const m = await new Drive(t).mediaInfo();
    expect(m.notes).toContain("READ TOC answered short (the lead-out address may be wrong)");
    expect(m.tracks).toEqual([expect.objectContaining({ number: 1, start: 0, size: 1664 })]);
    expect(m.totalBlocks).toBe(1664);
  });

  it("no medium: TEST UNIT READY NOT READY 3A/00", async () => {
    const t = new FakeTransport({ 0: () => NO_MEDIUM });
    const m = await new Drive(t).mediaInfo();
    expect(m).toMatchObject({ present: false, profile: 0, status: null, sessions: [], totalBlocks: 0 });
    expect(t.sent).toEqual(["00 00 00 00 00 00"]);
  });
});

describe("Drive: retries", () => {
  it("NOT READY, becoming ready (04/01): polled every 500 ms until ready", async () => {
    vi.useFakeTimers();
    const t = new FakeTransport({ 0: (_, call) => (call < 3 ? { sense: { key: 2, asc: 4, ascq: 1 } } : {}) });
    const present = new Drive(t).mediumPresent();
    await vi.advanceTimersByTimeAsync(1_499);
    expect(t.count(0x00)).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    await expect(present).resolves.toBe(true);
    expect(t.count(0x00)).toBe(4);
  });

  it("UNIT ATTENTION (28/00 medium changed): sent again at once, a bounded number of times", async () => {
    const once = new FakeTransport({ 0: (_, call) => (call === 0 ? { sense: { key: 6, asc: 0x28, ascq: 0 } } : {}) });
    await expect(new Drive(once).mediumPresent()).resolves.toBe(true);
    expect(once.count(0x00)).toBe(2);
    const always = new FakeTransport({ 0: () => ({ sense: { key: 6, asc: 0x29, ascq: 0 } }) });
    await expect(new Drive(always, { maxUnitAttentionRetries: 3 }).mediumPresent()).rejects.toThrow(ScsiError);
    expect(always.count(0x00)).toBe(4);
  });

  it("a drive that never becomes ready: gives up at the standard's bound (60 s), not before", async () => {
    vi.useFakeTimers();
    const t = new FakeTransport({ 0: () => ({ sense: { key: 2, asc: 4, ascq: 1 } }) });
    const present = new Drive(t).mediumPresent();
    const outcome = present.then(
      () => "resolved",
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(t.count(0x00)).toBe(119);
    await vi.advanceTimersByTimeAsync(2_000);
    const e = await outcome;
    expect(e).toBeInstanceOf(ScsiError);
    expect((e as ScsiError).message).toMatch(/becoming ready/);
    expect(t.count(0x00)).toBe(121);
  });

  it("maxRetryWaitMs bounds the wait below the standard's", async () => {
    vi.useFakeTimers();
    const t = new FakeTransport({ 0: () => ({ sense: { key: 2, asc: 4, ascq: 1 } }) });
    const outcome = new Drive(t, { maxRetryWaitMs: 2_000 }).mediumPresent().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await outcome).toBeInstanceOf(ScsiError);
    expect(t.count(0x00)).toBe(5);
  });

  it("final errors are not retried: ILLEGAL REQUEST, MEDIUM ERROR", async () => {
    const t = new FakeTransport({
      40: () => ({ sense: { key: 3, asc: 0x11, ascq: 0, valid: true, information: 20 } }),
    });
    const drive = new Drive(t);
    const e = await drive
      .run({ cdb: fromHex("28 00 00 00 00 14 00 00 01 00"), direction: "in", transferLength: 2048 })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScsiError);
    expect((e as ScsiError).message).toMatch(/READ\(10\) failed at LBA 20/);
    expect(t.count(0x28)).toBe(1);
  });

  it("runs one command at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const slow: ScsiTransport = {
      device: "/dev/slow",
      readOnly: true,
      async execute() {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return {
          status: 0,
          sense: null,
          senseBytes: new Uint8Array(0),
          residual: 0,
          durationMs: 5,
          data: new Uint8Array(0),
        };
      },
      async close() {},
    };
    const drive = new Drive(slow);
    await Promise.all([drive.lock(), drive.unlock(), drive.load(), drive.mediumPresent()]);
    expect(most).toBe(1);
  });
});

describe("Drive: tray, lock, speeds", () => {
  it("eject unlocks first and sends START STOP UNIT LoEj=1 Start=0; load LoEj=1 Start=1", async () => {
    const t = new FakeTransport({ 27: () => ({}), 30: () => ({}) });
    const drive = new Drive(t);
    await drive.eject();
    await drive.load();
    await drive.lock();
    await drive.unlock();
    expect(t.sent).toEqual([
      tgt.SENT.allowRemoval,
      tgt.SENT.eject,
      tgt.SENT.load,
      tgt.SENT.preventRemoval,
      tgt.SENT.allowRemoval,
    ]);
    expect(t.timeouts[1]).toBe(60_000);
  });

  it("write speeds from GET PERFORMANCE type 03h (tgt blank DVD+R: 3324 kB/s = 2.4x)", async () => {
    const t = new FakeTransport({ 172: () => ({ data: tgt.GET_PERFORMANCE_WRITE_SPEED_BLANK.data }) });
    expect(await new Drive(t).writeSpeeds("DVD")).toEqual([{ kBps: 3324, multiple: 2.4 }]);
  });

  it("write speeds from mode page 2Ah when GET PERFORMANCE is refused", async () => {
    const t = new FakeTransport({ 90: () => ({ data: tgt.MODE_SENSE_CAPABILITIES.data }) });
    const speeds = await new Drive(t).writeSpeeds("DVD");
    expect(speeds.length).toBeGreaterThan(0);
    expect(speeds[0].kBps).toBe(0x108a);
  });
});

describe("Drive as a block source", () => {
  it("reads with READ(10), 32 blocks per command, within the capacity", async () => {
    const t = new FakeTransport({
      37: () => ({ data: encodeCapacity({ lastLba: 99, blockLength: 2048 }) }),
      40: (cdb) => {
        const lba = (cdb[2] << 24) | (cdb[3] << 16) | (cdb[4] << 8) | cdb[5];
        const blocks = (cdb[7] << 8) | cdb[8];
        const data = new Uint8Array(blocks * 2048);
        for (let i = 0; i < blocks; i++) data.fill((lba + i) & 0xff, i * 2048, (i + 1) * 2048);
        return { data };
      },
    });
    const drive = new Drive(t);
    const bytes = await drive.read(10, 40);
    expect(drive.blockCount).toBe(100);
    expect(bytes.length).toBe(40 * 2048);
    expect(bytes[0]).toBe(10);
    expect(bytes[39 * 2048]).toBe(49);
    expect(t.sent.filter((c) => c.startsWith("28"))).toEqual([
      "28 00 00 00 00 0a 00 00 20 00",
      "28 00 00 00 00 2a 00 00 08 00",
    ]);
    await expect(drive.read(90, 11)).rejects.toThrow(/past the end/);
    await drive.close();
    expect(t.closed).toBe(true);
  });

  it("a short READ(10) answer is an error, not silently short data", async () => {
    const t = new FakeTransport({
      37: () => ({ data: encodeCapacity({ lastLba: 99, blockLength: 2048 }) }),
      40: () => ({ data: new Uint8Array(1024) }),
    });
    await expect(new Drive(t).read(0, 1)).rejects.toThrow(DeviceError);
  });
});

describe("unsupported platforms", () => {
  it("say what is not supported and what still works", () => {
    const e = unsupportedPlatform("/dev/rdisk2", "darwin");
    expect(e.kind).toBe("unsupported-platform");
    expect(e.message).toMatch(/burning on macOS\/BSD is not supported yet; image building works everywhere/);
  });
});
