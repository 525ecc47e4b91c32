// The reading side of issue 5: block sources, identifyFileSystems and importFileSystem.
//   (1) discburn's own images (ISO 9660 levels 1-3, Rock Ridge 1.12/1.09 with relocation and CE areas, Joliet,
//       every UDF revision as bridge and alone, a file over 1 GiB, a session not at LBA 0) import back to the
//       tree that built them, in every file system, and an imported tree can be written again;
//   (2) images of xorriso, genisoimage (with -udf), pycdlib and mkudffs import to their source trees (or to what
//       an independent reader sees in them);
//   (3) identifyFileSystems names what each of them holds;
//   (4) hostile images, hand-made for each hazard and by fast-check mutations of real images, give a tree or an
//       ImageReadError, quickly: never another error, a hang or unbounded memory.
// DISCBURN_PROPERTY_RUNS sets the number of mutations per image (default 250).
import { createHash, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DirectoryRecord, encodeDirectoryRecord, FileFlags } from "../src/ecma119/directoryRecord.js";
import { encodeVolumeDescriptor, encodeVolumeDescriptorSetTerminator } from "../src/ecma119/volumeDescriptor.js";
import {
  type BlockSource,
  type DirectoryItem,
  type FileSource,
  FileSystemImage,
  type IdentifiedFileSystems,
  ImageFileSource,
  type ImageItem,
  type ImageOptions,
  ImageReadError,
  type ImportableFileSystem,
  type ImportResult,
  identifyFileSystems,
  importFileSystem,
  MemorySource,
  type ReadLimits,
  type ResultImage,
} from "../src/index.js";
import { ExtentSource } from "../src/read/extentSource.js";
import {
  encodeCE,
  encodeER,
  encodeNM,
  encodePX,
  encodeSL,
  encodeSP,
  NmFlags,
  RRIP_1_12,
  SlFlags,
} from "../src/rockridge/entries.js";
import { decodeFileEntry, decodeFileIdentifier, decodeFileSet } from "../src/udf/file.js";
import { readExtentAd, readTag, TagId, writeTag } from "../src/udf/primitives.js";
import { decodeLogicalVolume, decodePartition } from "../src/udf/volume.js";
import { buildPosixSource, RR_LONG_NAME } from "./oracles/posixSource.js";
import { normaliseName, readXorriso } from "./oracles/readers.js";
import { requirePycdlib, requireTool, run } from "./oracles/tools.js";
import { compareTrees, EMPTY_SHA256, type EntryType, hostTree, type Tree, type TreeEntry } from "./oracles/tree.js";
import { readUdf7z } from "./oracles/udf.js";

const BLOCK = 2048;
const PROPERTY_RUNS = Number(process.env.DISCBURN_PROPERTY_RUNS ?? 250);

// ---------------------------------------------------------------------------------------------------------
// Imported trees as TreeEntry lists (tree.ts), so they compare with host trees and oracle views

const KIND: Record<ImageItem["kind"], EntryType> = {
  directory: "dir",
  file: "file",
  symlink: "symlink",
  fifo: "fifo",
  socket: "socket",
  "character-device": "chardev",
  "block-device": "blockdev",
};

async function hashSource(source: FileSource): Promise<string> {
  const h = createHash("sha256");
  let n = 0;
  for await (const chunk of source.chunks()) {
    h.update(chunk);
    n += chunk.length;
  }
  expect(n, source.describe()).toBe(source.size);
  return h.digest("hex");
}

