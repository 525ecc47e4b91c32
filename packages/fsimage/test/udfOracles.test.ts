// Tests for the UDF oracle wrappers (test/oracles/udf.ts) on images made by independent writers:
//   - genisoimage -udf: a UDF 1.02 bridge image (ISO 9660 + Joliet + Rock Ridge + UDF) of a host tree, recorded
//     under TZ=Asia/Tokyo so every time stamp carries a +9 h offset that each reader must undo;
//   - pycdlib new(udf="2.60"): a bridge image with chosen permissions, owners, setuid/setgid/sticky, time stamps
//     with UTC offsets, a name beyond the BMP and (in a second image) symlinks;
//   - mkudffs: empty file systems of every revision it writes to an image file (1.01-2.01), plus a 2.50 VAT
//     volume and damaged copies as negative controls for udfinfo and the readers;
//   - the kernel (in a QEMU guest, read-write) filling an empty mkudffs 2.01 volume: Extended File Entries.
// Every reader's view must equal the source tree or what was written (expectedUdfView). All kernel mounts but one
// run in a single QEMU guest (readUdfKernelAll); readUdfKernel is proven once on its own.

import { createHash } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGuest } from "../../../tools/qemu/harness.mjs";
import { requirePycdlib, requireTool, run } from "./oracles/tools.js";
import { compareTrees, hashFile, hostTree, noise, type TreeEntry, writeSourceTree } from "./oracles/tree.js";
import {
  AbsentUdfError,
  expectedUdfView,
  plainTree,
  readUdf7z,
  readUdf7zVolume,
  readUdfKernel,
  readUdfKernelAll,
  readUdfPycdlib,
  readUdfPycdlibVolume,
  UDF_KERNEL_UNSET_ID,
  UDF_READERS,
  type UdfEntry,
  type UdfKernelResult,
  type UdfReaderName,
  type UdfTree,
  UnreadableUdfError,
  udfinfo,
  udfReader,
  udfRecognition,
} from "./oracles/udf.js";

const BASE_TIME = 1_614_834_367; // 2021-03-04T05:06:07Z
const LONG_NAME = `${"L".repeat(70)}_long name file.data`; // 84 characters
const GUEST_TIMEOUT = 180_000;

/** Relative paths; a trailing "/" marks a directory. Parents before children. */
const SOURCE: ReadonlyArray<readonly [string, string | Buffer | null]> = [
  ["dir a/", null],
  ["dir a/sub/", null],
  ["dir a/sub/deep/", null],
  ["dir a/sub/deep/x.txt", "hello\n"],
  ["dir a/sub/sibling.TXT", "mixed case extension\n"],
  ["empty/", null],
  ["emptyfile", ""],
  ["big.bin", noise(3 * 1024 * 1024 + 17, 0x9e3779b9)],
  ["with space.txt", "spaces\n"],
  ["日本語.txt", "CJK, beyond Latin-1\n"],
  ["Ünïcødé — 日本語.txt", "mixed\n"],
  [LONG_NAME, "long\n"],
];

// ---------------------------------------------------------------------------------------------------------
// pycdlib as a UDF writer

/** One entry of a pycdlib-written image; unset attributes keep pycdlib's defaults (see PYCDLIB_DEFAULTS). */
interface PyItem {
  path: string;
  type: "dir" | "file" | "symlink";
  /** file: host file with the contents. */
  source?: string;
  target?: string;
  /** POSIX mode (setuid/setgid/sticky go into the ICB flags). */
  mode?: number;
  uid?: number;
  gid?: number;
  mtime: number;
  /** UTC offset in minutes recorded in the time stamps (type 1, local time). Default 0. */
  tz?: number;
}

/** What pycdlib 1.12 records when not told otherwise: permissions r--/r-x for everyone, uid and gid -1. */
const PYCDLIB_DEFAULTS = { file: 0o444, symlink: 0o444, dir: 0o555 } as const;

/**
 * Writes a UDF image with pycdlib: add_directory / add_fp / add_symlink with udf_path, then the File Entries are
 * adjusted through get_record(udf_path=) before write(): uid, gid, permissions (ECMA-167 bits: execute 1, write
 * 2, read 4 per class, owner << 10, group << 5), ICB flags (setuid 0x40, setgid 0x80, sticky 0x100) and the
 * three time stamps (modification = mtime, access = mtime - 1000, attribute = mtime - 2000; pycdlib's own
 * stamps are unusable: it records the month as the day).
 */
