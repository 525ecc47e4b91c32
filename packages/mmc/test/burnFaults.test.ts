// burn() against the software recorder when things go wrong: refusals before writing (nothing changes on the
// disc), faults while writing (write error, medium removed, power loss), cancellation, a slow drive. After each,
// the disc file still holds every earlier session, read by xorriso at its address, and the recorder reopened from
// its state file says what a drive would.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppendSession, FileSystemImage, ImageFileSource, importFileSystem } from "@discburn/fsimage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool, xorrisoSession } from "../../fsimage/test/oracles/tools.js";
import { noise } from "../../fsimage/test/oracles/tree.js";
import {
  BurnError,
  type BurnProgress,
  blankMedium,
  burn,
  closeMedium,
  Drive,
  isOverwritable,
  type SessionData,
  type SimFaults,
  type SimProfileName,
  SoftwareRecorder,
} from "../src/index.js";

let work: string;
beforeAll(() => {
  requireTool("xorriso");
  work = mkdtempSync(join(tmpdir(), "discburn-faults-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openDrive(disc: string, profile?: SimProfileName, faults?: SimFaults, capacityBlocks?: number) {
  return new Drive(await SoftwareRecorder.open(disc, { profile, faults, capacityBlocks }));
}

/** A new image of `files` planned for block `start`. */
async function imageSession(files: Record<string, Buffer>, start = 0): Promise<SessionData> {
  const image = new FileSystemImage({ fileSystems: ["iso9660", "rockridge", "joliet", "udf"], sessionStart: start });
  for (const [path, data] of Object.entries(files)) await image.addFile(path, data);
  const result = image.createResultImage();
  return {
    start: result.sessionStart,
    blocks: result.totalBlocks,
    label: "test image",
    chunks: (signal) => result.stream({ signal }),
  };
}

/** The next session of the disc in `drive`, adding `files`, as burn --append builds it. */
async function appendSession(drive: Drive, files: Record<string, Buffer>): Promise<SessionData> {
  const media = await drive.mediaInfo();
  const over = isOverwritable(media.profile);
  // As burn --append does: the newest complete session, or an earlier one when it is an interrupted burn.
  const complete = over ? [] : media.sessions.filter((x) => x.complete);
  const s = await AppendSession.fromMedium(drive, {
    lastSessionStart: over ? 0 : (media.lastSessionStart ?? 0),
    lastSessionEnd: complete.at(-1)?.end,
    earlierSessions: complete.slice(0, -1).reverse(),
    sessionStart: over ? undefined : (media.nextWritableAddress ?? undefined),
  });
  for (const [path, data] of Object.entries(files)) await s.image.addFile(path, data, { replace: true });
  if (over) {
    const growth = await s.growth();
    return {
      start: s.sessionStart,
      blocks: growth.image.totalBlocks,
      chunks: (signal) => growth.image.stream({ signal }),
      growth,
    };
  }
  const result = s.sessionImage();
  return { start: result.sessionStart, blocks: result.totalBlocks, chunks: (signal) => result.stream({ signal }) };
}

/** The files xorriso sees in the session at `start`: path → sha256. */
async function xorrisoFiles(disc: string, start: number): Promise<Record<string, string>> {
  const listing = await xorrisoSession.list(disc, start);
  const out: Record<string, string> = {};
  for (const line of listing.split("\n")) {
    const m = /^-\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s.*'([^']+)'$/.exec(line);
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

async function ourFiles(disc: string, start: number): Promise<Record<string, string>> {
  const source = await ImageFileSource.open(disc);
  try {
    const { root } = await importFileSystem(source, { sessionStart: start });
    const out: Record<string, string> = {};
    const walk = async (dir: typeof root, rel: string) => {
      for (const item of dir.children()) {
        if (item.kind === "directory") await walk(item, `${rel}/${item.name}`);
        else if (item.kind === "file") {
          const h = createHash("sha256");
          for await (const c of item.source.chunks()) h.update(c);
          out[`${rel}/${item.name}`] = h.digest("hex");
        }
      }
    };
    await walk(root, "");
    return out;
  } finally {
    await source.close();
  }
}

const hashOf = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const V1 = { "/one.txt": Buffer.from("first session\n"), "/data/a.bin": noise(200_000, 11) };
const V2 = { "/two.bin": noise(3_000_000, 12) };

/** Burns V1 to a fresh disc of `profile` and returns its path and the first session's start. */
async function firstSession(name: string, profile: SimProfileName): Promise<string> {
  const disc = join(work, `${name}.img`);
  const drive = await openDrive(disc, profile);
  try {
    await burn(drive, await imageSession(V1), { inhibitSleep: false });
  } finally {
    await drive.close();
  }
  return disc;
}

async function expectFirstSessionIntact(disc: string): Promise<void> {
  const want = Object.fromEntries(Object.entries(V1).map(([p, b]) => [p, hashOf(b)]));
  expect(await ourFiles(disc, 0)).toEqual(want);
  const sizes = Object.fromEntries(Object.entries(V1).map(([p, b]) => [p, String(b.length)]));
  expect(await xorrisoFiles(disc, 0)).toEqual(sizes);
}

describe("refusals before anything is written", () => {
  it("a session too large for the disc: BurnError full, disc file and state unchanged", async () => {
    const disc = join(work, "small.img");
    const drive = await openDrive(disc, "dvd+r", undefined, 2000);
    try {
      await burn(drive, await imageSession(V1), { inhibitSleep: false });
      const beforeDisc = readFileSync(disc);
      const beforeState = readFileSync(`${disc}.state.json`);
      const session = await appendSession(drive, V2);
      const e = await burn(drive, session, { inhibitSleep: false }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BurnError);
      expect((e as BurnError).kind).toBe("full");
      expect((e as BurnError).message).toMatch(/blocks/);
      expect(readFileSync(disc).equals(beforeDisc)).toBe(true);
      expect(readFileSync(`${disc}.state.json`).equals(beforeState)).toBe(true);
    } finally {
      await drive.close();
    }
  });

  it("an image made for block 0 on an appendable disc: wrong-start, with the address to use", async () => {
    const disc = await firstSession("wrongstart", "bd-r");
    const drive = await openDrive(disc);
    try {
      const nwa = (await drive.mediaInfo()).nextWritableAddress;
      const e = await burn(drive, await imageSession(V2), { inhibitSleep: false }).catch((x: unknown) => x);
      expect((e as BurnError).kind).toBe("wrong-start");
      expect((e as BurnError).message).toContain(String(nwa));
    } finally {
      await drive.close();
    }
    await expectFirstSessionIntact(disc);
  });

  it("a closed disc, a missing medium, blanking what cannot be blanked", async () => {
    const disc = join(work, "closed.img");
    let drive = await openDrive(disc, "dvd+r");
    await burn(drive, await imageSession(V1), { inhibitSleep: false, finalize: true });
    const session = await imageSession(V2, 0);
    let e = await burn(drive, session, { inhibitSleep: false }).catch((x: unknown) => x);
    expect((e as BurnError).kind).toBe("closed");
    e = await blankMedium(drive).catch((x: unknown) => x);
    expect((e as BurnError).kind).toBe("not-writable");
    await drive.eject();
    e = await burn(drive, session, { inhibitSleep: false }).catch((x: unknown) => x);
    expect((e as BurnError).kind).toBe("no-medium");
    await drive.close();
    drive = await openDrive(join(work, "plusrw.img"), "dvd+rw");
    e = await blankMedium(drive).catch((x: unknown) => x);
    expect((e as BurnError).message).toMatch(/discburn format/);
    await drive.close();
  });
});

describe.each(["dvd+r", "cd-r", "bd-re"] as const)("faults while writing session 2 to a %s", (profile) => {
  const over = isOverwritable(profile === "bd-re" ? 0x43 : 0);

  it("a write error: BurnError write-failed naming the block; session 1 intact", async () => {
    const disc = await firstSession(`${profile}-werr`, profile);
    let drive = await openDrive(disc);
    const session = await appendSession(drive, V2);
    await drive.close();
    drive = await openDrive(disc, undefined, { writeErrorAtLba: session.start + 700 });
    try {
      const e = await burn(drive, session, { inhibitSleep: false }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BurnError);
      expect((e as BurnError).kind).toBe("write-failed");
      expect((e as BurnError).lba).toBe(session.start + 700);
    } finally {
      await drive.close();
    }
    await expectFirstSessionIntact(disc);
    if (!over) {
      // The interrupted session is not what readers see, and discburn will not build on it as it is ...
      drive = await openDrive(disc);
      const media = await drive.mediaInfo();
      expect(media.lastSessionStart).toBe(0);
      expect(media.sessions.map((x) => [x.start, x.complete])).toEqual([
        [0, true],
        [session.start, false],
      ]);
      const e = await burn(drive, await appendSession(drive, V2), {
        inhibitSleep: false,
      }).catch((x: unknown) => x);
      expect((e as BurnError).kind).toBe("incomplete-session");
      expect((e as BurnError).message).toContain("discburn close");
      // ... but once it is closed, the next session builds on session 1 and is written after the broken one.
      const closed = await closeMedium(drive);
      expect(closed.closedSession).toBe(session.start);
      const media2 = await drive.mediaInfo();
      expect(media2.sessions.map((x) => x.complete)).toEqual([true, true]);
      const next = await appendSession(drive, { "/three.txt": Buffer.from("after the broken session\n") });
      expect(next.start).toBe(media2.nextWritableAddress);
      await burn(drive, next, { inhibitSleep: false, verify: true });
      await drive.close();
      const want = {
        ...Object.fromEntries(Object.entries(V1).map(([p, b]) => [p, hashOf(b)])),
        "/three.txt": hashOf(Buffer.from("after the broken session\n")),
      };
      expect(await ourFiles(disc, next.start)).toEqual(want);
      expect(Object.keys(await xorrisoFiles(disc, next.start)).sort()).toEqual(Object.keys(want).sort());
      await expectFirstSessionIntact(disc);
    }
  });

  it("the medium removed mid-write: write-failed; session 1 intact", async () => {
    const disc = await firstSession(`${profile}-removed`, profile);
    let drive = await openDrive(disc);
    const session = await appendSession(drive, V2);
    await drive.close();
    drive = await openDrive(disc, undefined, { removeMediumAtLba: session.start + 300 });
    const e = await burn(drive, session, { inhibitSleep: false }).catch((x: unknown) => x);
    await drive.close();
    expect((e as BurnError).kind).toBe("write-failed");
    expect((e as BurnError).message).toMatch(/medium|not present/i);
    await expectFirstSessionIntact(disc);
  });

  it("power lost mid-write: the state file keeps the last session; after discburn close the next one goes after the debris", async () => {
    const disc = await firstSession(`${profile}-power`, profile);
    let drive = await openDrive(disc);
    const session = await appendSession(drive, V2);
    await drive.close();
    const stateBefore = readFileSync(`${disc}.state.json`);
    drive = await openDrive(disc, undefined, { powerLossAtLba: session.start + 500 });
    const e = await burn(drive, session, { inhibitSleep: false }).catch((x: unknown) => x);
    await drive.close().catch(() => {});
    expect((e as BurnError).kind).toBe("write-failed");
    expect(readFileSync(`${disc}.state.json`).equals(stateBefore)).toBe(true);
    await expectFirstSessionIntact(disc);
    drive = await openDrive(disc);
    let next: SessionData;
    try {
      if (!over) {
        // The drive found the written blocks (it cannot write them twice): an open session with data in it.
        const media = await drive.mediaInfo();
        expect(media.sessions.map((x) => [x.start, x.complete])).toEqual([
          [0, true],
          [session.start, false],
        ]);
        expect(media.nextWritableAddress).toBeGreaterThanOrEqual(session.start + 500);
        const refused = await burn(drive, await appendSession(drive, V2), { inhibitSleep: false }).catch(
          (x: unknown) => x,
        );
        expect((refused as BurnError).kind).toBe("incomplete-session");
        const closed = await closeMedium(drive);
        expect(closed).toMatchObject({ closedTrack: 2, closedSession: session.start, finalized: false });
      }
      next = await appendSession(drive, V2);
      if (over) expect(next.start).toBe(session.start);
      else expect(next.start).toBeGreaterThan(session.start + 500);
      await burn(drive, next, { inhibitSleep: false, verify: true });
    } finally {
      await drive.close();
    }
    const want = {
      ...Object.fromEntries(Object.entries(V1).map(([p, b]) => [p, hashOf(b)])),
      "/two.bin": hashOf(V2["/two.bin"]),
    };
    expect(await ourFiles(disc, over ? 0 : next.start)).toEqual(want);
    expect(Object.keys(await xorrisoFiles(disc, over ? 0 : next.start)).sort()).toEqual(Object.keys(want).sort());
    // Write-once: session 1 is still there at 0 (an overwritable disc's head now holds the new tree).
    if (!over) await expectFirstSessionIntact(disc);
  });
});

describe("a failing drive and a stalled source", () => {
  it("a write error while the image source is blocked in a read ends the burn, and the source is told to stop", async () => {
    const disc = join(work, "stalled.img");
    const drive = await openDrive(disc, "dvd+r", { writeErrorAtLba: 40 });
    let sourceSignal: AbortSignal | undefined;
    const session: SessionData = {
      start: 0,
      blocks: 1000,
      label: "a stalling source",
      async *chunks(signal) {
        sourceSignal = signal;
        yield new Uint8Array(100 * 2048);
        // Then nothing comes until the burn gives up on us.
        await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }));
        signal?.throwIfAborted();
      },
    };
    const started = Date.now();
    const e = await burn(drive, session, { inhibitSleep: false, ringBufferBytes: 1024 * 1024 }).catch(
      (x: unknown) => x,
    );
    await drive.close();
    expect((e as BurnError).kind).toBe("write-failed");
    expect((e as BurnError).lba).toBe(40);
    expect(sourceSignal?.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000); // not the 5 s fallback wait: the signal reached the source
  });

  it("verify finds a block that reads back differently, and says so", async () => {
    const drive = await openDrive(join(work, "verify.img"), "bd-r", { corruptReadAtLba: 100 });
    const e = await burn(drive, await imageSession(V1), { inhibitSleep: false, verify: true }).catch((x: unknown) => x);
    await drive.close();
    expect((e as BurnError).kind).toBe("verify-failed");
    expect((e as BurnError).message).toMatch(/differs from what was written/);
    // Without the fault the same burn verifies.
    const clean = await openDrive(join(work, "verify-clean.img"), "bd-r");
    const r = await burn(clean, await imageSession(V1), { inhibitSleep: false, verify: true });
    await clean.close();
    expect(r.verified).toBe(true);
  });

  it("an image made for a later block is refused on an overwritable disc (it would be unreadable there)", async () => {
    const drive = await openDrive(join(work, "rw-start.img"), "bd-re");
    const e = await burn(drive, await imageSession(V1, 4096), { inhibitSleep: false }).catch((x: unknown) => x);
    await drive.close();
    expect((e as BurnError).kind).toBe("wrong-start");
    expect((e as BurnError).message).toContain("--append");
  });
});

