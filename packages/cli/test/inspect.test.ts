// `discburn ls`, `discburn extract` and `discburn info IMG`, run in-process through their command factories on
// images built by discburn (a bridge with UDF) and by xorriso, and on hostile images whose Rock Ridge names were
// patched to "..", "a/b" or a name that collides with a symlink pointing outside the extraction directory.
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemImage, SymlinkItem } from "@discburn/fsimage";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { requireTool, run } from "../../fsimage/test/oracles/tools.js";
import { extractCommand, lsCommand, runInfoImage } from "../src/commands/inspect.js";

/** Host times of the source tree (whole seconds): listings and extracted entries must carry them. */
const TIME = 1_600_000_000;
const UNICODE = "héllo wörld ✓ 日本.txt";

interface Result {
  error: unknown;
  stdout: string;
  stderr: string;
}

/** Runs `discburn <args>` in-process with ls, extract and an `info IMG` command that calls runInfoImage. */
async function cli(args: string[]): Promise<Result> {
  const controller = new AbortController();
  const program = new Command("discburn").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const sub of [lsCommand(controller.signal), extractCommand(controller.signal)]) {
    program.addCommand(sub.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }));
  }
  program.addCommand(
    new Command("info")
      .argument("<image>")
      .option("--json")
      .option("--session-start <lba>")
      .exitOverride()
      .action((image: string, o: { json?: boolean; sessionStart?: string }) => runInfoImage(image, o)),
  );
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  let error: unknown = null;
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (e) {
    error = e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { error, stdout, stderr };
}

async function ok(args: string[]): Promise<Result> {
  const r = await cli(args);
  if (r.error) throw new Error(`discburn ${args.join(" ")} failed: ${String(r.error)}\n${r.stderr}`);
  return r;
}

interface Entry {
  type: string;
  mode: number;
  mtime: number;
  size: number;
  hash?: string;
  target?: string;
}

/** Everything under `dir` by relative path: type, mode, mtime (seconds), size, content hash, link target. */
function snapshot(dir: string, withDirTimes = true): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel === "" ? name : `${rel}/${name}`;
      const p = join(dir, r);
      const st = lstatSync(p);
      const type = st.isDirectory()
        ? "dir"
        : st.isSymbolicLink()
          ? "symlink"
          : st.isFIFO()
            ? "fifo"
            : st.isFile()
              ? "file"
              : "other";
      const e: Entry = {
        type,
        mode: type === "symlink" ? 0 : st.mode & 0o7777,
        mtime: type === "dir" && !withDirTimes ? 0 : Math.floor(st.mtimeMs / 1000),
        size: type === "file" ? st.size : 0,
      };
      if (type === "file") e.hash = createHash("sha256").update(readFileSync(p)).digest("hex");
      if (type === "symlink") e.target = readlinkSync(p);
      out.set(r, e);
      if (type === "dir") walk(r);
    }
  };
  walk("");
  return out;
}

let work: string;
let src: string;
let outside: string;
let xorrisoIso: string;
let discburnIso: string;

