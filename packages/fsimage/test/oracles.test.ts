// Tests for the oracle wrappers themselves (test/oracles/*): images are built by independent peers
// (xorriso -as mkisofs, genisoimage) from a temporary source tree, then every reader must see the source
// tree in the Joliet namespace and all readers must agree on the ISO 9660 namespace.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbsentNamespaceError,
  decodeCEscapes,
  expectedView,
  isoinfoJolietName,
  libcdioJolietName,
  type Namespace,
  normaliseName,
  READERS,
  type ReaderName,
  type ReaderSpec,
  UnsupportedNamespaceError,
  volumeDescriptors,
} from "./oracles/readers.js";
import { MissingToolError, RunError, requireTool, run } from "./oracles/tools.js";
import { compareTrees, contentFingerprint, hostTree, mapNames, type Tree } from "./oracles/tree.js";

const LONG_NAME = `${"L".repeat(70)}_long name file.data`; // 84 characters: beyond Joliet's 64 without -joliet-long
const BASE_TIME = 1_614_834_367; // 2021-03-04T05:06:07Z

/** Deterministic pseudo-random bytes (xorshift32), so the large file is not trivially compressible. */
function noise(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

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

function buildSource(root: string): void {
  mkdirSync(root);
  SOURCE.forEach(([rel, content]) => {
    if (content === null) mkdirSync(join(root, rel));
    else writeFileSync(join(root, rel), content);
  });
  // Distinct whole-second mtimes; directories last (deepest first) since creating children touches them.
  const ordered = [...SOURCE.entries()].sort(([, [a]], [, [b]]) => b.split("/").length - a.split("/").length);
  for (const [i, [rel]] of ordered) {
    const t = BASE_TIME + i * 3607;
    utimesSync(join(root, rel), t, t);
  }
}

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

/** Readers expected to refuse the ISO 9660 namespace of an image, and why. */
function iso9660Unsupported(reader: ReaderName, img: ImageCase): boolean {
  if (reader === "7z") return img.joliet || img.rockRidge;
  if (reader === "libcdio") return img.rockRidge;
  return false;
}

let work = "";
let src = "";
let host: Tree = [];
const imagePath = new Map<string, string>();
const views = new Map<string, Promise<Tree>>();

/** Each (reader, image, namespace) is read once and shared by the tests that need it. */
function view(spec: ReaderSpec, img: ImageCase, ns: Namespace): Promise<Tree> {
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
  buildSource(src);
  host = hostTree(src);
  await Promise.all(
    IMAGES.map(async (img) => {
      const out = join(work, `${img.id}.iso`);
      const args = img.args.map((a) => (a === "$OUT" ? out : a === "$SRC" ? src : a));
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
