// Appending sessions: growing an image file in place (discburn's own images and other tools'), what
// independent readers see afterwards (xorriso, isoinfo, pycdlib, the Linux kernel), interruption at several
// points, xorriso appending to discburn's image, and a session image for write-once media.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountAndListAll } from "../../../tools/qemu/harness.mjs";
import { AppendSession, FileSystemImage, ImageFileSource, importFileSystem } from "../src/index.js";
import { read7z, readBsdtar, readIsoinfo, readPycdlib, readXorriso } from "./oracles/readers.js";
import { layOnDisc, requireTool, run, xorrisoSession } from "./oracles/tools.js";
import { hostTree, type Tree } from "./oracles/tree.js";
import { readUdf7z, readUdfKernel, readUdfKernelAll, readUdfPycdlib, udfinfo } from "./oracles/udf.js";

let work = "";
let v1 = "";
let v2 = "";
const T = 1_700_000_000;

/** Session 1's tree, and session 2's: a file added, one removed, one renamed, a directory added. */
function buildTrees(): void {
  v1 = join(work, "v1");
  v2 = join(work, "v2");
  for (const root of [v1, v2]) mkdirSync(join(root, "sub"), { recursive: true });
  const common: Array<[string, string | Buffer]> = [
    ["keep.txt", "kept from session 1\n"],
    ["big.bin", Buffer.alloc(600_000, 7)],
    ["sub/inner.txt", "inner\n"],
  ];
  for (const root of [v1, v2]) for (const [rel, c] of common) writeFileSync(join(root, rel), c);
  writeFileSync(join(v1, "gone.txt"), "removed in session 2\n");
  writeFileSync(join(v1, "draft.txt"), "renamed in session 2\n");
  writeFileSync(join(v2, "final.txt"), "renamed in session 2\n");
  mkdirSync(join(v2, "added"));
  writeFileSync(join(v2, "added", "new.txt"), "new in session 2\n");
  for (const root of [v1, v2]) {
    for (const e of hostTree(root, { hash: false }).sort((a, b) => b.path.length - a.path.length)) {
      utimesSync(join(root, e.path), T, T);
    }
    utimesSync(root, T, T);
  }
}

/** Applies session 2's edits to an append session. */
async function editToV2(s: AppendSession): Promise<void> {
  s.image.remove("/gone.txt");
  s.image.rename("/draft.txt", "/final.txt");
  await s.image.addFile("/added/new.txt", new TextEncoder().encode("new in session 2\n"), { mtimeMs: T * 1000 });
  s.image.lookup("/added")!.mtimeMs = T * 1000;
}

const files = (t: Tree) => t.filter((e) => e.type === "file").map(({ path, size, sha256 }) => ({ path, size, sha256 }));