describe("a slow drive and cancellation", () => {
  it("reports progress with the ring buffer filling while the drive lags, and stops cleanly when cancelled", async () => {
    const disc = await firstSession("slow", "dvd+r");
    let drive = await openDrive(disc);
    const session = await appendSession(drive, V2);
    await drive.close();
    drive = await openDrive(disc, undefined, { writeDelayMs: 20 });
    const controller = new AbortController();
    const seen: BurnProgress[] = [];
    const e = await burn(drive, session, {
      inhibitSleep: false,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        seen.push(p);
        if (p.action === "writing" && p.bytesWritten >= 20 * 65536) controller.abort();
      },
    }).catch((x: unknown) => x);
    await drive.close();
    expect((e as BurnError).kind).toBe("cancelled");
    const writing = seen.filter((p) => p.action === "writing" && p.bytesWritten > 0);
    expect(writing.length).toBeGreaterThan(5);
    // The source is far faster than a 20 ms-per-command drive: the ring fills.
    expect(Math.max(...writing.map((p) => p.ringBuffer.used))).toBeGreaterThan(1024 * 1024);
    const last = writing.at(-1)!;
    expect(last.speedKBps).toBeGreaterThan(0);
    expect(last.speedKBps).toBeLessThan(65536 / 20 + 1000); // bounded by 64 KiB per 20 ms
    expect(last.lastWrittenLba).toBe(session.start + last.bytesWritten / 2048 - 1);
    expect(last.remainingMs).toBeGreaterThan(0);
    await expectFirstSessionIntact(disc);
  });
});
