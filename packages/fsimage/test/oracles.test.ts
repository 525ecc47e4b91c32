// Tests for the oracle wrappers themselves (test/oracles/*): images are built by independent peers
// (xorriso -as mkisofs, genisoimage) from a temporary source tree, then every reader must see the source
// tree in the Joliet namespace and all readers must agree on the ISO 9660 namespace. A second source tree with
// POSIX attributes, symlinks, hard links and special files checks every reader's Rock Ridge view.

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildPosixSource,
  DEEP,
  RELOCATION,
  RR_LONG_NAME,
  RR_LONG_TARGET,
  unreported,
  withKnownQuirks,
} from "./oracles/posixSource.js";
import {
  AbsentNamespaceError,
  decodeCEscapes,
  expectedView,
  isoinfoJolietName,
  libcdioJolietName,
  type Namespace,
  normaliseName,
  parseModeString,
  READERS,
  type ReaderName,
  type ReaderSpec,
  type Relocation,
  UnsupportedNamespaceError,
  unresolvedRelocationView,
  volumeDescriptors,
} from "./oracles/readers.js";
import { MissingToolError, RunError, requireTool, run } from "./oracles/tools.js";
import {
  compareTrees,
  contentFingerprint,
  EMPTY_SHA256,
  hostTree,
  makeDevice,
  mapNames,
  noise,
  splitDevice,
  type Tree,
  type TreeEntry,
  writeSourceTree,
} from "./oracles/tree.js";

const LONG_NAME = `${"L".repeat(70)}_long name file.data`; // 84 characters: beyond Joliet's 64 without -joliet-long
const BASE_TIME = 1_614_834_367; // 2021-03-04T05:06:07Z

/** Relative paths; a trailing "/" marks a directory. Parents are listed before children. */
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
  ["Ünïcødé — 日本語.txt", "unicode\n"],
  [LONG_NAME, "long\n"],
  ["noext", "no extension\n"],
  ["it's.txt", "apostrophe\n"],
  ["données/", null],
  ["données/naïve café.txt", "latin-1 only\n"],
  ["données/café2024.txt", "a digit right after a Latin-1 letter\n"],
  ["日本/", null],
  ["日本/語.txt", "CJK directory\n"],
  ["日本語日本語", "CJK name longer in UTF-8 than in UCS-2\n"],
];

interface ImageCase {
  id: string;
  joliet: boolean;
  rockRidge: boolean;
  /** Tool and arguments; "$OUT" and "$SRC" are substituted. */
  cmd: string;
  args: string[];
  env?: Record<string, string>;
}

const IMAGES: readonly ImageCase[] = [
  {
    id: "xorriso-rr-joliet",
    joliet: true,
    rockRidge: true,
    cmd: "xorriso",
    args: ["-as", "mkisofs", "-J", "-joliet-long", "-o", "$OUT", "$SRC"],
  },
  {
    id: "xorriso-joliet",
    joliet: true,
    rockRidge: false,
    cmd: "xorriso",
    args: ["-as", "mkisofs", "--norock", "-J", "-joliet-long", "-o", "$OUT", "$SRC"],
  },
  {
    // genisoimage records local time plus a GMT offset: +9h here, which every reader must undo.
    id: "genisoimage-joliet-tokyo",
    joliet: true,
    rockRidge: false,
    cmd: "genisoimage",
    args: ["-quiet", "-input-charset", "utf-8", "-J", "-joliet-long", "-o", "$OUT", "$SRC"],
    env: { TZ: "Asia/Tokyo" },
  },
  {
    id: "genisoimage-plain",
    joliet: false,
    rockRidge: false,
    cmd: "genisoimage",
    args: ["-quiet", "-input-charset", "utf-8", "-o", "$OUT", "$SRC"],
  },
  {
    id: "xorriso-plain",
    joliet: false,
    rockRidge: false,
    cmd: "xorriso",
    args: ["-as", "mkisofs", "--norock", "-o", "$OUT", "$SRC"],
  },
];

interface RrImageCase {
  id: string;
  /** RRIP version the peer writes: 1.10 (ER "RRIP_1991A", PX without inode number) or 1.12 (inode numbers). */
  rrip: "1.10" | "1.12";
  joliet: boolean;
  /** Whether the long symlink (several SL entries) is in the image. */
  longSymlink: boolean;
  args: string[];
}