async function discburnImage(file: string, src: string): Promise<void> {
  const img = new FileSystemImage({ volumeName: "GROWN", creationTime: new Date(T * 1000) });
  await img.addTree(src);
  await img.createResultImage().writeTo(file);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "discburn-append-"));
  buildTrees();
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("growing a discburn image in place", () => {
  let grown = "";
  beforeAll(async () => {
    grown = join(work, "grown.iso");
    await discburnImage(grown, v1);
    const before = statSync(grown).size;
    const s = await AppendSession.open(grown);
    await editToV2(s);
    const done = await s.commit();
    expect(done.sessionStart * 2048).toBeGreaterThanOrEqual(before);
    // Old data is pointed at, not copied: the new session is small next to big.bin.
    expect(done.sessionBlocks * 2048).toBeLessThan(300_000);
  });

  it("shows the new tree to xorriso (Rock Ridge), isoinfo (Joliet), 7z, bsdtar and pycdlib, with old data intact", async () => {
    const want = files(hostTree(v2));
    expect(files(await readXorriso(grown, "rockridge"))).toEqual(want);
    expect(files(await readIsoinfo(grown, "joliet"))).toEqual(want);
    expect(files(await read7z(grown, "joliet"))).toEqual(want);
    expect(files(await readBsdtar(grown, "rockridge"))).toEqual(want);
    expect(files(await readPycdlib(grown, "rockridge"))).toEqual(want);
  });

  it("imports back to the new tree, and a second append builds on it", async () => {
    const s = await AppendSession.open(grown);
    await s.image.addFile("/third.txt", new TextEncoder().encode("session 3\n"));
    await s.commit();
    const src = await ImageFileSource.open(grown);
    const { root } = await importFileSystem(src);
    expect(root.get("third.txt")?.kind).toBe("file");
    expect(root.get("final.txt")?.kind).toBe("file");
    expect(root.get("gone.txt")).toBeUndefined();
    await src.close();
  });

  it("is mounted by the Linux kernel with the newest tree", async () => {
    requireTool("qemu-system-x86_64");
    const [m] = await mountAndListAll({ image: grown, mounts: [{ fs: "iso9660" }], timeoutMs: 180_000 });
    expect(m.mounted, m.mountError).toBe(true);
    const paths = m.tree.map((e) => e.path);
    expect(paths).toContain("/third.txt");
    expect(paths).toContain("/added/new.txt");
    expect(paths).not.toContain("/gone.txt");
    const big = m.tree.find((e) => e.path === "/big.bin");
    expect(big?.sha256).toBe(hostTree(v1).find((e) => e.path === "/big.bin")?.sha256);
  }, 200_000);
});

describe("growing UDF images in place (discburn and genisoimage bridges, an mkudffs volume)", () => {
  const grown: Record<string, string> = {};
  beforeAll(async () => {
    // discburn's bridge images at every revision (2.50+: metadata partition), and genisoimage's (-udf, 1.02).
    for (const rev of ["1.02", "2.01", "2.50", "2.60"] as const) {
      const file = join(work, `udf-${rev}.iso`);
      const img = new FileSystemImage({ fileSystems: ["iso9660", "rockridge", "joliet", "udf"], udfRevision: rev });
      await img.addTree(v1);
      await img.createResultImage().writeTo(file);
      grown[rev] = file;
    }
    grown.genisoimage = join(work, "udf-genisoimage.iso");
    await run(requireTool("genisoimage"), ["-quiet", "-R", "-J", "-udf", "-o", grown.genisoimage, v1]);
    // An empty UDF-only volume from mkudffs, filled with v1 by a first append.
    grown.mkudffs = join(work, "mkudffs.img");
    writeFileSync(grown.mkudffs, Buffer.alloc(8 << 20));
    const mk = ["--media-type=hd", "--blocksize=2048", "--udfrev=0x0201", "--label=MK", grown.mkudffs];
    await run(requireTool("mkudffs"), mk);
    const first = await AppendSession.open(grown.mkudffs);
    await first.image.addTree(v1);
    await first.commit();
    for (const file of Object.values(grown)) {
      const s = await AppendSession.open(file);
      await editToV2(s);
      await s.commit();
    }
  });

  it("shows the new tree through UDF to 7z, pycdlib and our reader, and through Rock Ridge to xorriso", async () => {
    const want = files(hostTree(v2));
    for (const [what, file] of Object.entries(grown)) {
      const udf = (await readUdf7z(file)).filter((e) => e.type === "file");
      expect(files(udf as Tree), `7z -tudf, ${what}`).toEqual(want);
      if (what !== "mkudffs") expect(files(await readXorriso(file, "rockridge")), `xorriso, ${what}`).toEqual(want);
      // pycdlib reads UDF 1.xx bridges (not Extended File Entries, metadata partitions or UDF-only volumes).
      if (what === "1.02" || what === "genisoimage") {
        const py = (await readUdfPycdlib(file)).filter((e) => e.type === "file");
        expect(files(py as Tree), `pycdlib UDF, ${what}`).toEqual(want);
      }
      const src = await ImageFileSource.open(file);
      const { root, fileSystem } = await importFileSystem(src);
      expect(fileSystem).toBe("udf");
      expect(root.get("gone.txt"), what).toBeUndefined();
      const added = root.get("added");
      expect(added?.kind === "directory" && added.get("new.txt")?.kind, what).toBe("file");
      await src.close();
    }
  });

  it("passes udfinfo with the new session's file counts", async () => {
    for (const [what, file] of Object.entries(grown)) {
      const info = await udfinfo(file);
      expect(info.valid, `${what}: ${info.errors.join("; ")}`).toBe(true);
      // v2: keep.txt, big.bin, sub/inner.txt, final.txt, added/new.txt; directories: root, sub, added.
      expect(info.numFiles, what).toBe(5);
      expect(info.numDirs, what).toBe(3);
    }
  });

  it("is mounted by the Linux kernel's udf driver with the newest tree and intact old data", async () => {
    requireTool("qemu-system-x86_64");
    const results = await readUdfKernelAll(
      Object.values(grown).map((image) => ({ image })),
      { timeoutMs: 180_000 },
    );
    const want = files(hostTree(v2));
    const sorted = <T extends { path: string }>(a: T[]) => [...a].sort((x, y) => (x.path < y.path ? -1 : 1));
    for (const r of results) {
      expect(r.mounted, r.mountError).toBe(true);
      expect(sorted(files(r.tree.filter((e) => e.type === "file") as Tree))).toEqual(sorted(want));
    }
  }, 200_000);
});

