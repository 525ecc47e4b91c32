// Faults of the software recorder (write error, medium pulled out, power lost, slow drive) and a property test of
// sequential writing against a small model of MMC-6's rules (writes only at the next writable address, tracks padded
// to the 16-block ECC block when closed, nothing past the capacity).
import * as fs from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  buildCloseTrackSession,
  buildReadDiscInformation,
  buildReadTrackInformationByTrack,
  buildSynchronizeCache10,
  buildTestUnitReady,
  CLOSE_FUNCTION,
  DeviceError,
  Drive,
  parseDiscInformation,
  parseTrackInformation,
  SESSION_STATE,
  SoftwareRecorder,
} from "../src/index.js";
import { alignUp, pattern, removeTempDirs, rig, senseOf, write10 } from "./simHelpers.js";

afterEach(removeTempDirs);

const TIMEOUT = { timeoutMs: 10_000 };

/** Blocks [lba, lba + count) of the disc file as stored. */
function fileBlocks(disc: string, lba: number, count: number): Uint8Array {
  const fd = fs.openSync(disc, "r");
  try {
    const out = new Uint8Array(count * 2048);
    fs.readSync(fd, out, 0, out.length, lba * 2048);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

describe("faults", () => {
  it("write error: 3/0C/00 at the failing block, the blocks before it written, the NWA moved to it", async () => {
    const { drive } = await rig("dvd+r", 4_000, { writeErrorAtLba: 10 });
    try {
      await drive.run(write10(0, 32));
      expect.unreachable();
    } catch (e) {
      expect((e as { sense?: object }).sense).toMatchObject({
        key: 3,
        asc: 0x0c,
        ascq: 0,
        valid: true,
        information: 10,
      });
    }
    expect((await drive.mediaInfo()).nextWritableAddress).toBe(10);
    expect(await drive.read(0, 10)).toEqual(pattern(0, 10));
    expect(await senseOf(drive.run(write10(10, 1)))).toBe("3/0c/00");
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("5/21/02");
  });

  it("medium removed: 2/3A/00 from then on, the state file as last saved; reopened, the drive finds the blocks written after it", async () => {
    const { drive, disc, recorder } = await rig("dvd+r", 4_000, { removeMediumAtLba: 20 });
    await drive.run(write10(0, 16));
    await drive.run(buildSynchronizeCache10());
    const saved = fs.readFileSync(`${disc}.state.json`, "utf8");
    expect(await senseOf(drive.run(write10(16, 16)))).toBe("2/3a/00");
    const tur = await recorder.execute(buildTestUnitReady(), TIMEOUT);
    expect([tur.sense?.key, tur.sense?.asc, tur.sense?.ascq]).toEqual([2, 0x3a, 0]);
    await drive.load();
    expect((await drive.mediaInfo()).present).toBe(false);
    expect(fileBlocks(disc, 16, 4)).toEqual(pattern(16, 4));
    await drive.close();
    expect(fs.readFileSync(`${disc}.state.json`, "utf8")).toBe(saved);
    const again = new Drive(await SoftwareRecorder.open(disc));
    const info = await again.mediaInfo();
    // Blocks 16-19 reached the disc after the last commit: recorded, up to the ECC block (32), in the open track.
    expect(info.nextWritableAddress).toBe(32);
    expect(info.tracks[0]).toMatchObject({ number: 1, start: 0, lastRecordedAddress: 31, nextWritableAddress: 32 });
    await again.close();
    expect(fs.readFileSync(`${disc}.state.json`, "utf8")).toBe(saved);
  });

  it("power loss: DeviceError from then on, the state file not touched, the lock released on close", async () => {
    const { drive, disc, recorder } = await rig("dvd+r", 4_000, { powerLossAtLba: 40 });
    await drive.run(write10(0, 32));
    await drive.run(buildSynchronizeCache10());
    const saved = fs.readFileSync(`${disc}.state.json`, "utf8");
    await expect(drive.run(write10(32, 16))).rejects.toMatchObject({ kind: "io" });
    await expect(recorder.execute(buildTestUnitReady(), TIMEOUT)).rejects.toBeInstanceOf(DeviceError);
    await expect(
      recorder.execute(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 1 }), TIMEOUT),
    ).rejects.toMatchObject({ kind: "io" });
    expect(fileBlocks(disc, 32, 8)).toEqual(pattern(32, 8));
    expect(fs.existsSync(`${disc}.lock`)).toBe(true);
    await drive.close();
    expect(fs.existsSync(`${disc}.lock`)).toBe(false);
    expect(fs.readFileSync(`${disc}.state.json`, "utf8")).toBe(saved);
  });

  it("power loss in a second session: reopened, the recovered blocks form an incomplete track of an incomplete session", async () => {
    const { drive, disc } = await rig("dvd+r", 8_000);
    await drive.run(write10(0, 32));
    await drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 1 }));
    await drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_SESSION }));
    await drive.close();
    // Session 2 starts after the 2048-block closure: 32 + 2048.
    const s2 = 2_080;
    const faulty = new Drive(await SoftwareRecorder.open(disc, { faults: { powerLossAtLba: s2 + 40 } }));
    await faulty.run(write10(s2, 32));
    await faulty.run(buildSynchronizeCache10());
    await expect(faulty.run(write10(s2 + 32, 16))).rejects.toMatchObject({ kind: "io" });
    await faulty.close();
    const saved = fs.readFileSync(`${disc}.state.json`, "utf8");
    expect(JSON.parse(saved).nextWritableAddress).toBe(s2 + 32);

    const reopened = await SoftwareRecorder.open(disc);
    const snap = reopened.snapshot();
    expect(snap.nextWritableAddress).toBe(s2 + 48);
    expect(snap.sessions[1]).toMatchObject({
      closed: false,
      tracks: [{ number: 2, start: s2, recorded: 48, closed: false }],
    });
    const again = new Drive(reopened);
    const di = parseDiscInformation((await again.run(buildReadDiscInformation())).data);
    expect(di).toMatchObject({
      discStatus: 1,
      lastSessionState: SESSION_STATE.INCOMPLETE,
      numberOfSessions: 2,
      firstTrackInLastSession: 2,
      lastTrackInLastSession: 2,
    });
    const ti = parseTrackInformation((await again.run(buildReadTrackInformationByTrack(2))).data);
    expect(ti).toMatchObject({
      trackNumber: 2,
      sessionNumber: 2,
      blank: false,
      trackStart: s2,
      lastRecordedAddressValid: true,
      lastRecordedAddress: s2 + 47,
      nextWritableAddressValid: true,
      nextWritableAddress: s2 + 48,
    });
    const info = await again.mediaInfo();
    expect(info.status).toBe("appendable");
    expect(info.sessions.map((s) => [s.number, s.start, s.end, s.complete])).toEqual([
      [1, 0, 32, true],
      [2, s2, s2 + 48, false],
    ]);
    expect(info.lastSessionStart).toBe(0);
    expect(info.nextWritableAddress).toBe(s2 + 48);
    expect(info.freeBlocks).toBe(8_000 - s2 - 48);
    // No rewriting of recorded blocks: the old NWA is refused, the recovered blocks read back as they reached the disc.
    expect(await senseOf(again.run(write10(s2 + 32, 16)))).toBe("5/21/02");
    expect(await again.read(s2 + 32, 8)).toEqual(pattern(s2 + 32, 8));
    await again.close();
    // Looking changed nothing: the state file is as the last commit left it.
    expect(fs.readFileSync(`${disc}.state.json`, "utf8")).toBe(saved);

    // The host closes the damaged track and session and goes on after them.
    const host = new Drive(await SoftwareRecorder.open(disc));
    await host.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 2 }));
    await host.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_SESSION }));
    const after = await host.mediaInfo();
    expect(after.sessions.map((s) => s.complete)).toEqual([true, true]);
    expect(after.lastSessionStart).toBe(s2);
    expect(after.nextWritableAddress).toBe(s2 + 48 + 2_048);
    await host.run(write10(s2 + 48 + 2_048, 16, 3));
    await host.close();
    expect(JSON.parse(fs.readFileSync(`${disc}.state.json`, "utf8")).nextWritableAddress).toBe(s2 + 48 + 2_048 + 16);
  });

  it("power loss before anything was committed in the session: the recovered blocks become a new incomplete track", async () => {
    const { drive, disc } = await rig("bd-r", 10_000, { powerLossAtLba: 70 });
    await expect(drive.run(write10(0, 100))).rejects.toMatchObject({ kind: "io" });
    await drive.close();
    expect(JSON.parse(fs.readFileSync(`${disc}.state.json`, "utf8"))).toMatchObject({
      discStatus: "blank",
      nextWritableAddress: 0,
    });
    const again = new Drive(await SoftwareRecorder.open(disc));
    const info = await again.mediaInfo();
    // 70 blocks, up to the 32-block cluster: 96.
    expect(info.status).toBe("appendable");
    expect(info.sessions.map((s) => [s.start, s.end, s.complete])).toEqual([[0, 96, false]]);
    expect(info.lastSessionStart).toBeNull();
    expect(info.nextWritableAddress).toBe(96);
    await again.close();
  });

  it("slow drive: each WRITE takes at least writeDelayMs", async () => {
    const { recorder } = await rig("dvd+r", 4_000, { writeDelayMs: 60 });
    const started = performance.now();
    const r = await recorder.execute(write10(0, 2), TIMEOUT);
    expect(r.status).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(60);
    expect(r.durationMs).toBeGreaterThanOrEqual(60);
    const refused = await recorder.execute(write10(100, 1), TIMEOUT);
    expect(refused.sense?.asc).toBe(0x21);
    expect(refused.durationMs).toBeGreaterThanOrEqual(60);
  });
});