async function buildWithDiscburn(
  path: string,
  fileSystems: ("iso9660" | "rockridge" | "joliet" | "udf")[],
  fill: (image: FileSystemImage) => Promise<void>,
): Promise<string> {
  // UDF 2.50: FIFOs, sockets and devices need 2.00 or later.
  const image = new FileSystemImage({ fileSystems, udfRevision: "2.50", creationTime: new Date(TIME * 1000) });
  await fill(image);
  await image.createResultImage().writeTo(path);
  return path;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "discburn-inspect-"));
  outside = join(work, "outside");
  mkdirSync(outside);
  src = join(work, "src");
  mkdirSync(join(src, "dir", "sub", "deeper"), { recursive: true });
  writeFileSync(join(src, "dir", "sub", "deeper", "deep.txt"), "deep\n");
  writeFileSync(join(src, "dir", "data.bin"), Buffer.alloc(70_000, 7));
  writeFileSync(join(src, UNICODE), "unicode\n");
  writeFileSync(join(src, "empty"), "");
  writeFileSync(join(src, "secret"), "s3cret\n");
  chmodSync(join(src, "secret"), 0o600);
  writeFileSync(join(src, "run.sh"), "#!/bin/sh\necho hi\n");
  chmodSync(join(src, "run.sh"), 0o755);
  chmodSync(join(src, "dir", "sub"), 0o750);
  symlinkSync("dir/sub/deeper/deep.txt", join(src, "link"));
  symlinkSync("/nonexistent/absolute", join(src, "abslink"));
  await run(requireTool("mkfifo"), [join(src, "pipe")]);
  chmodSync(join(src, "pipe"), 0o640);
  // Times last, deepest first, so that creating entries does not change their directories' times.
  const stamp = (rel: string) => {
    const p = join(src, rel);
    if (lstatSync(p).isSymbolicLink()) lutimesSync(p, TIME, TIME);
    else utimesSync(p, TIME, TIME);
  };
  for (const rel of [
    "dir/sub/deeper/deep.txt",
    "dir/sub/deeper",
    "dir/sub",
    "dir/data.bin",
    "dir",
    UNICODE,
    "empty",
    "secret",
    "run.sh",
    "link",
    "abslink",
    "pipe",
  ]) {
    stamp(rel);
  }
  xorrisoIso = join(work, "xorriso.iso");
  await run(requireTool("xorriso"), ["-as", "mkisofs", "-R", "-J", "-V", "XORRISO_VOL", "-o", xorrisoIso, src]);
  discburnIso = await buildWithDiscburn(
    join(work, "discburn.iso"),
    ["iso9660", "rockridge", "joliet", "udf"],
    async (i) => {
      await i.addTree(src);
    },
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface LsJson {
  fileSystem: string;
  path: string;
  entries: {
    path: string;
    name: string;
    type: string;
    mode: number;
    modeString: string;
    links: number;
    size: number;
    mtimeMs: number;
    target: string | null;
  }[];
}

describe("discburn ls", () => {
  for (const [label, fs] of [
    ["xorriso", "rockridge"],
    ["discburn", "udf"],
    ["discburn", "rockridge"],
  ] as const) {
    it(`lists a ${label} image's ${fs} tree with modes, sizes, times and targets`, async () => {
      const image = label === "xorriso" ? xorrisoIso : discburnIso;
      const json = JSON.parse((await ok(["ls", image, "-R", "--json", "--fs", fs])).stdout) as LsJson;
      expect(json.fileSystem).toBe(fs);
      const by = new Map(json.entries.map((e) => [e.path, e]));
      expect([...by.keys()].sort()).toEqual(
        [
          "/abslink",
          "/dir",
          "/dir/data.bin",
          "/dir/sub",
          "/dir/sub/deeper",
          "/dir/sub/deeper/deep.txt",
          "/empty",
          `/${UNICODE}`,
          "/link",
          "/pipe",
          "/run.sh",
          "/secret",
        ].sort(),
      );
      expect(by.get("/secret")).toMatchObject({ type: "file", modeString: "-rw-------", size: 7, links: 1 });
      expect(by.get("/run.sh")).toMatchObject({ modeString: "-rwxr-xr-x", size: 18 });
      expect(by.get("/empty")).toMatchObject({ type: "file", size: 0 });
      expect(by.get("/dir/data.bin")).toMatchObject({ size: 70_000 });
      expect(by.get(`/${UNICODE}`)).toMatchObject({ name: UNICODE, size: 8 });
      expect(by.get("/dir/sub")).toMatchObject({ type: "directory", modeString: "drwxr-x---", links: 3 });
      expect(by.get("/link")).toMatchObject({ type: "symlink", target: "dir/sub/deeper/deep.txt" });
      expect(by.get("/abslink")).toMatchObject({ target: "/nonexistent/absolute" });
      expect(by.get("/pipe")).toMatchObject({ type: "fifo", modeString: "prw-r-----" });
      for (const e of json.entries) expect(Math.floor(e.mtimeMs / 1000), e.path).toBe(TIME);

      const text = (await ok(["ls", image, "--fs", fs])).stdout;
      const lines = text.trimEnd().split("\n");
      expect(lines).toHaveLength(8);
      expect(text).toMatch(/^-rw------- +1 +\d+ +\d+ +7 \d{4}-\d\d-\d\d \d\d:\d\d secret$/m);
      expect(text).toMatch(/^lrwxrwxrwx .* link -> dir\/sub\/deeper\/deep\.txt$/m);
      expect(text).toMatch(/^prw-r----- .* pipe$/m);
      expect(text).toContain(` ${UNICODE}\n`);
      const sub = (await ok(["ls", image, "/dir", "-R", "--fs", fs])).stdout;
      expect(sub).toMatch(
        /^\/dir:\n[\s\S]*data\.bin[\s\S]*\n\n\/dir\/sub:\n[\s\S]*\n\n\/dir\/sub\/deeper:\n.* deep\.txt\n$/,
      );
      const one = (await ok(["ls", image, "dir/data.bin", "--fs", fs])).stdout;
      expect(one).toMatch(/^-rw-r--r-- +1 .* 70000 .* data\.bin\n$/);
    });
  }

  it("picks the most capable tree and fails clearly on a missing path", async () => {
    expect((JSON.parse((await ok(["ls", discburnIso, "--json"])).stdout) as LsJson).fileSystem).toBe("udf");
    expect((JSON.parse((await ok(["ls", xorrisoIso, "--json"])).stdout) as LsJson).fileSystem).toBe("rockridge");
    const joliet = JSON.parse((await ok(["ls", xorrisoIso, "--json", "--fs", "joliet"])).stdout) as LsJson;
    expect(joliet.entries.map((e) => e.name)).toContain(UNICODE);
    const missing = await cli(["ls", xorrisoIso, "/nope"]);
    expect(String(missing.error)).toMatch(/\/nope: no such file or directory/);
    const bad = await cli(["ls", xorrisoIso, "--fs", "hfs"]);
    expect(bad.error).toBeInstanceOf(CommanderError);
  });
});

describe("discburn extract", () => {
  for (const [label, fs] of [
    ["xorriso", "rockridge"],
    ["discburn", "udf"],
    ["discburn", "rockridge"],
  ] as const) {
    it(`reproduces the tree of a ${label} image (${fs}): contents, modes, times, symlinks, FIFOs`, async () => {
      const out = join(work, `out-${label}-${fs}`);
      const r = await ok(["extract", label === "xorriso" ? xorrisoIso : discburnIso, "-C", out, "--fs", fs]);
      expect(r.stderr).toBe("");
      expect(snapshot(out)).toEqual(snapshot(src));
      // Extracting again over the same tree replaces entries in place.
      await ok(["extract", label === "xorriso" ? xorrisoIso : discburnIso, "-C", out, "--fs", fs]);
      expect(snapshot(out)).toEqual(snapshot(src));
      expect(readdirSync(out).filter((n) => n.includes(".discburn-"))).toEqual([]);
    });
  }

  it("extracts chosen paths with their parent directories", async () => {
    const out = join(work, "out-some");
    await ok(["extract", discburnIso, "/dir/sub/deeper/deep.txt", "link", "-C", out]);
    const got = snapshot(out, false);
    expect([...got.keys()].sort()).toEqual(["dir", "dir/sub", "dir/sub/deeper", "dir/sub/deeper/deep.txt", "link"]);
    expect(readFileSync(join(out, "dir/sub/deeper/deep.txt"), "utf8")).toBe("deep\n");
    expect(got.get("dir/sub")?.mode).toBe(0o750);
  });
});

/** Overwrites the Rock Ridge NM name `from` with `to` (same length) in an image file; returns how many. */
function patchNm(path: string, from: string, to: string): number {
  const bytes = readFileSync(path);
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  expect(b.length).toBe(a.length);
  const head = Buffer.from([0x4e, 0x4d, 5 + a.length, 1, 0]);
  const needle = Buffer.concat([head, a]);
  let n = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    b.copy(bytes, at + head.length);
    n++;
  }
  writeFileSync(path, bytes);
  return n;
}

