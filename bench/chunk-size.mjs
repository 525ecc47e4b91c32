// Why discburn copies file data through a 64 KiB buffer: copies the large corpus into one output file with
// blocking reads and writes through buffers of several sizes, interleaved with genisoimage on the same files,
// and prints the median wall time of each. Usage: node bench/chunk-size.mjs [corpus-dir] [rounds]
import { execFileSync, execSync } from "node:child_process";
import { closeSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "bench/corpora/large-x1";
const rounds = Number(process.argv[3] ?? 5);
const out = join(dir, "..", "chunk-size.out");
const files = readdirSync(dir, { recursive: true })
  .map((f) => join(dir, String(f)))
  .filter((f) => statSync(f).isFile());

function copyThrough(bytes) {
  const fd = openSync(out, "w");
  const buf = Buffer.allocUnsafe(bytes);
  for (const f of files) {
    const src = openSync(f, "r");
    for (let pos = 0; ; ) {
      const n = readSync(src, buf, 0, bytes, pos);
      if (n === 0) break;
      writeSync(fd, buf, 0, n);
      pos += n;
    }
    closeSync(src);
  }
  closeSync(fd);
}

const variants = {
  "32 KiB": () => copyThrough(32 << 10),
  "64 KiB": () => copyThrough(64 << 10),
  "128 KiB": () => copyThrough(128 << 10),
  "256 KiB": () => copyThrough(256 << 10),
  "4 MiB": () => copyThrough(4 << 20),
  genisoimage: () => execFileSync("genisoimage", ["-quiet", "-o", out, dir]),
};
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(variants)) {
    execSync(`rm -f ${JSON.stringify(out)}; sync`);
    const t = performance.now();
    run();
    times[name].push((performance.now() - t) / 1000);
  }
}
unlinkSync(out);
console.log(`| copy through | median s | min–max s |\n| --- | --: | --: |`);
for (const [name, list] of Object.entries(times)) {
  const sorted = [...list].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)];
  console.log(`| ${name} | ${med.toFixed(3)} | ${sorted[0].toFixed(3)}–${sorted.at(-1).toFixed(3)} |`);
}
