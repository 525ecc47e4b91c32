// A file larger than 4 GiB (ISO 9660 level 3 multi-extent) read back by xorriso and 7z. The 4 GiB source is
// generated while the image is written, so no input of that size has to sit on disk.
import { spawn } from "node:child_process";
import { createHash, type Hash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileSystemImage } from "../src/index.js";
import { ORACLE_ENV, requireTool, run } from "./oracles/tools.js";

const SIZE = 4 * 2 ** 30 + 3 * 2 ** 20 + 123; // past 4 GiB, not a whole number of sectors
const CHUNK = 1 << 20;

/** Deterministic content in which every 2 KiB block carries its own index, so a misplaced extent shows. */
async function* pattern(hash: Hash): AsyncGenerator<Buffer> {
  const buf = Buffer.alloc(CHUNK);
  for (let offset = 0; offset < SIZE; offset += CHUNK) {
    buf.fill((offset / CHUNK) & 0xff);
    for (let b = 0; b < CHUNK; b += 2048) buf.writeUInt32LE((offset + b) / 2048, b);
    const piece = buf.subarray(0, Math.min(CHUNK, SIZE - offset));
    hash.update(piece);
    yield piece;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(path, { highWaterMark: 4 << 20 })) h.update(c as Buffer);
  return h.digest("hex");
}

function sha256OfCommand(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    const child = spawn(cmd, args, { env: { ...process.env, ...ORACLE_ENV }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stdout.on("data", (c: Buffer) => h.update(c));
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(h.digest("hex")) : reject(new Error(`${cmd} exited ${code}: ${err}`)),
    );
  });
}

const work = mkdtempSync(join(tmpdir(), "discburn-large-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("files of 4 GiB and more", () => {
  it(
    "are written as multi-extent ISO 9660 files and split UDF extents that xorriso and 7z read back whole",
    { timeout: 600_000 },
    async () => {
      const xorriso = requireTool("xorriso");
      const sevenZip = requireTool("7z");
      const expected = createHash("sha256");
      // A bridge image: ISO 9660 multi-extent records and UDF allocation descriptors split at 2^30 - 2048 bytes
      // (UDF 2.3.10) point at the same data.
      const img = new FileSystemImage({
        creationTime: new Date(Date.UTC(2024, 0, 1)),
        fileSystems: ["iso9660", "rockridge", "joliet", "udf"],
        udfRevision: "2.50",
      });
      await img.addStream("/big.bin", SIZE, () => pattern(expected));
      await img.addFile("/after.txt", new TextEncoder().encode("after the big file\n"));
      const iso = join(work, "large.iso");
      await img.createResultImage().writeTo(iso);
      const want = expected.digest("hex");

      const listing = (await run(xorriso, ["-indev", iso, "-find", "/", "-exec", "lsdl", "--"])).stdout.toString();
      expect(listing).toMatch(new RegExp(`\\s${SIZE}\\s.*'/big.bin'`));

      const out = join(work, "xorriso-big.bin");
      await run(xorriso, ["-osirrox", "on", "-indev", iso, "-extract", "/big.bin", out], { timeoutMs: 300_000 });
      expect(await sha256OfFile(out)).toBe(want);
      rmSync(out);

      expect(await sha256OfCommand(sevenZip, ["x", "-so", "-tiso", iso, "big.bin"])).toBe(want);
      expect(await sha256OfCommand(sevenZip, ["x", "-so", "-tudf", iso, "big.bin"])).toBe(want);
      const after = (await run(sevenZip, ["x", "-so", iso, "after.txt"])).stdout.toString();
      expect(after).toBe("after the big file\n");
    },
  );
});