describe("hostile names", () => {
  const rr: ("iso9660" | "rockridge")[] = ["iso9660", "rockridge"];

  for (const [placeholder, hostile] of [
    ["qq", ".."],
    ["aqb", "a/b"],
  ]) {
    it(`refuses an image whose Rock Ridge name is ${JSON.stringify(hostile)} and writes nothing`, async () => {
      const iso = await buildWithDiscburn(join(work, `hostile-${placeholder}.iso`), rr, async (i) => {
        await i.addFile("ok.txt", new TextEncoder().encode("fine\n"));
        await i.addFile(`d/${placeholder}`, new TextEncoder().encode("evil\n"));
      });
      expect(patchNm(iso, placeholder, hostile)).toBe(1);
      const base = mkdtempSync(join(work, "hostile-"));
      const out = join(base, "out");
      const r = await cli(["extract", iso, "-C", out, "--fs", "rockridge"]);
      expect(String(r.error)).toMatch(/name/);
      expect(readdirSync(base)).toEqual([]);
      expect(readdirSync(outside)).toEqual([]);
    });
  }

  it("never writes through a symlink that points outside the directory", async () => {
    // One image: a symlink "link" to the outside and a directory patched to the same name holding "escape".
    const iso = await buildWithDiscburn(join(work, "escape.iso"), rr, async (i) => {
      i.addDirectory("/").add(new SymlinkItem("link", outside, {}, TIME * 1000));
      await i.addFile("linq/escape", new TextEncoder().encode("escaped\n"));
    });
    expect(patchNm(iso, "linq", "link")).toBe(1);
    const out = join(work, "out-escape");
    const r = await cli(["extract", iso, "-C", out, "--fs", "rockridge"]);
    expect(r.error).toBeNull();
    expect(readlinkSync(join(out, "link"))).toBe(outside);
    expect(readdirSync(outside)).toEqual([]);

    // A second image whose directory "link" holds "escape", extracted over the first: refused by name.
    const second = await buildWithDiscburn(join(work, "escape2.iso"), rr, async (i) => {
      await i.addFile("link/escape", new TextEncoder().encode("escaped\n"));
      await i.addFile("other.txt", new TextEncoder().encode("other\n"));
    });
    const r2 = await cli(["extract", second, "-C", out]);
    expect(String(r2.error)).toMatch(/\/link: .*is a symbolic link; refusing to follow it/);
    expect(r2.stderr).toMatch(/refused/);
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(join(out, "other.txt"), "utf8")).toBe("other\n");

    // Extracting a file where the symlink is replaces the symlink, never writing to its target.
    writeFileSync(join(outside, "victim"), "untouched\n");
    symlinkSync(join(outside, "victim"), join(out, "other.txt.lnk"));
    const third = await buildWithDiscburn(join(work, "escape3.iso"), rr, async (i) => {
      await i.addFile("other.txt.lnk", new TextEncoder().encode("replaced\n"));
    });
    await ok(["extract", third, "-C", out]);
    expect(lstatSync(join(out, "other.txt.lnk")).isFile()).toBe(true);
    expect(readFileSync(join(outside, "victim"), "utf8")).toBe("untouched\n");
    rmSync(join(outside, "victim"));
  });

  it("extracts into a -C directory that is reached through a symlink", async () => {
    // -C through a symlink is the user's choice and allowed; entries still land inside its target.
    const real = join(work, "real-target");
    mkdirSync(real);
    symlinkSync(real, join(work, "via-link"));
    await ok(["extract", discburnIso, "/empty", "-C", join(work, "via-link")]);
    expect(existsSync(join(real, "empty"))).toBe(true);
  });
});

