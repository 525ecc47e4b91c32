// Volume descriptor fields as independent readers report them, and a session planned at a non-zero LBA.
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileSystemImage } from "../src/index.js";
import { requirePycdlib, requireTool, run } from "./oracles/tools.js";

const work = mkdtempSync(join(tmpdir(), "discburn-volume-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function build(file: string, sessionStart = 0): Promise<number> {
  const img = new FileSystemImage({
    volumeName: "Backup Ü 2024",
    publisherIdentifier: "ACME PUBLISHING",
    dataPreparerIdentifier: "THE PREPARER",
    applicationIdentifier: "TEST APP",
    systemIdentifier: "TESTSYS",
    volumeSetIdentifier: "SET 1",
    creationTime: new Date(Date.UTC(2024, 0, 31, 12, 34, 56)),
    sessionStart,
  });
  await img.addFile("/dir/hello.txt", new TextEncoder().encode("hello\n"), { mtimeMs: Date.UTC(2023, 5, 1) });
  const result = img.createResultImage();
  if (sessionStart === 0) {
    await result.writeTo(file);
    return result.totalBlocks;
  }
  // A session image: only this session's sectors, to be written at LBA sessionStart.
  const fd = openSync(file, "w");
  for await (const chunk of result.stream()) writeSync(fd, chunk);
  closeSync(fd);
  return result.totalBlocks;
}

describe("volume descriptors", () => {
  it("carry the identifiers and dates as xorriso -pvd_info and isoinfo -d report them", async () => {
    const file = join(work, "ids.iso");
    const blocks = await build(file);
    const pvd = (await run(requireTool("xorriso"), ["-indev", file, "-pvd_info"])).stdout.toString();
    expect(pvd).toMatch(/Volume Id\s*: Backup _ 2024/);
    expect(pvd).toMatch(/Publisher Id\s*: ACME PUBLISHING/);
    expect(pvd).toMatch(/Preparer Id\s*: THE PREPARER/);
    expect(pvd).toMatch(/App Id\s*: TEST APP/);
    expect(pvd).toMatch(/System Id\s*: TESTSYS/);
    expect(pvd).toMatch(/Volume Set Id: SET 1/);
    expect(pvd).toMatch(/Creation Time: 2024013112345600/);
    expect(pvd).toMatch(/Expir\. Time\s*: 0000000000000000/);
    const info = (await run(requireTool("isoinfo"), ["-d", "-i", file])).stdout.toString();
    expect(info).toMatch(/Volume size is: (\d+)/);
    expect(Number(/Volume size is: (\d+)/.exec(info)![1])).toBe(blocks);
    expect(info).toMatch(/Joliet with UCS level 3 found/);
  });

  it("give Joliet the full Unicode volume name (first 16 characters)", async () => {
    const file = join(work, "joliet-label.iso");
    await build(file);
    const py = await requirePycdlib();
    const out = await run(py, [
      "-c",
      "import pycdlib,sys; i=pycdlib.PyCdlib(); i.open(sys.argv[1]); print(i.joliet_vd.volume_identifier.decode('utf-16-be').rstrip())",
      file,
    ]);
    expect(out.stdout.toString().trim()).toBe("Backup Ü 2024");
  });
});

describe("a session planned at a non-zero start", () => {
  it("is read at its start LBA by isoinfo (-N) and, after another tool's first session, by xorriso", async () => {
    const start = 1000;
    const session = join(work, "session.img");
    const blocks = await build(session, start);
    expect(statSync(session).size).toBe(blocks * 2048);
    // The volume space size counts from LBA 0 of the disc to the end of this session.
    expect(
      readFileSync(session)
        .subarray(16 * 2048 + 80, 16 * 2048 + 84)
        .readUInt32LE(0),
    ).toBe(start + blocks);

    // isoinfo -N: the file holds only the session, whose LBAs start at N.
    const isoinfo = requireTool("isoinfo");
    const listing = (await run(isoinfo, ["-N", String(start), "-l", "-i", session])).stdout.toString();
    expect(listing).toMatch(/\s6 .*HELLO\.TXT;1/);
    const hello = (
      await run(isoinfo, ["-N", String(start), "-i", session, "-x", "/DIR/HELLO.TXT;1"])
    ).stdout.toString();
    expect(hello).toBe("hello\n");

    // A disc: a first session written by xorriso at LBA 0, ours at 1000; xorriso loads the session at 1000.
    const xorriso = requireTool("xorriso");
    const first = join(work, "first");
    mkdirSync(first);
    writeFileSync(join(first, "old.txt"), "first session\n");
    const disc = join(work, "disc.img");
    await run(xorriso, ["-as", "mkisofs", "-quiet", "-o", disc, first]);
    expect(statSync(disc).size).toBeLessThanOrEqual(start * 2048);
    const fd = openSync(disc, "r+");
    writeSync(fd, readFileSync(session), 0, blocks * 2048, start * 2048);
    closeSync(fd);
    const lsdl = (
      await run(xorriso, ["-load", "sbsector", String(start), "-indev", disc, "-find", "/", "-exec", "lsdl", "--"])
    ).stdout.toString();
    expect(lsdl).toMatch(/\s6 .*'\/dir\/hello\.txt'/);
    expect(lsdl).not.toMatch(/old\.txt/);
    const out = join(work, "h");
    await run(xorriso, [
      "-load",
      "sbsector",
      String(start),
      "-osirrox",
      "on",
      "-indev",
      disc,
      "-extract",
      "/dir/hello.txt",
      out,
    ]);
    expect(readFileSync(out, "utf8")).toBe("hello\n");
  });
});
