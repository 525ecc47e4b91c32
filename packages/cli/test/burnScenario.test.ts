import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ImageFileSource, importFileSystem } from "@discburn/fsimage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIST_FUNCTION, parseListing, runGuest } from "../../../tools/qemu/harness.mjs";
import { requireTool, run, xorrisoSession } from "../../fsimage/test/oracles/tools.js";
import { noise } from "../../fsimage/test/oracles/tree.js";
import { hostTree } from "../../mmc/test/guest.js";
import { discburn } from "./discburn.js";

const PROFILES = ["cd-r", "cd-rw", "dvd-r", "dvd+r", "dvd+r-dl", "dvd+rw", "bd-r", "bd-re"] as const;
const OVERWRITABLE = new Set(["dvd+rw", "bd-re"]);

/** path → "dir" or "size sha256", the comparable form of a tree. */
type Listing = Record<string, string>;

function sha(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The trees of the three sessions, as content: session 2 replaces README, adds extra/, removes /old. */
const SESSION_FILES: Array<Record<string, Buffer>> = [];
function contents(): Array<Record<string, Buffer>> {
  if (SESSION_FILES.length > 0) return SESSION_FILES;
  const s1: Record<string, Buffer> = {
    "README.txt": Buffer.from("session one\n"),
    "docs/manual.txt": Buffer.from("m".repeat(5000)),
    "data/blob.bin": noise(300_001, 1),
    "old/gone.txt": Buffer.from("removed in session two\n"),
  };
  const s2 = { ...s1, "README.txt": Buffer.from("session two replaced me\n"), "extra/new.bin": noise(70_000, 2) };
  delete (s2 as Record<string, Buffer>)["old/gone.txt"];
  const s3 = { ...s2, "more/three.bin": noise(123_457, 3) };
  SESSION_FILES.push(s1, s2, s3);
  return SESSION_FILES;
}

function writeFiles(root: string, files: Record<string, Buffer>): void {
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  }
}

function expected(n: number): Listing {
  const out: Listing = {};
  for (const [rel, data] of Object.entries(contents()[n - 1]!)) {
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) out[`/${parts.slice(0, i).join("/")}`] = "dir";
    out[`/${rel}`] = `${data.length} ${sha(data)}`;
  }
  return out;
}