/** Blocking reads through openSync, as the emitter does (one byte more than left at the end). */
function hashSourceSync(source: FileSource): string {
  const reader = source.openSync!();
  const h = createHash("sha256");
  const buf = Buffer.alloc(96 * 1024 + 7);
  let pos = 0;
  try {
    for (;;) {
      const n = reader.read(buf, 0, Math.min(buf.length, source.size - pos + 1), pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    reader.close();
  }
  expect(pos).toBe(source.size);
  return h.digest("hex");
}

function walkItems(root: DirectoryItem): Array<[string, ImageItem]> {
  const out: Array<[string, ImageItem]> = [];
  const stack: Array<[string, DirectoryItem]> = [["", root]];
  while (stack.length > 0) {
    const [base, dir] = stack.pop()!;
    for (const c of dir.children()) {
      const path = `${base}/${c.name}`;
      out.push([path, c]);
      if (c.kind === "directory") stack.push([path, c]);
    }
  }
  return out;
}

/** The tree of an import: names, kinds, sizes, content hashes, whole-second mtimes, POSIX fields. */
async function treeOf(root: DirectoryItem, opts: { hash?: boolean } = {}): Promise<Tree> {
  const items = walkItems(root);
  const links = new Map<FileSource, number>();
  for (const [, it] of items) if (it.kind === "file") links.set(it.source, (links.get(it.source) ?? 0) + 1);
  const out: Tree = [];
  for (const [path, it] of items) {
    const e: TreeEntry = {
      path,
      type: KIND[it.kind],
      mtime: Math.floor(it.mtimeMs / 1000),
      mode: it.mode,
      uid: it.uid,
      gid: it.gid,
    };
    if (it.kind === "file") {
      e.size = it.size;
      e.nlink = links.get(it.source);
      if (opts.hash !== false) e.sha256 = await hashSource(it.source);
    } else if (it.kind === "symlink") e.target = it.target;
    else if (it.kind === "character-device" || it.kind === "block-device") {
      if (it.device) e.rdev = it.device;
    }
    out.push(e);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Sources of imports whose files are read later; closed after all tests. */
const openSources: ImageFileSource[] = [];

async function importFile(
  file: string,
  fileSystem?: ImportableFileSystem,
  options: { sessionStart?: number; limits?: Partial<ReadLimits> } = {},
): Promise<ImportResult> {
  const source = await ImageFileSource.open(file);
  openSources.push(source);
  return importFileSystem(source, { ...options, fileSystem });
}

async function viewOf(file: string, fileSystem: ImportableFileSystem, sessionStart = 0): Promise<Tree> {
  const source = await ImageFileSource.open(file);
  try {
    const r = await importFileSystem(source, { fileSystem, sessionStart });
    expect(r.fileSystem).toBe(fileSystem);
    return await treeOf(r.root);
  } finally {
    await source.close();
  }
}

async function identifyFile(file: string, sessionStart = 0): Promise<IdentifiedFileSystems> {
  const source = await ImageFileSource.open(file);
  try {
    return await identifyFileSystems(source, { sessionStart });
  } finally {
    await source.close();
  }
}

const plain = (t: readonly TreeEntry[]): Tree =>
  t.map(({ mode: _m, uid: _u, gid: _g, nlink: _n, target: _t, rdev: _r, ...rest }) => rest);

const SPECIAL = new Set<EntryType>(["fifo", "socket", "chardev", "blockdev"]);

/** Host entries as seen through a naming scheme (discburn's names(): ISO 9660 or Joliet identifiers). */
function mappedView(host: readonly TreeEntry[], result: ResultImage, view: "iso9660" | "joliet"): Tree {
  const names = new Map<string, string>();
  for (const n of result.names()) {
    const p = n[view];
    if (p !== undefined && n.path !== "/")
      names.set(
        n.path,
        `/${p
          .slice(1)
          .split("/")
          .map((c) => normaliseName(view, c))
          .join("/")}`,
      );
  }
  const out = host
    .filter((e) => (e.type === "file" || e.type === "dir") && names.has(e.path))
    .map((e) => ({ ...e, path: names.get(e.path)! }));
  return plain(out).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures

let work = "";
let src = "";
let host: Tree = [];
const images: Record<string, string> = {};
const results: Record<string, ResultImage> = {};

interface DiscburnCase {
  id: string;
  options: ImageOptions;
  /** File systems to import and compare. */
  views: ImportableFileSystem[];
  udf?: "1.02" | "1.50" | "2.01" | "2.50" | "2.60";
}

const ALL: ImageOptions["fileSystems"] = ["iso9660", "rockridge", "joliet", "udf"];
const DISCBURN_CASES: readonly DiscburnCase[] = [
  { id: "rr112-joliet", options: {}, views: ["rockridge", "joliet"] },
  {
    id: "rr109",
    options: { fileSystems: ["iso9660", "rockridge"], rockRidgeVersion: "1.09" },
    views: ["rockridge"],
  },
  { id: "iso-level1", options: { fileSystems: ["iso9660"], isoLevel: 1 }, views: ["iso9660"] },
  { id: "iso-level2", options: { fileSystems: ["iso9660"], isoLevel: 2 }, views: ["iso9660"] },
  {
    id: "iso-level3-joliet-long",
    options: { fileSystems: ["iso9660", "joliet"], jolietLongNames: true },
    views: ["iso9660", "joliet"],
  },
  ...(["1.02", "1.50", "2.01", "2.50", "2.60"] as const).map(
    (rev): DiscburnCase => ({
      id: `bridge-udf${rev}`,
      options: { fileSystems: ALL, udfRevision: rev },
      views: ["udf", "rockridge", "joliet"],
      udf: rev,
    }),
  ),
  ...(["1.02", "2.01", "2.60"] as const).map(
    (rev): DiscburnCase => ({
      id: `udf-only${rev}`,
      options: { fileSystems: ["udf"], udfRevision: rev },
      views: ["udf"],
      udf: rev,
    }),
  ),
];

/** The source: every POSIX entry kind (posixSource.ts) plus an empty file, an empty directory and a binary file. */
async function buildSource(root: string): Promise<void> {
  expect(await buildPosixSource(root)).toEqual([]);
  mkdirSync(join(root, "emptydir"));
  writeFileSync(join(root, "emptyfile"), "");
  writeFileSync(join(root, "d700", "data.bin"), randomBytes(100_000 + 17));
}

async function build(options: ImageOptions, file: string, fill: (img: FileSystemImage) => Promise<void>) {
  const img = new FileSystemImage({ creationTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), ...options });
  await fill(img);
  const result = img.createResultImage();
  await result.writeTo(file);
  return result;
}

const LARGE_SIZE = 1024 ** 3 + 4096 + 123;
let largeSha = "";

/** 1 GiB + a bit of generated data, every MiB numbered (so misplaced pieces change the hash). */
async function* largeStream(): AsyncIterable<Uint8Array> {
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  let left = LARGE_SIZE;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, chunk.length);
    const c = Buffer.from(chunk.subarray(0, n));
    c.writeUInt32LE(i, 0);
    left -= n;
    yield c;
  }
}

beforeAll(async () => {
  const started = Date.now();
  work = mkdtempSync(join(tmpdir(), "discburn-read-"));
  src = join(work, "src");
  await buildSource(src);
  host = hostTree(src, { posix: true });
  for (const c of DISCBURN_CASES) {
    const file = join(work, `${c.id}.iso`);
    results[c.id] = await build(c.options, file, async (img) => {
      expect((await img.addTree(src)).skipped).toEqual([]);
    });
    images[c.id] = file;
  }
  // A session that starts at LBA 300 (what an appended session looks like), behind 300 blocks of zeros.
  {
    const img = new FileSystemImage({ fileSystems: ALL, udfRevision: "2.50", sessionStart: 300 });
    await img.addTree(src);
    const chunks: Uint8Array[] = [Buffer.alloc(300 * BLOCK)];
    for await (const c of img.createResultImage().stream()) chunks.push(Buffer.from(c));
    images.session300 = join(work, "session300.iso");
    writeFileSync(images.session300, Buffer.concat(chunks));
  }
  // Bootable: El Torito BIOS (no emulation) and UEFI entries.
  images.boot = join(work, "boot.iso");
  results.boot = await build(
    {
      boot: {
        images: [
          { path: "/boot/bios.img", loadSize: 4 },
          { path: "/boot/efi.img", platform: "efi" },
        ],
      },
    },
    images.boot,
    async (img) => {
      await img.addFile("/boot/bios.img", randomBytes(4 * BLOCK));
      await img.addFile("/boot/efi.img", randomBytes(64 * 1024));
    },
  );
  // Over 1 GiB: two UDF extents (split at 2^30 - 2048), one ISO 9660 extent.
  {
    const h = createHash("sha256");
    for await (const c of largeStream()) h.update(c);
    largeSha = h.digest("hex");
    images.large = join(work, "large.iso");
    await build({ fileSystems: ["iso9660", "udf"], udfRevision: "2.01" }, images.large, async (img) => {
      await img.addStream("/large.bin", LARGE_SIZE, largeStream);
      await img.addFile("/small.txt", new TextEncoder().encode("after the large file\n"));
    });
  }
  // Other tools.
  const xorriso = requireTool("xorriso");
  images.xorriso = join(work, "xorriso.iso");
  await run(xorriso, ["-as", "mkisofs", "-R", "-J", "-rr_reloc_dir", "rr_moved", "-o", images.xorriso, src]);
  // genisoimage: its SL entries of long targets are cut (see "genisoimage long symlink"), so without that link.
  const gsrc = join(work, "gsrc");
  await buildSource(gsrc);
  rmSync(join(gsrc, "longlink"));
  images.genisoimage = join(work, "genisoimage.iso");
  await run(requireTool("genisoimage"), ["-quiet", "-R", "-J", "-udf", "-o", images.genisoimage, gsrc]);
  images.genisoimageLongLink = join(work, "genisoimage-longlink.iso");
  await run(requireTool("genisoimage"), ["-quiet", "-R", "-J", "-o", images.genisoimageLongLink, src]);
  const python = await requirePycdlib();
  images.pycdlib = join(work, "pycdlib.iso");
  await run(python, ["-c", PYCDLIB_SCRIPT, images.pycdlib]);
  const mkudffs = requireTool("mkudffs");
  for (const rev of MKUDFFS_REVISIONS) {
    const file = join(work, `mkudffs-${rev}.img`);
    writeFileSync(file, "");
    truncateSync(file, 10 * 1024 * 1024);
    await run(mkudffs, ["--media-type=hd", `--udfrev=${rev}`, `--label=R${rev}`, "--blocksize=2048", file]);
    images[`mkudffs-${rev}`] = file;
  }
  process.stderr.write(`read.test: images ready in ${Date.now() - started} ms\n`);
});

afterAll(async () => {
  for (const s of openSources) await s.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const MKUDFFS_REVISIONS = ["0x0101", "0x0102", "0x0150", "0x0200", "0x0201"] as const;

/** A pycdlib image: ISO 9660 level 3, RRIP 1.09, Joliet, UDF; a symlink (RR, UDF) and hard links in every tree. */
const PYCDLIB_SCRIPT = `
import io, sys, pycdlib
iso = pycdlib.PyCdlib()
iso.new(interchange_level=3, rock_ridge="1.09", joliet=3, udf="2.60", vol_ident="PYCDLIB")
def add(path, data, rr, jol, udf):
    iso.add_fp(io.BytesIO(data), len(data), path, rr_name=rr, joliet_path=jol, udf_path=udf)
iso.add_directory("/DIR1", rr_name="dir1", joliet_path="/dir1", udf_path="/dir1")
add("/HELLO.TXT;1", b"hello world\\n", "hello.txt", "/hello.txt", "/hello.txt")
add("/DIR1/BIG.BIN;1", bytes(range(256)) * 100, "big.bin", "/dir1/big.bin", "/dir1/big.bin")
add("/EMPTY.;1", b"", "empty", "/empty", "/empty")
iso.add_symlink(symlink_path="/LINK.;1", rr_symlink_name="link", rr_path="hello.txt", udf_symlink_path="/link", udf_target="hello.txt")
iso.add_hard_link(iso_old_path="/HELLO.TXT;1", iso_new_path="/DIR1/HARD.TXT;1", rr_name="hard.txt")
iso.add_hard_link(iso_old_path="/HELLO.TXT;1", joliet_new_path="/dir1/hard.txt")
iso.add_hard_link(iso_old_path="/HELLO.TXT;1", udf_new_path="/dir1/hard.txt")
iso.write(sys.argv[1])
`;

const sha = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

// ---------------------------------------------------------------------------------------------------------
// (0) Block sources and extent sources

describe("block sources", () => {
  it("image files and memory read whole blocks, zero-fill a partial last block, and refuse reads past the end", async () => {
    const bytes = randomBytes(3 * BLOCK + 100);
    const file = join(work, "blocks.bin");
    writeFileSync(file, bytes);
    const fileSource = await ImageFileSource.open(file);
    const memory = new MemorySource(bytes);
    for (const s of [fileSource, memory] as BlockSource[]) {
      expect(s.blockCount).toBe(4);
      expect(Buffer.from(await s.read(1, 2))).toEqual(bytes.subarray(BLOCK, 3 * BLOCK));
      const last = s.readSync!(3, 1);
      expect(Buffer.from(last.subarray(0, 100))).toEqual(bytes.subarray(3 * BLOCK));
      expect(last.subarray(100).every((b) => b === 0)).toBe(true);
      const err = await s.read(3, 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageReadError);
      expect((err as ImageReadError).lba).toBe(3);
      expect((err as ImageReadError).message).toMatch(/LBA 3.*past the end/);
      expect(() => s.readSync!(9, 1)).toThrow(ImageReadError);
    }
    await fileSource.close();
    await expect(fileSource.read(0, 1)).rejects.toThrow(/closed/);
  });

  it("an extent source reads its extents in order, sparse ones as zeros, blocking or asynchronously", async () => {
    const bytes = randomBytes(20 * BLOCK);
    const memory = new MemorySource(bytes);
    const extents = [
      { lba: 9, bytes: 3 * BLOCK },
      { lba: 2, bytes: 100 },
      { lba: 0, bytes: 5000, sparse: true },
      { lba: 15, bytes: BLOCK + 1 },
      { lba: 4, bytes: 0 },
    ];
    const expected = Buffer.concat([
      bytes.subarray(9 * BLOCK, 12 * BLOCK),
      bytes.subarray(2 * BLOCK, 2 * BLOCK + 100),
      Buffer.alloc(5000),
      bytes.subarray(15 * BLOCK, 16 * BLOCK + 1),
    ]);
    const s = new ExtentSource(memory, extents);
    expect(s.size).toBe(expected.length);
    expect(s.extents).toEqual(extents);
    expect(await hashSource(s)).toBe(sha(expected));
    expect(hashSourceSync(s)).toBe(sha(expected));
    const file = join(work, "extents.bin");
    writeFileSync(file, bytes);
    const fileSource = await ImageFileSource.open(file);
    const fs2 = new ExtentSource(fileSource, extents);
    expect(await hashSource(fs2)).toBe(sha(expected));
    expect(hashSourceSync(fs2)).toBe(sha(expected));
    await fileSource.close();
    // Without blocking reads (a drive) there is no openSync; chunks still work.
    const asyncOnly: BlockSource = { blockCount: 20, read: (l, c) => memory.read(l, c), close: async () => {} };
    const s3 = new ExtentSource(asyncOnly, extents);
    expect(s3.openSync).toBeUndefined();
    expect(await hashSource(s3)).toBe(sha(expected));
    expect(() => new ExtentSource(memory, [{ lba: 19, bytes: 2 * BLOCK }])).toThrow(ImageReadError);
  });
});

// ---------------------------------------------------------------------------------------------------------
// (1) discburn's images import back to the tree that built them

describe.each(DISCBURN_CASES)("discburn image $id", (c) => {
  it.each(c.views)("imports the %s tree as built", async (view) => {
    const seen = await viewOf(images[c.id], view);
    let want: Tree;
    if (view === "rockridge") want = host;
    else if (view === "udf") want = c.udf && c.udf < "2" ? host.filter((e) => !SPECIAL.has(e.type)) : host;
    else want = mappedView(host, results[c.id], view);
    const posixView = view === "rockridge" || view === "udf";
    const diffs = compareTrees(want, posixView ? seen : plain(seen), {
      labelA: "source",
      labelB: `imported ${view}`,
      dirNlink: false,
    });
    expect(diffs).toEqual([]);
  });

  it("is identified", async () => {
    const id = await identifyFile(images[c.id]);
    const fs = c.options.fileSystems ?? ["iso9660", "rockridge", "joliet"];
    expect(id.iso9660).toBe(fs.includes("iso9660"));
    expect(id.joliet).toBe(fs.includes("joliet"));
    expect(id.rockRidge).toEqual(
      fs.includes("rockridge") ? { version: c.options.rockRidgeVersion === "1.09" ? "1.09" : "1.12" } : null,
    );
    expect(id.udf).toEqual(c.udf ? { revision: c.udf } : null);
    expect(id.elTorito).toBeNull();
    expect(id.volumeName).toBe("src");
    expect(id.warnings).toEqual([]);
    const r = await importFile(images[c.id]);
    expect(r.fileSystem).toBe(
      c.udf ? "udf" : fs.includes("rockridge") ? "rockridge" : fs.includes("joliet") ? "joliet" : "iso9660",
    );
    expect(r.warnings).toEqual([]);
  });
});

describe("discburn images, more", () => {
  it("the ISO 9660 tree of a Rock Ridge image shows the relocation as plain readers do (as xorriso sees it)", async () => {
    const seen = await viewOf(images["rr112-joliet"], "iso9660");
    const oracle = await readXorriso(images["rr112-joliet"], "iso9660");
    expect(compareTrees(oracle, plain(seen), { labelA: "xorriso", labelB: "imported" })).toEqual([]);
    expect(seen.some((e) => e.path === "/RR_MOVED" && e.type === "dir")).toBe(true);
  });

  it("hard links share one source; long names and symlink targets come back through CE areas", async () => {
    for (const id of ["rr112-joliet", "rr109", "bridge-udf2.60", "udf-only2.01"]) {
      const fs: ImportableFileSystem = id.includes("udf") ? "udf" : "rockridge";
      const r = await importFile(images[id], fs);
      const h1 = r.root.get("h1");
      const h2 = r.root.get("h2");
      expect(h1?.kind === "file" && h2?.kind === "file" && h1.source === h2.source, id).toBe(true);
      expect(r.root.get(RR_LONG_NAME)?.kind, id).toBe("file");
      const e1 = r.root.get("emptyfile");
      expect(e1?.kind === "file" && e1.size === 0, id).toBe(true);
    }
  });

  it("imported files are extent sources pointing at the data already in the image (read blocking or async)", async () => {
    const r = await importFile(images["bridge-udf2.50"], "rockridge");
    const u = await importFile(images["bridge-udf2.50"], "udf");
    const file = (root: DirectoryItem) => {
      const d = root.get("d700");
      const f = d?.kind === "directory" ? d.get("data.bin") : undefined;
      if (f?.kind !== "file") throw new Error("no data.bin");
      return f.source;
    };
    const a = file(r.root);
    const b = file(u.root);
    expect(a).toBeInstanceOf(ExtentSource);
    expect((a as ExtentSource).extents).toEqual((b as ExtentSource).extents);
    expect(hashSourceSync(a)).toBe(await hashSource(b));
  });

  it("a block source without blocking reads (as a drive will be) imports the same trees", async () => {
    const memory = new MemorySource(readFileSync(images["bridge-udf2.60"]));
    const asyncOnly: BlockSource = {
      blockCount: memory.blockCount,
      read: (lba, count) => memory.read(lba, count),
      close: async () => {},
    };
    for (const fs of ["udf", "rockridge", "joliet", "iso9660"] as const) {
      const a = await importFileSystem(asyncOnly, { fileSystem: fs });
      const b = await importFileSystem(memory, { fileSystem: fs });
      expect(compareTrees(await treeOf(b.root), await treeOf(a.root)), fs).toEqual([]);
    }
    await expect(ImageFileSource.open(join(work, "no-such.iso"))).rejects.toThrow(/cannot open image file/);
  });

  it("a session that starts at LBA 300 imports with sessionStart (UDF anchor at 556), and not without", async () => {
    for (const view of ["udf", "rockridge", "joliet"] as const) {
      const seen = await viewOf(images.session300, view, 300);
      const want = view === "joliet" ? mappedView(host, results["rr112-joliet"], "joliet") : host;
      expect(compareTrees(want, view === "joliet" ? plain(seen) : seen, { dirNlink: false }), view).toEqual([]);
    }
    const id = await identifyFile(images.session300, 300);
    expect(id.udf).toEqual({ revision: "2.50" });
    await expect(importFile(images.session300)).rejects.toThrow(ImageReadError);
  });

  it("a file over 1 GiB: two UDF extents, one ISO 9660 extent, the same data", async () => {
    const u = await importFile(images.large, "udf");
    const i = await importFile(images.large, "iso9660");
    const uf = u.root.get("large.bin");
    const inf = i.root.get("LARGE.BIN");
    if (uf?.kind !== "file" || inf?.kind !== "file") throw new Error("large.bin missing");
    const ue = (uf.source as ExtentSource).extents;
    expect(ue).toHaveLength(2);
    expect(ue[0].lba + ue[0].bytes / BLOCK).toBe(ue[1].lba);
    expect((inf.source as ExtentSource).extents).toEqual([{ lba: ue[0].lba, bytes: LARGE_SIZE }]);
    expect(uf.size).toBe(LARGE_SIZE);
    expect(hashSourceSync(uf.source)).toBe(largeSha);
    const small = i.root.get("SMALL.TXT");
    expect(small?.kind === "file" ? await hashSource(small.source) : "").toBe(sha("after the large file\n"));
  });

  it("an imported tree can be written again by the writer (extent sources stream) and reads back the same", async () => {
    for (const fs of ["rockridge", "udf"] as const) {
      const want = await viewOf(images["bridge-udf2.01"], fs);
      const source = await ImageFileSource.open(images["bridge-udf2.01"]);
      const again = await importFileSystem(source, { fileSystem: fs });
      const img = new FileSystemImage({ fileSystems: ALL, udfRevision: "2.60", creationTime: new Date(0) });
      Object.assign(img.root, { mtimeMs: again.root.mtimeMs, mode: again.root.mode });
      for (const child of [...again.root.children()]) img.root.add(child);
      const out = join(work, `rewritten-${fs}.iso`);
      await img.createResultImage().writeTo(out);
      await source.close();
      for (const view of ["rockridge", "udf"] as const) {
        const back = await viewOf(out, view);
        expect(compareTrees(want, back, { dirNlink: false }), `${fs} -> ${view}`).toEqual([]);
      }
    }
  });

  it("El Torito: the boot record and both catalog entries, pointing at the boot images", async () => {
    const id = await identifyFile(images.boot);
    const r = await importFile(images.boot, "iso9660");
    const boot = r.root.get("BOOT");
    const lbaOf = (name: string) => {
      const f = boot?.kind === "directory" ? boot.get(name) : undefined;
      return f?.kind === "file" ? (f.source as ExtentSource).extents[0].lba : -1;
    };
    expect(id.elTorito?.entries).toEqual([
      {
        platform: "x86",
        platformId: 0,
        bootable: true,
        emulation: "none",
        loadSegment: 0,
        systemType: 0,
        sectorCount: 4,
        loadRba: lbaOf("BIOS.IMG"),
      },
      {
        platform: "efi",
        platformId: 0xef,
        bootable: true,
        emulation: "none",
        loadSegment: 0,
        systemType: 0,
        sectorCount: 128,
        loadRba: lbaOf("EFI.IMG"),
      },
    ]);
    expect(r.root.get("BOOT.CATALOG")?.kind).toBe("file");
  });
});

// ---------------------------------------------------------------------------------------------------------
// (2) and (3): other tools' images

describe("images of other tools", () => {
  it("xorriso -as mkisofs -R -J -rr_reloc_dir: Rock Ridge is the source tree; Joliet and ISO 9660 as xorriso sees them", async () => {
    const id = await identifyFile(images.xorriso);
    expect(id).toMatchObject({
      iso9660: true,
      joliet: true,
      rockRidge: { version: "1.10" },
      udf: null,
      elTorito: null,
    });
    const rr = await viewOf(images.xorriso, "rockridge");
    expect(compareTrees(host, rr, { labelA: "source", labelB: "imported", dirNlink: false })).toEqual([]);
    for (const ns of ["joliet", "iso9660"] as const) {
      const seen = await viewOf(images.xorriso, ns);
      const oracle = await readXorriso(images.xorriso, ns);
      expect(compareTrees(oracle, plain(seen), { labelA: "xorriso", labelB: `imported ${ns}` }), ns).toEqual([]);
    }
    expect((await importFile(images.xorriso)).fileSystem).toBe("rockridge");
  });

  it("genisoimage -R -J -udf: Rock Ridge is the source tree, UDF as 7-Zip sees it", async () => {
    const id = await identifyFile(images.genisoimage);
    expect(id).toMatchObject({
      iso9660: true,
      joliet: true,
      rockRidge: { version: "1.09" },
      udf: { revision: "1.02" },
    });
    const gsrc = hostTree(join(work, "gsrc"), { posix: true });
    const rr = await viewOf(images.genisoimage, "rockridge");
    // genisoimage records directories' and devices' link counts its own way; files' count is compared.
    expect(compareTrees(gsrc, rr, { labelA: "source", labelB: "imported", dirNlink: false })).toEqual([]);
    const udf = await viewOf(images.genisoimage, "udf");
    const oracle = await readUdf7z(images.genisoimage);
    expect(compareTrees(plain(oracle), plain(udf), { labelA: "7z", labelB: "imported udf" })).toEqual([]);
    expect((await importFile(images.genisoimage)).fileSystem).toBe("udf");
  });

  it("genisoimage long symlink: an SL entry whose length cuts its component is read up to its end, with a warning", async () => {
    const r = await importFile(images.genisoimageLongLink, "rockridge");
    expect(r.warnings.join("\n")).toMatch(/SL entry .* component running past its end/);
    const link = r.root.get("longlink");
    expect(link?.kind).toBe("symlink");
    expect(link?.kind === "symlink" && link.target.startsWith("seg000")).toBe(true);
  });

  it("pycdlib: every tree as written, hard links shared", async () => {
    const id = await identifyFile(images.pycdlib);
    expect(id).toMatchObject({
      iso9660: true,
      joliet: true,
      rockRidge: { version: "1.09" },
      udf: { revision: "1.02" },
    });
    const hello = sha("hello world\n");
    const big = sha(Buffer.from(Array.from({ length: 25600 }, (_, i) => i % 256)));
    const files = (names: (n: string) => string, link: EntryType | null): Tree => {
      const t: Tree = [
        { path: names("/dir1"), type: "dir" },
        { path: names("/dir1/big.bin"), type: "file", size: 25600, sha256: big },
        { path: names("/dir1/hard.txt"), type: "file", size: 12, sha256: hello, nlink: 2 },
        { path: names("/empty"), type: "file", size: 0, sha256: EMPTY_SHA256 },
        { path: names("/hello.txt"), type: "file", size: 12, sha256: hello, nlink: 2 },
      ];
      if (link === "symlink") t.push({ path: names("/link"), type: "symlink", target: "hello.txt" });
      if (link === "file") t.push({ path: names("/link"), type: "file", size: 0, sha256: EMPTY_SHA256 });
      return t.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    };
    const same = (n: string) => n;
    const upper = (n: string) => n.toUpperCase();
    const cases: Array<[ImportableFileSystem, Tree]> = [
      ["udf", files(same, "symlink")],
      ["rockridge", files(same, "symlink")],
      ["joliet", files(same, null)],
      ["iso9660", files(upper, "file")],
    ];
    for (const [fs, want] of cases) {
      const seen = await viewOf(images.pycdlib, fs);
      const strip = seen.map(({ mtime: _m, mode: _o, uid: _u, gid: _g, ...e }) =>
        e.type === "file" && e.nlink === 1 ? { ...e, nlink: undefined } : e,
      );
      expect(
        compareTrees(want, strip, { labelA: "written", labelB: `imported ${fs}`, posix: ["nlink", "target"] }),
        fs,
      ).toEqual([]);
    }
  });

  it.each([
    ["bdr", "0x0250"],
    ["bdr", "0x0260"],
    ["cdr", "0x0150"],
    ["dvdr", "0x0201"],
    ["cdrw", "0x0201"],
  ])("mkudffs --media-type=%s --udfrev=%s: write-once (a virtual allocation table) or sparable media", async (media, rev) => {
    const file = join(work, `mkudffs-${media}-${rev}.img`);
    writeFileSync(file, "");
    truncateSync(file, 12 * 1024 * 1024);
    await run(requireTool("mkudffs"), [
      `--media-type=${media}`,
      `--udfrev=${rev}`,
      "--label=WORM",
      "--blocksize=2048",
      file,
    ]);
    expect(await identifyFile(file)).toMatchObject({ iso9660: false, udf: { revision: `${rev[3]}.${rev.slice(4)}` } });
    const r = await importFile(file);
    expect(r.fileSystem).toBe("udf");
    expect(r.root.size).toBe(0);
    expect(r.warnings).toEqual(
      media === "cdrw" ? ["the UDF volume uses a sparable partition; it is read without its sparing table"] : [],
    );
  });

  it.each(MKUDFFS_REVISIONS)("mkudffs %s: an empty UDF volume of that revision", async (rev) => {
    const id = await identifyFile(images[`mkudffs-${rev}`]);
    expect(id).toMatchObject({
      iso9660: false,
      joliet: false,
      rockRidge: null,
      udf: { revision: `${rev[3]}.${rev.slice(4)}` },
      volumeName: `R${rev}`,
    });
    const r = await importFile(images[`mkudffs-${rev}`]);
    expect(r.fileSystem).toBe("udf");
    expect(r.root.size).toBe(0);
    expect(r.warnings).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// A hand-made ECMA-119 image: full control over records, for quirks and hostile cases

interface SynthRecord {
  id: string | Uint8Array;
  lba: number;
  length: number;
  flags?: number;
  su?: Uint8Array;
  unit?: number;
  gap?: number;
}

interface SynthDirectory {
  lba: number;
  parent: number;
  /** Blocks the directory claims (default: what its records need). */
  blocks?: number;
  records: SynthRecord[];
  /** System Use of its "." record (the root's carries SP and ER for Rock Ridge). */
  dotSu?: Uint8Array;
}

const T0 = { epochMs: Date.UTC(2020, 1, 3, 4, 5, 6), utcOffsetMinutes: 0 };

function record(r: SynthRecord): DirectoryRecord {
  return {
    extendedAttributeLength: 0,
    extentLocation: r.lba,
    dataLength: r.length,
    recordingTime: T0,
    fileFlags: r.flags ?? 0,
    fileUnitSize: r.unit ?? 0,
    interleaveGapSize: r.gap ?? 0,
    volumeSequenceNumber: 1,
    fileIdentifier: typeof r.id === "string" ? Buffer.from(r.id, "latin1") : r.id,
    systemUse: r.su ?? new Uint8Array(0),
  };
}

/** Lays out directories (records never cross a sector) and writes PVD, terminator and the given raw blocks. */
function synthIso(blocks: number, dirs: SynthDirectory[], raw: Array<[number, Uint8Array]> = []): Uint8Array {
  const image = new Uint8Array(blocks * BLOCK);
  const lengths = new Map<number, number>();
  const encoded = new Map<number, Uint8Array[]>();
  for (const d of dirs) {
    const recs = [
      encodeDirectoryRecord(
        record({ id: Uint8Array.of(0), lba: d.lba, length: 0, flags: FileFlags.directory, su: d.dotSu }),
      ),
      encodeDirectoryRecord(record({ id: Uint8Array.of(1), lba: d.parent, length: 0, flags: FileFlags.directory })),
      ...d.records.map((r) => encodeDirectoryRecord(record(r))),
    ];
    let off = 0;
    for (const r of recs) {
      if ((off % BLOCK) + r.length > BLOCK) off = Math.ceil(off / BLOCK) * BLOCK;
      off += r.length;
    }
    lengths.set(d.lba, (d.blocks ?? Math.ceil(off / BLOCK)) * BLOCK);
    encoded.set(d.lba, recs);
  }
  for (const d of dirs) {
    const recs = encoded.get(d.lba)!;
    // "." and ".." carry the directories' lengths.
    recs[0] = encodeDirectoryRecord(
      record({
        id: Uint8Array.of(0),
        lba: d.lba,
        length: lengths.get(d.lba)!,
        flags: FileFlags.directory,
        su: d.dotSu,
      }),
    );
    recs[1] = encodeDirectoryRecord(
      record({
        id: Uint8Array.of(1),
        lba: d.parent,
        length: lengths.get(d.parent) ?? BLOCK,
        flags: FileFlags.directory,
      }),
    );
    let off = d.lba * BLOCK;
    for (const r of recs) {
      if ((off % BLOCK) + r.length > BLOCK) off = Math.ceil(off / BLOCK) * BLOCK;
      image.set(r, off);
      off += r.length;
    }
  }
  const root = dirs[0];
  image.set(
    encodeVolumeDescriptor({
      type: 1,
      volumeFlags: 0,
      systemIdentifier: "",
      volumeIdentifier: "SYNTH",
      volumeSpaceSize: blocks,
      escapeSequences: "",
      volumeSetSize: 1,
      volumeSequenceNumber: 1,
      logicalBlockSize: BLOCK,
      pathTableSize: 0,
      typeLPathTable: 0,
      optionalTypeLPathTable: 0,
      typeMPathTable: 0,
      optionalTypeMPathTable: 0,
      rootDirectoryRecord: record({ id: Uint8Array.of(0), lba: root.lba, length: lengths.get(root.lba)!, flags: 2 }),
      volumeSetIdentifier: "",
      publisherIdentifier: "",
      dataPreparerIdentifier: "",
      applicationIdentifier: "",
      copyrightFileIdentifier: "",
      abstractFileIdentifier: "",
      bibliographicFileIdentifier: "",
      creation: T0,
      modification: T0,
      expiration: null,
      effective: null,
      fileStructureVersion: 1,
      applicationUse: new Uint8Array(0),
    }),
    16 * BLOCK,
  );
  image.set(encodeVolumeDescriptorSetTerminator(), 17 * BLOCK);
  for (const [lba, bytes] of raw) image.set(bytes, lba * BLOCK);
  return image;
}

/** The root "." System Use that announces Rock Ridge 1.12 (SUSP SP, ER). */
const RR_ROOT = Buffer.concat([encodeSP(), encodeER(RRIP_1_12)]);
const px = (mode: number) => encodePX({ mode, links: 1, uid: 0, gid: 0, serial: 1 });
const nm = (name: string, flags = 0) => encodeNM(flags, Buffer.from(name, "latin1"));
const ce = (block: number, offset: number, length: number) => encodeCE({ block, offset, length });

async function importBytes(
  bytes: Uint8Array,
  fileSystem?: ImportableFileSystem,
  limits?: Partial<ReadLimits>,
): Promise<ImportResult> {
  return importFileSystem(new MemorySource(bytes), { fileSystem, limits });
}

/** Expects an ImageReadError naming `structure` (and `lba` when given) with a message matching `problem`. */
async function refused(
  promise: Promise<unknown>,
  structure: string | RegExp,
  problem: RegExp,
  lba?: number,
): Promise<ImageReadError> {
  const started = performance.now();
  const e = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(performance.now() - started).toBeLessThan(2000);
  expect(e).toBeInstanceOf(ImageReadError);
  const err = e as ImageReadError;
  if (typeof structure === "string") expect(err.structure).toBe(structure);
  else expect(err.structure).toMatch(structure);
  expect(err.message).toMatch(problem);
  expect(err.message).toContain(`at LBA ${err.lba}`);
  if (lba !== undefined) expect(err.lba).toBe(lba);
  return err;
}

describe("hand-made ISO 9660 images: quirks that are read", () => {
  it("multi-extent files (discontiguous sections, read in order), interleaved files, hard links, versions", async () => {
    const data = randomBytes(10 * BLOCK);
    const image = synthIso(
      60,
      [
        {
          lba: 20,
          parent: 20,
          records: [
            { id: "BIG.BIN;1", lba: 40, length: 2 * BLOCK, flags: FileFlags.multiExtent },
            { id: "BIG.BIN;1", lba: 30, length: BLOCK, flags: FileFlags.multiExtent },
            { id: "BIG.BIN;1", lba: 35, length: 700 },
            { id: "INTER.BIN;1", lba: 30, length: 3 * BLOCK, unit: 1, gap: 2 },
            { id: "LINK1.TXT;1", lba: 45, length: 10 },
            { id: "LINK2.TXT;1", lba: 45, length: 10 },
            { id: "NONE1.;1", lba: 0, length: 0 },
            { id: "NONE2.;1", lba: 0, length: 0 },
            { id: "V.TXT;2", lba: 46, length: 3 },
            { id: "V.TXT;1", lba: 47, length: 3 },
          ],
        },
      ],
      [[30, data]],
    );
    const r = await importBytes(image);
    expect(r.fileSystem).toBe("iso9660");
    const get = (n: string) => {
      const it = r.root.get(n);
      if (it?.kind !== "file") throw new Error(`${n} missing`);
      return it;
    };
    const at = (lba: number, n: number) => image.subarray(lba * BLOCK, lba * BLOCK + n);
    const big = get("BIG.BIN");
    expect((big.source as ExtentSource).extents).toEqual([
      { lba: 40, bytes: 2 * BLOCK },
      { lba: 30, bytes: BLOCK },
      { lba: 35, bytes: 700 },
    ]);
    expect(await hashSource(big.source)).toBe(sha(Buffer.concat([at(40, 2 * BLOCK), at(30, BLOCK), at(35, 700)])));
    const inter = get("INTER.BIN");
    expect(await hashSource(inter.source)).toBe(sha(Buffer.concat([at(30, BLOCK), at(33, BLOCK), at(36, BLOCK)])));
    expect(get("LINK1.TXT").source).toBe(get("LINK2.TXT").source);
    expect(get("NONE1").source).not.toBe(get("NONE2").source);
    expect((get("V.TXT").source as ExtentSource).extents).toEqual([{ lba: 46, bytes: 3 }]);
    expect(r.warnings.join("\n")).toMatch(/two entries named "V.TXT"/);
  });

  it("both-byte-order fields that disagree are a warning (little-endian wins)", async () => {
    const image = synthIso(30, [{ lba: 20, parent: 20, records: [{ id: "A.TXT;1", lba: 25, length: 5 }] }]);
    const off = 20 * BLOCK + 68; // after "." and ".." (34 bytes each)
    expect(image[off + 33]).toBe(0x41);
    image[off + 6 + 3] ^= 0x01; // the big-endian half of the extent location
    const r = await importBytes(image);
    expect(r.warnings.join("\n")).toMatch(/both-byte-order fields differ/);
    const a = r.root.get("A.TXT");
    expect(a?.kind === "file" && (a.source as ExtentSource).extents[0].lba).toBe(25);
  });

  it("Rock Ridge: names across CE areas, relocated directories (CL/RE) resolved and the relocation directory hidden", async () => {
    const long = "n".repeat(240);
    const area = Buffer.concat([nm(long.slice(0, 200), NmFlags.continue), nm(long.slice(200))]);
    const image = synthIso(
      40,
      [
        {
          lba: 20,
          parent: 20,
          dotSu: RR_ROOT,
          records: [
            { id: "A", lba: 21, length: BLOCK, flags: 2, su: Buffer.concat([px(0o40755), nm("a")]) },
            { id: "LONG.TXT;1", lba: 0, length: 0, su: Buffer.concat([px(0o100644), ce(30, 100, area.length)]) },
            { id: "RR_MOVED", lba: 22, length: BLOCK, flags: 2, su: Buffer.concat([px(0o40755), nm("rr_moved")]) },
          ],
        },
        {
          lba: 21,
          parent: 20,
          records: [
            { id: "DEEP", lba: 0, length: 0, su: Buffer.concat([px(0o40700), nm("deep"), Buffer.from(clEntry(23))]) },
          ],
        },
        {
          lba: 22,
          parent: 20,
          records: [
            { id: "DEEP", lba: 23, length: BLOCK, flags: 2, su: Buffer.concat([px(0o40700), nm("deep"), reEntry()]) },
          ],
        },
        {
          lba: 23,
          parent: 22,
          dotSu: px(0o40700),
          records: [{ id: "X.TXT;1", lba: 0, length: 0, su: Buffer.concat([px(0o100600), nm("x.txt")]) }],
        },
      ],
      [[30, Buffer.concat([Buffer.alloc(100), area])]],
    );
    const r = await importBytes(image);
    expect(r.fileSystem).toBe("rockridge");
    expect(r.identified.rockRidge).toEqual({ version: "1.12" });
    const t = await treeOf(r.root, { hash: false });
    expect(t.map((e) => [e.path, e.type, e.mode])).toEqual([
      ["/a", "dir", 0o755],
      ["/a/deep", "dir", 0o700],
      ["/a/deep/x.txt", "file", 0o600],
      [`/${long}`, "file", 0o644],
    ]);
    // The plain ISO 9660 view keeps the relocation as recorded.
    const iso = await importBytes(image, "iso9660");
    expect((await treeOf(iso.root, { hash: false })).map((e) => e.path)).toEqual([
      "/A",
      "/A/DEEP",
      "/LONG.TXT",
      "/RR_MOVED",
      "/RR_MOVED/DEEP",
      "/RR_MOVED/DEEP/X.TXT",
    ]);
  });
});

function clEntry(lba: number): Uint8Array {
  const b = new Uint8Array(12);
  b.set([0x43, 0x4c, 12, 1]);
  new DataView(b.buffer).setUint32(4, lba, true);
  new DataView(b.buffer).setUint32(8, lba, false);
  return b;
}

function reEntry(): Uint8Array {
  return Uint8Array.of(0x52, 0x45, 4, 1);
}

describe("hand-made hostile ISO 9660 images are refused with the structure and LBA", () => {
  const one = (records: SynthRecord[], raw: Array<[number, Uint8Array]> = [], blocks = 40, dotSu?: Uint8Array) =>
    synthIso(blocks, [{ lba: 20, parent: 20, records, dotSu }], raw);

  it("a directory whose extent is its ancestor's (a loop)", async () => {
    const image = synthIso(40, [
      { lba: 20, parent: 20, records: [{ id: "A", lba: 21, length: BLOCK, flags: 2 }] },
      { lba: 21, parent: 20, records: [{ id: "B", lba: 20, length: BLOCK, flags: 2 }] },
    ]);
    await refused(
      importBytes(image),
      "directory record",
      /at LBA 20, a directory already read \(a directory loop\)/,
      21,
    );
  });

  it("two directories with the same extent", async () => {
    const image = synthIso(40, [
      {
        lba: 20,
        parent: 20,
        records: [
          { id: "A", lba: 21, length: BLOCK, flags: 2 },
          { id: "B", lba: 21, length: BLOCK, flags: 2 },
        ],
      },
      { lba: 21, parent: 20, records: [] },
    ]);
    await refused(importBytes(image), "directory record", /directory loop/, 20);
  });

  it("extents past the end of the source, absurd directory sizes", async () => {
    await refused(
      importBytes(one([{ id: "F.TXT;1", lba: 39, length: 3 * BLOCK }])),
      "directory record",
      /past the end/,
      20,
    );
    await refused(
      importBytes(one([{ id: "F.TXT;1", lba: 0xfffffff0, length: 1 }])),
      "directory record",
      /past the end/,
    );
    await refused(
      importBytes(one([{ id: "D", lba: 21, length: 0xfffff800, flags: 2 }])),
      "directory record",
      /length of 4294965248 bytes \(limit/,
      20,
    );
    await refused(
      importBytes(one([{ id: "D", lba: 39, length: 4 * BLOCK, flags: 2 }])),
      "directory record",
      /past the end/,
    );
  });

  it("records of length 0 in the middle of a sector, shorter than 34 bytes, or running past their sector", async () => {
    const names = Array.from({ length: 44 }, (_, i) => ({
      id: `FILE${String(i).padStart(4, "0")}.TXT;1`,
      lba: 0,
      length: 0,
    }));
    const base = one(names);
    const offsets: number[] = [];
    for (let o = 20 * BLOCK; o < 21 * BLOCK && base[o] !== 0; o += base[o]) offsets.push(o);
    const zeroMiddle = new Uint8Array(base);
    zeroMiddle[offsets[5]] = 0;
    await refused(
      importBytes(zeroMiddle),
      "directory record",
      /length 0 at offset \d+ but is followed by more data/,
      20,
    );
    const short = new Uint8Array(base);
    short[offsets[5]] = 20;
    await refused(importBytes(short), "directory record", /has length 20, less than 34/, 20);
    const last = offsets[offsets.length - 1];
    expect(last % BLOCK).toBeGreaterThan(BLOCK - 255);
    const past = new Uint8Array(base);
    past[last] = 254;
    await refused(importBytes(past), "directory record", /runs past the end of its sector/, 20);
  });

  it("an identifier containing '/' or NUL, or a Rock Ridge name that is empty, '.', '..' or absurdly long", async () => {
    await refused(
      importBytes(one([{ id: "A/B.TXT;1", lba: 0, length: 0 }])),
      "directory record",
      /contains "\/" or NUL/,
      20,
    );
    await refused(importBytes(one([{ id: "A\0B.TXT;1", lba: 0, length: 0 }])), "directory record", /"\/" or NUL/, 20);
    const rr = (su: Uint8Array) =>
      importBytes(one([{ id: "F.TXT;1", lba: 0, length: 0, su }], [], 40, RR_ROOT), "rockridge");
    await refused(rr(nm("")), "directory record", /records the name ""/, 20);
    await refused(rr(nm("", NmFlags.current)), "directory record", /records the name "\."/, 20);
    await refused(rr(nm("", NmFlags.parent)), "directory record", /records the name "\.\."/, 20);
    await refused(rr(nm("x/y")), "directory record", /contains "\/"/, 20);
    const five = Buffer.concat(Array.from({ length: 5 }, () => nm("x".repeat(230), NmFlags.continue)));
    const image = one([{ id: "F.TXT;1", lba: 0, length: 0, su: ce(30, 0, five.length) }], [[30, five]], 40, RR_ROOT);
    await refused(
      importBytes(image),
      "Rock Ridge NM entry",
      /more than 1024 bytes \(an NM continuation that never ends\)/,
      20,
    );
  });

  it("CE areas that loop, lie past the end, or chain without end; NM and SL continuations that never end", async () => {
    const rr = (records: SynthRecord[], raw: Array<[number, Uint8Array]>) =>
      importBytes(one(records, raw, 40, RR_ROOT), "rockridge");
    // An area whose CE points back at itself.
    await refused(
      rr([{ id: "F.TXT;1", lba: 0, length: 0, su: ce(30, 0, 28) }], [[30, ce(30, 0, 28)]]),
      "Rock Ridge CE area",
      /continues into itself/,
      30,
    );
    await refused(
      rr([{ id: "F.TXT;1", lba: 0, length: 0, su: ce(5000, 0, 28) }], []),
      "Rock Ridge CE area",
      /past the end/,
      5000,
    );
    await refused(
      rr([{ id: "F.TXT;1", lba: 0, length: 0, su: ce(39, 2000, 4000) }], []),
      "Rock Ridge CE area",
      /past the end/,
    );
    // 70 areas, each a CE to the next: longer than any record needs.
    const chain = Buffer.concat(Array.from({ length: 70 }, (_, i) => ce(30, (i + 1) * 28, 28)));
    await refused(
      rr([{ id: "F.TXT;1", lba: 0, length: 0, su: ce(30, 0, 28) }], [[30, chain]]),
      "Rock Ridge CE area",
      /chain that never ends/,
      30,
    );
    // NM entries with CONTINUE set, spread over areas.
    const nmChain = Buffer.concat(
      Array.from({ length: 8 }, (_, i) =>
        Buffer.concat([nm("y".repeat(200), NmFlags.continue), ce(30, (i + 1) * 240, 240), Buffer.alloc(7)]),
      ),
    );
    await refused(
      rr([{ id: "F.TXT;1", lba: 0, length: 0, su: ce(30, 0, 240) }], [[30, nmChain]]),
      "Rock Ridge NM entry",
      /NM continuation that never ends/,
      20,
    );
    // SL entries with CONTINUE set: a target of more than 4096 bytes.
    // 24 areas of 280 bytes, 7 to a block, each an SL entry (240 bytes of component) and a CE to the next.
    const sl = encodeSL(SlFlags.continue, [{ flags: 0, content: Buffer.alloc(240, 0x7a) }]);
    const where = (i: number): [number, number] => [30 + Math.floor(i / 7), (i % 7) * 280];
    const slBlocks: Array<[number, Uint8Array]> = [30, 31, 32, 33].map((l) => [l, Buffer.alloc(BLOCK)]);
    for (let i = 0; i < 24; i++) {
      const [block, offset] = where(i);
      const [nextBlock, nextOffset] = where(i + 1);
      slBlocks[block - 30][1].set(Buffer.concat([sl, ce(nextBlock, nextOffset, 280)]), offset);
    }
    await refused(
      rr([{ id: "F.;1", lba: 0, length: 0, su: Buffer.concat([px(0o120777), ce(30, 0, 280)]) }], slBlocks),
      "Rock Ridge SL entry",
      /SL continuation that never ends/,
      20,
    );
  });

  it("more directory entries than the image has bytes for (overlapping directories)", async () => {
    const sector = synthIso(40, [
      {
        lba: 20,
        parent: 20,
        records: Array.from({ length: 40 }, (_, i) => ({ id: `F${String(i).padStart(6, "0")}.;1`, lba: 0, length: 0 })),
      },
    ]).subarray(20 * BLOCK, 21 * BLOCK);
    const dirs: SynthRecord[] = Array.from({ length: 200 }, (_, i) => ({
      id: `D${String(i).padStart(6, "0")}`,
      lba: 30 + i,
      length: 90 * BLOCK,
      flags: 2,
    }));
    const raw: Array<[number, Uint8Array]> = Array.from({ length: 300 }, (_, i) => [30 + i, sector]);
    const image = synthIso(340, [{ lba: 20, parent: 20, records: dirs }], raw);
    await refused(importBytes(image), "directory record", /more than an image of \d+ bytes can hold/);
  });

  it("continuation areas shared by many records, interleaved files mapping the same blocks again and again", async () => {
    // 40 records, each continued in the same 60 000-byte area: more System Use than the image holds.
    const filler = Buffer.alloc(60_000);
    for (let o = 0; o + 250 <= filler.length; o += 250) filler.set([0x58, 0x58, 250, 1], o);
    const shared = Array.from({ length: 40 }, (_, i) => ({ id: `F${i}.;1`, lba: 0, length: 0, su: ce(40, 0, 60_000) }));
    await refused(
      importBytes(
        synthIso(100, [{ lba: 20, parent: 20, dotSu: RR_ROOT, records: shared }], [[40, filler]]),
        "rockridge",
      ),
      "Rock Ridge CE area",
      /System Use bytes parsed past/,
      40,
    );
    // 12 000 interleaved records of 90 one-block units each over the same 180 blocks.
    const records = Array.from({ length: 12_000 }, (_, i) => ({
      id: `I${String(i).padStart(5, "0")}.;1`,
      lba: 250,
      length: 90 * BLOCK,
      unit: 1,
      gap: 1,
    }));
    const image = synthIso(440, [{ lba: 20, parent: 20, records }]);
    await refused(importBytes(image), "directory record", /block pieces in all/);
  });

  it("budgets can be lowered: extents per file, directories, names", async () => {
    const records = Array.from({ length: 5 }, (_, i) => ({
      id: "M.BIN;1",
      lba: 30 + i,
      length: BLOCK,
      flags: i < 4 ? FileFlags.multiExtent : 0,
    }));
    await refused(
      importBytes(one(records), undefined, { maxExtentsPerFile: 3 }),
      "directory record",
      /more than 3 extents/,
      20,
    );
    const dirs = Array.from({ length: 5 }, (_, i) => ({ id: `D${i}`, lba: 0, length: 0, flags: 2 }));
    await refused(
      importBytes(one(dirs), undefined, { maxDirectories: 3 }),
      "directory record",
      /limit of 3 directories/,
      20,
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Hostile UDF: discburn's UDF-only and 2.50 bridge images, patched (tags rewritten where the test says so)

interface UdfMap {
  partitionStart: number;
  fsdLba: number;
  rootFeLba: number;
  /** The root directory's file identifiers: absolute byte offset in the image, decoded. */
  rootFids: Array<{ at: number; length: number; name: string; icbBlock: number }>;
  lastBlock: number;
  mainVds: number;
}

function udfMap(image: Uint8Array): UdfMap {
  const block = (lba: number) => image.subarray(lba * BLOCK, (lba + 1) * BLOCK);
  const main = readExtentAd(block(256), 16).location;
  let partitionStart = 0;
  let fsBlock = 0;
  for (let l = main; ; l++) {
    const tag = readTag(block(l));
    if (tag.identifier === TagId.partition) partitionStart = decodePartition(block(l)).start;
    if (tag.identifier === TagId.logicalVolume) fsBlock = decodeLogicalVolume(block(l)).fileSetLocation.block;
    if (tag.identifier === TagId.terminating) break;
  }
  const fsdLba = partitionStart + fsBlock;
  const rootFeLba = partitionStart + decodeFileSet(block(fsdLba)).rootDirectory.block;
  const fe = decodeFileEntry(block(rootFeLba));
  const position = new DataView(fe.allocationDescriptors.buffer).getUint32(4, true);
  const dirLba = partitionStart + position;
  const rootFids: UdfMap["rootFids"] = [];
  const stream = image.subarray(dirLba * BLOCK, dirLba * BLOCK + Number(fe.informationLength));
  for (let off = 0; off < stream.length; ) {
    const { fid, length } = decodeFileIdentifier(stream, off);
    rootFids.push({ at: dirLba * BLOCK + off, length, name: fid.name, icbBlock: fid.icb.block });
    off += length;
  }
  return { partitionStart, fsdLba, rootFeLba, rootFids, lastBlock: image.length / BLOCK - 1, mainVds: main };
}

/** Rewrites the checksum and CRC of the tag at `at` (its CRC length kept, clamped to `room`). */
function retag(image: Uint8Array, at: number, room = BLOCK - (at % BLOCK)): void {
  const v = new DataView(image.buffer, image.byteOffset + at);
  const crcLength = Math.min(v.getUint16(10, true), room - 16);
  writeTag(
    image.subarray(at, at + 16 + crcLength),
    {
      identifier: v.getUint16(0, true),
      version: v.getUint16(2, true),
      serialNumber: v.getUint16(6, true),
      location: v.getUint32(12, true),
    },
    crcLength,
  );
}

describe("hostile UDF images are refused with the structure and LBA", () => {
  let tiny: Uint8Array;
  let tinyMeta: Uint8Array;
  let map: UdfMap;

  beforeAll(async () => {
    const fill = async (img: FileSystemImage) => {
      await img.addFile("/a.txt", new TextEncoder().encode("a".repeat(5000)));
      await img.addFile("/dir/b.txt", new TextEncoder().encode("b\n"));
      await img.addFile("/dir/c.txt", new TextEncoder().encode("c".repeat(3000)));
    };
    const f1 = join(work, "tiny-udf.img");
    await build({ fileSystems: ["udf"], udfRevision: "2.01" }, f1, fill);
    tiny = new Uint8Array(readFileSync(f1));
    const f2 = join(work, "tiny-meta.iso");
    await build({ fileSystems: ALL, udfRevision: "2.50" }, f2, fill);
    tinyMeta = new Uint8Array(readFileSync(f2));
    map = udfMap(tiny);
    expect(map.rootFids.map((f) => f.name)).toEqual(["", "a.txt", "dir"]);
    const ok = await importBytes(tiny);
    expect((await treeOf(ok.root)).map((e) => e.path)).toEqual(["/a.txt", "/dir", "/dir/b.txt", "/dir/c.txt"]);
  });

  const copy = () => new Uint8Array(tiny);
  const fid = (name: string) => map.rootFids.find((f) => f.name === name)!;

  it("bad tag checksums and CRCs", async () => {
    const a = copy();
    a[map.rootFeLba * BLOCK + 4] ^= 0xff;
    await refused(importBytes(a), "UDF root directory file entry", /checksum/, map.rootFeLba);
    const b = copy();
    b[map.fsdLba * BLOCK + 100] ^= 0x01;
    await refused(importBytes(b), "UDF file set descriptor", /CRC/, map.fsdLba);
    const c = copy();
    c[fid("a.txt").at + 40] ^= 0x01; // a name byte, CRC left as it was
    await refused(importBytes(c), "UDF file identifier", /CRC/, Math.floor(fid("a.txt").at / BLOCK));
  });

  it("anchors: a bad one at 256 falls back to the last block; none at all is refused", async () => {
    const a = copy();
    a.fill(0, 256 * BLOCK, 257 * BLOCK);
    const r = await importBytes(a);
    expect(r.root.size).toBe(2);
    expect(r.warnings.join("\n")).toMatch(/no UDF anchor at LBA 256/);
    a.fill(0, map.lastBlock * BLOCK, (map.lastBlock + 1) * BLOCK);
    await refused(
      importBytes(a, "udf"),
      "UDF anchor volume descriptor pointer",
      /expected descriptor tag 2|not present/,
    );
  });

  it("deleted file identifiers are skipped", async () => {
    const a = copy();
    const f = fid("a.txt");
    a[f.at + 18] |= 0x04; // 4/14.4.3 File Characteristics: deleted
    retag(a, f.at, f.length);
    const r = await importBytes(a);
    expect(r.root.children().map((c) => c.name)).toEqual(["dir"]);
    expect(r.warnings).toEqual([]);
  });

  it("a volume without a recognition sequence is found by its anchor, with a warning", async () => {
    const a = copy();
    expect(Buffer.from(a.subarray(17 * BLOCK + 1, 17 * BLOCK + 6)).toString("latin1")).toBe("NSR03");
    a.fill(0, 16 * BLOCK, 19 * BLOCK);
    const r = await importBytes(a);
    expect(r.fileSystem).toBe("udf");
    expect(r.root.size).toBe(2);
    expect(r.warnings.join("\n")).toMatch(/no recognition sequence/);
  });

  it("a damaged main volume descriptor sequence: the reserve is used", async () => {
    const a = copy();
    a.fill(0x55, map.mainVds * BLOCK, (map.mainVds + 16) * BLOCK);
    const r = await importBytes(a);
    expect(r.root.size).toBe(2);
    expect(r.warnings.join("\n")).toMatch(/reserve sequence is used/);
  });

  it("a file identifier whose implementation use runs past its directory", async () => {
    const a = copy();
    const f = fid("a.txt");
    new DataView(a.buffer).setUint16(f.at + 36, 0xffff, true);
    retag(a, f.at, f.length);
    await refused(importBytes(a), "UDF file identifier", /runs past its directory/, Math.floor(f.at / BLOCK));
  });

  it("names that are empty, '.', contain '/' or NUL", async () => {
    for (const [bytes, problem] of [
      [[8, 0x2e], /records the name "\."/],
      [[8, 0x61, 0x2f, 0x62, 0x63, 0x64], /contains "\/"/],
      [[8, 0x61, 0x00, 0x62, 0x63, 0x64], /NUL/],
    ] as const) {
      const a = copy();
      const f = fid("a.txt");
      const nameAt = f.at + 38;
      a.fill(0, nameAt, f.at + f.length);
      a.set(bytes, nameAt);
      a[f.at + 19] = bytes.length;
      retag(a, f.at, f.length);
      await refused(importBytes(a), "UDF file identifier", problem, Math.floor(f.at / BLOCK));
    }
    const a = copy();
    const f = fid("a.txt");
    a[f.at + 19] = 0; // no name, yet not the parent entry
    retag(a, f.at, f.length);
    await refused(importBytes(a), "UDF file identifier", /records the name ""/);
  });

  it("a directory loop: a subdirectory's identifier pointing at the root", async () => {
    const a = copy();
    const d = fid("dir");
    const rootBlock = map.rootFeLba - map.partitionStart;
    const dirFe = decodeFileEntry(a.subarray((map.partitionStart + d.icbBlock) * BLOCK));
    const dirData = map.partitionStart + new DataView(dirFe.allocationDescriptors.buffer).getUint32(4, true);
    // The subdirectory's second identifier (b.txt) now names the root directory.
    const dirBlock = a.subarray(dirData * BLOCK, (dirData + 1) * BLOCK);
    const first = decodeFileIdentifier(dirBlock, 0).length;
    const second = decodeFileIdentifier(dirBlock, first).length;
    const at = dirData * BLOCK + first;
    new DataView(a.buffer).setUint32(at + 24, rootBlock, true);
    retag(a, at, second);
    await refused(importBytes(a), "UDF file identifier", /directory loop/, dirData);
  });

  it("absurd information lengths, and lengths the allocation descriptors do not cover", async () => {
    const feLba = map.partitionStart + fid("a.txt").icbBlock;
    const a = copy();
    new DataView(a.buffer).setBigUint64(feLba * BLOCK + 56, 1n << 60n, true);
    retag(a, feLba * BLOCK);
    await refused(importBytes(a), "UDF file entry", /information length of 1152921504606846976 bytes/, feLba);
    const b = copy();
    new DataView(b.buffer).setBigUint64(feLba * BLOCK + 56, 1_000_000n, true);
    retag(b, feLba * BLOCK);
    await refused(importBytes(b), "UDF file entry", /allocation descriptors for only 5000/, feLba);
  });

  /** Appends `count` blocks to the image; returns the bigger image and the first new block. */
  const grow = (image: Uint8Array, count: number): [Uint8Array, number] => {
    const out = new Uint8Array(image.length + count * BLOCK);
    out.set(image);
    return [out, image.length / BLOCK];
  };

  /** An allocation extent descriptor (4/14.5) at absolute `lba` holding short ADs. */
  const aed = (image: Uint8Array, lba: number, ads: Array<[number, number, number]>): void => {
    const b = image.subarray(lba * BLOCK, (lba + 1) * BLOCK);
    const v = new DataView(b.buffer, b.byteOffset);
    v.setUint32(20, ads.length * 8, true);
    ads.forEach(([length, type, position], i) => {
      v.setUint32(24 + i * 8, ((type << 30) | length) >>> 0, true);
      v.setUint32(28 + i * 8, position, true);
    });
    writeTag(b.subarray(0, 24 + ads.length * 8), {
      identifier: TagId.allocationExtent,
      version: 3,
      serialNumber: 1,
      location: lba - map.partitionStart,
    });
  };

  it("allocation descriptor chains that loop", async () => {
    const [a, extra] = grow(copy(), 1);
    const feLba = map.partitionStart + fid("a.txt").icbBlock;
    aed(a, extra, [[BLOCK, 3, extra - map.partitionStart]]);
    const v = new DataView(a.buffer, feLba * BLOCK);
    v.setUint32(216, ((3 << 30) | BLOCK) >>> 0, true);
    v.setUint32(220, extra - map.partitionStart, true);
    retag(a, feLba * BLOCK);
    await refused(importBytes(a), "UDF allocation extent descriptor", /chained twice .* \(a loop\)/, extra);
  });

  it("more directory entries than the image has bytes for (a directory stream repeating one block)", async () => {
    const count = 32;
    const [a, extra] = grow(copy(), count);
    const rootFe = decodeFileEntry(a.subarray(map.rootFeLba * BLOCK));
    const position = new DataView(rootFe.allocationDescriptors.buffer).getUint32(4, true);
    const length = Number(rootFe.informationLength);
    for (let k = 0; k < count; k++) {
      const ads: Array<[number, number, number]> = Array.from({ length: 250 }, () => [length, 0, position]);
      if (k < count - 1) ads.push([BLOCK, 3, extra + k + 1 - map.partitionStart]);
      aed(a, extra + k, ads);
    }
    const v = new DataView(a.buffer, map.rootFeLba * BLOCK);
    v.setBigUint64(56, BigInt(count * 250 * length), true);
    v.setUint32(216, ((3 << 30) | BLOCK) >>> 0, true);
    v.setUint32(220, extra - map.partitionStart, true);
    retag(a, map.rootFeLba * BLOCK);
    await refused(importBytes(a), /UDF/, /more than an image of \d+ bytes can hold|metadata read/);
  });

  it("the metadata partition (2.50): a damaged metadata file is read from its mirror; both damaged is refused", async () => {
    const m = new Uint8Array(tinyMeta);
    const main = readExtentAd(m.subarray(256 * BLOCK), 16).location;
    let metaFe = 0;
    let partitionStart = 0;
    for (let l = main; ; l++) {
      const b = m.subarray(l * BLOCK, (l + 1) * BLOCK);
      const tag = readTag(b);
      if (tag.identifier === TagId.partition) partitionStart = decodePartition(b).start;
      if (tag.identifier === TagId.logicalVolume) {
        const lvd = decodeLogicalVolume(b);
        const map2 = lvd.maps[1];
        if (map2.type !== 2) throw new Error("no metadata map");
        metaFe = map2.metadataFileLocation;
      }
      if (tag.identifier === TagId.terminating) break;
    }
    const feLba = partitionStart + metaFe;
    m[feLba * BLOCK + 4] ^= 0x55;
    const r = await importBytes(m, "udf");
    expect((await treeOf(r.root)).map((e) => e.path)).toEqual(["/a.txt", "/dir", "/dir/b.txt", "/dir/c.txt"]);
    expect(r.warnings.join("\n")).toMatch(/metadata file is unreadable .* its mirror is used/);
    m[(feLba + 1) * BLOCK + 4] ^= 0x55;
    await refused(importBytes(m, "udf"), "UDF metadata file entry", /checksum/, feLba);
    // Without a file system named, the most capable one is refused (not silently skipped), naming the others.
    await refused(importBytes(m), "UDF metadata file entry", /name one to import it/, feLba);
    expect((await importBytes(m, "rockridge")).root.size).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------
// (4) fast-check: mutations of real images give a tree or an ImageReadError, within a time bound

interface Target {
  name: string;
  bytes: Uint8Array;
  /** Blocks holding metadata (descriptors, directories, path tables, SUSP areas, UDF tags). */
  blocks: number[];
  fileSystems: ImportableFileSystem[];
}

/** Positions of UDF tags in a block (checksum valid, known identifier), to rewrite them after a mutation. */
function tagsIn(image: Uint8Array, lba: number): number[] {
  const out: number[] = [];
  for (let off = 0; off + 16 <= BLOCK; off += 4) {
    const at = lba * BLOCK + off;
    const id = image[at] | (image[at + 1] << 8);
    if (!((id >= 1 && id <= 9) || (id >= 256 && id <= 266))) continue;
    let sum = 0;
    for (let i = 0; i < 16; i++) if (i !== 4) sum += image[at + i];
    if ((sum & 0xff) === image[at + 4] && image[at + 5] === 0) out.push(at);
  }
  return out;
}

async function target(name: string, file: string): Promise<Target> {
  const bytes = new Uint8Array(readFileSync(file));
  const blockCount = bytes.length / BLOCK;
  const id = await identifyFileSystems(new MemorySource(bytes));
  const fileSystems = (["udf", "rockridge", "joliet", "iso9660"] as const).filter((fs) =>
    fs === "udf" ? id.udf : fs === "rockridge" ? id.rockRidge : fs === "joliet" ? id.joliet : id.iso9660,
  );
  // Metadata lies before the first file data (discburn, xorriso, genisoimage all write it so), plus the tail.
  let firstData = blockCount;
  for (const fs of fileSystems) {
    const r = await importFileSystem(new MemorySource(bytes), { fileSystem: fs });
    for (const [, it] of walkItems(r.root)) {
      if (it.kind === "file" && it.source instanceof ExtentSource) {
        for (const e of it.source.extents) if (!e.sparse && e.bytes > 0) firstData = Math.min(firstData, e.lba);
      }
    }
  }
  const blocks: number[] = [];
  for (let l = 16; l < firstData; l++)
    if (!bytes.subarray(l * BLOCK, (l + 1) * BLOCK).every((b) => b === 0)) blocks.push(l);
  for (let l = Math.max(firstData, blockCount - 3); l < blockCount; l++) blocks.push(l);
  return { name, bytes, blocks, fileSystems };
}

type Mutation =
  | { kind: "flip"; block: number; offset: number; bit: number }
  | { kind: "zero" | "ff"; block: number; offset: number; length: number }
  | { kind: "random"; block: number; offset: number; bytes: number[] }
  | { kind: "u32both" | "u32le"; block: number; offset: number; value: number }
  | { kind: "copy"; block: number; offset: number; from: number; fromOffset: number; length: number };

const INTERESTING = [0, 1, 2, 16, 33, 34, 255, 256, 2047, 2048, 0x7fff, 0xffff, 0x7fffffff, 0xfffff800, 0xffffffff];

function mutationArb(t: Target): fc.Arbitrary<Mutation> {
  const block = fc.integer({ min: 0, max: t.blocks.length - 1 }).map((i) => t.blocks[i]);
  const offset = fc.integer({ min: 0, max: BLOCK - 1 });
  const value = fc.oneof(
    fc.constantFrom(...INTERESTING),
    fc.integer({ min: 0, max: t.bytes.length / BLOCK + 300 }),
    fc.integer({ min: 0, max: 0xffffffff }),
  );
  return fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), block, offset, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({
      kind: fc.constantFrom("zero" as const, "ff" as const),
      block,
      offset,
      length: fc.integer({ min: 1, max: 64 }),
    }),
    fc.record({
      kind: fc.constant("random" as const),
      block,
      offset,
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
    }),
    fc.record({ kind: fc.constantFrom("u32both" as const, "u32le" as const), block, offset, value }),
    // Structures copied over others (a directory sector over another, a pointer moved): loops and overlaps.
    fc.record({
      kind: fc.constant("copy" as const),
      block,
      offset,
      from: block,
      fromOffset: offset,
      length: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(BLOCK)),
    }),
  );
}

function mutate(t: Target, mutations: Mutation[], fixTags: boolean): Uint8Array {
  const image = new Uint8Array(t.bytes);
  const v = new DataView(image.buffer);
  const touched = new Set<number>();
  const tags = new Map<number, number[]>();
  for (const m of mutations) {
    if (!tags.has(m.block)) tags.set(m.block, tagsIn(image, m.block));
    touched.add(m.block);
    const at = m.block * BLOCK + m.offset;
    const end = (m.block + 1) * BLOCK;
    switch (m.kind) {
      case "flip":
        image[at] ^= 1 << m.bit;
        break;
      case "zero":
      case "ff":
        image.fill(m.kind === "zero" ? 0 : 0xff, at, Math.min(end, at + m.length));
        break;
      case "random":
        image.set(m.bytes.slice(0, end - at), at);
        break;
      case "u32both":
        if (at + 8 <= end) {
          v.setUint32(at, m.value, true);
          v.setUint32(at + 4, m.value, false);
        }
        break;
      case "u32le":
        if (at + 4 <= end) v.setUint32(at, m.value, true);
        break;
      case "copy": {
        const length = m.length === BLOCK ? BLOCK : Math.min(m.length, end - at, BLOCK - m.fromOffset);
        const from = m.length === BLOCK ? m.from * BLOCK : m.from * BLOCK + m.fromOffset;
        image.copyWithin(m.length === BLOCK ? m.block * BLOCK : at, from, from + length);
        break;
      }
    }
  }
  if (fixTags) for (const b of touched) for (const at of tags.get(b) ?? []) retag(image, at);
  return image;
}

/** Every outcome must be a tree (whose files read) or an ImageReadError, each call within 2 s. */
async function survives(image: Uint8Array, fileSystems: Array<ImportableFileSystem | undefined>): Promise<void> {
  const source = new MemorySource(image);
  const timed = async <T>(what: string, call: () => Promise<T>): Promise<T | null> => {
    const started = performance.now();
    let result: T | null = null;
    try {
      result = await call();
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw new Error(`${what} threw ${String(e)}`, { cause: e });
    }
    const ms = performance.now() - started;
    if (ms > 2000) throw new Error(`${what} took ${Math.round(ms)} ms`);
    return result;
  };

  await timed("identify", () => identifyFileSystems(source));
  for (const fs of fileSystems) {
    const r = await timed(`import ${fs ?? "auto"}`, () => importFileSystem(source, { fileSystem: fs }));
    if (!r) continue;
    let budget = 256 * 1024;
    await timed(`reading files of ${fs ?? "auto"}`, async () => {
      for (const [, it] of walkItems(r.root)) {
        if (it.kind !== "file" || budget <= 0) continue;
        budget -= Math.min(it.size, 64 * 1024);
        for await (const chunk of it.source.chunks()) {
          expect(chunk.length).toBeGreaterThan(0);
          break;
        }
      }
    });
  }
}

describe("mutations of real images: a tree or an ImageReadError, quickly", () => {
  const targets: Target[] = [];

  beforeAll(async () => {
    const small = join(work, "small");
    mkdirSync(small);
    mkdirSync(join(small, "a/b/c/d/e/f/g/h/i"), { recursive: true });
    writeFileSync(join(small, "a/b/c/d/e/f/g/h/i/deep.txt"), "deep\n");
    writeFileSync(join(small, `${"L".repeat(180)}.txt`), "long name\n");
    writeFileSync(join(small, "file.bin"), randomBytes(5000));
    linkSync(join(small, "file.bin"), join(small, "hard.bin"));
    writeFileSync(join(small, "empty"), "");
    const files: Array<[string, string]> = [];
    const make = async (name: string, options: ImageOptions) => {
      const file = join(work, `mut-${name}.iso`);
      await build(options, file, async (img) => {
        await img.addTree(small);
      });
      files.push([name, file]);
    };
    await make("discburn-bridge-2.50", { fileSystems: ALL, udfRevision: "2.50" });
    await make("discburn-udf-2.01", { fileSystems: ["udf"], udfRevision: "2.01" });
    await make("discburn-bridge-1.02", { fileSystems: ALL, udfRevision: "1.02" });
    const x = join(work, "mut-xorriso.iso");
    await run(requireTool("xorriso"), ["-as", "mkisofs", "-R", "-J", "-rr_reloc_dir", "rr_moved", "-o", x, small]);
    files.push(["xorriso", x]);
    const g = join(work, "mut-genisoimage.iso");
    await run(requireTool("genisoimage"), ["-quiet", "-R", "-J", "-udf", "-o", g, small]);
    files.push(["genisoimage", g]);
    files.push(["pycdlib", images.pycdlib]);
    for (const [name, media, rev, mib] of [
      ["mkudffs-vat", "bdr", "0x0250", 1],
      ["mkudffs-sparable", "cdrw", "0x0201", 4],
    ] as const) {
      const file = join(work, `mut-${name}.img`);
      writeFileSync(file, "");
      truncateSync(file, mib * 1024 * 1024);
      await run(requireTool("mkudffs"), [`--media-type=${media}`, `--udfrev=${rev}`, "--blocksize=2048", file]);
      files.push([name, file]);
    }
    for (const [name, file] of files) targets.push(await target(name, file));
  });

  it("every target imports cleanly before it is mutated", async () => {
    for (const t of targets) {
      expect(t.blocks.length, t.name).toBeGreaterThan(3);
      for (const fs of t.fileSystems) await importFileSystem(new MemorySource(t.bytes), { fileSystem: fs });
    }
  });

  it.each([
    "discburn-bridge-2.50",
    "discburn-udf-2.01",
    "discburn-bridge-1.02",
    "xorriso",
    "genisoimage",
    "pycdlib",
    "mkudffs-vat",
    "mkudffs-sparable",
  ])("%s", async (name) => {
    const t = targets.find((x) => x.name === name)!;
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb(t), { minLength: 1, maxLength: 4 }), fc.boolean(), async (ms, fix) => {
        await survives(mutate(t, ms, fix), [undefined, ...t.fileSystems]);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
