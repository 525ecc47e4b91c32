// Session At Once on a CD-R in a software drive without Track At Once: session 1 burnt by burn() and read back by
// xorriso; a second session (built by AppendSession.fromMedium at the next writable address) refused; then the
// recorder's SAO rules on their own: what SEND CUE SHEET refuses, writes out of order or past the lead-out, TAO on
// a drive without it, the session closing on SYNCHRONIZE CACHE only once the last block is in, and an interrupted
// SAO session closed with discburn close.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppendSession, FileSystemImage } from "@discburn/fsimage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool, xorrisoSession } from "../../fsimage/test/oracles/tools.js";
import { noise } from "../../fsimage/test/oracles/tree.js";
import {
  type BurnError,
  buildModeSelectWriteParameters,
  buildSendCueSheet,
  buildSynchronizeCache10,
  buildWrite10,
  burn,
  type CueSheetEntry,
  closeMedium,
  Drive,
  dataTrackCueSheet,
  defaultWriteParameters,
  encodeCueSheet,
  type SessionData,
  SoftwareRecorder,
} from "../src/index.js";
import { senseOf } from "./simHelpers.js";

let work: string;
beforeAll(() => {
  requireTool("xorriso");
  work = mkdtempSync(join(tmpdir(), "discburn-sao-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const NO_TAO = { tao: false } as const;

async function openDrive(disc: string, faults?: { writeErrorAtLba?: number }): Promise<Drive> {
  return new Drive(await SoftwareRecorder.open(disc, { profile: "cd-r", writeMethods: NO_TAO, faults }));
}

async function imageSession(files: Record<string, Buffer>, sessionStart = 0): Promise<SessionData> {
  const image = new FileSystemImage({ fileSystems: ["iso9660", "rockridge", "joliet"], sessionStart });
  for (const [path, data] of Object.entries(files)) await image.addFile(path, data);
  const r = image.createResultImage();
  return { start: r.sessionStart, blocks: r.totalBlocks, chunks: (signal) => r.stream({ signal }) };
}

async function appendSession(drive: Drive, files: Record<string, Buffer>): Promise<SessionData> {
  const media = await drive.mediaInfo();
  const s = await AppendSession.fromMedium(drive, {
    lastSessionStart: media.lastSessionStart ?? 0,
    sessionStart: media.nextWritableAddress ?? undefined,
  });
  for (const [path, data] of Object.entries(files)) await s.image.addFile(path, data, { replace: true });
  const r = s.sessionImage();
  return { start: r.sessionStart, blocks: r.totalBlocks, chunks: (signal) => r.stream({ signal }) };
}

/** path → size, as xorriso lists the session at `start` of the disc file. */
async function xorrisoSizes(disc: string, start: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const line of (await xorrisoSession.list(disc, start)).split("\n")) {
    const m = /^-\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s.*'([^']+)'$/.exec(line);
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

const sizes = (files: Record<string, Buffer>) =>
  Object.fromEntries(Object.entries(files).map(([p, b]) => [p, String(b.length)]));
const hash = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const V1 = { "/one.txt": Buffer.from("first session\n"), "/data/a.bin": noise(200_000, 21) };
const V2 = { "/two.bin": noise(1_500_000, 22) };

describe("a CD-R written Session At Once", () => {
  it("session 1 by burn(), read by xorriso; a second session is refused, the disc unchanged", async () => {
    const disc = join(work, "multi.img");
    let drive = await openDrive(disc);
    const s1 = await imageSession(V1);
    const r1 = await burn(drive, s1, { inhibitSleep: false, verify: true });
    expect([r1.strategy, r1.verified, r1.finalized]).toEqual(["cd-sao", true, false]);
    const media = await drive.mediaInfo();
    expect(media.status).toBe("appendable");
    expect(media.sessions.map((x) => [x.start, x.complete])).toEqual([[0, true]]);
    // The Orange Book gap after a first session (lead-out 6750, lead-in 4500, pregap 150).
    expect(media.nextWritableAddress).toBe(Math.max(300, s1.blocks) + 11_400);
    await drive.close();
    expect(await xorrisoSizes(disc, 0)).toEqual(sizes(V1));

    // A later session in SAO is not attempted (see burn.ts): refused before anything is written.
    drive = await openDrive(disc);
    const s2 = await appendSession(drive, V2);
    expect(s2.start).toBe(media.nextWritableAddress);
    const before = readFileSync(disc);
    const e = await burn(drive, s2, { inhibitSleep: false }).catch((x: unknown) => x);
    expect((e as BurnError).kind).toBe("not-writable");
    expect((e as BurnError).message).toContain("Track At Once");
    await drive.close();
    expect(readFileSync(disc).equals(before)).toBe(true);
    expect(await xorrisoSizes(disc, 0)).toEqual(sizes(V1));
  });
});

describe("the recorder's Session At Once rules", () => {
  /** A drive without TAO on a blank CD-R with page 05h set to SAO (multi-session 11b). */
  async function saoDrive(name: string, faults?: { writeErrorAtLba?: number }) {
    const recorder = await SoftwareRecorder.open(join(work, `${name}.img`), {
      profile: "cd-r",
      writeMethods: NO_TAO,
      faults,
    });
    const drive = new Drive(recorder, { maxRetryWaitMs: 1000 });
    await drive.run(buildModeSelectWriteParameters(defaultWriteParameters({ writeType: 2, multiSession: 3 })));
    return { recorder, drive };
  }
  const cue = (entries: CueSheetEntry[]) => buildSendCueSheet(encodeCueSheet(entries));
  const write = (lba: number, blocks: number, fill = 0) => ({
    ...buildWrite10({ lba: lba < 0 ? lba + 2 ** 32 : lba, blocks }),
    data: new Uint8Array(blocks * 2048).fill(fill),
  });

  it("page 05h: TAO refused without the feature (5/26/00), a TAO page left on the disc refuses WRITE (5/64/00)", async () => {
    const { drive } = await saoDrive("tao-refused");
    expect(await senseOf(drive.run(buildModeSelectWriteParameters(defaultWriteParameters())))).toBe("5/26/00");
    await drive.close();
    // The disc's state file was written with the default TAO page; a drive without TAO opens it as it is.
    const plain = join(work, "tao-page.img");
    await (await SoftwareRecorder.open(plain, { profile: "cd-r" })).close();
    const d = await openDrive(plain);
    expect(await senseOf(d.run(write(0, 1)))).toBe("5/64/00");
    await d.close();
  });

  it("SEND CUE SHEET: needs page 05h SAO (5/2C/00), a drive with SAO (5/20/00); size and entries checked (5/24/00, 5/26/00, 5/26/01)", async () => {
    const { drive } = await saoDrive("cue-refusals");
    const good = dataTrackCueSheet({ blocks: 300, startLba: 0 });
    await drive.run(buildModeSelectWriteParameters(defaultWriteParameters({ writeType: 2 })));
    const bad = async (entries: CueSheetEntry[]) => senseOf(drive.run(cue(entries)));
    // Size not a whole number of entries.
    expect(await senseOf(drive.run(buildSendCueSheet(new Uint8Array(12))))).toBe("5/24/00");
    // Index 1 not at the next writable address (times are absolute), pregap shorter than 2 s, track under 4 s.
    expect(await bad(dataTrackCueSheet({ blocks: 300, startLba: 75 }))).toBe("5/26/00");
    expect(await bad(good.map((e, i) => (i === 1 ? { ...e, lba: -100 } : e)))).toBe("5/26/00");
    expect(await bad(good.map((e, i) => (i === 3 ? { ...e, lba: 299 } : e)))).toBe("5/26/00");
    // No lead-in first; times going backwards.
    expect(await bad(good.slice(1))).toBe("5/26/00");
    expect(await bad([good[0]!, good[2]!, good[1]!, good[3]!])).toBe("5/26/00");
    // Audio CTL, a Mode 2 data form, CD-TEXT in the lead-in: not written by this recorder.
    expect(await bad(good.map((e) => ({ ...e, control: 0 })))).toBe("5/26/01");
    expect(await bad(good.map((e, i) => (i === 2 ? { ...e, dataForm: 0x30 } : e)))).toBe("5/26/01");
    expect(await bad(good.map((e, i) => (i === 0 ? { ...e, dataForm: 0x54 } : e)))).toBe("5/26/01");
    // Without a good cue sheet, an SAO WRITE is out of sequence.
    expect(await senseOf(drive.run(write(-150, 1)))).toBe("5/2c/00");
    await drive.close();
    // A drive with both methods, page 05h still TAO: SEND CUE SHEET out of sequence.
    const both = new Drive(await SoftwareRecorder.open(join(work, "both.img"), { profile: "cd-r" }));
    expect(await senseOf(both.run(cue(good)))).toBe("5/2c/00");
    await both.close();
    // A drive without SAO has no SEND CUE SHEET and refuses write type 2 on CD.
    const noSao = new Drive(
      await SoftwareRecorder.open(join(work, "no-sao.img"), { profile: "cd-r", writeMethods: { sao: false } }),
    );
    expect(await senseOf(noSao.run(cue(good)))).toBe("5/20/00");
    expect(await senseOf(noSao.run(buildModeSelectWriteParameters(defaultWriteParameters({ writeType: 2 }))))).toBe(
      "5/26/00",
    );
    await noSao.close();
  });

  it("writes: from the pregap, in order, not past the lead-out (5/21/02); the session closes on SYNCHRONIZE CACHE after the last block", async () => {
    const { recorder, drive } = await saoDrive("writes");
    await drive.run(cue(dataTrackCueSheet({ blocks: 300, startLba: 0 })));
    // Not at the pregap's start: 5/21/02.
    expect(await senseOf(drive.run(write(0, 1)))).toBe("5/21/02");
    await drive.run(write(-150, 150));
    await drive.run(write(0, 100, 7));
    expect(await senseOf(drive.run(write(150, 10)))).toBe("5/21/02"); // a gap
    expect(await senseOf(drive.run(write(100, 201)))).toBe("5/21/02"); // past the lead-out at 300
    // A flush before the end keeps the session open (track 1 incomplete, 100 blocks).
    await drive.run(buildSynchronizeCache10());
    expect(recorder.snapshot().sessions[0]).toMatchObject({
      closed: false,
      tracks: [{ recorded: 100, closed: false }],
    });
    await drive.run(write(100, 200, 7));
    expect(recorder.snapshot().sessions[0]!.closed).toBe(false);
    await drive.run(buildSynchronizeCache10());
    const state = recorder.snapshot();
    expect(state.sessions[0]).toMatchObject({ closed: true, tracks: [{ start: 0, recorded: 300, closed: true }] });
    expect(state.discStatus).toBe("appendable");
    expect(state.nextWritableAddress).toBe(300 + 11_400);
    // The pregap was not recorded: block 0 is the track's first; the disc file holds nothing before it.
    expect(hash(await drive.read(0, 300))).toBe(hash(new Uint8Array(300 * 2048).fill(7)));
    // The cue sheet is used up: another WRITE is out of sequence.
    expect(await senseOf(drive.run(write(11_550, 1)))).toBe("5/2c/00");
    await drive.close();
  });

  it("an interrupted SAO burn: write-failed; discburn close closes the session (a new one would need TAO)", async () => {
    const disc = join(work, "interrupted.img");
    let drive = await openDrive(disc, { writeErrorAtLba: 200 });
    const e = await burn(drive, await imageSession(V1), { inhibitSleep: false }).catch((x: unknown) => x);
    expect((e as BurnError).kind).toBe("write-failed");
    expect((e as BurnError).lba).toBe(200);
    await drive.close();
    drive = await openDrive(disc);
    let media = await drive.mediaInfo();
    expect(media.sessions.map((x) => [x.start, x.complete])).toEqual([[0, false]]);
    // The track was closed after the interruption (CLOSE TRACK); discburn close closes the session as in TAO.
    const closed = await closeMedium(drive);
    expect(closed).toEqual({ closedTrack: null, closedSession: 0, finalized: false });
    media = await drive.mediaInfo();
    expect(media.status).toBe("appendable");
    const start = media.nextWritableAddress!;
    expect(start).toBe(200 + 11_400);
    const r = await burn(drive, await imageSession(V2, start), { inhibitSleep: false }).catch((x: unknown) => x);
    expect((r as BurnError).kind).toBe("not-writable");
    await drive.close();
  });
});