type Op = { kind: "write"; where: "nwa" | "off" | "end"; delta: number; blocks: number } | { kind: "close" };

describe("property: sequential writes against a model", () => {
  it("DVD+R: answers and final layout match the model", async () => {
    const capacity = 600;
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("write" as const),
          where: fc.constantFrom("nwa" as const, "nwa" as const, "off" as const, "end" as const),
          delta: fc.integer({ min: -20, max: 20 }).filter((d) => d !== 0),
          blocks: fc.integer({ min: 1, max: 48 }),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: "close" as const }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const { drive } = await rig("dvd+r", capacity);
        try {
          // The model: closed tracks' ends, the growing track, which salt each block was written with.
          const tracks: { start: number; recorded: number; closed: boolean }[] = [];
          const salts = new Map<number, number>();
          const growing = () => tracks.find((t) => !t.closed);
          const nwa = () => {
            const g = growing();
            if (g) return g.start + g.recorded;
            const last = tracks[tracks.length - 1];
            return last ? last.start + last.recorded : 0;
          };
          for (const [i, o] of ops.entries()) {
            if (o.kind === "close") {
              const g = growing();
              const number = g ? tracks.indexOf(g) + 1 : tracks.length + 1;
              await drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: number }));
              if (g) {
                g.recorded = alignUp(g.recorded, 16);
                g.closed = true;
              }
              continue;
            }
            const at =
              o.where === "nwa" ? nwa() : o.where === "off" ? Math.max(0, nwa() + o.delta) : capacity - o.blocks + 1;
            const expected = at + o.blocks > capacity ? "5/21/00" : at === nwa() ? "good" : "5/21/02";
            expect(await senseOf(drive.run(write10(at, o.blocks, i)))).toBe(expected);
            if (expected !== "good") continue;
            const g = growing();
            if (g) g.recorded += o.blocks;
            else tracks.push({ start: at, recorded: o.blocks, closed: false });
            for (let b = 0; b < o.blocks; b++) salts.set(at + b, i);
          }
          const info = await drive.mediaInfo();
          expect(info.nextWritableAddress).toBe(nwa());
          expect(info.freeBlocks).toBe(capacity - nwa());
          expect(info.tracks.filter((t) => !t.blank).map((t) => [t.start, t.lastRecordedAddress])).toEqual(
            tracks.map((t) => [t.start, t.start + t.recorded - 1]),
          );
          for (const t of tracks) {
            const data = await drive.read(t.start, t.recorded);
            for (let b = 0; b < t.recorded; b++) {
              const salt = salts.get(t.start + b);
              const want = salt === undefined ? new Uint8Array(2048) : pattern(t.start + b, 1, salt);
              expect(data.subarray(b * 2048, (b + 1) * 2048)).toEqual(want);
            }
          }
        } finally {
          await drive.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
