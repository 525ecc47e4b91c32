// discburn's UDF (every revision, bridge and UDF-only) through independent readers: udfinfo reports a valid
// volume of the right revision, label and counts; 7-Zip and pycdlib list and extract the source tree; random
// trees read back the same through 7-Zip, and UDF 1.02 matches genisoimage -udf on the same trees.
// (The kernel's udf driver reads them in kernelDiscburn.test.ts.) DISCBURN_PROPERTY_RUNS raises the count.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemImage, UDF_REVISIONS, type UdfRevision } from "../src/index.js";
import { buildPosixSource } from "./oracles/posixSource.js";
import { requireTool, run } from "./oracles/tools.js";
import { compareTrees, hostTree, type Tree } from "./oracles/tree.js";
import { expectedUdfView, plainTree, readUdf7z, readUdfPycdlib, udfinfo, udfReader } from "./oracles/udf.js";

const RUNS = Number(process.env.DISCBURN_PROPERTY_RUNS ?? 4);
const BASE = 1_650_000_000;

/** Files and directories only (7-Zip refuses UDF volumes with symlinks): Unicode, empty, big, crowded. */
function buildPlainSource(root: string): void {
  const files: Array<[string, string | Buffer]> = [
    ["readme.txt", "hello\n"],
    ["emptyfile", ""],
    ["Ünïcødé — 日本語.txt", "unicode beyond Latin-1\n"],
    ["Latin-1 café.txt", "8-bit CS0\n"],
    [`${"long name ".repeat(20)}.txt`, "a 205-character name\n"],
    ["big.bin", Buffer.alloc(3 * 1024 * 1024 + 123, 0x5a)],
    ["sub/dir/nested.txt", "nested\n"],
  ];
  for (let i = 0; i < 150; i++)
    files.push([`crowded/entry ${String(i).padStart(3, "0")} with a longish name.dat`, `${i}\n`]);
  for (const [rel, content] of files) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  mkdirSync(join(root, "empty dir"));
  const all = hostTree(root, { hash: false })
    .map((e) => e.path)
    .sort((a, b) => b.split("/").length - a.split("/").length);
  for (const [i, p] of all.entries()) utimesSync(join(root, p), BASE + i * 13, BASE + i * 13);
}

let work = "";
let plain = "";
let posix = "";
const images = new Map<string, string>();
const key = (rev: UdfRevision, bridge: boolean, tree: "plain" | "posix") => `${rev}|${bridge}|${tree}`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "discburn-udf-"));
  plain = join(work, "plain");
  mkdirSync(plain);
  buildPlainSource(plain);
  posix = join(work, "posix");
  expect(await buildPosixSource(posix)).toEqual([]);
  for (const rev of UDF_REVISIONS) {
    for (const bridge of [false, true]) {
      for (const [name, src] of [
        ["plain", plain],
        ["posix", posix],
      ] as const) {
        const img = new FileSystemImage({
          fileSystems: bridge ? ["iso9660", "rockridge", "joliet", "udf"] : ["udf"],
          udfRevision: rev,
          volumeName: "UDF Volume Ü",
          jolietLongNames: true,
        });
        await img.addTree(src);
        const file = join(work, `${name}-${rev}-${bridge}.iso`);
        await img.createResultImage().writeTo(file);
        images.set(key(rev, bridge, name), file);
      }
    }
  }
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const cases = UDF_REVISIONS.flatMap((rev) => [
  [rev, false],
  [rev, true],
]) as Array<[UdfRevision, boolean]>;

describe("udfinfo", () => {
  it.each(cases)("UDF %s (bridge: %s) is valid, with the revision, label and counts written", async (rev, bridge) => {
    for (const tree of ["plain", "posix"] as const) {
      const info = await udfinfo(images.get(key(rev, bridge, tree))!);
      expect(info.valid, `${tree}: ${info.errors.join("; ")}`).toBe(true);
      expect(info.warnings, tree).toEqual([]);
      // udfrev is the minimum read revision: 1.02 for 1.xx volumes, 2.50 for 2.60 (nothing 2.60-only is used).
      expect(info.writeRevision).toBe(rev);
      expect(info.revision).toBe(rev.startsWith("1.") ? "1.02" : rev === "2.60" ? "2.50" : rev);
      expect(info.label).toBe("UDF Volume Ü");
      expect(info.integrity).toBe("closed");
      expect(info.accessType).toBe("readonly");
      const host = hostTree(tree === "plain" ? plain : posix, { posix: true });
      const special = new Set(["fifo", "socket", "chardev", "blockdev"]);
      const files = host.filter((e) => e.type !== "dir" && !(rev.startsWith("1.") && special.has(e.type)));
      const hardLinked = host.filter((e) => e.type === "file" && (e.nlink ?? 1) > 1).length / 2;
      expect(info.numFiles, tree).toBe(files.length - hardLinked);
      expect(info.numDirs, tree).toBe(host.filter((e) => e.type === "dir").length + 1);
    }
  });
});