describe("interruption", () => {
  it.each([
    ["in the middle of the new session", { afterSessionBytes: 70_000 }],
    ["after the session, before the head is rewritten", { beforeHead: true }],
  ] as const)("%s leaves the previous tree readable", async (_label, fault) => {
    const file = join(work, `fault-${"beforeHead" in fault ? "head" : "mid"}.iso`);
    await discburnImage(file, v1);
    const s = await AppendSession.open(file, { faultInjection: fault });
    await editToV2(s);
    await expect(s.commit()).rejects.toThrow(/injected fault/);
    expect(files(await readXorriso(file, "rockridge"))).toEqual(files(hostTree(v1)));
    const src = await ImageFileSource.open(file);
    const { root } = await importFileSystem(src);
    expect(root.get("gone.txt")?.kind).toBe("file");
    await src.close();
  });
});

describe("interruption of a UDF append", () => {
  it("before the head is rewritten leaves the previous tree to UDF readers", async () => {
    const file = join(work, "fault-udf.iso");
    const img = new FileSystemImage({ fileSystems: ["iso9660", "rockridge", "udf"], udfRevision: "2.01" });
    await img.addTree(v1);
    await img.createResultImage().writeTo(file);
    const s = await AppendSession.open(file, { faultInjection: { beforeHead: true } });
    await editToV2(s);
    await expect(s.commit()).rejects.toThrow(/injected fault/);
    // 7z warns about the data past the old volume's end (the unfinished session), so the kernel reads it.
    requireTool("qemu-system-x86_64");
    const tree = await readUdfKernel(file, { timeoutMs: 180_000 });
    const sorted = <T extends { path: string }>(a: T[]) => [...a].sort((x, y) => (x.path < y.path ? -1 : 1));
    expect(sorted(files(tree.filter((e) => e.type === "file") as Tree))).toEqual(sorted(files(hostTree(v1))));
    expect((await udfinfo(file)).valid).toBe(true);
  }, 200_000);
});

