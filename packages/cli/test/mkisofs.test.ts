import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MissingToolError, requirePycdlib, requireTool, run } from "../../fsimage/test/oracles/tools.js";
import { BIN, discburn } from "./discburn.js";

const ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin";
const ISOHDPFX = "/usr/lib/ISOLINUX/isohdpfx.bin";
const LDLINUX = "/usr/lib/syslinux/modules/bios/ldlinux.c32";
/** Host times of the source tree (whole seconds): extracted files must carry them. */
const TIME = 1_600_000_000;

/** A file that a test needs from a Debian package: fail (never skip) with the package to install. */
function requireFile(path: string, debianPackage: string): string {
  if (!existsSync(path)) throw new MissingToolError(path, debianPackage, "file not found");
  return path;
}

function requireToolOf(cmd: string, debianPackage: string): string {
  try {
    return requireTool(cmd);
  } catch (e) {
    if (e instanceof MissingToolError) throw new MissingToolError(cmd, debianPackage, "not found");
    throw e;
  }
}

let work: string;
let src: string;
let bootTree: string;
let counter = 0;

/** Builds the image with both tools from one flag line; "X" in the line stands for the output file. */
async function both(flags: readonly string[]): Promise<{ ours: string; theirs: string; stderr: string }> {
  const n = ++counter;
  const ours = join(work, `ours-${n}.iso`);
  const theirs = join(work, `theirs-${n}.iso`);
  const r = await discburn(["mkisofs", ...flags.map((f) => (f === "X" ? ours : f))]);
  expect(r.stderr, `discburn mkisofs ${flags.join(" ")}`).not.toMatch(/discburn: /);
  expect(r.code, r.stderr).toBe(0);
  await run(requireTool("xorriso"), ["-as", "mkisofs", ...flags.map((f) => (f === "X" ? theirs : f))], { cwd: work });
  return { ours, theirs, stderr: r.stderr };
}

/**
 * xorriso's Rock Ridge view: type and mode, owner, group, size, path and link target; times left out.
 * Symbolic links' permission bits (ignored by every POSIX system) are left out too: with -r xorriso records
 * them as r-xr-xr-x, discburn as rwxrwxrwx.
 */
async function rockRidgeView(img: string): Promise<string[]> {
  const r = await run(requireTool("xorriso"), ["-indev", img, "-find", "/", "-exec", "lsdl", "--"]);
  const lines: string[] = [];
  for (const line of r.stdout.toString("utf8").split("\n")) {
    if (line === "") continue;
    const m = /^(\S{10})\s+\d+\s+(\S+)\s+(\S+)\s+(\d+)\s+\S+\s+\d+\s+\S+\s+'(.*?)'(?: -> '(.*)')?$/.exec(line);
    if (!m) throw new Error(`unexpected lsdl line from xorriso: ${line}`);
    const [, mode, uid, gid, size, path, target] = m;
    // Directory sizes are not reported; the boot catalog's "e" is xorriso's own marker.
    const shown = mode.startsWith("l") ? "l*********" : mode.replace(/^e/, "-");
    lines.push(`${shown} ${uid} ${gid} ${mode.startsWith("d") ? "-" : size} ${path}${target ? ` -> ${target}` : ""}`);
  }
  return lines.sort();
}

const JOLIET_WALK = `
import sys, json, pycdlib
iso = pycdlib.PyCdlib()
iso.open(sys.argv[1])
out = []
for root, dirs, files in iso.walk(joliet_path='/'):
    base = root.rstrip('/')
    for d in dirs:
        out.append('d ' + base + '/' + d)
    for f in files:
        p = base + '/' + f
        out.append('f %d %s' % (iso.get_record(joliet_path=p).get_data_length(), p))
iso.close()
print(json.dumps(out, ensure_ascii=False))
`;