const RR_IMAGES: readonly RrImageCase[] = [
  {
    id: "rr110-joliet",
    rrip: "1.10",
    joliet: true,
    longSymlink: true,
    args: ["-as", "mkisofs", "-R", "-J", "-joliet-long", "-rr_reloc_dir", "rr_moved", "-o", "$OUT", "$SRC"],
  },
  {
    // RRIP 1.12 with PX inode numbers shared by hard links; aaip_susp_1_10 keeps a single ER (pycdlib needs it).
    id: "rr112-hardlinks",
    rrip: "1.12",
    joliet: false,
    longSymlink: true,
    args: [
      ...["-compliance", "new_rr:aaip_susp_1_10", "-as", "mkisofs", "-R", "--hardlinks"],
      ...["-rr_reloc_dir", "rr_moved", "-o", "$OUT", "$SRC"],
    ],
  },
  {
    // Without the long symlink, which crashes libcdio's iso-info.
    id: "rr110-short-symlinks",
    rrip: "1.10",
    joliet: false,
    longSymlink: false,
    args: ["-as", "mkisofs", "-R", "-m", "longlink", "-rr_reloc_dir", "rr_moved", "-o", "$OUT", "$SRC"],
  },
];

/** Readers expected to refuse the ISO 9660 namespace of an image, and why. */
function iso9660Unsupported(reader: ReaderName, img: ImageCase): boolean {
  if (reader === "7z") return img.joliet || img.rockRidge;
  if (reader === "libcdio") return img.rockRidge;
  return false;
}

let work = "";
let src = "";
let host: Tree = [];
let posixSrc = "";
let posixHost: Tree = [];
let posixProblems: string[] = [];
const imagePath = new Map<string, string>();
const views = new Map<string, Promise<Tree>>();

/** Each (reader, image, namespace) is read once and shared by the tests that need it. */
function view(spec: ReaderSpec, img: { id: string }, ns: Namespace): Promise<Tree> {
  const key = `${spec.name}|${img.id}|${ns}`;
  let p = views.get(key);
  if (p === undefined) {
    const file = imagePath.get(img.id);
    if (file === undefined) throw new Error(`image ${img.id} was not built`);
    p = spec.read(file, ns);
    p.catch(() => undefined); // rejections are observed by the tests that await them
    views.set(key, p);
  }
  return p;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "discburn-oracles-test-"));
  src = join(work, "src");
  writeSourceTree(src, SOURCE, BASE_TIME);
  host = hostTree(src);
  posixSrc = join(work, "posix");
  posixProblems = await buildPosixSource(posixSrc);
  posixHost = hostTree(posixSrc, { posix: true });
  const builds: Array<{ id: string; cmd: string; args: string[]; src: string; env?: Record<string, string> }> = [
    ...IMAGES.map((img) => ({ ...img, src })),
    ...RR_IMAGES.map((img) => ({ ...img, cmd: "xorriso", src: posixSrc })),
  ];
  await Promise.all(
    builds.map(async (img) => {
      const out = join(work, `${img.id}.iso`);
      const args = img.args.map((a) => (a === "$OUT" ? out : a === "$SRC" ? img.src : a));
      await run(requireTool(img.cmd), args, { env: img.env });
      imagePath.set(img.id, out);
    }),
  );
});

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("tools", () => {
  it("requireTool resolves installed tools and fails (not skips) with the Debian package for missing ones", () => {
    expect(requireTool("xorriso")).toMatch(/\/xorriso$/);
    expect(() => requireTool("discburn-no-such-tool")).toThrow(MissingToolError);
    expect(() => requireTool("discburn-no-such-tool")).toThrow(/apt-get install/);
    expect(() => requireTool("/nonexistent/iso-info")).toThrow(/apt-get install libcdio-utils/);
  });

  it("run streams large stdout, reports stderr on failure, and can allow nonzero exits", async () => {
    const big = await run(requireTool("head"), ["-c", String(24 * 1024 * 1024), "/dev/zero"]);
    expect(big.stdout.length).toBe(24 * 1024 * 1024);
    const sh = requireTool("/bin/sh");
    await expect(run(sh, ["-c", "echo broken image >&2; exit 3"])).rejects.toThrow(/code 3[\s\S]*broken image/);
    await expect(run(sh, ["-c", "exit 3"])).rejects.toBeInstanceOf(RunError);
    const allowed = await run(sh, ["-c", "printf out; echo err >&2; exit 5"], { allowNonZero: true });
    expect(allowed).toEqual({ stdout: Buffer.from("out"), stderr: "err\n", code: 5 });
  });
});

