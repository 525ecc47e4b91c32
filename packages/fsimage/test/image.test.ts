// The library's behaviour: tree edits, errors that name what failed, no partial output, cancellation,
// progress and reproducibility.
import { createHash } from "node:crypto";
import {
  appendFileSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CancelledError,
  FileSystemImage,
  InvalidArgumentError,
  LayoutError,
  OutputError,
  type Progress,
  SourceChangedError,
  SourceError,
  TreeError,
} from "../src/index.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "discburn-image-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function makeTree(name: string): string {
  const root = join(work, name);
  mkdirSync(join(root, "sub", "deeper"), { recursive: true });
  writeFileSync(join(root, "a.txt"), "alpha\n");
  writeFileSync(join(root, "sub", "b.bin"), Buffer.alloc(5000, 7));
  writeFileSync(join(root, "sub", "deeper", "c"), "");
  for (const p of ["a.txt", "sub/b.bin", "sub/deeper/c", "sub/deeper", "sub", "."]) {
    utimesSync(join(root, p), 1_600_000_000, 1_600_000_000);
  }
  return root;
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function collect(img: FileSystemImage): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of img.createResultImage().stream()) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe("tree model", () => {
  it("adds a host tree, with or without its base directory, and looks items up", async () => {
    const src = makeTree("t1");
    const img = new FileSystemImage();
    const report = await img.addTree(src);
    expect(report).toMatchObject({ files: 3, directories: 2, bytes: 5006, skipped: [] });
    expect(img.lookup("/sub/b.bin")?.kind).toBe("file");
    expect(img.lookup("sub/deeper")?.kind).toBe("directory");
    expect(img.lookup("/nope")).toBeUndefined();
    expect(img.volumeName).toBe("t1");

    const img2 = new FileSystemImage();
    await img2.addTree(src, { includeBaseDirectory: true, target: "/x/y" });
    expect(img2.lookup("/x/y/t1/sub/deeper/c")?.kind).toBe("file");
  });

  it("adds symlinks and special files, and warns where no file system can record them", async () => {
    const src = makeTree("t2");
    symlinkSync("a.txt", join(src, "link"));
    const img = new FileSystemImage({ fileSystems: ["iso9660", "joliet"] });
    const report = await img.addTree(src);
    expect(report).toMatchObject({ symlinks: 1, specialFiles: 0, skipped: [] });
    expect(img.lookup("/link")).toMatchObject({ kind: "symlink", target: "a.txt" });
    expect(img.createResultImage().warnings.join("\n")).toMatch(
      /1 symbolic links or special files are not in the ISO 9660 tree \(only Rock Ridge/,
    );
  });

  it("adds files from bytes, host paths and streams; removes files and subtrees", async () => {
    const src = makeTree("t3");
    const img = new FileSystemImage();
    await img.addFile("/docs/readme.txt", new TextEncoder().encode("hi"));
    await img.addFile("/docs/a.txt", join(src, "a.txt"));
    await img.addStream("/gen/data.bin", 3, () => Readable.from([Buffer.from("xyz")]));
    expect(img.stats()).toEqual({ files: 3, directories: 2, other: 0, bytes: 11 });
    await expect(img.addFile("/docs/a.txt", new Uint8Array(1))).rejects.toThrow(TreeError);
    await img.addFile("/docs/a.txt", new Uint8Array(1), { replace: true });
    expect(img.lookup("/docs/a.txt")?.kind === "file" && img.lookup("/docs/a.txt")).toMatchObject({ size: 1 });
    expect(() => img.remove("/docs")).toThrow(/not empty; use removeTree/);
    img.remove("/docs/readme.txt");
    img.removeTree("/docs");
    expect(img.lookup("/docs")).toBeUndefined();
    expect(() => img.remove("/missing")).toThrow(TreeError);
    expect(() => img.addDirectory("/gen/data.bin/x")).toThrow(/is a file/);
    await expect(img.addFile("/a/../b", new Uint8Array(0))).rejects.toThrow(/must not contain/);
  });

  it("shares one data extent between hard links and between names given the same source", async () => {
    const src = makeTree("t4");
    linkSync(join(src, "sub", "b.bin"), join(src, "hard.bin"));
    const img = new FileSystemImage();
    const report = await img.addTree(src);
    expect(report.hardLinks).toBe(1);
    const result = img.createResultImage();
    // a.txt and one b.bin extent: the empty file has none, the hard link shares b.bin's.
    expect(result.dataExtents).toBe(2);
  });
});

describe("options", () => {
  it("refuses volume names that cannot be represented", () => {
    expect(() => new FileSystemImage({ volumeName: "" })).toThrow(InvalidArgumentError);
    expect(() => new FileSystemImage({ volumeName: "x".repeat(33) })).toThrow(/at most 32/);
    expect(() => new FileSystemImage({ volumeName: "bad\nname" })).toThrow(/control character/);
    expect(() => new FileSystemImage({ volumeName: "emoji 😀" })).toThrow(/outside UCS-2/);
    expect(() => new FileSystemImage({ isoLevel: 4 as 3 })).toThrow(/1, 2 or 3/);
  });
  it("refuses deep trees in strict mode and warns otherwise", async () => {
    const make = async (strict: boolean) => {
      const img = new FileSystemImage({ strict });
      await img.addFile("/1/2/3/4/5/6/7/8/9/deep.txt", new Uint8Array(1));
      return img.createResultImage();
    };
    await expect(make(true)).rejects.toThrow(LayoutError);
    await expect(make(true)).rejects.toThrow(/level 9, deeper than 8.*strict/);
    expect((await make(false)).warnings.join("\n")).toMatch(/deeper than 8 levels/);
  });
  it("explains when a path table cannot number a parent directory (more than 65,535 directories)", () => {
    const img = new FileSystemImage({ fileSystems: ["iso9660"] });
    for (let i = 0; i < 65_536; i++) img.addDirectory(`/d${String(i).padStart(5, "0")}`);
    expect(() => img.createResultImage()).not.toThrow(); // numbers up to 65,537, none of them a parent
    img.addDirectory("/d65535/child");
    expect(() => img.createResultImage()).toThrow(/directory number 65537 .*ECMA-119 9\.4\.4/);
  });
  it("refuses files of 4 GiB and more below level 3", async () => {
    const img = new FileSystemImage({ isoLevel: 2 });
    await img.addStream("/big", 2 ** 32, () => Readable.from([]));
    expect(() => img.createResultImage()).toThrow(/need ISO 9660 level 3/);
  });
});

describe("output", () => {
  it("streams the same bytes that writeTo writes, and is reproducible with SOURCE_DATE_EPOCH", async () => {
    const src = makeTree("t5");
    const old = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = "1700000000";
    try {
      const build = async () => {
        const img = new FileSystemImage();
        await img.addTree(src);
        return img;
      };
      const a = await collect(await build());
      const out = join(work, "t5.iso");
      await (await build()).createResultImage().writeTo(out);
      expect(sha(readFileSync(out))).toBe(sha(a));
      // The volume creation date is the epoch: 2023-11-14 22:13:20 UTC.
      expect(a.subarray(16 * 2048 + 813, 16 * 2048 + 829).toString()).toBe("2023111422132000");
    } finally {
      if (old === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = old;
    }
  });

  it("reports progress up to the total with the current file", async () => {
    const src = makeTree("t6");
    const img = new FileSystemImage();
    await img.addTree(src);
    const result = img.createResultImage();
    const seen: Progress[] = [];
    await result.writeTo(join(work, "t6.iso"), { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({
      sectorsWritten: result.totalBlocks,
      totalSectors: result.totalBlocks,
      currentFile: undefined,
    });
    expect(seen.some((p) => p.currentFile === join(src, "sub", "b.bin"))).toBe(true);
    for (let i = 1; i < seen.length; i++)
      expect(seen[i].sectorsWritten).toBeGreaterThanOrEqual(seen[i - 1].sectorsWritten);
  });

  it("fails clearly when the output directory is missing", async () => {
    const img = new FileSystemImage();
    await img.addFile("x", new Uint8Array(3));
    await expect(img.createResultImage().writeTo(join(work, "missing", "x.iso"))).rejects.toThrow(
      /directory .*missing does not exist/,
    );
    await expect(img.createResultImage().writeTo(join(work, "missing", "x.iso"))).rejects.toThrow(OutputError);
  });

  const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes(".part") || n.endsWith("out.iso"));

  it("leaves nothing under the output name when a source vanishes, grows or shrinks", async () => {
    for (const change of ["vanish", "grow", "shrink"] as const) {
      const src = makeTree(`t7-${change}`);
      const dir = join(work, `out-${change}`);
      mkdirSync(dir);
      const img = new FileSystemImage();
      await img.addTree(src);
      const result = img.createResultImage();
      const victim = join(src, "sub", "b.bin");
      if (change === "vanish") unlinkSync(victim);
      if (change === "grow") appendFileSync(victim, "more");
      if (change === "shrink") writeFileSync(victim, "x");
      const err = await result.writeTo(join(dir, "out.iso")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      if (change !== "vanish") expect(err).toBeInstanceOf(SourceChangedError);
      expect((err as Error).message).toContain(victim);
      expect(leftovers(dir)).toEqual([]);
    }
  });

  it("rejects a stream that delivers a different size than declared", async () => {
    const img = new FileSystemImage();
    await img.addStream("/s", 10, () => Readable.from([Buffer.alloc(4)]));
    await expect(collect(img)).rejects.toThrow(/ended after 4 of its declared 10 bytes/);
  });

  it("cancels through an AbortSignal and removes the partial file", async () => {
    const dir = join(work, "cancel");
    mkdirSync(dir);
    const img = new FileSystemImage();
    const chunk = Buffer.alloc(1 << 20, 1);
    await img.addStream("/big.bin", 64 << 20, () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < 64; i++) yield chunk;
        })(),
      ),
    );
    const ac = new AbortController();
    const p = img.createResultImage().writeTo(join(dir, "out.iso"), {
      signal: ac.signal,
      onProgress: (pr) => {
        if (pr.sectorsWritten > 1000) ac.abort();
      },
    });
    await expect(p).rejects.toThrow(CancelledError);
    expect(leftovers(dir)).toEqual([]);
  });
});