/** pycdlib's Joliet view: type, size and path. The ";1" version that discburn appends is left out. */
async function jolietView(img: string): Promise<string[]> {
  const python = await requirePycdlib();
  const r = await run(python, ["-c", JOLIET_WALK, img]);
  return (JSON.parse(r.stdout.toString("utf8")) as string[]).map((l) => l.replace(/;1$/, "")).sort();
}

/** isoinfo's plain ISO 9660 view: for each directory, its depth and the sizes of its files (names differ). */
async function iso9660Structure(img: string): Promise<{ names: string[]; shape: string[] }> {
  const r = await run(requireTool("isoinfo"), ["-l", "-i", img]);
  const names: string[] = [];
  const shape: string[] = [];
  let dir = "";
  let entries: string[] = [];
  const flush = () => {
    if (dir) shape.push(`${dir.split("/").length - 2}: ${entries.sort().join(" ")}`);
  };
  for (const line of r.stdout.toString("latin1").split("\n")) {
    const heading = /^Directory listing of (.*)$/.exec(line);
    if (heading) {
      flush();
      dir = heading[1];
      entries = [];
      continue;
    }
    const m = /^(\S)\S+\s+\d+\s+\d+\s+\d+\s+(\d+) .*\]\s+(.*?)\s*$/.exec(line);
    if (!m || m[3] === "." || m[3] === "..") continue;
    names.push(m[3]);
    entries.push(m[1] === "d" ? "dir" : m[2]);
  }
  flush();
  return { names: names.sort(), shape: shape.sort() };
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) makeWritable(p);
    else if (st.isFile()) chmodSync(p, 0o644);
  }
}

/** Extracts the image with xorriso and returns path -> sha256 and mtime (seconds) of every regular file. */
async function contents(img: string): Promise<Map<string, string>> {
  const out = join(work, `extract-${++counter}`);
  await run(requireTool("xorriso"), ["-osirrox", "on", "-indev", img, "-extract", "/", out]);
  const files = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, `${rel}/${name}`);
      else if (st.isFile()) {
        const hash = createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16);
        files.set(`${rel}/${name}`, `${hash} ${Math.floor(st.mtimeMs / 1000)}`);
      }
    }
  };
  walk(out, "");
  makeWritable(out);
  rmSync(out, { recursive: true, force: true });
  return files;
}

/**
 * Joliet names longer than 64 characters (without -joliet-long) are shortened differently: discburn keeps 64
 * characters, xorriso 65, both keeping the extension. Such names become "<shortened>.ext" here once checked.
 */
function shortenedJolietNames(view: string[], limit: number): string[] {
  return view.map((line) => {
    const path = line.slice(line.indexOf("/"));
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (name.length < 64) return line;
    expect(name.length, name).toBeLessThanOrEqual(limit);
    const dot = name.lastIndexOf(".");
    return `${line.slice(0, line.length - name.length)}<shortened>${dot > 0 ? name.slice(dot) : ""}`;
  });
}

/** Rock Ridge view, Joliet view and contents must be the same for both images. */
async function expectSameTrees(ours: string, theirs: string, opts: { joliet: boolean | "long" }): Promise<void> {
  expect(await rockRidgeView(ours)).toEqual(await rockRidgeView(theirs));
  if (opts.joliet) {
    const a = await jolietView(ours);
    const b = await jolietView(theirs);
    if (opts.joliet === "long") expect(a).toEqual(b);
    else expect(shortenedJolietNames(a, 64)).toEqual(shortenedJolietNames(b, 65));
  }
  const a = await contents(ours);
  const b = await contents(theirs);
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  expect(a).toEqual(b);
}

function put(path: string, data: string | Buffer, mode = 0o644): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, data);
  chmodSync(path, mode);
}

