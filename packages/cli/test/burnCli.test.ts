import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layOnDisc, requireTool, run, xorrisoSession } from "../../fsimage/test/oracles/tools.js";
import { noise } from "../../fsimage/test/oracles/tree.js";
import { discburn } from "./discburn.js";

async function media(drive: string) {
  const r = await discburn(["info", "--drive", drive, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (
    JSON.parse(r.stdout) as {
      media: { status: string; sessions: { start: number }[]; nextWritableAddress: number | null };
    }
  ).media;
}

let work: string;
let tree: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "discburn-burncli-"));
  tree = join(work, "tree");
  mkdirSync(join(tree, "sub"), { recursive: true });
  writeFileSync(join(tree, "hello.txt"), "hello\n");
  writeFileSync(join(tree, "sub/data.bin"), noise(1_500_000, 5));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("discburn burn", () => {
  it("--dry-run reads everything, reports the plan and writes nothing", async () => {
    const disc = join(work, "dry.img");
    const drive = `sim:bd-r:${disc}`;
    expect((await media(drive)).status).toBe("blank");
    const before = readFileSync(`${disc}.state.json`);
    const date = ["--date", "2024-02-29T12:00:00Z"];
    const r = await discburn(["burn", "--drive", drive, tree, "--dry-run", "--json", ...date]);
    expect(r.code, r.stderr).toBe(0);
    const done = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { dryRun: boolean; blocks: number; sha256: string };
    expect(done.dryRun).toBe(true);
    expect(done.blocks).toBeGreaterThan(700);
    // The bytes it read are the image `create` writes with the same file systems and date (sha256sum of it).
    const iso = join(work, "dry.iso");
    expect((await discburn(["create", tree, "-o", iso, "--udf", "-q", ...date])).code).toBe(0);
    const sum = (await run("sha256sum", [iso])).stdout.toString().split(" ")[0];
    expect(done.sha256).toBe(sum);
    expect(done.blocks).toBe(statSync(iso).size / 2048);
    expect(readFileSync(`${disc}.state.json`).equals(before)).toBe(true);
    expect(statSync(disc).size).toBe(0);
    expect((await media(drive)).status).toBe("blank");
  });

  it("--json: progress lines with IMAPI2's fields, then the result", async () => {
    const r = await discburn(["burn", "--drive", `sim:dvd+r:${join(work, "json.img")}`, tree, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const progress = lines.filter((l) => l.event === "progress");
    expect(new Set(progress.map((p) => p.action))).toEqual(new Set(["validating", "writing", "finalizing", "done"]));
    for (const key of [
      "startLba",
      "sectorCount",
      "lastWrittenLba",
      "bytesWritten",
      "totalBytes",
      "percent",
      "speedKBps",
      "speedX",
      "megabytesPerSecond",
      "ringBuffer",
      "elapsedMs",
      "remainingMs",
    ]) {
      expect(progress[0], key).toHaveProperty(key);
    }
    const last = lines.at(-1)!;
    expect(last.event).toBe("done");
    expect(last.strategy).toBe("dvd+r");
    expect(progress.at(-1)!.bytesWritten).toBe((last.blocks as number) * 2048);
  });

  it("an image file made for block 0 goes to a blank disc as it is; on an appendable disc it is refused", async () => {
    requireTool("xorriso");
    const iso = join(work, "x.iso");
    await run(requireTool("xorriso"), ["-as", "mkisofs", "-R", "-J", "-V", "XORRISO", "-o", iso, tree]);
    const disc = join(work, "image.img");
    const drive = `sim:dvd+r:${disc}`;
    const r = await discburn(["burn", "--drive", drive, iso, "--verify"]);
    expect(r.code, r.stderr).toBe(0);
    const image = readFileSync(iso);
    expect(readFileSync(disc).subarray(0, image.length).equals(image)).toBe(true);
    const again = await discburn(["burn", "--drive", drive, iso]);
    expect(again.code).toBe(6);
    const nwa = (await media(drive)).nextWritableAddress;
    expect(again.stderr).toContain(`next writable address is ${nwa}`);
    expect(again.stderr).toContain("--append");
  });

  it("file data that looks like a UDF anchor does not move an ISO 9660 image's start", async () => {
    // Every 2048-byte block of this file begins like an anchor tag (identifier 2, location 5000): an ISO-only image
    // holding it has such a block at 256. Without a UDF volume recognition sequence it means nothing.
    const fake = Buffer.alloc(1024 * 1024);
    for (let at = 0; at < fake.length; at += 2048) {
      fake.writeUInt16LE(2, at);
      fake.writeUInt32LE(5000, at + 12);
      let sum = 0;
      for (let i = 0; i < 16; i++) if (i !== 4) sum = (sum + fake[at + i]!) & 0xff;
      fake[at + 4] = sum;
    }
    const dir = join(work, "fake-anchor");
    mkdirSync(dir);
    writeFileSync(join(dir, "data.bin"), fake);
    const iso = join(work, "fake-anchor.iso");
    expect((await discburn(["create", dir, "-o", iso, "-q"])).code).toBe(0);
    const block256 = readFileSync(iso).subarray(256 * 2048, 256 * 2048 + 2);
    expect([...block256]).toEqual([2, 0]); // the trap is set
    const r = await discburn(["burn", "--drive", `sim:dvd+r:${join(work, "fake.img")}`, iso, "--dry-run", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!).start).toBe(0);
  });

  it("a session image from `append --session-image` is burned at its planned start and read there", async () => {
    requireTool("xorriso");
    const disc = join(work, "sess.img");
    const drive = `sim:cd-r:${disc}`;
    expect((await discburn(["burn", "--drive", drive, tree, "-q"])).code).toBe(0);
    const nwa = (await media(drive)).nextWritableAddress!;
    // The session image is planned from a copy of the disc file (what a reader of the disc would see).
    const copy = join(work, "sess-copy.img");
    writeFileSync(copy, readFileSync(disc));
    writeFileSync(join(work, "late.txt"), "added later\n");
    const session = join(work, "session2.bin");
    const made = await discburn([
      "append",
      copy,
      join(work, "late.txt"),
      "--session-image",
      session,
      "--session-start",
      String(nwa),
    ]);
    expect(made.code, made.stderr).toBe(0);
    const r = await discburn(["burn", "--drive", drive, session, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!).start).toBe(nwa);
    expect((await media(drive)).sessions.map((s) => s.start)).toEqual([0, nwa]);
    // The disc file equals the session laid on the first one at its start.
    const expected = join(work, "sess-expected.img");
    layOnDisc(copy, session, nwa, expected);
    expect(readFileSync(disc).subarray(0, statSync(expected).size).equals(readFileSync(expected))).toBe(true);
    expect(await xorrisoSession.list(disc, nwa)).toContain("late.txt");
  });

  it("refuses --remove without --append, --append on a blank disc, unknown or missing simulated discs", async () => {
    const drive = `sim:dvd-r:${join(work, "misc.img")}`;
    const r1 = await discburn(["burn", "--drive", drive, tree, "--remove", "/x"]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain("--remove needs --append");
    const r2 = await discburn(["burn", "--drive", drive, "--append", tree]);
    expect(r2.code).toBe(6);
    expect(r2.stderr).toContain("blank: burn without --append");
    const r3 = await discburn(["burn", "--drive", `sim:dvd-ram:${join(work, "ram.img")}`, tree]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('unknown simulated profile "dvd-ram"');
    const r4 = await discburn(["info", "--drive", `sim:${join(work, "absent.img")}`]);
    expect(r4.code).toBe(6);
    expect(r4.stderr).toContain("name a profile to create a blank disc");
  });
});

describe("discburn blank and format", () => {
  it("blank returns a written CD-RW to blank; a CD-R cannot be blanked", async () => {
    const drive = `sim:cd-rw:${join(work, "rw.img")}`;
    expect((await discburn(["burn", "--drive", drive, tree, "-q"])).code).toBe(0);
    expect((await media(drive)).status).toBe("appendable");
    const r = await discburn(["blank", "--drive", drive]);
    expect(r.code, r.stderr).toBe(0);
    expect((await media(drive)).status).toBe("blank");
    const cdr = `sim:cd-r:${join(work, "r.img")}`;
    const refused = await discburn(["blank", "--drive", cdr]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/cannot be blanked/);
  });

  it("format makes a blank BD-RE writable in place; burning it then needs no format", async () => {
    const drive = `sim:bd-re:${join(work, "re.img")}`;
    expect((await media(drive)).status).toBe("blank");
    const r = await discburn(["format", "--drive", drive, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "done", formatted: true });
    expect((await media(drive)).status).toBe("random-access");
    const b = await discburn(["burn", "--drive", drive, tree, "--verify", "--json"]);
    expect(b.code, b.stderr).toBe(0);
    const actions = b.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { action?: string }).action);
    expect(actions).not.toContain("formatting");
    expect(actions).toContain("verifying");
  });
});
