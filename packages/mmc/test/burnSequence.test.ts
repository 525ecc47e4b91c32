// What burn() sends, per medium, checked against MMC-6's rules for each write strategy: write parameters only
// where the medium uses page 05h (CD: TAO, data track, mode 1, multi-session 11b unless closing; DVD-R:
// incremental), WRITE(10)s that cover the session's blocks exactly once and in order from its start, SYNCHRONIZE
// CACHE after the last one, then CLOSE TRACK naming the track and CLOSE SESSION or the finalising function. A CD
// drive without Track At Once (only CD Mastering with SAO) gets Session At Once instead: page 05h write type 2,
// SEND CUE SHEET, WRITEs from the pregap at -150 through the last block, SYNCHRONIZE CACHE, and no CLOSE (the drive
// closes the session itself). The recorder underneath is the software one; a transport in between records every CDB.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemImage } from "@discburn/fsimage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  burn,
  Drive,
  dataTrackCueSheet,
  decodeCueSheet,
  type ExecuteOptions,
  FEATURE,
  parseWriteParametersPage,
  type RawScsiCommand,
  type ScsiCommand,
  type ScsiResult,
  type ScsiTransport,
  SoftwareRecorder,
} from "../src/index.js";

class Recording implements ScsiTransport {
  readonly sent: Array<{ cdb: Uint8Array; data?: Uint8Array }> = [];
  constructor(private readonly inner: ScsiTransport) {}
  get device() {
    return this.inner.device;
  }
  get readOnly() {
    return this.inner.readOnly;
  }
  execute(command: ScsiCommand | RawScsiCommand, options: ExecuteOptions): Promise<ScsiResult> {
    const data = "data" in command ? command.data : "buffer" in command ? command.buffer : undefined;
    this.sent.push({
      cdb: Uint8Array.from(command.cdb),
      data: data ? Uint8Array.from(data.subarray(0, 64)) : undefined,
    });
    return this.inner.execute(command, options);
  }
  close() {
    return this.inner.close();
  }
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "discburn-seq-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

async function session() {
  const image = new FileSystemImage({ fileSystems: ["iso9660", "joliet"] });
  await image.addFile("/a.bin", new Uint8Array(300_000).fill(7));
  const r = image.createResultImage();
  return { start: 0, blocks: r.totalBlocks, chunks: (signal?: AbortSignal) => r.stream({ signal }) };
}

describe.each([
  ["cd-r", "page05-tao", [1, 2]],
  ["dvd-r", "page05-incremental", [1, 2]],
  ["dvd+r", null, [1, 2]],
  ["bd-r", null, [1, 2]],
  ["dvd+rw", null, []],
  ["bd-re", null, []],
] as const)("burn() on a %s", (profile, page, closes) => {
  for (const finalize of [false, true]) {
    it(`sends the strategy's commands in order (finalize: ${finalize})`, async () => {
      const rec = new Recording(await SoftwareRecorder.open(join(work, `${profile}-${finalize}.img`), { profile }));
      const drive = new Drive(rec);
      const s = await session();
      await burn(drive, s, { inhibitSleep: false, finalize, speed: 4 });
      await drive.close();
      const ops = rec.sent.map((c) => c.cdb[0]!);
      const firstWrite = ops.indexOf(0x2a);
      const lastWrite = ops.lastIndexOf(0x2a);
      expect(firstWrite).toBeGreaterThan(0);

      // Write parameters (MODE SELECT(10), 55h) before the first WRITE, only where page 05h applies.
      const selects = rec.sent.filter((c) => c.cdb[0] === 0x55);
      if (page === null) expect(selects).toEqual([]);
      else {
        expect(selects.length).toBe(1);
        expect(ops.indexOf(0x55)).toBeLessThan(firstWrite);
        // Read-modify-write: MODE SENSE(10) of page 05h (current values) before the MODE SELECT.
        const sense = rec.sent.findIndex((c) => c.cdb[0] === 0x5a && (c.cdb[2]! & 0x3f) === 0x05);
        expect(sense).toBeGreaterThan(-1);
        expect(sense).toBeLessThan(ops.indexOf(0x55));
        const list = selects[0].data!;
        const pageBytes = list.subarray(8); // MODE SELECT(10) parameter header is 8 bytes, no block descriptor
        expect(pageBytes[0]! & 0x3f).toBe(0x05);
        const wp = parseWriteParametersPage(pageBytes);
        if (page === "page05-tao") {
          expect([wp.writeType, wp.trackMode, wp.dataBlockType]).toEqual([1, 4, 8]); // TAO, data, mode 1
        } else expect(wp.writeType).toBe(0); // incremental
        expect(wp.multiSession).toBe(finalize ? 0 : 3);
        expect(wp.testWrite).toBe(false);
        // The recorder reports BUF in its CD TAO / DVD-R write features: BUFE is asked for.
        expect(wp.bufferUnderrunFree).toBe(true);
      }
      // Speed: SET CD SPEED (BBh) for CD at 4 x 176.4 kB/s, SET STREAMING (B6h) for DVD/BD.
      const speedOp = profile.startsWith("cd") ? 0xbb : 0xb6;
      expect(ops.indexOf(speedOp)).toBeGreaterThan(-1);
      expect(ops.indexOf(speedOp)).toBeLessThan(firstWrite);
      if (speedOp === 0xbb) expect(be16(rec.sent[ops.indexOf(0xbb)]!.cdb, 4)).toBe(Math.round(4 * 176.4));

      // WRITE(10)s: contiguous from the start, each block once, nothing else interleaved but buffer queries.
      let next = s.start;
      for (const c of rec.sent.slice(firstWrite, lastWrite + 1)) {
        if (c.cdb[0] === 0x5c) continue; // READ BUFFER CAPACITY
        expect(c.cdb[0]).toBe(0x2a);
        expect(be32(c.cdb, 2)).toBe(next);
        next += be16(c.cdb, 7);
      }
      // A CD track is at least 4 s (300 blocks) long: a shorter session is padded.
      expect(next).toBe(s.start + (profile.startsWith("cd") ? Math.max(300, s.blocks) : s.blocks));

      // Then SYNCHRONIZE CACHE (35h), then the closing functions (5Bh) for track 1 and the session / disc.
      const after = rec.sent.slice(lastWrite + 1).filter((c) => [0x35, 0x5b].includes(c.cdb[0]!));
      expect(after[0]!.cdb[0]).toBe(0x35);
      const closing = after.filter((c) => c.cdb[0] === 0x5b).map((c) => [c.cdb[2]! & 7, be16(c.cdb, 4)]);
      const finalFunction = profile === "dvd+r" ? 5 : profile === "bd-r" ? 6 : 2;
      const want =
        closes.length === 0
          ? // DVD+RW: the quick format goes on in the background until CLOSE 010b stops it with a lead-out.
            profile === "dvd+rw"
            ? [[2, 0]]
            : []
          : [
              [1, 1],
              [finalize ? finalFunction : 2, 0],
            ];
      expect(closing).toEqual(want);
      // The tray is locked while writing and unlocked afterwards (PREVENT ALLOW MEDIUM REMOVAL, 1Eh).
      const locks = rec.sent.filter((c) => c.cdb[0] === 0x1e).map((c) => c.cdb[4]! & 1);
      expect(locks).toEqual([1, 0]);
    });
  }
});

describe("burn() on a CD-R in a drive without Track At Once", () => {
  for (const finalize of [false, true]) {
    it(`writes Session At Once: page 05h, cue sheet, pregap, data, flush, no close (finalize: ${finalize})`, async () => {
      const recorder = await SoftwareRecorder.open(join(work, `cd-r-sao-${finalize}.img`), {
        profile: "cd-r",
        writeMethods: { tao: false },
      });
      const rec = new Recording(recorder);
      const drive = new Drive(rec);
      // The drive lists no CD Track at Once feature, and CD Mastering (002Eh) current with SAO.
      const config = await drive.configuration();
      expect(config.features.some((f) => f.code === FEATURE.CD_TRACK_AT_ONCE)).toBe(false);
      expect(config.features.find((f) => f.code === FEATURE.CD_MASTERING)).toMatchObject({
        current: true,
        sessionAtOnce: true,
      });
      const s = await session();
      const result = await burn(drive, s, { inhibitSleep: false, finalize, speed: 4 });
      expect(result.strategy).toBe("cd-sao");
      const state = recorder.snapshot();
      await drive.close();
      const ops = rec.sent.map((c) => c.cdb[0]!);
      const select = ops.indexOf(0x55);
      const cue = ops.indexOf(0x5d);
      const firstWrite = ops.indexOf(0x2a);
      const lastWrite = ops.lastIndexOf(0x2a);

      // MODE SELECT page 05h (once): SAO (2), data track mode 4, Mode 1 block type 8, multi-session 11b unless closing.
      expect(ops.filter((o) => o === 0x55)).toHaveLength(1);
      const wp = parseWriteParametersPage(rec.sent[select].data!.subarray(8));
      expect([wp.writeType, wp.trackMode, wp.dataBlockType, wp.multiSession]).toEqual([2, 4, 8, finalize ? 0 : 3]);
      expect(wp.testWrite).toBe(false);

      // SEND CUE SHEET (once) after the page, before the first WRITE: the session as the cue sheet standard lays it out.
      expect(ops.filter((o) => o === 0x5d)).toHaveLength(1);
      expect(select).toBeLessThan(cue);
      expect(cue).toBeLessThan(firstWrite);
      const cdb = rec.sent[cue]!.cdb;
      const size = (cdb[6]! << 16) | (cdb[7]! << 8) | cdb[8]!;
      expect(size).toBe(32);
      const track = Math.max(300, s.blocks);
      const entries = decodeCueSheet(rec.sent[cue].data!.subarray(0, size));
      expect(entries).toEqual(dataTrackCueSheet({ blocks: track, startLba: 0 }));
      expect(entries.map((e) => [e.control, e.adr, e.trackNumber, e.index, e.dataForm, e.lba])).toEqual([
        [4, 1, 0x00, 0, 0x14, -150], // lead-in: data, drive-generated Mode 1, 00:00:00
        [4, 1, 1, 0, 0x10, -150], // track 1 pregap from the host, 00:00:00
        [4, 1, 1, 1, 0x10, 0], // track 1 index 1, 00:02:00
        [4, 1, 0xaa, 1, 0x14, track], // lead-out after the (padded) track
      ]);

      // WRITE(10)s: contiguous from the pregap (-150 = FFFFFF6Ah) to the lead-out, each block once.
      let next = -150;
      for (const c of rec.sent.slice(firstWrite, lastWrite + 1)) {
        if (c.cdb[0] === 0x5c) continue; // READ BUFFER CAPACITY
        expect(c.cdb[0]).toBe(0x2a);
        expect(be32(c.cdb, 2) | 0).toBe(next);
        next += be16(c.cdb, 7);
      }
      expect(next).toBe(track);

      // SYNCHRONIZE CACHE after the last block; no CLOSE TRACK/SESSION at all: the drive closes the session itself.
      expect(ops.slice(lastWrite + 1)).toContain(0x35);
      expect(ops).not.toContain(0x5b);
      expect(state.sessions[0]).toMatchObject({ closed: true, tracks: [{ number: 1, start: 0, recorded: track }] });
      expect(state.discStatus).toBe(finalize ? "complete" : "appendable");
    });
  }
});