describe("tree helpers", () => {
  it("hostTree lists the source tree sorted, without the root, with sizes, hashes and mtimes", () => {
    expect(host.map((e) => e.path)).toEqual(
      SOURCE.map(([rel]) => `/${rel.replace(/\/$/, "")}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    const empty = host.find((e) => e.path === "/emptyfile");
    expect(empty).toMatchObject({ type: "file", size: 0 });
    expect(empty?.sha256).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(host.find((e) => e.path === "/empty")).toMatchObject({ type: "dir" });
    expect(host.find((e) => e.path === "/big.bin")?.size).toBe(3 * 1024 * 1024 + 17);
    expect(new Set(host.map((e) => e.mtime)).size).toBe(host.length);
  });

  it("compareTrees reports missing, extra, type, size, hash and mtime differences", () => {
    const a: Tree = [
      { path: "/a", type: "file", size: 1, sha256: "00", mtime: 10 },
      { path: "/b", type: "dir" },
      { path: "/c", type: "file", size: 1, sha256: "00", mtime: 10 },
      { path: "/d", type: "dir", mtime: 5 },
    ];
    const b: Tree = [
      { path: "/a", type: "file", size: 2, sha256: "11", mtime: 11 },
      { path: "/b", type: "file", size: 0 },
      { path: "/d", type: "dir" },
      { path: "/e", type: "dir" },
    ];
    const diffs = compareTrees(a, b, { labelA: "host", labelB: "reader" });
    expect(diffs).toEqual([
      'size differs at "/a": host 1, reader 2',
      'sha256 differs at "/a": host 00, reader 11',
      'mtime differs at "/a": host 10 (1970-01-01T00:00:10Z), reader 11 (1970-01-01T00:00:11Z)',
      'type differs at "/b": host dir, reader file',
      'missing in reader (present in host): "/c" (file)',
      'extra in reader (not in host): "/e" (dir)',
    ]);
    expect(compareTrees(a, b, { mtimeToleranceSeconds: 1 }).some((d) => d.includes("mtime"))).toBe(false);
    expect(compareTrees(a, [...a, a[0]]).join()).toMatch(/duplicate path in B/);
  });

  it("normalises only versions and the trailing dot, and predicts lossy reader names", () => {
    expect(normaliseName("iso9660", "FILE.TXT;1")).toBe("FILE.TXT");
    expect(normaliseName("iso9660", "NOEXT.;1")).toBe("NOEXT");
    expect(normaliseName("iso9660", "A.B;32767")).toBe("A.B");
    expect(normaliseName("iso9660", "DIR")).toBe("DIR");
    expect(normaliseName("joliet", "name.;1")).toBe("name.");
    expect(normaliseName("joliet", "with space.txt")).toBe("with space.txt");
    expect(isoinfoJolietName("Ünïcødé — 日本語.txt")).toBe("Ünïcødé _ ___.txt");
    expect(mapNames([{ path: "/日本/語.txt", type: "file" }], isoinfoJolietName)[0].path).toBe("/__/_.txt");
    expect(libcdioJolietName("日本")).toBe("日\uFFFD");
    expect(libcdioJolietName("日本語日本語")).toBe("日本語日");
    expect(libcdioJolietName("Ünïcødé — 日本語.txt")).toBe("Ünïcødé — 日本語.txt");
    expect(decodeCEscapes(Buffer.from("a\\303\\234\\\\b\\tc")).toString("utf8")).toBe("aÜ\\b\tc");
  });
});

describe("peer-built images", () => {
  it("have the volume descriptors the cases claim", () => {
    for (const img of IMAGES) {
      const file = imagePath.get(img.id);
      expect(file, img.id).toBeDefined();
      expect(volumeDescriptors(file ?? "").joliet, img.id).toBe(img.joliet);
    }
  });
});

for (const img of IMAGES.filter((i) => i.joliet)) {
  describe(`Joliet view of ${img.id}`, () => {
    for (const spec of READERS) {
      it(`${spec.name} sees the host tree (names, types, sizes, hashes, mtimes)`, async () => {
        const seen = await view(spec, img, "joliet");
        const expected = expectedView(spec, "joliet", host);
        expect(compareTrees(expected, seen, { labelA: "host", labelB: spec.name })).toEqual([]);
        if (spec.mtime) expect(seen.every((e) => e.mtime !== undefined)).toBe(true);
        expect(seen.filter((e) => e.type === "file").every((e) => e.sha256 !== undefined)).toBe(true);
      });
    }
  });
}

for (const img of IMAGES.filter((i) => !i.joliet)) {
  describe(`missing Joliet in ${img.id}`, () => {
    for (const spec of READERS) {
      it(`${spec.name} refuses the joliet namespace instead of showing another tree`, async () => {
        await expect(view(spec, img, "joliet")).rejects.toBeInstanceOf(AbsentNamespaceError);
      });
    }
  });
}

for (const img of IMAGES) {
  describe(`ISO 9660 view of ${img.id}`, () => {
    it("is the same tree for every reader that supports it, with the host's structure and contents", async () => {
      const reference = await view(READERS.find((r) => r.name === "pycdlib") as ReaderSpec, img, "iso9660");
      // Names really come from the ISO 9660 directory records: upper-case d-characters only.
      for (const e of reference) expect(e.path, `${img.id} pycdlib`).toMatch(/^(\/[A-Z0-9_.]+)+$/);
      expect(contentFingerprint(reference)).toEqual(contentFingerprint(host));
      const supported: string[] = [];
      for (const spec of READERS) {
        const unsupported = iso9660Unsupported(spec.name, img);
        if (unsupported) {
          await expect(view(spec, img, "iso9660"), spec.name).rejects.toBeInstanceOf(UnsupportedNamespaceError);
          continue;
        }
        const seen = await view(spec, img, "iso9660");
        const expected = expectedView(spec, "iso9660", reference);
        expect(compareTrees(expected, seen, { labelA: "pycdlib", labelB: spec.name }), spec.name).toEqual([]);
        supported.push(spec.name);
      }
      expect(supported.length).toBeGreaterThanOrEqual(4);
    });

    it("has the host's mtimes where the reader exposes seconds", async () => {
      const reference = await view(READERS.find((r) => r.name === "pycdlib") as ReaderSpec, img, "iso9660");
      const hostTimes = host.map((e) => `${e.type} ${e.size ?? "-"} ${e.sha256 ?? "-"} ${e.mtime}`).sort();
      const isoTimes = reference.map((e) => `${e.type} ${e.size ?? "-"} ${e.sha256 ?? "-"} ${e.mtime}`).sort();
      expect(isoTimes).toEqual(hostTimes);
    });
  });
}

describe("extraction is real", () => {
  it("a file patched inside the image shows up as a sha256 difference in every reader and namespace", async () => {
    const original = readFileSync(imagePath.get("xorriso-joliet") ?? "");
    const needle = Buffer.from("hello\n");
    const offsets: number[] = [];
    for (let off = 0; off + needle.length <= original.length; off += 2048)
      if (original.subarray(off, off + needle.length).equals(needle)) offsets.push(off);
    expect(offsets).toHaveLength(1);
    const patched = Buffer.from(original);
    patched[offsets[0]] = "j".charCodeAt(0);
    const file = join(work, "patched.iso");
    writeFileSync(file, patched);
    const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
    for (const spec of READERS) {
      for (const ns of ["joliet", "iso9660"] as const) {
        if (ns === "iso9660" && spec.name === "7z") continue; // 7z only shows Joliet here
        const seen = await spec.read(file, ns);
        const hashes = seen.map((e) => e.sha256);
        expect(hashes, `${spec.name} ${ns}`).toContain(sha("jello\n"));
        expect(hashes, `${spec.name} ${ns}`).not.toContain(sha("hello\n"));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Rock Ridge

describe("Rock Ridge helpers", () => {
  it("parses ls -l mode strings with setuid, setgid, sticky and every type", () => {
    expect(parseModeString("-rwsr-xr-x")).toEqual({ type: "file", mode: 0o4755 });
    expect(parseModeString("-rwxr-S---")).toEqual({ type: "file", mode: 0o2740 });
    expect(parseModeString("drwxrwxrwt")).toEqual({ type: "dir", mode: 0o1777 });
    expect(parseModeString("drwx-----T")).toEqual({ type: "dir", mode: 0o1700 });
    expect(parseModeString("lrwxrwxrwx").type).toBe("symlink");
    expect(parseModeString("prw-r-----")).toEqual({ type: "fifo", mode: 0o640 });
    expect(parseModeString("srwxr-xr-x").type).toBe("socket");
    expect(parseModeString("crw-rw-rw-").type).toBe("chardev");
    expect(parseModeString("brw-rw----").type).toBe("blockdev");
    expect(() => parseModeString("?rw-r--r--")).toThrow(/mode string/);
  });

  it("splits and joins Linux device numbers the glibc way", () => {
    expect(splitDevice(0x801n)).toEqual({ major: 8, minor: 1 });
    expect(splitDevice(259n)).toEqual({ major: 1, minor: 3 });
    for (const d of [
      { major: 300, minor: 70000 },
      { major: 4095, minor: 0xfffff },
      { major: 0x12345, minor: 0x3456789 },
    ])
      expect(splitDevice(makeDevice(d))).toEqual(d);
  });

  it("compareTrees compares POSIX fields where both sides have them, with options to skip some", () => {
    const a: Tree = [
      { path: "/d", type: "dir", mode: 0o755, nlink: 3 },
      { path: "/f", type: "file", size: 1, mode: 0o4755, uid: 1, gid: 2, nlink: 2 },
      { path: "/l", type: "symlink", target: "f", uid: 0 },
      { path: "/n", type: "chardev", rdev: { major: 1, minor: 3 } },
    ];
    const b: Tree = [
      { path: "/d", type: "dir", mode: 0o755, nlink: 1 },
      { path: "/f", type: "file", size: 1, mode: 0o755, uid: 1, gid: 3 },
      { path: "/l", type: "symlink", target: "g" },
      { path: "/n", type: "chardev", rdev: { major: 1, minor: 5 } },
    ];
    expect(compareTrees(a, b, { labelA: "host", labelB: "r" })).toEqual([
      'nlink differs at "/d": host 3, r 1',
      'mode differs at "/f": host 0o4755, r 0o755',
      'gid differs at "/f": host 2, r 3',
      'target differs at "/l": host "f", r "g"',
      'rdev differs at "/n": host 1,3, r 1,5',
    ]);
    expect(compareTrees(a, b, { dirNlink: false, posix: ["uid", "gid"] })).toEqual(['gid differs at "/f": A 2, B 3']);
    expect(compareTrees(a, b, { posix: [] })).toEqual([]);
  });

  it("predicts the unresolved view of a relocated directory", () => {
    const tree: Tree = [
      { path: "/a", type: "dir", mode: 0o755 },
      { path: "/a/deep", type: "dir", mode: 0o700, nlink: 2 },
      { path: "/a/deep/x", type: "file", size: 1, sha256: "00" },
    ];
    const relocation: Relocation = { dir: "/rr_moved", moved: ["/a/deep"] };
    expect(
      unresolvedRelocationView(tree, relocation, { kind: "raw", placeholder: "file", reNames: "rockridge" }),
    ).toEqual([
      { path: "/a", type: "dir", mode: 0o755 },
      { path: "/a/deep", type: "file", mode: 0o700, size: 0, sha256: EMPTY_SHA256 },
      { path: "/rr_moved", type: "dir" },
      { path: "/rr_moved/deep", type: "dir", mode: 0o700, nlink: 2 },
      { path: "/rr_moved/deep/x", type: "file", size: 1, sha256: "00" },
    ]);
    expect(
      unresolvedRelocationView(tree, relocation, { kind: "raw", placeholder: "dir", reNames: "iso9660" }).map(
        (e) => `${e.path} ${e.type}`,
      ),
    ).toEqual(["/RR_MOVED dir", "/RR_MOVED/DEEP dir", "/RR_MOVED/DEEP/x file", "/a dir", "/a/deep dir"]);
  });
});

describe("Rock Ridge source tree", () => {
  it("has every kind of entry: mknod, mkfifo and unix sockets work on this machine", () => {
    expect(posixProblems).toEqual([]);
    const types = new Set(posixHost.map((e) => e.type));
    expect([...types].sort()).toEqual(["blockdev", "chardev", "dir", "fifo", "file", "socket", "symlink"]);
  });

  it("hostTree({ posix: true }) lists it with lstat: modes, owners, links, targets, device numbers", () => {
    const at = (p: string): TreeEntry | undefined => posixHost.find((e) => e.path === p);
    expect(at("/f4755")).toMatchObject({ type: "file", mode: 0o4755, uid: 0, nlink: 1 });
    expect(at("/f600")).toMatchObject({ mode: 0o600, uid: 70000, gid: 70001 });
    expect(at("/d700")).toMatchObject({ type: "dir", mode: 0o700, uid: 1001, gid: 1002, nlink: 2 });
    expect(at("/sticky")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(at("/abs")).toMatchObject({ type: "symlink", target: "/etc/passwd", uid: 4321, gid: 8765 });
    expect(at("/dangling")).toMatchObject({ type: "symlink", target: "does/not/exist" });
    expect(at("/longlink")?.target).toBe(RR_LONG_TARGET);
    expect(RR_LONG_TARGET.length).toBeGreaterThan(255);
    expect(at("/h1")).toMatchObject({ nlink: 2, size: 12 });
    expect(at("/h2")?.sha256).toBe(at("/h1")?.sha256);
    expect(at("/fifo")).toMatchObject({ type: "fifo", mode: 0o640 });
    expect(at("/sock")?.type).toBe("socket");
    expect(at("/null")).toMatchObject({ type: "chardev", rdev: { major: 1, minor: 3 } });
    expect(at("/bigdev")).toMatchObject({ type: "chardev", rdev: { major: 300, minor: 70000 } });
    expect(at("/sda1")).toMatchObject({ type: "blockdev", rdev: { major: 8, minor: 1 }, mode: 0o660, gid: 6 });
    expect(at(`/${RR_LONG_NAME}`)?.type).toBe("file");
    expect(at(`${DEEP}/deep.txt`)?.type).toBe("file");
    for (const e of posixHost) expect(e.mtime, e.path).toBeGreaterThanOrEqual(BASE_TIME);
    expect(host.every((e) => e.mode === undefined && e.uid === undefined)).toBe(true);
    expect(() => hostTree(posixSrc)).toThrow(/neither a regular file nor a directory/);
  });
});

/** The host tree an RR image was built from (without what its command excluded). */
function rrHost(img: RrImageCase): Tree {
  return img.longSymlink ? posixHost : posixHost.filter((e) => e.path !== "/longlink");
}

for (const img of RR_IMAGES) {
  describe(`Rock Ridge view of ${img.id}`, () => {
    it("is what the case claims: Rock Ridge, Joliet or not, relocation and hard links in the ISO 9660 tree", async () => {
      const file = imagePath.get(img.id) ?? "";
      expect(volumeDescriptors(file)).toEqual({ joliet: img.joliet, rockRidge: true });
      const iso = await view(READERS.find((r) => r.name === "pycdlib") as ReaderSpec, img, "iso9660");
      expect(iso.map((e) => e.path)).toContain("/RR_MOVED/H/I/J/DEEP.TXT");
      expect(iso.map((e) => e.path)).toContain("/A/B/C/D/E/F/G/H"); // the CL placeholder: a file record
    });

    for (const spec of READERS) {
      it(`${spec.name} sees the host tree with the POSIX fields it reports`, async () => {
        if (img.joliet && !spec.rockRidge.withJoliet) {
          await expect(view(spec, img, "rockridge")).rejects.toBeInstanceOf(UnsupportedNamespaceError);
          return;
        }
        if (spec.name === "libcdio" && img.longSymlink) {
          await expect(view(spec, img, "rockridge")).rejects.toThrow(/SIGSEGV/);
          return;
        }
        const seen = await view(spec, img, "rockridge");
        const want = withKnownQuirks(
          spec,
          img,
          expectedView(spec, "rockridge", rrHost(img), { relocation: RELOCATION }),
          seen,
        );
        expect(compareTrees(want, seen, { labelA: "host", labelB: spec.name, dirNlink: false })).toEqual([]);
        expect(unreported(spec, seen, want)).toEqual([]);
        expect(seen.filter((e) => e.type === "file").every((e) => e.sha256 !== undefined)).toBe(true);
        const withMtime = seen.filter((e) => spec.rockRidge.mtimeTypes.includes(e.type));
        expect(withMtime.every((e) => e.mtime !== undefined)).toBe(true);
      });
    }

    it("readers show the relocated deep directory as READERS[].rockRidge.relocation says", async () => {
      const deepSha = posixHost.find((e) => e.path === `${DEEP}/deep.txt`)?.sha256;
      let checked = 0;
      for (const spec of READERS) {
        if ((img.joliet && !spec.rockRidge.withJoliet) || (spec.name === "libcdio" && img.longSymlink)) continue;
        const seen = await view(spec, img, "rockridge");
        const paths = seen.map((e) => e.path);
        const reloc = seen.filter((e) => /^\/rr_moved(\/|$)/i.test(e.path));
        if (spec.rockRidge.relocation.kind === "resolved") {
          expect(reloc, spec.name).toEqual([]);
          expect(seen.find((e) => e.path === `${DEEP}/deep.txt`)?.sha256, spec.name).toBe(deepSha);
        } else {
          const under = reloc.find((e) => /^\/rr_moved\/h\/i\/j\/deep\.txt$/i.test(e.path));
          expect(under?.sha256, spec.name).toBe(deepSha);
          const placeholder = seen.find((e) => e.path === "/a/b/c/d/e/f/g/h");
          expect(placeholder?.type, spec.name).toBe(spec.rockRidge.relocation.placeholder);
          expect(
            paths.filter((p) => p.startsWith("/a/b/c/d/e/f/g/h/")),
            spec.name,
          ).toEqual([]);
        }
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(img.joliet ? 4 : 5);
    });
  });
}

for (const img of IMAGES) {
  describe(`Rock Ridge in ${img.id}`, () => {
    for (const spec of READERS) {
      if (!img.rockRidge) {
        it(`${spec.name} refuses the rockridge namespace: the image has none`, async () => {
          await expect(view(spec, img, "rockridge")).rejects.toBeInstanceOf(AbsentNamespaceError);
        });
        continue;
      }
      it(`${spec.name} sees the host tree (names, sizes, hashes, modes, owners)`, async () => {
        if (img.joliet && !spec.rockRidge.withJoliet) {
          await expect(view(spec, img, "rockridge")).rejects.toBeInstanceOf(UnsupportedNamespaceError);
          return;
        }
        const seen = await view(spec, img, "rockridge");
        const want = expectedView(spec, "rockridge", hostTree(src, { posix: true }));
        expect(compareTrees(want, seen, { labelA: "host", labelB: spec.name, dirNlink: false })).toEqual([]);
        expect(unreported(spec, seen, want)).toEqual([]);
      });
    }
  });
}

describe("Rock Ridge extraction is real", () => {
  it("a file patched inside an RR image shows up as a sha256 difference in every reader", async () => {
    const original = readFileSync(imagePath.get("rr110-short-symlinks") ?? "");
    const needle = Buffer.from("ten directory levels down\n");
    const offsets: number[] = [];
    for (let off = 0; off + needle.length <= original.length; off += 2048)
      if (original.subarray(off, off + needle.length).equals(needle)) offsets.push(off);
    expect(offsets).toHaveLength(1);
    const patched = Buffer.from(original);
    patched[offsets[0]] = "T".charCodeAt(0);
    const file = join(work, "patched-rr.iso");
    writeFileSync(file, patched);
    const sha = (s: string): string => createHash("sha256").update(s).digest("hex");
    for (const spec of READERS) {
      const seen = await spec.read(file, "rockridge");
      const hashes = seen.map((e) => e.sha256);
      expect(hashes, spec.name).toContain(sha("Ten directory levels down\n"));
      expect(hashes, spec.name).not.toContain(sha("ten directory levels down\n"));
    }
  });
});
