// discburn's images read by independent readers (xorriso, isoinfo, libcdio, 7z, bsdtar, pycdlib): each must
// see the source tree - Joliet names exactly as given, ISO 9660 names as discburn reports mapping them - with
// the same sizes, contents (every file extracted and hashed) and mtimes where the reader shows seconds.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemImage, type ImageOptions, type NameMapping } from "../src/index.js";
import {
  expectedView,
  type Namespace,
  normaliseName,
  READERS,
  type ReaderSpec,
  UnsupportedNamespaceError,
} from "./oracles/readers.js";
import { compareTrees, hostTree, type Tree } from "./oracles/tree.js";

const BASE_TIME = 1_614_834_367;

function buildSource(root: string): void {
  const files: Array<[string, string | Buffer]> = [
    ["readme.txt", "hello\n"],
    ["README.TXT", "case twin\n"],
    ["ReadMe.Txt", "another case twin\n"],
    ["Makefile", "all:\n"],
    [".hidden", "dot file\n"],
    ["emptyfile", ""],
    ["with space & symbols (1).txt", "symbols\n"],
    ["a.b.c.d.tar.gz", "dots\n"],
    ["Ünïcødé — 日本語.txt", "unicode\n"],
    ["emoji 😀 name.txt", "outside UCS-2\n"],
    [`${"x".repeat(80)}-first.txt`, "long one\n"],
    [`${"x".repeat(80)}-second.txt`, "long two\n"],
    ["verylongname-alpha.txt", "8.3 collision a\n"],
    ["verylongname-beta.txt", "8.3 collision b\n"],
    ["big.bin", Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a)],
    ["sub/dir/file.txt", "nested\n"],
    ["données/naïve café.txt", "latin-1\n"],
    ["1/2/3/4/5/6/7/8/9/10/deep.txt", "ten levels deep\n"],
  ];
  for (let i = 0; i < 300; i++)
    files.push([`many/entry number ${String(i).padStart(4, "0")} of a big directory.txt`, `${i}\n`]);
  for (const [rel, content] of files) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  mkdirSync(join(root, "empty dir"));
  // Distinct mtimes, set deepest first so that creating children does not touch a parent afterwards.
  const all = hostTree(root, { hash: false })
    .map((e) => e.path)
    .sort((a, b) => b.split("/").length - a.split("/").length);
  for (const [i, p] of all.entries()) utimesSync(join(root, p), BASE_TIME + i * 61, BASE_TIME + i * 61);
}

interface Config {
  id: string;
  options: ImageOptions;
}

// Plain ISO 9660 and Joliet (Rock Ridge, which readers prefer when present, is checked in rockRidge.test.ts).
const PLAIN = ["iso9660", "joliet"] as const;
const CONFIGS: readonly Config[] = [
  { id: "default", options: { fileSystems: PLAIN } },
  { id: "joliet-long", options: { fileSystems: PLAIN, jolietLongNames: true } },
  { id: "level1", options: { fileSystems: PLAIN, isoLevel: 1 } },
  { id: "level2-no-joliet", options: { isoLevel: 2, fileSystems: ["iso9660"] } },
];

let work = "";
let src = "";
let host: Tree = [];
const built = new Map<string, { file: string; names: NameMapping[] }>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "discburn-interop-"));
  src = join(work, "src");
  mkdirSync(src);
  buildSource(src);
  host = hostTree(src);
  for (const c of CONFIGS) {
    const img = new FileSystemImage({ ...c.options, creationTime: new Date(BASE_TIME * 1000) });
    await img.addTree(src);
    const result = img.createResultImage();
    const file = join(work, `${c.id}.iso`);
    await result.writeTo(file);
    built.set(c.id, { file, names: [...result.names()] });
  }
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The host tree renamed the way discburn says it mapped each path in namespace `ns`. */
function expectedTree(names: NameMapping[], ns: Namespace): Tree {
  const byPath = new Map(names.map((n) => [n.path, ns === "joliet" ? n.joliet : n.iso9660]));
  return host.map((e) => {
    const mapped = byPath.get(e.path);
    if (mapped === undefined) throw new Error(`no ${ns} name recorded for ${e.path}`);
    return {
      ...e,
      path: `/${mapped
        .slice(1)
        .split("/")
        .map((c) => normaliseName(ns, c))
        .join("/")}`,
    };
  });
}

function cases(): Array<[Config, ReaderSpec, Namespace]> {
  const out: Array<[Config, ReaderSpec, Namespace]> = [];
  for (const c of CONFIGS) {
    const hasJoliet = !c.options.fileSystems || c.options.fileSystems.includes("joliet");
    for (const spec of READERS) {
      for (const ns of hasJoliet ? (["joliet", "iso9660"] as const) : (["iso9660"] as const)) out.push([c, spec, ns]);
    }
  }
  return out;
}

describe("independent readers see discburn's trees", () => {
  it.each(
    cases().map(([c, s, ns]) => [`${c.id} / ${s.name} / ${ns}`, c, s, ns] as const),
  )("%s", async (_label, config, spec, ns) => {
    const { file, names } = built.get(config.id)!;
    let seen: Tree;
    try {
      seen = await spec.read(file, ns);
    } catch (e) {
      // Only 7z cannot show the ISO 9660 tree beside a Joliet tree (it always prefers Joliet).
      if (e instanceof UnsupportedNamespaceError && spec.name === "7z" && ns === "iso9660") return;
      throw e;
    }
    const want = expectedView(spec, ns, expectedTree(names, ns));
    expect(compareTrees(want, seen, { labelA: "source", labelB: spec.name, mtime: "files" })).toEqual([]);
  });

  it("maps names as documented: case twins, 8.3 collisions, emoji, long Joliet names", () => {
    const names = new Map(built.get("default")!.names.map((n) => [n.path, n]));
    expect(names.get("/ReadMe.Txt")).toMatchObject({ iso9660: "/README1.TXT;1", joliet: "/ReadMe.Txt;1" });
    expect(names.get("/emoji 😀 name.txt")?.joliet).toBe("/emoji _ name.txt;1");
    expect(names.get(`/${"x".repeat(80)}-first.txt`)?.joliet).toBe(`/${"x".repeat(60)}.txt;1`);
    expect(names.get(`/${"x".repeat(80)}-second.txt`)?.joliet).toBe(`/${"x".repeat(59)}1.txt;1`);
    const level1 = new Map(built.get("level1")!.names.map((n) => [n.path, n.iso9660]));
    expect(level1.get("/verylongname-alpha.txt")).toBe("/VERYLONG.TXT;1");
    expect(level1.get("/verylongname-beta.txt")).toBe("/VERYLON1.TXT;1");
  });
});