/** Every file and directory under `dir` gets the fixed time (symbolic links keep theirs). */
function setTimes(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) setTimes(p);
    if (!st.isSymbolicLink()) utimesSync(p, TIME, TIME);
  }
  utimesSync(dir, TIME, TIME);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "discburn-mkisofs-"));
  src = join(work, "src");
  put(join(src, "readme.txt"), "hello\n");
  put(join(src, "Mixed Case Name.TXT"), "mixed\n");
  put(join(src, `${"long-name-".repeat(9)}end.txt`), "long\n");
  put(join(src, "café ünïcode.txt"), "unicode\n");
  put(join(src, "empty.dat"), "");
  put(join(src, ".hidden"), "dot file\n");
  put(join(src, "bin", "run.sh"), "#!/bin/sh\necho run\n", 0o755);
  put(join(src, "bin", "secret.key"), "secret\n", 0o600);
  put(join(src, "docs", "guide", "chapter one.md"), "# one\n");
  put(join(src, "docs", "guide", "chapter two.md"), "# two\n");
  put(join(src, "docs", "hard.txt"), "hard link\n");
  linkSync(join(src, "docs", "hard.txt"), join(src, "hard-copy.txt"));
  const data = Buffer.alloc(300 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  put(join(src, "data", "blob.bin"), data);
  put(join(src, "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9", "d10", "leaf.txt"), "deep\n");
  mkdirSync(join(src, "empty dir"));
  put(join(src, "cache.tmp"), "excluded by -m\n");
  put(join(src, "skip", "inside.txt"), "excluded by -x\n");
  symlinkSync("readme.txt", join(src, "link-to-readme"));
  symlinkSync("nowhere", join(src, "dangling"));
  symlinkSync("docs", join(src, "docs-link"));
  setTimes(src);
  put(join(work, "dir1", "one.txt"), "dir1 file\n");
  put(join(work, "dir1", "sub", "two.txt"), "dir1 sub file\n");
  put(join(work, "file"), "a single file\n");
  setTimes(join(work, "dir1"));
  utimesSync(join(work, "file"), TIME, TIME);

  // The Debian/Ubuntu installer boot layout: isolinux for BIOS, a FAT image for EFI.
  bootTree = join(work, "tree");
  mkdirSync(join(bootTree, "isolinux"), { recursive: true });
  mkdirSync(join(bootTree, "boot", "grub"), { recursive: true });
  writeFileSync(join(bootTree, "isolinux", "isolinux.bin"), readFileSync(requireFile(ISOLINUX_BIN, "isolinux")));
  writeFileSync(join(bootTree, "isolinux", "ldlinux.c32"), readFileSync(requireFile(LDLINUX, "syslinux-common")));
  writeFileSync(join(bootTree, "isolinux", "isolinux.cfg"), "default linux\n");
  put(join(bootTree, "README.txt"), "installer\n");
  await run(requireToolOf("mformat", "mtools"), [
    "-i",
    join(bootTree, "boot", "grub", "efi.img"),
    "-C",
    "-f",
    "1440",
    "::",
  ]);
  setTimes(bootTree);
});

afterAll(() => {
  if (work) {
    makeWritable(work);
    rmSync(work, { recursive: true, force: true });
  }
});

