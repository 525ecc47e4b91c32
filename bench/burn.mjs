#!/usr/bin/env node
// The burn pipeline's throughput to the software recorder, against copying the same bytes with cp.
//
// Input: a directory holding one large file (default 2 GiB of random bytes, made once) and the image discburn
// builds of it (made once, untimed). Each round, interleaved, on a fresh blank BD-R disc file:
//   burn-image: discburn burn --drive sim:bd-r:DISC IMAGE    (file -> ring buffer -> WRITE(10) -> disc file)
//   burn-tree:  discburn burn --drive sim:bd-r:DISC DIR      (the image built on the fly and burned)
//   create:     discburn create DIR -o OUT                   (the same image to a file: the pipeline's ceiling)
//   cp:         cp IMAGE OUT                                 (the disk's own speed for these bytes)
//   cp+sync:    cp IMAGE OUT && sync OUT                     (the same, flushed as the recorder flushes)
// Medians of wall time and peak RSS (bench/measure.mjs). The fastest drive (16x BD) writes ~72 MB/s.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measure, median } from "./measure.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const DISCBURN_BIN = path.join(BENCH_DIR, "../packages/cli/dist/bin.js");
const { values } = parseArgs({
  options: {
    dir: { type: "string", default: path.join(BENCH_DIR, "corpora") },
    "size-mib": { type: "string", default: "2048" },
    rounds: { type: "string", default: "5" },
  },
});
const sizeMiB = Number(values["size-mib"]);
const rounds = Number(values.rounds);
if (!fs.existsSync(DISCBURN_BIN)) {
  console.error(`${DISCBURN_BIN} is missing: npx tsc -b packages/fsimage packages/mmc packages/cli`);
  process.exit(2);
}

const corpus = path.join(values.dir, `burn-${sizeMiB}m`);
const tree = path.join(corpus, "tree");
const image = path.join(corpus, "image.iso");
const scratch = path.join(corpus, "scratch");
fs.mkdirSync(tree, { recursive: true });
fs.mkdirSync(scratch, { recursive: true });
const big = path.join(tree, "big.bin");
if (!fs.existsSync(big) || fs.statSync(big).size !== sizeMiB * 1048576) {
  console.error(`making ${big} (${sizeMiB} MiB of random bytes)…`);
  const fd = fs.openSync(big, "w");
  const chunk = Buffer.alloc(4 * 1048576);
  for (let i = 0; i < sizeMiB / 4; i++) {
    for (let j = 0; j < chunk.length; j += 4) chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, j);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}
if (!fs.existsSync(image)) {
  const r = await measure([process.execPath, DISCBURN_BIN, "create", tree, "-o", image, "--udf", "-q"]);
  if (r.code !== 0) throw new Error(`create failed: ${r.stderr}`);
}
const imageBytes = fs.statSync(image).size;

const disc = path.join(scratch, "disc.img");
const out = path.join(scratch, "out.iso");
const fresh = () => {
  for (const f of [disc, `${disc}.state.json`, out]) fs.rmSync(f, { force: true });
};
const runs = {
  "burn-image": () => [process.execPath, DISCBURN_BIN, "burn", "--drive", `sim:bd-r:${disc}`, image, "--json"],
  "burn-tree": () => [process.execPath, DISCBURN_BIN, "burn", "--drive", `sim:bd-r:${disc}`, tree, "--json"],
  create: () => [process.execPath, DISCBURN_BIN, "create", tree, "-o", out, "--udf", "-q"],
  cp: () => ["cp", image, out],
  // The recorder flushes the disc file on SYNCHRONIZE CACHE (fsync): cp with the same flush.
  "cp+sync": () => ["sh", "-c", 'cp "$0" "$1" && sync "$1"', image, out],
};
const results = Object.fromEntries(Object.keys(runs).map((k) => [k, { seconds: [], rss: [], writeKBps: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const [name, argv] of Object.entries(runs)) {
    fresh();
    const r = await measure(argv());
    if (r.code !== 0) throw new Error(`${name} failed (${r.code}): ${r.stderr}`);
    results[name].seconds.push(r.seconds);
    results[name].rss.push(r.rssKiB);
    // A burn's own figure for its writing phase (ring buffer to WRITE(10)s), from its --json result line.
    const done = r.stdout.trim().split("\n").at(-1);
    if (name.startsWith("burn")) results[name].writeKBps.push(JSON.parse(done).averageKBps);
  }
}
fresh();
console.log(`image ${(imageBytes / 1e6).toFixed(0)} MB, ${rounds} interleaved rounds, medians`);
console.log("run         seconds   MB/s    peak RSS MiB   (min-max seconds)   writing phase MB/s");
for (const [name, r] of Object.entries(results)) {
  const s = median(r.seconds);
  const range = `${Math.min(...r.seconds).toFixed(2)}-${Math.max(...r.seconds).toFixed(2)}`;
  console.log(
    `${name.padEnd(11)} ${s.toFixed(2).padStart(7)} ${(imageBytes / 1e6 / s).toFixed(0).padStart(6)} ${(median(r.rss) / 1024).toFixed(0).padStart(10)}   (${range})` +
      (r.writeKBps.length > 0 ? `   ${(median(r.writeKBps) / 1000).toFixed(0)}` : ""),
  );
}