const PYCDLIB_WRITER = `
import io, json, sys, time
import pycdlib
spec = json.loads(sys.argv[1])
iso = pycdlib.PyCdlib()
iso.new(udf="2.60")
for e in spec["entries"]:
    if e["type"] == "dir":
        iso.add_directory(udf_path=e["path"])
    elif e["type"] == "file":
        with open(e["source"], "rb") as f:
            data = f.read()
        iso.add_fp(io.BytesIO(data), len(data), udf_path=e["path"])
    else:
        iso.add_symlink(udf_symlink_path=e["path"], udf_target=e["target"])
def stamp(ts, secs, tz):
    t = time.gmtime(secs + tz * 60)
    ts.year, ts.month, ts.day = t.tm_year, t.tm_mon, t.tm_mday
    ts.hour, ts.minute, ts.second = t.tm_hour, t.tm_min, t.tm_sec
    ts.centiseconds = ts.hundreds_microseconds = ts.microseconds = 0
    ts.timetype = 1
    ts.tz = tz
for e in spec["entries"]:
    fe = iso.get_record(udf_path=e["path"])
    if "uid" in e:
        fe.uid = e["uid"]
    if "gid" in e:
        fe.gid = e["gid"]
    if "mode" in e:
        m = e["mode"]
        fe.perms = (m & 7) | ((m >> 3) & 7) << 5 | ((m >> 6) & 7) << 10
        fe.icb_tag.flags &= ~0x1c0
        fe.icb_tag.flags |= (0x40 if m & 0o4000 else 0) | (0x80 if m & 0o2000 else 0) | (0x100 if m & 0o1000 else 0)
    tz = e.get("tz", 0)
    stamp(fe.mod_time, e["mtime"], tz)
    stamp(fe.access_time, e["mtime"] - 1000, tz)
    stamp(fe.attr_time, e["mtime"] - 2000, tz)
iso.write(spec["out"])
iso.close()
`;

async function writePycdlib(out: string, items: readonly PyItem[]): Promise<void> {
  const python = await requirePycdlib();
  await run(python, ["-c", PYCDLIB_WRITER, JSON.stringify({ out, entries: items })]);
}