describe("7-Zip (-tudf)", () => {
  it.each(cases)("lists and extracts UDF %s (bridge: %s) as the source tree", async (rev, bridge) => {
    const spec = udfReader("7z");
    const seen = await readUdf7z(images.get(key(rev, bridge, "plain"))!);
    const want = expectedUdfView(spec, hostTree(plain, { posix: true }));
    expect(compareTrees(plainTree(want), plainTree(seen), { labelA: "source", labelB: "7z" })).toEqual([]);
  });
});

describe("pycdlib", () => {
  it.each(UDF_REVISIONS.filter((r) => r.startsWith("1.")))("walks the UDF %s tree of a bridge image", async (rev) => {
    const spec = udfReader("pycdlib");
    for (const tree of ["plain", "posix"] as const) {
      const seen = await readUdfPycdlib(images.get(key(rev, true, tree))!);
      const host = hostTree(tree === "plain" ? plain : posix, { posix: true }).filter((e) =>
        spec.types.includes(e.type),
      );
      const want = expectedUdfView(spec, host);
      expect(compareTrees(plainTree(want), plainTree(seen), { labelA: "source", labelB: "pycdlib" })).toEqual([]);
    }
  });
  it("cannot walk UDF 2.xx: pycdlib 1.12 parses only plain File Entries, not Extended ones", async () => {
    await expect(readUdfPycdlib(images.get(key("2.01", true, "plain"))!)).rejects.toThrow(/261/);
  });
});

// --- Random trees ---------------------------------------------------------------------------------------------

type Node = { kind: "file"; name: string; size: number } | { kind: "dir"; name: string; children: Node[] };
const chars = [..."abcXYZ019 .-_", ..."éßüЖ日本語"];
const nameArb = fc
  .string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 60 })
  .filter((n) => n !== "." && n !== ".." && n.trim() === n && !n.endsWith("."));
const treeArb = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("file" as const),
      name: nameArb,
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 3001, max: 200_000 })),
    }),
    fc.record({ kind: fc.constant("dir" as const), name: nameArb, children: fc.array(tie("node"), { maxLength: 6 }) }),
  ),
})).node;

function materialise(root: string, nodes: Node[]): void {
  writeFileSync(join(root, "anchor.txt"), "anchor\n");
  let t = BASE;
  const walk = (dir: string, list: Node[]) => {
    const seen = new Set<string>(["anchor.txt"]);
    for (const n of list) {
      if (seen.has(n.name)) continue;
      seen.add(n.name);
      const p = join(dir, n.name);
      if (n.kind === "file") writeFileSync(p, Buffer.alloc(n.size, n.name.length));
      else {
        mkdirSync(p);
        walk(p, n.children);
      }
      utimesSync(p, t, t);
      t += 61;
    }
  };
  walk(root, nodes);
}

describe("random trees", () => {
  it(
    "read back through 7-Zip from every revision, and UDF 1.02 as from genisoimage -udf",
    { timeout: 900_000 },
    async () => {
      const genisoimage = requireTool("genisoimage");
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(treeArb, { maxLength: 10 }), async (nodes) => {
          const dir = join(work, `prop${n++}`);
          const src = join(dir, "src");
          mkdirSync(src, { recursive: true });
          try {
            materialise(src, nodes);
            const want: Tree = plainTree(expectedUdfView(udfReader("7z"), hostTree(src, { posix: true })));
            for (const rev of UDF_REVISIONS) {
              const img = new FileSystemImage({ fileSystems: ["iso9660", "udf"], udfRevision: rev });
              await img.addTree(src);
              const file = join(dir, `${rev}.iso`);
              await img.createResultImage().writeTo(file);
              const seen = plainTree(await readUdf7z(file));
              expect(compareTrees(want, seen, { labelA: "source", labelB: `7z(UDF ${rev})` })).toEqual([]);
            }
            const theirs = join(dir, "genisoimage.iso");
            // -D: without it (and without -R) genisoimage drops directories nested deeper than ISO 9660's 8 levels
            // ("Directories too deep ... ignored"), from its UDF tree too; UDF itself has no such limit.
            await run(genisoimage, ["-quiet", "-input-charset", "utf-8", "-udf", "-D", "-o", theirs, src]);
            const a = plainTree(await readUdf7z(theirs));
            const b = plainTree(await readUdf7z(join(dir, "1.02.iso")));
            // genisoimage records the same names, sizes and contents; its directory link counts and times are its own.
            const shape = (t: Tree) => t.map(({ path, type, size, sha256 }) => ({ path, type, size, sha256 }));
            expect(
              compareTrees(shape(a), shape(b), { labelA: "genisoimage -udf", labelB: "discburn UDF 1.02" }),
            ).toEqual([]);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        { numRuns: RUNS },
      );
    },
  );
});