describe("discburn mkisofs against xorriso -as mkisofs", () => {
  it("-o X -V LABEL -J -R SRC", async () => {
    const { ours, theirs } = await both(["-o", "X", "-V", "LABEL", "-J", "-R", src]);
    await expectSameTrees(ours, theirs, { joliet: true });
    const pvd = await run(requireTool("isoinfo"), ["-d", "-i", ours]);
    expect(pvd.stdout.toString()).toMatch(/Volume id: LABEL/);
  });

  it("volume descriptor identifiers: -V -A -p -publisher -sysid -volset, and the default volume ID", async () => {
    const ids = [
      "-V",
      "Vol 1",
      "-A",
      "My App",
      "-p",
      "Preparer",
      "-publisher",
      "Pub",
      "-sysid",
      "Linux",
      "-volset",
      "Set",
    ];
    const fields = async (img: string) =>
      (await run(requireTool("isoinfo"), ["-d", "-i", img])).stdout
        .toString()
        .split("\n")
        .filter((l) => /^(System|Volume|Volume set|Publisher|Data preparer|Application) id:/.test(l));
    const given = await both(["-o", "X", ...ids, join(work, "dir1")]);
    expect(await fields(given.ours)).toEqual(await fields(given.theirs));
    const defaults = await both(["-o", "X", join(work, "dir1")]);
    const volumeId = async (img: string) => (await fields(img)).find((l) => l.startsWith("Volume id:"));
    expect(await volumeId(defaults.ours)).toBe("Volume id: ISOIMAGE");
    expect(await volumeId(defaults.ours)).toEqual(await volumeId(defaults.theirs));
  });

  it("-o X -r -J -joliet-long SRC", async () => {
    const { ours, theirs } = await both(["-o", "X", "-r", "-J", "-joliet-long", src]);
    await expectSameTrees(ours, theirs, { joliet: "long" });
    // -r: owner root, readable by all, no write bits.
    expect(
      (await rockRidgeView(ours)).filter((l) => !/^(d|-)r-xr-xr-x 0 0 |^-r--r--r-- 0 0 |^l\*{9} 0 0 /.test(l)),
    ).toEqual([]);
  });

  it("-o X -iso-level 1 SRC: same structure and contents, 8.3 names", async () => {
    const { ours, theirs } = await both(["-o", "X", "-iso-level", "1", src]);
    await expectSameTrees(ours, theirs, { joliet: false });
    const a = await iso9660Structure(ours);
    const b = await iso9660Structure(theirs);
    // ISO 9660 names differ between the tools (collision suffixes); the shape of the tree must not.
    expect(a.shape).toEqual(b.shape);
    for (const name of a.names) expect(name).toMatch(/^[A-Z0-9_]{1,8}(\.[A-Z0-9_]{0,3};1)?$/);
  });

  it("-graft-points a/b=dir1 c.txt=file", async () => {
    const { ours, theirs } = await both([
      "-o",
      "X",
      "-J",
      "-R",
      "-graft-points",
      `a/b=${join(work, "dir1")}`,
      `c.txt=${join(work, "file")}`,
    ]);
    await expectSameTrees(ours, theirs, { joliet: true });
    expect(await rockRidgeView(ours)).toContain("-rw-r--r-- 0 0 14 /c.txt");
  });

  it("-path-list with graft points, -m and -x exclusions, -f", async () => {
    const list = join(work, "paths.txt");
    writeFileSync(list, `${src}\nextra/dir=${join(work, "dir1")}\n\nnotes/c.txt=${join(work, "file")}\n`);
    const { ours, theirs } = await both([
      "-o",
      "X",
      "-J",
      "-r",
      "-graft-points",
      // xorriso applies -m/-x only to pathspecs read after them; discburn applies them to all.
      "-m",
      "*.tmp",
      "-x",
      join(src, "skip"),
      "-path-list",
      list,
    ]);
    await expectSameTrees(ours, theirs, { joliet: true });
    const view = await rockRidgeView(ours);
    expect(view.some((l) => l.endsWith("/extra/dir/sub/two.txt"))).toBe(true);
    expect(view.some((l) => /cache\.tmp|\/skip/.test(l))).toBe(false);
    const followed = await both(["-o", "X", "-J", "-R", "-f", "-m", "dangling", src]);
    await expectSameTrees(followed.ours, followed.theirs, { joliet: true });
  });

  it("the Debian/Ubuntu installer boot layout (isolinux + EFI image, isohybrid MBR + GPT)", async () => {
    const { ours, theirs } = await both([
      "-r",
      "-J",
      "-joliet-long",
      "-b",
      "isolinux/isolinux.bin",
      "-c",
      "isolinux/boot.cat",
      "-no-emul-boot",
      "-boot-load-size",
      "4",
      "-boot-info-table",
      "-isohybrid-mbr",
      requireFile(ISOHDPFX, "isolinux"),
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-no-emul-boot",
      "-isohybrid-gpt-basdat",
      "-o",
      "X",
      bootTree,
    ]);
    expect(await rockRidgeView(ours)).toEqual(await rockRidgeView(theirs));
    expect(await jolietView(ours)).toEqual(await jolietView(theirs));
    const ourReport = await bootReport(ours);
    const theirReport = await bootReport(theirs);
    expect(ourReport.elTorito).toEqual(theirReport.elTorito);
    expect(ourReport.elTorito).toContain("img 1 BIOS y none 0x0000 0x00 4");
    expect(ourReport.elTorito).toContain("img 2 UEFI y none 0x0000 0x00 2880");
    expect(ourReport.elTorito).toContain("cat path /isolinux/boot.cat");

    // MBR: the whole image as partition 1 (bootable, type 0x00 next to an EFI partition), the EFI image as
    // partition 2 (type 0xEF) at the EFI boot image's own blocks.
    expect(ourReport.mbr).toEqual(theirReport.mbr);
    expect(ourReport.mbr).toEqual([
      "1 0x80 0x00 image-start whole-image",
      "2 0x00 0xef efi-image 2880",
      "path 2 /boot/grub/efi.img",
    ]);
    // GPT: partition 1 covers the image, partition 2 the EFI image, typed Basic Data and named as xorriso's
    // -isohybrid-gpt-basdat writes it.
    expect(ourReport.gpt).toEqual(theirReport.gpt);
    expect(ourReport.gpt).toEqual([
      "name 1 ISOHybrid",
      "type 1 a2a0d0ebe5b9334487c068b6b72699c7",
      "flags 1 0x1000000000000001",
      "extent 1 image-start gpt-usable",
      "name 2 ISOHybrid1",
      "type 2 a2a0d0ebe5b9334487c068b6b72699c7",
      "flags 2 0x1000000000000001",
      "extent 2 efi-image 2880",
      "path 2 /boot/grub/efi.img",
    ]);

    // Contents: identical except the boot info table's own LBA (bytes 12-15 of isolinux.bin).
    const a = await contents(ours);
    const b = await contents(theirs);
    const patched = "/isolinux/isolinux.bin";
    const catalog = "/isolinux/boot.cat";
    for (const m of [a, b]) {
      expect(m.has(patched)).toBe(true);
      m.delete(patched);
      m.delete(catalog);
    }
    expect(a).toEqual(b);
    for (const [img, report] of [
      [ours, ourReport],
      [theirs, theirReport],
    ] as const) {
      const bytes = readFileSync(img);
      const at = report.biosLba * 2048;
      const original = readFileSync(ISOLINUX_BIN);
      const table = bytes.subarray(at + 8, at + 24);
      expect(table.readUInt32LE(0)).toBe(16);
      expect(table.readUInt32LE(4)).toBe(report.biosLba);
      expect(table.readUInt32LE(8)).toBe(original.length);
      let sum = 0;
      for (let i = 64; i + 4 <= original.length; i += 4) sum = (sum + original.readUInt32LE(i)) >>> 0;
      expect(table.readUInt32LE(12)).toBe(sum);
      expect(bytes.subarray(at + 64, at + original.length).equals(original.subarray(64))).toBe(true);
    }
  });

  it("El Torito defaults: floppy emulation without -no-emul-boot, whole-image load sizes, --efi-boot", async () => {
    const { ours, theirs } = await both([
      "-o",
      "X",
      "-b",
      "boot/grub/efi.img",
      "-eltorito-alt-boot",
      "-e",
      "boot/grub/efi.img",
      "-eltorito-alt-boot",
      "-b",
      "isolinux/isolinux.bin",
      "-no-emul-boot",
      "--efi-boot",
      "isolinux/ldlinux.c32",
      bootTree,
    ]);
    const ourReport = await bootReport(ours);
    expect(ourReport.elTorito).toEqual((await bootReport(theirs)).elTorito);
    expect(ourReport.elTorito).toEqual([
      "img 1 BIOS y fd1.4 0x0000 0x00 1",
      "img 2 UEFI y fd1.4 0x0000 0x00 1",
      "img 3 BIOS y none 0x0000 0x00 76",
      "img 4 UEFI y none 0x0000 0x00 236",
      "path 1 /boot/grub/efi.img",
      "path 2 /boot/grub/efi.img",
      "path 3 /isolinux/isolinux.bin",
      "path 4 /isolinux/ldlinux.c32",
      "cat path /boot.catalog",
    ]);
    expect(await rockRidgeView(ours)).toEqual(await rockRidgeView(theirs));
  });

  it("joined one-letter options and -o - (standard output)", async () => {
    const out = join(work, "stdout.iso");
    const r = await run(process.execPath, [BIN, "mkisofs", "-JR", "-quiet", "-o", "-", src], { stdoutFile: out });
    expect(r.stderr).toBe("");
    const size = await discburn(["mkisofs", "-J", "-R", "-print-size", src]);
    expect(statSync(out).size).toBe(Number(size.stdout.trim()) * 2048);
    const pvd = (await run(requireTool("isoinfo"), ["-d", "-i", out])).stdout.toString();
    expect(pvd).toMatch(/Joliet with UCS level 3 found/);
    expect(pvd).toMatch(/Rock Ridge signatures version 1 found/);
  });

  it("-print-size prints a positive block count and writes nothing", async () => {
    const out = join(work, "never.iso");
    const r = await discburn(["mkisofs", "-print-size", "-J", "-R", "-o", out, src]);
    expect(r.code, r.stderr).toBe(0);
    const blocks = Number(r.stdout.trim());
    expect(blocks).toBeGreaterThan(16);
    expect(existsSync(out)).toBe(false);
    const theirs = await run(requireTool("xorriso"), ["-as", "mkisofs", "-print-size", "-J", "-R", src]);
    expect(Number(theirs.stdout.toString().trim().split("\n").pop())).toBeGreaterThan(16);
    // The printed size is the size of the image the same flags write.
    const built = join(work, "sized.iso");
    expect((await discburn(["mkisofs", "-quiet", "-J", "-R", "-o", built, src])).code).toBe(0);
    expect(statSync(built).size).toBe(blocks * 2048);
  });

  it("refuses unknown and unsupported options with exit code 2 and says what to do", async () => {
    const out = join(work, "refused.iso");
    const hfs = await discburn(["mkisofs", "-o", out, "-hfs", src]);
    expect(hfs.code).toBe(2);
    expect(hfs.stderr).toMatch(/-hfs is not supported: .*HFS/);
    expect(hfs.stderr).toContain("discburn mkisofs -help");
    const unknown = await discburn(["mkisofs", "-o", out, "-no-such-option", src]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option -no-such-option/);
    expect(unknown.stderr).toContain("discburn create --help");
    const date = await discburn(["mkisofs", "-o", out, "--modification-date=2024010100000000", src]);
    expect(date.code).toBe(2);
    expect(date.stderr).toContain("discburn create --date");
    const names = await discburn(["mkisofs", "-o", out, "-N", src]);
    expect(names.code).toBe(2);
    expect(names.stderr).toContain("discburn create --show-names");
    const part = await discburn(["mkisofs", "-o", out, "-efi-boot-part", join(work, "file"), src]);
    expect(part.code).toBe(2);
    expect(part.stderr).toMatch(/cannot append a partition/);
    const offset = await discburn(["mkisofs", "-o", out, "-partition_offset", "16", src]);
    expect(offset.code).toBe(2);
    expect(offset.stderr).toMatch(/-partition_offset 16 is not supported/);
    const charset = await discburn(["mkisofs", "-o", out, "-input-charset", "iso8859-1", src]);
    expect(charset.code).toBe(2);
    expect(charset.stderr).toMatch(/UTF-8 only/);
    const noValue = await discburn(["mkisofs", src, "-o"]);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toMatch(/-o needs a value/);
    expect(existsSync(out)).toBe(false);
    const help = await discburn(["mkisofs", "-help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/-joliet-long[\s\S]*-boot-load-size N\|full[\s\S]*-isohybrid-gpt-basdat/);
  });
});

interface BootReport {
  elTorito: string[];
  mbr: string[];
  gpt: string[];
  biosLba: number;
}

/**
 * xorriso's El Torito and system area reports in terms that do not depend on LBAs: start blocks become
 * "image-start" or "efi-image" (the EFI boot image's own 512-byte blocks), sizes that depend on the image
 * size become "whole-image" (the reported ISO image size) or "gpt-usable" (up to the GPT's last usable block).
 */
async function bootReport(img: string): Promise<BootReport> {
  const r = await run(requireTool("xorriso"), [
    "-indev",
    img,
    "-report_el_torito",
    "plain",
    "-report_system_area",
    "plain",
  ]);
  const lines = r.stdout.toString("utf8").split("\n");
  const field = (name: string) =>
    lines
      .filter((l) => l.includes(":") && l.slice(0, l.indexOf(":")).trim() === name)
      .map((l) =>
        l
          .slice(l.indexOf(":") + 1)
          .trim()
          .split(/\s+/),
      );
  const elTorito: string[] = [];
  let efiLba = -1;
  let biosLba = -1;
  for (const [n, platform, bootable, emulation, segment, hdpt, loadSize, lba] of field("El Torito boot img")) {
    elTorito.push(`img ${n} ${platform} ${bootable} ${emulation} ${segment} ${hdpt} ${loadSize}`);
    if (platform === "UEFI" && efiLba < 0) efiLba = Number(lba);
    if (platform === "BIOS" && biosLba < 0) biosLba = Number(lba);
  }
  for (const [n, path] of field("El Torito img path")) elTorito.push(`path ${n} ${path}`);
  for (const [n, ...opts] of field("El Torito img opts")) elTorito.push(`opts ${n} ${opts.join(" ")}`);
  for (const [path] of field("El Torito cat path")) elTorito.push(`cat path ${path}`);
  const imageSize = Number(field("ISO image size/512")[0]?.[0]);
  const gptRange = field("GPT lba range")[0];
  const gptLastUsable = gptRange ? Number(gptRange[1]) : -1;
  const start = (s: string) => (s === "0" ? "image-start" : Number(s) === efiLba * 4 ? "efi-image" : `block ${s}`);
  const mbr: string[] = [];
  for (const [n, status, type, first, blocks] of field("MBR partition")) {
    mbr.push(`${n} ${status} ${type} ${start(first)} ${Number(blocks) === imageSize ? "whole-image" : blocks}`);
  }
  for (const [n, path] of field("MBR partition path")) mbr.push(`path ${n} ${path}`);
  const gpt: string[] = [];
  const gptEntries = new Map<string, string[]>();
  const addGpt = (n: string, line: string) => gptEntries.set(n, [...(gptEntries.get(n) ?? []), line]);
  const locals = field("GPT partname local");
  for (const [n, ...name] of locals) addGpt(n, `name ${n} ${name.join(" ")}`);
  for (const [n, type] of field("GPT type GUID")) addGpt(n, `type ${n} ${type}`);
  for (const [n, flags] of field("GPT partition flags")) addGpt(n, `flags ${n} ${flags}`);
  for (const [n, first, size] of field("GPT start and size")) {
    // xorriso ends the ISO partition one block before the last usable block, discburn at it.
    const end = Number(first) + Number(size) - 1;
    const toEnd = end === gptLastUsable || end === gptLastUsable - 1;
    addGpt(n, `extent ${n} ${start(first)} ${toEnd ? "gpt-usable" : size}`);
  }
  for (const [n, path] of field("GPT partition path")) addGpt(n, `path ${n} ${path}`);
  for (const n of [...gptEntries.keys()].sort()) gpt.push(...gptEntries.get(n)!);
  return { elTorito, mbr, gpt, biosLba };
}
