import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { layOnDisc, xorrisoSession } from "../../fsimage/test/oracles/tools.js";
import { parseCapacity } from "../src/capacity.js";
import { discburn } from "./discburn.js";

let work: string;
let src: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "discburn-cli-"));
  src = join(work, "My Files");
  mkdirSync(join(src, "docs"), { recursive: true });
  writeFileSync(join(src, "readme.txt"), "hello\n");
  writeFileSync(join(src, "docs", "A Long Document Name.markdown"), "# doc\n");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("output to a reader that goes away", () => {
  it("`discburn --help | head -1` ends quietly (EPIPE is not an error)", async () => {
    const r = await discburn(["burn", "--help"], { onSpawn: (c) => c.stdout?.destroy() });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.code).toBe(0);
  });
});

describe("discburn", () => {
  it("shows help with examples and exit codes", async () => {
    const top = await discburn(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Examples:[\s\S]*discburn create/);
    expect(top.stdout).toMatch(/Exit codes:[\s\S]*130/);
    const create = await discburn(["create", "--help"]);
    expect(create.code).toBe(0);
    expect(create.stdout).toMatch(/--volume-name[\s\S]*--iso-level[\s\S]*--joliet-long[\s\S]*--strict[\s\S]*--json/);
    expect(create.stdout).toMatch(/Examples:\n\s+discburn create/);
  });

  it("creates an image and prints a JSON summary", async () => {
    const out = join(work, "a.iso");
    const r = await discburn(["create", src, "-o", out, "--json"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      volumeName: "My Files",
      files: 2,
      directories: 1,
      fileSystems: ["iso9660", "rockridge", "joliet"],
    });
    expect(statSync(out).size).toBe((summary.totalBlocks as number) * 2048);
  });

  it("prints the size without writing, and the name mapping", async () => {
    const out = join(work, "never.iso");
    const size = await discburn(["create", src, "-o", out, "--print-size", "--iso-level", "1"]);
    expect(size.code).toBe(0);
    expect(Number(size.stdout.trim())).toBeGreaterThan(32);
    expect(() => statSync(out)).toThrow();
    const names = await discburn(["create", src, "-o", out, "--print-size", "--iso-level", "1", "--show-names"]);
    expect(names.stdout).toContain(
      "/docs/A Long Document Name.markdown\t/DOCS/A_LONG_D.MAR;1\t/docs/A Long Document Name.markdown;1",
    );
  });

  it("is reproducible with SOURCE_DATE_EPOCH and --date", async () => {
    const a = join(work, "r1.iso");
    const b = join(work, "r2.iso");
    await discburn(["create", src, "-o", a, "-q"], { env: { SOURCE_DATE_EPOCH: "1700000000" } });
    await discburn(["create", src, "-o", b, "-q", "--date", "2023-11-14T22:13:20Z"]);
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it("exits 2 on usage errors, 3 on unreadable sources, 4 on unwritable output, 5 on strict limits", async () => {
    const bad = await discburn(["create", src, "-o", join(work, "x.iso"), "--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--bogus'/);
    const label = await discburn(["create", src, "-o", join(work, "x.iso"), "-V", "x".repeat(40)]);
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/at most 32/);
    const missing = await discburn(["create", join(work, "nope"), "-o", join(work, "x.iso")]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(join(work, "nope"));
    const noDir = await discburn(["create", src, "-o", join(work, "no", "x.iso")]);
    expect(noDir.code).toBe(4);
    expect(noDir.stderr).toMatch(/does not exist/);
    const deep = join(work, "deep");
    mkdirSync(join(deep, "1/2/3/4/5/6/7/8/9"), { recursive: true });
    const strict = await discburn(["create", deep, "-o", join(work, "deep.iso"), "--strict"]);
    expect(strict.code).toBe(5);
    expect(strict.stderr).toMatch(/deeper than 8/);
    const lax = await discburn(["create", deep, "-o", join(work, "deep.iso")]);
    expect(lax.code).toBe(0);
    expect(lax.stderr).toMatch(/warning: .*deeper than 8 levels/);
    expect(readdirSync(work).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  it("appends a session: adds, removes and renames, and the grown image imports to the new tree", async () => {
    const img = join(work, "grow.iso");
    expect((await discburn(["create", src, "-o", img, "-q"])).code).toBe(0);
    const more = join(work, "more");
    mkdirSync(more);
    writeFileSync(join(more, "added.txt"), "session 2\n");
    const r = await discburn([
      "append",
      img,
      more,
      "--remove",
      "/docs",
      "--rename",
      "/readme.txt=/README.md",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ sessionStart: expect.any(Number) });
    const { ImageFileSource, importFileSystem } = await import("@discburn/fsimage");
    const source = await ImageFileSource.open(img);
    const { root } = await importFileSystem(source);
    expect([...root.children()].map((c) => c.name)).toEqual(["README.md", "added.txt"]);
    await source.close();
    const missing = await discburn(["append", img, "--remove", "/nope"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/\/nope is not in the image/);
  });

  it("writes a session image for write-once media that xorriso reads at its start block", async () => {
    const disc = join(work, "disc.iso");
    expect((await discburn(["create", src, "-o", disc, "-q"])).code).toBe(0);
    const before = readFileSync(disc);
    const start = Math.ceil(before.length / 2048 / 32) * 32 + 32; // a gap, as after a track's run-out
    const more = join(work, "more-session");
    mkdirSync(more);
    writeFileSync(join(more, "second.txt"), "session 2\n");
    const sessionFile = join(work, "session2.bin");
    const args = ["append", disc, more, "--remove", "/docs", "--session-image", sessionFile];
    const r = await discburn([...args, "--session-start", String(start), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ sessionStart: start, sessionImage: sessionFile });
    expect(readFileSync(disc).equals(before)).toBe(true);
    // Lay the session on the "disc" at its start block, as a recorder would, and read that session.
    const combined = join(work, "combined.iso");
    layOnDisc(disc, sessionFile, start, combined);
    const listing = await xorrisoSession.list(combined, start);
    expect(listing).toMatch(/'\/readme\.txt'/);
    expect(listing).toMatch(/'\/second\.txt'/);
    expect(listing).not.toMatch(/docs/);
    const out = join(work, "readme.out");
    await xorrisoSession.extract(combined, start, "/readme.txt", out);
    expect(readFileSync(out, "utf8")).toBe("hello\n");

    const inside = await discburn([...args, "--session-start", "20"]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toMatch(/session start 20 is inside .*give a block at or after its end/);
    const same = await discburn(["append", disc, more, "--session-image", disc]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/must not overwrite/);
    expect(readFileSync(disc).equals(before)).toBe(true);
  });

  it("refuses, with exit code 5 and nothing written, an image or session larger than --capacity", async () => {
    const out = join(work, "small.iso");
    const size = await discburn(["create", src, "-o", out, "--print-size"]);
    const blocks = Number(size.stdout.trim());
    const tooBig = await discburn(["create", src, "-o", out, "--capacity", String(blocks - 1)]);
    expect(tooBig.code).toBe(5);
    expect(tooBig.stderr).toMatch(
      new RegExp(`needs the medium up to block ${blocks}, but it holds ${blocks - 1} blocks`),
    );
    expect(readdirSync(work).filter((n) => n.startsWith("small.iso"))).toEqual([]);
    expect((await discburn(["create", src, "-o", out, "--capacity", String(blocks), "-q"])).code).toBe(0);
    expect(statSync(out).size).toBe(blocks * 2048);

    const more = join(work, "more-capacity");
    mkdirSync(more);
    writeFileSync(join(more, "big.bin"), Buffer.alloc(1 << 20, 1));
    const before = readFileSync(out);
    const full = await discburn(["append", out, more, "--capacity", "1M"]);
    expect(full.code).toBe(5);
    expect(full.stderr).toMatch(/leave files out, or use a larger medium/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect((await discburn(["append", out, more, "--capacity", "cd80", "-q"])).code).toBe(0);
    expect(statSync(out).size).toBeGreaterThan(before.length + (1 << 20));

    const bad = await discburn(["create", src, "-o", out, "--capacity", "big"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--capacity big: give 2048-byte blocks/);
  });

  it("parses capacities as blocks, sizes and named media", () => {
    expect(parseCapacity("359847")).toBe(359_847);
    expect(parseCapacity("700M")).toBe(358_400);
    expect(parseCapacity("700MiB")).toBe(358_400);
    expect(parseCapacity("4.4G")).toBe(Math.floor((4.4 * 1024 ** 3) / 2048));
    expect(parseCapacity("DVD")).toBe(2_295_104);
    expect(parseCapacity("4096b")).toBe(2);
    expect(() => parseCapacity("1.5")).toThrow(/--capacity 1.5/);
  });

  it("stops on Ctrl-C with exit code 130 and leaves no image behind", async () => {
    const big = join(work, "big");
    mkdirSync(big);
    writeFileSync(join(big, "sparse.bin"), "");
    truncateSync(join(big, "sparse.bin"), 3 * 2 ** 30);
    const outDir = join(work, "cancel");
    mkdirSync(outDir);
    const r = await discburn(["create", big, "-o", join(outDir, "big.iso")], {
      onSpawn: (c) => {
        // Interrupt once the image is being written (its temporary file exists).
        const timer = setInterval(() => {
          if (readdirSync(outDir).length > 0) {
            clearInterval(timer);
            c.kill("SIGINT");
          }
        }, 20);
      },
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/cancel/);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