describe("other tools' images", () => {
  it("grows an image made by xorriso -as mkisofs -R -J", async () => {
    const file = join(work, "xorriso.iso");
    await run(requireTool("xorriso"), ["-as", "mkisofs", "-R", "-J", "-quiet", "-o", file, v1]);
    const s = await AppendSession.open(file);
    await editToV2(s);
    await s.commit();
    expect(files(await readXorriso(file, "rockridge"))).toEqual(files(hostTree(v2)));
  });

  it("grows an image made by genisoimage -R -J (path tables right after its descriptors)", async () => {
    const file = join(work, "genisoimage.iso");
    await run(requireTool("genisoimage"), ["-quiet", "-R", "-J", "-o", file, v1]);
    const s = await AppendSession.open(file);
    await editToV2(s);
    await s.commit();
    expect(files(await readXorriso(file, "rockridge"))).toEqual(files(hostTree(v2)));
  });

  it("imports the session xorriso appends to a discburn image", async () => {
    const file = join(work, "by-xorriso.iso");
    await discburnImage(file, v1);
    const extra = join(work, "extra");
    mkdirSync(extra);
    writeFileSync(join(extra, "from-xorriso.txt"), "xorriso's session\n");
    await run(requireTool("xorriso"), ["-dev", file, "-map", extra, "/xorriso", "-commit"]);
    const src = await ImageFileSource.open(file);
    const { root } = await importFileSystem(src);
    const dir = root.get("xorriso");
    expect(dir?.kind).toBe("directory");
    expect(dir?.kind === "directory" && dir.get("from-xorriso.txt")?.kind).toBe("file");
    expect(root.get("keep.txt")?.kind).toBe("file");
    await src.close();
  });
});

describe("a session image for write-once media", () => {
  it("points at the earlier session's data and reads after it at its start block", async () => {
    const disc = join(work, "disc.img");
    await discburnImage(disc, v1);
    const medium = await ImageFileSource.open(disc);
    const { root } = await importFileSystem(medium);
    const start = Math.ceil(medium.blockCount / 32) * 32;
    const img = new FileSystemImage({ sessionStart: start, medium, volumeName: "SESSION2" });
    for (const c of [...root.unsortedChildren()]) img.root.add(c);
    img.root.delete("gone.txt");
    const result = img.createResultImage();
    const session = join(work, "session2.img");
    await result.writeTo(session);
    await medium.close();
    // Write the session where it belongs on the "disc" and read that session with xorriso.
    const combined = join(work, "combined.img");
    layOnDisc(disc, session, start, combined);
    const listing = await xorrisoSession.list(combined, start);
    expect(listing).toMatch(/'\/keep\.txt'/);
    expect(listing).not.toMatch(/gone\.txt/);
    const out = join(work, "big.out");
    await xorrisoSession.extract(combined, start, "/big.bin", out);
    expect(readFileSync(out).equals(readFileSync(join(v1, "big.bin")))).toBe(true);
    // The session image holds only new metadata: big.bin's data stayed in session 1.
    expect(result.totalBytes).toBeLessThan(300_000);
  });

  it("from AppendSession at a chosen start is mounted by the Linux kernel with -o sbsector", async () => {
    requireTool("qemu-system-x86_64");
    const disc = join(work, "worm.img");
    await discburnImage(disc, v1);
    const before = readFileSync(disc);
    const start = Math.ceil(before.length / 2048 / 32) * 32 + 160; // past a gap, like a new track on a CD-R
    const s = await AppendSession.open(disc, { sessionStart: start });
    await editToV2(s);
    const sessionFile = join(work, "worm-session2.img");
    const done = await s.writeSessionImage(sessionFile);
    expect(done.sessionStart).toBe(start);
    expect(readFileSync(disc).equals(before)).toBe(true);
    const combined = join(work, "worm-combined.img");
    layOnDisc(disc, sessionFile, start, combined);
    const [newest, first] = await mountAndListAll({
      image: combined,
      mounts: [{ fs: "iso9660", options: [`sbsector=${start}`] }, { fs: "iso9660" }],
      timeoutMs: 180_000,
    });
    expect(newest?.mounted, newest?.mountError).toBe(true);
    expect(first?.mounted, first?.mountError).toBe(true);
    const kernelFiles = (tree: Array<{ path: string; type: string; size: number; sha256?: string }>) =>
      tree.filter((e) => e.type === "file").map(({ path, size, sha256 }) => ({ path, size, sha256 }));
    const sorted = <T extends { path: string }>(a: T[]) => [...a].sort((x, y) => (x.path < y.path ? -1 : 1));
    expect(sorted(kernelFiles(newest?.tree ?? []))).toEqual(sorted(files(hostTree(v2))));
    expect(sorted(kernelFiles(first?.tree ?? []))).toEqual(sorted(files(hostTree(v1))));
  }, 200_000);
});