describe("discburn info IMG", () => {
  it("reports the file systems of a discburn bridge image and of a xorriso image", async () => {
    const d = JSON.parse((await ok(["info", discburnIso, "--json"])).stdout) as Record<string, unknown>;
    expect(d).toMatchObject({
      fileSystems: ["iso9660", "rockridge", "joliet", "udf"],
      iso9660: true,
      joliet: true,
      rockRidge: { version: "1.12" },
      udf: { revision: "2.50" },
      elTorito: null,
      sessionStart: 0,
      volumeName: "src",
    });
    const x = JSON.parse((await ok(["info", xorrisoIso, "--json"])).stdout) as Record<string, unknown>;
    expect(x).toMatchObject({ fileSystems: ["iso9660", "rockridge", "joliet"], udf: null, volumeName: "XORRISO_VOL" });
    expect(x.primaryVolumeDescriptor).toMatchObject({ volumeIdentifier: "XORRISO_VOL" });
    expect((x.primaryVolumeDescriptor as { volumeSpaceSize: number }).volumeSpaceSize).toBe(x.volumeSpaceSize);
    const text = (await ok(["info", discburnIso])).stdout;
    expect(text).toMatch(/file systems: +ISO 9660, Rock Ridge 1\.12, Joliet, UDF 2\.50/);
    expect(text).toMatch(/volume name: +src/);
    expect(text).toMatch(/UDF revision: +2\.50/);
  });
});