function sorted(l: Listing): Listing {
  return Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The last JSON line of a --json run (the result). */
function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

interface MediaJson {
  status: string | null;
  profileName: string;
  sessions: Array<{ number: number; start: number; end: number; complete: boolean }>;
  nextWritableAddress: number | null;
  freeBlocks: number;
}

async function info(drive: string): Promise<MediaJson> {
  const r = await discburn(["info", "--drive", drive, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { media: MediaJson }).media;
}

/** Our reader: the tree of the session at `start` of the disc file. */
async function ourTree(disc: string, start: number): Promise<Listing> {
  const source = await ImageFileSource.open(disc);
  try {
    const { root } = await importFileSystem(source, { sessionStart: start });
    const out: Listing = {};
    const walk = async (dir: typeof root, rel: string) => {
      for (const item of dir.children()) {
        const path = `${rel}/${item.name}`;
        if (item.kind === "directory") {
          out[path] = "dir";
          await walk(item, path);
        } else if (item.kind === "file") {
          const h = createHash("sha256");
          let size = 0;
          for await (const c of item.source.chunks()) {
            h.update(c);
            size += c.length;
          }
          out[path] = `${size} ${h.digest("hex")}`;
        }
      }
    };
    await walk(root, "");
    return out;
  } finally {
    await source.close();
  }
}

async function xorrisoTree(disc: string, start: number, work: string): Promise<Listing> {
  const out = mkdtempSync(join(work, "x-"));
  rmSync(out, { recursive: true });
  await xorrisoSession.extract(disc, start, "/", out);
  return hostTree(out);
}

async function sevenZipTree(disc: string, type: "iso" | "udf", work: string): Promise<Listing> {
  const out = mkdtempSync(join(work, "7z-"));
  await run(requireTool("7z"), ["x", `-t${type}`, `-o${out}`, "-y", disc]);
  return hostTree(out);
}

let work: string;
/** A copy of a disc file after each step (with its session starts), for the kernel's look at the end. */
const snapshots: Array<{ profile: string; step: number; disc: string; starts: number[] }> = [];

beforeAll(() => {
  for (const t of ["xorriso", "7z", "udfinfo"]) requireTool(t);
  work = mkdtempSync(join(tmpdir(), "discburn-burn-"));
  const [s1, s2, s3] = contents();
  writeFiles(join(work, "v1"), s1!);
  // What each append adds (README replaced, extra/ added; then more/).
  writeFiles(join(work, "add2"), { "README.txt": s2["README.txt"]!, "extra/new.bin": s2["extra/new.bin"]! });
  writeFiles(join(work, "add3"), { "more/three.bin": s3["more/three.bin"]! });
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(PROFILES)("multisession on a software %s", (profile) => {
  const overwritable = OVERWRITABLE.has(profile);
  let disc: string;
  let drive: string;
  const starts: number[] = [];
  /** Where each session ends (its first block after it). */
  const ends: number[] = [];

  /** Every independent reader agrees that session `n` (and each earlier one) holds its tree. */
  async function checkSessions(n: number): Promise<void> {
    const copy = join(work, `${profile}-step${n}.img`);
    copyFileSync(disc, copy);
    snapshots.push({ profile, step: n, disc: copy, starts: starts.slice(0, n) });
    for (let k = 1; k <= n; k++) {
      // On an overwritable disc the newest tree is at 0 (its head rewritten); older sessions keep their own heads,
      // except the first, whose head became the newest one's.
      const at = overwritable && k === 1 ? 0 : starts[k - 1]!;
      const want = sorted(expected(overwritable && k === 1 ? n : k));
      expect(sorted(await xorrisoTree(disc, at, work)), `xorriso, session ${k} at ${at}`).toEqual(want);
      expect(sorted(await ourTree(disc, at)), `discburn's reader, session ${k} at ${at}`).toEqual(want);
      // udfinfo, given the session's first and last blocks, reports its label and counts.
      const last = overwritable && k === 1 ? ends[n - 1]! - 1 : ends[k - 1]! - 1;
      const udf = (await run(requireTool("udfinfo"), [`--startblock=${at}`, `--lastblock=${last}`, disc])).stdout;
      const field = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(udf.toString())?.[1];
      const values = Object.values(want);
      expect([field("label"), field("numfiles"), field("numdirs")], `udfinfo, session ${k} at ${at}..${last}`).toEqual([
        "SEEDS",
        String(values.filter((v) => v !== "dir").length),
        String(values.filter((v) => v === "dir").length + 1),
      ]);
    }
    // 7-Zip reads a file from its start: the first session of a write-once disc, the newest of an overwritable one.
    const sevenWant = sorted(expected(overwritable ? n : 1));
    expect(sorted(await sevenZipTree(disc, "iso", work)), "7z ISO").toEqual(sevenWant);
    expect(sorted(await sevenZipTree(disc, "udf", work)), "7z UDF").toEqual(sevenWant);
  }

  beforeAll(() => {
    disc = join(work, `${profile}.img`);
    drive = `sim:${profile}:${disc}`;
  });

  it("burns session 1 to a blank disc; info shows it appendable with one session", async () => {
    const before = await info(drive);
    expect(before.status).toBe("blank");
    const r = await discburn(["burn", "--drive", drive, join(work, "v1"), "-V", "SEEDS", "--verify", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const done = lastJson(r.stdout);
    expect(done.event).toBe("done");
    expect(done.verified).toBe(true);
    expect(done.start).toBe(0);
    starts.push(done.start as number);
    ends.push((done.start as number) + (done.blocks as number));
    const after = await info(drive);
    if (overwritable) {
      expect(after.status).toBe("random-access");
    } else {
      expect(after.status).toBe("appendable");
      expect(after.sessions.map((s) => s.start)).toEqual([0]);
      expect(after.sessions[0]!.complete).toBe(true);
      expect(after.nextWritableAddress).toBeGreaterThanOrEqual(done.blocks as number);
    }
    await checkSessions(1);
  }, 120_000);

  it("appends session 2 after importing the disc: adds, a replacement, a removal", async () => {
    const media = await info(drive);
    const r = await discburn([
      "burn",
      "--drive",
      drive,
      "--append",
      join(work, "add2"),
      "--remove",
      "/old",
      "--verify",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const done = lastJson(r.stdout);
    if (!overwritable) expect(done.start).toBe(media.nextWritableAddress);
    else expect(done.start as number).toBeGreaterThan(0);
    starts.push(done.start as number);
    ends.push((done.start as number) + (done.blocks as number));
    if (!overwritable) {
      const after = await info(drive);
      expect(after.status).toBe("appendable");
      expect(after.sessions.map((s) => s.start)).toEqual(starts);
    }
    await checkSessions(2);
  }, 120_000);

  it("appends session 3 and closes the disc; a further append is refused and changes nothing", async () => {
    const r = await discburn(["burn", "--drive", drive, "--append", join(work, "add3"), "--close", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const done = lastJson(r.stdout);
    starts.push(done.start as number);
    ends.push((done.start as number) + (done.blocks as number));
    await checkSessions(3);
    if (!overwritable) {
      const after = await info(drive);
      expect(after.status).toBe("complete");
      expect(after.sessions.map((s) => s.start)).toEqual(starts);
      const bytes = readFileSync(disc);
      const refused = await discburn(["burn", "--drive", drive, "--append", join(work, "add2")]);
      expect(refused.code).toBe(6);
      expect(refused.stderr).toMatch(/closed/);
      expect(readFileSync(disc).equals(bytes)).toBe(true);
    }
  }, 120_000);
});

describe("the Linux kernel reads every session of every disc, after every step", () => {
  it("mounts each session of each disc state with iso9660 (sbsector=) and udf (session=)", async () => {
    requireTool("qemu-system-x86_64");
    expect(snapshots.length).toBe(PROFILES.length * 3);
    const mounts: Array<{ drive: number; fs: "iso9660" | "udf"; option: string; want: Listing; label: string }> = [];
    snapshots.forEach(({ profile, step, starts }, d) => {
      const overwritable = OVERWRITABLE.has(profile);
      starts.forEach((start, i) => {
        // As in checkSessions: an overwritable disc's head (block 0) holds the newest tree.
        const at = overwritable && i === 0 ? 0 : start;
        const want = expected(overwritable && i === 0 ? step : i + 1);
        const label = `${profile} after step ${step}, session ${i + 1}`;
        mounts.push({ drive: d, fs: "iso9660", option: `sbsector=${at}`, want, label });
        mounts.push({ drive: d, fs: "udf", option: `session=${at}`, want, label });
      });
    });
    const script = [
      LIST_FUNCTION,
      "mkdir -p /mnt/img",
      ...mounts.map(
        (m, i) =>
          `echo "@@mount ${i}"; eval dev=\\$DISC${m.drive}; mount -t ${m.fs} -o ro,${m.option} "$dev" /mnt/img && { discburn_list /mnt/img; umount /mnt/img; } || echo "@@failed"`,
      ),
      'echo "@@done"',
    ].join("\n");
    const r = await runGuest({
      drives: snapshots.map(({ disc }) => ({ file: disc, kind: "scsi-cd", readonly: true })),
      script,
      timeoutMs: 400_000,
      memoryMb: 512,
    });
    expect(r.stdout).toContain("@@done");
    const sections = r.stdout.split(/^@@mount /m).slice(1);
    expect(sections.length).toBe(mounts.length);
    mounts.forEach((m, i) => {
      const body = sections[i]!.slice(sections[i]!.indexOf("\n") + 1);
      expect(body.startsWith("@@failed"), `${m.label}: ${m.fs} mount failed\n${r.dmesg.slice(-2000)}`).toBe(false);
      const tree: Listing = {};
      for (const e of parseListing(body.split("@@done")[0]!)) {
        if (e.type === "dir") tree[e.path] = "dir";
        else if (e.type === "file") tree[e.path] = `${e.size} ${e.sha256}`;
      }
      expect(sorted(tree), `${m.label} through the kernel's ${m.fs}`).toEqual(sorted(m.want));
    });
  }, 420_000);
});