/** The tree a pycdlib image records (as readers report it: nlink of directories = 2 + subdirectories). */
function pycdlibRecorded(items: readonly PyItem[]): UdfTree {
  return items
    .map((it): UdfEntry => {
      const e: UdfEntry = {
        path: it.path,
        type: it.type,
        mtime: it.mtime,
        atime: it.mtime - 1000,
        attrTime: it.mtime - 2000,
        mode: it.mode ?? PYCDLIB_DEFAULTS[it.type],
      };
      if (it.uid !== undefined) e.uid = it.uid;
      if (it.gid !== undefined) e.gid = it.gid;
      if (it.type === "file") {
        if (it.source === undefined) throw new Error(`no source for ${it.path}`);
        Object.assign(e, hashFile(it.source));
      }
      if (it.type === "symlink") e.target = it.target;
      const subdirs = items.filter(
        (o) => o.type === "dir" && o.path.startsWith(`${it.path}/`) && !o.path.slice(it.path.length + 1).includes("/"),
      );
      e.nlink = it.type === "dir" ? 2 + subdirs.length : 1;
      return e;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------
// Comparison helpers

/** Copies a tree without pycdlib's raw permissions and ICB flags (expectedUdfView never predicts them). */
function withoutRaw(tree: readonly UdfEntry[]): UdfTree {
  return tree.map(({ permissions: _p, icbFlags: _f, ...rest }) => rest);
}

/** Readable differences first (compareTrees, all POSIX fields, directories' nlink too), then a strict equality. */
function expectSameTree(actual: readonly UdfEntry[], expected: readonly UdfEntry[], label: string): void {
  expect(compareTrees(expected, actual, { labelA: "expected", labelB: label })).toEqual([]);
  expect(withoutRaw(actual)).toEqual(expected);
}

/** The times compareTrees does not look at. */
function udfTimes(tree: readonly UdfEntry[]): Array<[string, number | undefined, number | undefined]> {
  return tree.map((e) => [e.path, e.atime, e.attrTime]);
}

function withoutUdfTimes(tree: readonly UdfEntry[]): UdfTree {
  return tree.map(({ atime: _a, attrTime: _t, createTime: _c, ...rest }) => rest);
}

// ---------------------------------------------------------------------------------------------------------
// The kernel as a UDF 2.01 writer (Extended File Entries) into an empty mkudffs volume

const KERNEL_TIME = 1_600_000_000; // 2020-09-13T12:26:40Z
const KERNEL_BIG = Buffer.alloc(200 * 1024, "z");

/** Entries the guest creates: [path, type, mode, uid, gid, contents]; parents first. */
const KERNEL_WRITTEN: ReadonlyArray<readonly [string, "dir" | "file", number, number, number, string | Buffer]> = [
  ["/dir a", "dir", 0o750, 0, 0, ""],
  ["/dir a/sub", "dir", 0o755, 1000, 100, ""],
  ["/dir a/sub/x.txt", "file", 0o4750, 12, 34, "hello\n"],
  ["/empty", "dir", 0o1777, 0, 0, ""],
  ["/emptyfile", "file", 0o600, 0, 0, ""],
  ["/big.bin", "file", 0o644, 0, 0, KERNEL_BIG],
  ["/日本語.txt", "file", 0o640, 7, 8, "CJK\n"],
];

/** The guest script that fills the volume ($DISC0, read-write), and the contents it copies from /opt/content. */
function kernelWriter(): { script: string; files: Array<{ path: string; data: string | Buffer }> } {
  const q = (p: string): string => `'/m${p}'`;
  const lines = ['mkdir /m && mount -t udf -o rw "$DISC0" /m || exit 3'];
  const files: Array<{ path: string; data: string | Buffer }> = [];
  KERNEL_WRITTEN.forEach(([path, type, mode, uid, gid, contents], i) => {
    if (type === "dir") lines.push(`mkdir ${q(path)}`);
    else {
      files.push({ path: `/opt/content/${i}`, data: contents });
      lines.push(`cp /opt/content/${i} ${q(path)}`);
    }
    // chown first: it clears setuid/setgid.
    lines.push(`chown ${uid}:${gid} ${q(path)}`, `chmod ${mode.toString(8)} ${q(path)}`);
  });
  // Time stamps last, deepest first (creating a child changes its directory's mtime).
  for (const [path, t] of kernelMtimes()) lines.push(`touch -d @${t} ${q(path)}`);
  lines.push("umount /m || exit 4", "echo written");
  return { script: lines.join("\n"), files };
}

function kernelMtimes(): Map<string, number> {
  const byDepth = [...KERNEL_WRITTEN.entries()].sort(([, [a]], [, [b]]) => b.split("/").length - a.split("/").length);
  return new Map(byDepth.map(([i, [path]]) => [path, KERNEL_TIME + i * 3607]));
}

/** What the guest recorded (as readers report it: nlink of directories = 2 + subdirectories). */
function kernelRecorded(): UdfTree {
  const mtimeOf = kernelMtimes();
  return KERNEL_WRITTEN.map(([path, type, mode, uid, gid, contents]): UdfEntry => {
    const e: UdfEntry = { path, type, mtime: mtimeOf.get(path), mode, uid, gid };
    if (type === "file") {
      const data = Buffer.from(contents);
      e.size = data.length;
      e.sha256 = createHash("sha256").update(data).digest("hex");
      e.nlink = 1;
    } else {
      const subdirs = KERNEL_WRITTEN.filter(
        ([p, t]) => t === "dir" && p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes("/"),
      );
      e.nlink = 2 + subdirs.length;
    }
    return e;
  }).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function readerFails(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error("expected the reader to fail");
}

// ---------------------------------------------------------------------------------------------------------

describe("UDF oracles (7z, pycdlib, udfinfo, the kernel) on independent writers' images", () => {
  let work: string;
  let src: string;
  /** Host tree with POSIX fields: names, sizes, hashes, mtimes, nlink. */
  let host: TreeEntry[];
  const img: Record<string, string> = {};
  let pyPlainItems: PyItem[];
  let pyLinkItems: PyItem[];
  /** MKUDFFS revisions written to image files (hd media, 2048-byte blocks). */
  const MKUDFFS_REVISIONS = ["0x0101", "0x0102", "0x0150", "0x0200", "0x0201"] as const;
  let kernel: Record<string, UdfKernelResult>;

  beforeAll(async () => {
    const started = Date.now();
    work = mkdtempSync(join(tmpdir(), "discburn-udf-oracles-"));
    src = join(work, "src");
    writeSourceTree(src, SOURCE, BASE_TIME);
    host = hostTree(src, { posix: true });

    // (1) genisoimage: UDF 1.02 bridge image, time stamps in Tokyo time (+09:00 recorded in every stamp).
    img.genisoimage = join(work, "genisoimage.iso");
    const genisoimageArgs = ["-quiet", "-input-charset", "utf-8", "-udf", "-J", "-R", "-joliet-long"];
    await run(requireTool("genisoimage"), [...genisoimageArgs, "-V", "DISCBURN_UDF", "-o", img.genisoimage, src], {
      env: { TZ: "Asia/Tokyo" },
    });

    // (2) pycdlib: the same contents with chosen attributes; a second image adds symlinks (7z refuses those).
    const f = (rel: string): string => join(src, rel);
    const t = (i: number): number => BASE_TIME + 100_000 + i * 7_919;
    pyPlainItems = [
      { path: "/dir a", type: "dir", mode: 0o750, uid: 1000, gid: 100, mtime: t(1) },
      { path: "/dir a/sub", type: "dir", mtime: t(2), tz: 120 },
      { path: "/dir a/sub/deep", type: "dir", mode: 0o700, uid: 0, gid: 0, mtime: t(3), tz: -300 },
      {
        path: "/dir a/sub/deep/x.txt",
        type: "file",
        source: f("dir a/sub/deep/x.txt"),
        mode: 0o4755,
        uid: 0,
        gid: 0,
        mtime: t(4),
      },
      {
        path: "/dir a/sub/sibling.TXT",
        type: "file",
        source: f("dir a/sub/sibling.TXT"),
        mode: 0o2640,
        uid: 70000,
        gid: 70001,
        mtime: t(5),
        tz: 540,
      },
      { path: "/empty", type: "dir", mode: 0o1777, uid: 0, gid: 0, mtime: t(6) },
      { path: "/emptyfile", type: "file", source: f("emptyfile"), mode: 0o600, uid: 1234, gid: 5678, mtime: t(7) },
      { path: "/big.bin", type: "file", source: f("big.bin"), mode: 0o644, uid: 0, gid: 0, mtime: t(8), tz: -720 },
      { path: "/with space.txt", type: "file", source: f("with space.txt"), mtime: t(9) },
      { path: "/日本語.txt", type: "file", source: f("日本語.txt"), mode: 0o664, uid: 1, gid: 2, mtime: t(10) },
      { path: "/😀 beyond the BMP.txt", type: "file", source: f("with space.txt"), mtime: t(11), tz: 60 },
      { path: `/${LONG_NAME}`, type: "file", source: f(LONG_NAME), mode: 0o755, uid: 0, gid: 0, mtime: t(12) },
    ];
    pyLinkItems = [
      ...pyPlainItems,
      { path: "/link", type: "symlink", target: "dir a/sub/deep/x.txt", uid: 10, gid: 20, mtime: t(13) },
      { path: "/dir a/abs", type: "symlink", target: "/etc/passwd", mtime: t(14), tz: 330 },
      { path: "/dir a/sub/up", type: "symlink", target: "../../big.bin", mtime: t(15) },
      { path: "/dot", type: "symlink", target: "./emptyfile", mtime: t(16) },
      { path: "/dangling", type: "symlink", target: "does/not/exist", mtime: t(17) },
    ];
    img.pycdlib = join(work, "pycdlib.iso");
    img.pycdlibLinks = join(work, "pycdlib-links.iso");
    await writePycdlib(img.pycdlib, pyPlainItems);
    await writePycdlib(img.pycdlibLinks, pyLinkItems);

    // (3) mkudffs: empty file systems, one per revision; a 2.50 VAT volume (write-once media only) as a control.
    const mkudffs = requireTool("mkudffs");
    const mk = async (name: string, args: string[]): Promise<string> => {
      const out = join(work, name);
      writeFileSync(out, "");
      truncateSync(out, 10 * 1024 * 1024);
      await run(mkudffs, [...args, "--blocksize=2048", out]);
      return out;
    };
    for (const rev of MKUDFFS_REVISIONS)
      img[`mkudffs-${rev}`] = await mk(`mkudffs-${rev}.img`, ["--media-type=hd", `--udfrev=${rev}`, `--label=R${rev}`]);
    img.mkudffsVat = await mk("mkudffs-bdr-0x0250.img", ["--media-type=bdr", "--udfrev=0x0250"]);

    // (4) The kernel fills an empty UDF 2.01 volume: Extended File Entries, a writer other than pycdlib/genisoimage.
    img.kernelWritten = await mk("kernel-written-2.01.img", ["--media-type=hd", "--udfrev=0x0201", "--label=KERNEL"]);
    const writer = kernelWriter();
    const w = await runGuest({
      drives: [{ file: img.kernelWritten, kind: "virtio-blk", readonly: false }],
      files: writer.files,
      script: writer.script,
      timeoutMs: GUEST_TIMEOUT - 30_000,
    });
    if (w.exitCode !== 0 || w.stdout.trim() !== "written")
      throw new Error(`kernel writer failed (exit ${w.exitCode}):\n${w.stdout}\n${w.stderr}`);

    // Damaged copies and an image without UDF.
    img.noFirstAnchor = join(work, "no-first-anchor.iso");
    copyFileSync(img.genisoimage, img.noFirstAnchor);
    const zeroSector = (file: string, sector: number): void => {
      const fd = openSync(file, "r+");
      try {
        writeSync(fd, Buffer.alloc(2048), 0, 2048, sector * 2048);
      } finally {
        closeSync(fd);
      }
    };
    zeroSector(img.noFirstAnchor, 256);
    img.noAnchors = join(work, "no-anchors.iso");
    copyFileSync(img.noFirstAnchor, img.noAnchors);
    const lastSector = statSync(img.noAnchors).size / 2048 - 1;
    zeroSector(img.noAnchors, lastSector);
    zeroSector(img.noAnchors, lastSector - 256);
    img.noUdf = join(work, "no-udf.iso");
    await run(requireTool("genisoimage"), ["-quiet", "-input-charset", "utf-8", "-J", "-o", img.noUdf, src]);

    // One guest for every kernel mount but the readUdfKernel one.
    const mkudffsNames = MKUDFFS_REVISIONS.map((r) => `mkudffs-${r}`);
    const names = ["genisoimage", "pycdlib", ...mkudffsNames, "mkudffsVat", "kernelWritten", "noFirstAnchor", "noUdf"];
    const results = await readUdfKernelAll(
      names.map((n) => ({ image: img[n] })),
      { timeoutMs: GUEST_TIMEOUT - 30_000 },
    );
    kernel = Object.fromEntries(names.map((n, i) => [n, results[i]]));
    process.stderr.write(`udfOracles: images and kernel listings ready in ${Date.now() - started} ms\n`);
  }, GUEST_TIMEOUT);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it("documents which fields each reader reports", () => {
    expect(UDF_READERS.map((r) => r.name)).toEqual(["7z", "pycdlib", "kernel"]);
    expect(udfReader("7z").fields).toEqual(["nlink"]);
    expect(udfReader("pycdlib").fields).toEqual(["mode", "uid", "gid", "nlink", "target"]);
    expect(udfReader("kernel").fields).toEqual(["mode", "uid", "gid", "nlink", "target", "rdev"]);
    expect(udfRecognition(img.genisoimage)).toEqual({
      descriptors: ["CD001", "CD001", "CD001", "BEA01", "NSR02", "TEA01"],
      nsr: "NSR02",
    });
    expect(udfRecognition(img["mkudffs-0x0201"]).nsr).toBe("NSR03");
    expect(udfRecognition(img.noUdf).nsr).toBeUndefined();
  });

  describe("genisoimage -udf (UDF 1.02 bridge, Tokyo time stamps)", () => {
    /** What genisoimage records: the host's names, sizes, mtimes and link counts; r--/r-x for all; no owners. */
    let recorded: UdfTree;
    beforeAll(() => {
      recorded = host.map((h) => {
        const { uid: _u, gid: _g, ...rest } = h;
        return { ...rest, mode: h.type === "dir" ? 0o555 : 0o444 };
      });
    });

    it("7z sees the source tree (names, sizes, hashes, mtimes, link counts)", async () => {
      const { tree, volume } = await readUdf7zVolume(img.genisoimage);
      expect(volume.version).toBe("1.02");
      expect(volume.comment).toContain("ImplementationId: *genisoimage");
      expectSameTree(withoutUdfTimes(tree), expectedUdfView(udfReader("7z"), recorded), "7z");
    });

    it("pycdlib sees the source tree with genisoimage's permissions and unset owners", async () => {
      const { tree, volume } = await readUdfPycdlibVolume(img.genisoimage);
      expect(volume).toEqual({
        revision: "1.02",
        domain: "*OSTA UDF Compliant",
        label: "DISCBURN_UDF",
        partitionMaps: ["1"],
      });
      expect(tree.every((e) => e.uid === undefined && e.gid === undefined)).toBe(true);
      expectSameTree(withoutUdfTimes(tree), expectedUdfView(udfReader("pycdlib"), recorded), "pycdlib");
      // 7z and pycdlib read the same access and attribute time stamps.
      expect(udfTimes(tree)).toEqual(udfTimes(await readUdf7z(img.genisoimage, { hash: false })));
    });

    it("the kernel sees the source tree; unset owners show as 65534", () => {
      const k = kernel.genisoimage;
      expect(k.mounted, k.mountError).toBe(true);
      expect(k.tree.every((e) => e.uid === UDF_KERNEL_UNSET_ID && e.gid === UDF_KERNEL_UNSET_ID)).toBe(true);
      expectSameTree(k.tree, expectedUdfView(udfReader("kernel"), recorded), "kernel");
    });

    it("udfinfo: valid, revision 1.02, the label, the writer's file and directory counts", async () => {
      const info = await udfinfo(img.genisoimage);
      expect(info.errors).toEqual([]);
      expect(info.warnings).toEqual([]);
      expect(info).toMatchObject({
        valid: true,
        exitCode: 0,
        revision: "1.02",
        writeRevision: "1.02",
        label: "DISCBURN_UDF",
        blockSize: 2048,
        blocks: statSync(img.genisoimage).size / 2048,
        numFiles: host.filter((e) => e.type === "file").length,
        numDirs: host.filter((e) => e.type === "dir").length + 1, // the root counts
        integrity: "closed",
        accessType: "readonly",
      });
      expect(info.fields.impid).toBe("*genisoimage");
      expect(info.layout.map((l) => l.type)).toEqual(["VRS", "MVDS", "RVDS", "LVID", "ANCHOR", "PSPACE", "ANCHOR"]);
    });
  });

  describe("pycdlib new(udf='2.60')", () => {
    it("pycdlib can only write its '2.60', which records UDF 1.02 structures", async () => {
      const python = await requirePycdlib();
      const r = await run(python, [
        "-c",
        [
          "import pycdlib",
          "for rev in ('1.02', '1.50', '2.01', '2.50', '2.60'):",
          "    p = pycdlib.PyCdlib()",
          "    try:",
          "        p.new(udf=rev)",
          "        print(rev, 'ok')",
          "    except pycdlib.pycdlibexception.PyCdlibInvalidInput as e:",
          "        print(rev, 'refused:', e)",
        ].join("\n"),
      ]);
      const lines = r.stdout.toString("utf8").trim().split("\n");
      expect(lines.filter((l) => l.endsWith(" ok"))).toEqual(["2.60 ok"]);
      expect(lines[0]).toMatch(/^1\.02 refused: UDF value must be empty \(no UDF\), or 2\.60$/);
      // The Domain Identifier and the LVID say 1.02: File Entries, one type 1 partition, no metadata partition.
      expect((await readUdfPycdlibVolume(img.pycdlib, { hash: false })).volume).toEqual({
        revision: "1.02",
        domain: "*OSTA UDF Compliant",
        label: "CDROM", // pycdlib 1.12 hard-codes the UDF volume identifiers
        partitionMaps: ["1"],
      });
      expect((await readUdf7zVolume(img.pycdlib, { hash: false })).volume.version).toBe("1.02");
      expect(await udfinfo(img.pycdlib)).toMatchObject({ valid: true, revision: "1.02", label: "CDROM" });
    });

    it("7z, pycdlib and the kernel see what was written (modes, owners, offsets, a non-BMP name)", async () => {
      const recorded = pycdlibRecorded(pyPlainItems);
      expectSameTree(await readUdf7z(img.pycdlib), expectedUdfView(udfReader("7z"), recorded), "7z");
      const py = await readUdfPycdlib(img.pycdlib);
      expectSameTree(py, expectedUdfView(udfReader("pycdlib"), recorded), "pycdlib");
      // The raw fields behind the modes: UDF permissions (owner << 10, group << 5; r 4, w 2, x 1) and ICB flags.
      const x = py.find((e) => e.path === "/dir a/sub/deep/x.txt");
      expect(x?.permissions).toBe((7 << 10) | (5 << 5) | 5);
      expect((x?.icbFlags ?? 0) & 0x1c0).toBe(0x40);
      expect(py.find((e) => e.path === "/empty")?.icbFlags ?? 0).toSatisfy((f: number) => (f & 0x1c0) === 0x100);
      expect(py.find((e) => e.path === "/with space.txt")?.permissions).toBe((4 << 10) | (4 << 5) | 4);
      const k = kernel.pycdlib;
      expect(k.mounted, k.mountError).toBe(true);
      expectSameTree(k.tree, expectedUdfView(udfReader("kernel"), recorded), "kernel");
      expect(k.tree.find((e) => e.path === "/dir a/sub/deep/x.txt")?.mode).toBe(0o4755);
      expect(k.tree.find((e) => e.path === "/with space.txt")).toMatchObject({ uid: 65534, gid: 65534, mode: 0o444 });
    });

    it(
      "symlinks: pycdlib and the kernel show their targets; 7z refuses the whole image",
      async () => {
        const recorded = pycdlibRecorded(pyLinkItems);
        const py = await readUdfPycdlib(img.pycdlibLinks);
        expectSameTree(py, expectedUdfView(udfReader("pycdlib"), recorded), "pycdlib");
        expect(py.find((e) => e.path === "/dir a/abs")?.target).toBe("/etc/passwd");
        // The reader-spec path: readUdfKernel (one guest of its own). Symlinks show mode 0777.
        const k = await readUdfKernel(img.pycdlibLinks, { timeoutMs: GUEST_TIMEOUT - 30_000 });
        expectSameTree(k, expectedUdfView(udfReader("kernel"), recorded), "kernel");
        expect(k.filter((e) => e.type === "symlink").every((e) => e.mode === 0o777)).toBe(true);
        const err = await readerFails(readUdf7z(img.pycdlibLinks));
        expect(err).toBeInstanceOf(UnreadableUdfError);
        expect(err.message).toMatch(/"Unsupported feature"/);
        expect(await udfinfo(img.pycdlibLinks)).toMatchObject({
          valid: true,
          numFiles: pyLinkItems.filter((e) => e.type !== "dir").length, // symlinks count as files
          numDirs: pyLinkItems.filter((e) => e.type === "dir").length + 1,
        });
      },
      GUEST_TIMEOUT,
    );
  });

  describe("mkudffs (empty file systems)", () => {
    it.each(
      MKUDFFS_REVISIONS,
    )("revision %s: udfinfo, the kernel and 7z accept it; pycdlib needs a PVD", async (rev) => {
      const file = img[`mkudffs-${rev}`];
      const dotted = `${rev.slice(3, 4)}.${rev.slice(4)}`; // "0x0201" -> "2.01"
      const info = await udfinfo(file);
      expect(info.errors).toEqual([]);
      expect(info).toMatchObject({
        valid: true,
        revision: dotted,
        writeRevision: dotted,
        label: `R${rev}`,
        blockSize: 2048,
        blocks: 5120,
        numFiles: 0,
        numDirs: 1,
        integrity: "closed",
        accessType: "overwritable",
      });
      expect(udfRecognition(file).nsr).toBe(rev < "0x0200" ? "NSR02" : "NSR03");
      const k = kernel[`mkudffs-${rev}`];
      expect(k.mounted, `${k.mountError}\n${k.dmesg.join("\n")}`).toBe(true);
      expect(k.tree).toEqual([]);
      const { tree, volume } = await readUdf7zVolume(file);
      expect(tree).toEqual([]);
      expect(volume.version).toBe(dotted);
      const err = await readerFails(readUdfPycdlib(file));
      expect(err).toBeInstanceOf(UnreadableUdfError);
      expect(err.message).toMatch(/at least one PVD/);
    });

    it("mkudffs writes 2.50/2.60 only for write-once media (VAT): nobody reads such an unfinished image", async () => {
      const hd = await run(
        requireTool("mkudffs"),
        ["--media-type=hd", "--udfrev=0x0250", "--blocksize=2048", join(work, "never.img")],
        { allowNonZero: true },
      );
      expect(hd.code).not.toBe(0);
      expect(hd.stderr).toMatch(/UDF revision above 2\.01 is not currently supported for specified media type/);

      const info = await udfinfo(img.mkudffsVat);
      expect(info).toMatchObject({ exitCode: 0, valid: false, revision: "2.50", integrity: "opened" });
      expect(info.errors).toEqual(["Virtual Allocation Table not found, maybe wrong --vatblock?"]);
      expect(info.warnings).toEqual(["Logical Volume is in inconsistent state"]);
      const k = kernel.mkudffsVat;
      expect(k.mounted).toBe(false);
      expect(k.dmesg.join("\n")).toMatch(/No partition found/);
      const err = await readerFails(readUdf7z(img.mkudffsVat));
      expect(err).toBeInstanceOf(UnreadableUdfError);
      expect(err.message).toMatch(/"Unsupported feature"/);
    });
  });

  describe("the kernel as a UDF 2.01 writer (Extended File Entries)", () => {
    it("7z reads Extended File Entries (and creation times); udfinfo and the kernel agree", async () => {
      const recorded = kernelRecorded();
      const { tree, volume } = await readUdf7zVolume(img.kernelWritten);
      expect(volume.version).toBe("2.01");
      expectSameTree(withoutUdfTimes(tree), expectedUdfView(udfReader("7z"), withoutUdfTimes(recorded)), "7z");
      // Only Extended File Entries have a creation time; the kernel keeps it no later than the mtime.
      for (const e of tree) expect(e.createTime, e.path).toBeLessThanOrEqual(e.mtime ?? Number.NaN);
      const k = kernel.kernelWritten;
      expect(k.mounted, k.mountError).toBe(true);
      expectSameTree(k.tree, expectedUdfView(udfReader("kernel"), recorded), "kernel");
      expect(await udfinfo(img.kernelWritten)).toMatchObject({
        valid: true,
        revision: "2.01",
        label: "KERNEL",
        integrity: "closed",
        numFiles: KERNEL_WRITTEN.filter(([, t]) => t === "file").length,
        numDirs: KERNEL_WRITTEN.filter(([, t]) => t === "dir").length + 1,
      });
      expect(await readerFails(readUdfPycdlib(img.kernelWritten))).toBeInstanceOf(UnreadableUdfError);
    });
  });

  describe("damaged and non-UDF images", () => {
    it("without the first anchor: udfinfo warns, the kernel reads the tree, 7z and pycdlib refuse", async () => {
      const info = await udfinfo(img.noFirstAnchor);
      expect(info).toMatchObject({ valid: true, exitCode: 0, label: "DISCBURN_UDF" });
      expect(info.warnings).toEqual(["First and second Anchor Volume Descriptor Pointer not found, using third"]);
      expect(info.layout.filter((l) => l.type === "ANCHOR").map((l) => l.start)).toEqual([
        statSync(img.noFirstAnchor).size / 2048 - 1,
      ]);
      const k = kernel.noFirstAnchor;
      expect(k.mounted, k.mountError).toBe(true);
      expect(plainTree(k.tree)).toEqual(plainTree(kernel.genisoimage.tree));
      // 7z looks for the anchor at sector 256 only.
      const sevenZip = await readerFails(readUdf7z(img.noFirstAnchor));
      expect(sevenZip).toBeInstanceOf(UnreadableUdfError);
      expect(sevenZip.message).toMatch(/"Is not archive"/);
      // pycdlib wants two anchors of the three (ECMA-167 3/8.4.2.1); genisoimage writes only two.
      const err = await readerFails(readUdfPycdlib(img.noFirstAnchor));
      expect(err).toBeInstanceOf(UnreadableUdfError);
      expect(err.message).toMatch(/Expected at least 2 UDF Anchors/);
    });

    it("without any anchor: udfinfo exits 1 with errors", async () => {
      const info = await udfinfo(img.noAnchors);
      expect(info.exitCode).toBe(1);
      expect(info.valid).toBe(false);
      expect(info.errors.length).toBeGreaterThan(0);
      expect(info.errors.join("\n")).toMatch(/Cannot process device .* as UDF disk/);
    });

    it("an image without UDF: every reader says the namespace is absent", async () => {
      const info = await udfinfo(img.noUdf);
      expect(info).toMatchObject({ exitCode: 1, valid: false });
      expect(info.errors).toContain("UDF Volume Recognition Sequence not found");
      const k = kernel.noUdf;
      expect(k.mounted).toBe(false);
      for (const reader of ["7z", "pycdlib", "kernel"] as const satisfies readonly UdfReaderName[]) {
        const err = await readerFails(udfReader(reader).read(img.noUdf));
        expect(err, reader).toBeInstanceOf(AbsentUdfError);
      }
    });
  });
});
