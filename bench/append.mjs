#!/usr/bin/env node
// Importing a large tree and appending a small session to it: discburn against xorriso on the same image.
//
// The base image is the "small" corpus of bench/run.mjs (100,000 files in 2,000 directories) made once by
// xorriso -as mkisofs -R -J, so both tools read the same foreign image. Each round, interleaved:
//   import: discburn (bench/import-tree.mjs: importFileSystem of the Rock Ridge tree, the step
//           AppendSession.open takes) against `xorriso -indev base.iso` (which loads the whole tree);
//   append: a fresh copy of the base image (untimed), then `discburn append COPY --graft-points
//           /added=SESSION` against `xorriso -dev COPY -map SESSION /added -commit` (both grow the file in
//           place), where SESSION is 20 files of 10 KiB.
// Medians of wall time and peak RSS, measured as in run.mjs (bench/measure.mjs).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { measure, median } from "./measure.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const DISCBURN_BIN = path.join(BENCH_DIR, "../packages/cli/dist/bin.js");
const IMPORT_TREE = path.join(BENCH_DIR, "import-tree.mjs");

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: path.join(BENCH_DIR, "corpora") },
    corpus: { type: "string" },
    rounds: { type: "string", default: "5" },
    out: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const corpus = values.corpus ?? path.join(values.dir, "small-x1");
if (!fs.existsSync(corpus)) {
  console.error(`${corpus} is missing: node bench/run.mjs --generate-only --corpora small --dir ${values.dir}`);
  process.exit(2);
}
if (!fs.existsSync(DISCBURN_BIN)) {
  console.error(`${DISCBURN_BIN} is missing: npx tsc -b packages/fsimage packages/mmc packages/cli`);
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(values.dir, "append-"));
const base = path.join(work, "base.iso");
const copy = path.join(work, "copy.iso");
const session = path.join(work, "session");
fs.mkdirSync(session);
for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(session, `new-${i}.bin`), Buffer.alloc(10_240, i));

const made = spawnSync("xorriso", ["-as", "mkisofs", "-R", "-J", "-joliet-long", "-quiet", "-o", base, corpus]);
if (made.status !== 0) throw new Error(`xorriso could not make the base image: ${made.stderr}`);
const baseBytes = fs.statSync(base).size;

const tasks = {
  "import discburn": () => [process.execPath, IMPORT_TREE, base],
  "import xorriso": () => ["xorriso", "-abort_on", "FAILURE", "-indev", base],
  "append discburn": () => [
    process.execPath,
    DISCBURN_BIN,
    "append",
    copy,
    "--graft-points",
    `/added=${session}`,
    "-q",
  ],
  "append xorriso": () => ["xorriso", "-abort_on", "FAILURE", "-dev", copy, "-map", session, "/added", "-commit"],
};
const results = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
const names = Object.keys(tasks);
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length];
    if (name.startsWith("append")) {
      fs.copyFileSync(base, copy);
      spawnSync("sync");
    }
    const r = await measure(tasks[name]());
    if (r.code !== 0) throw new Error(`${name} failed (${r.code}): ${r.stderr}`);
    const grownBytes = name.startsWith("append") ? fs.statSync(copy).size - baseBytes : 0;
    results[name].push({ ...r, grownBytes });
    console.error(
      `round ${round + 1}/${rounds} ${name}: ${r.seconds.toFixed(3)} s, ${(r.rssKiB / 1024).toFixed(1)} MiB RSS` +
        (grownBytes ? `, image grew ${(grownBytes / 1024).toFixed(0)} KiB` : ""),
    );
  }
}
fs.rmSync(work, { recursive: true, force: true });

const row = (name) => {
  const r = results[name];
  const grown = median(r.map((x) => x.grownBytes));
  return `| ${name} | ${median(r.map((x) => x.seconds)).toFixed(3)} | ${(median(r.map((x) => x.rssKiB)) / 1024).toFixed(1)} | ${grown ? (grown / 1024).toFixed(0) : ""} |`;
};
const ratio = (a, b) =>
  (median(results[a].map((x) => x.seconds)) / median(results[b].map((x) => x.seconds))).toFixed(2);
const md = [
  `### Import and append, ${new Date().toISOString().slice(0, 10)} (${rounds} rounds, medians)`,
  "",
  `Base image: ${path.basename(corpus)} by xorriso -R -J, ${(baseBytes / 1048576).toFixed(1)} MiB; session: 20 files of 10 KiB.`,
  "",
  "| task | seconds | peak RSS MiB | image grew KiB |",
  "| --- | ---: | ---: | ---: |",
  ...names.map(row),
  "",
  `discburn/xorriso time ratio: import ${ratio("import discburn", "import xorriso")}, append ${ratio("append discburn", "append xorriso")}.`,
  "",
].join("\n");
process.stdout.write(`${md}\n`);
if (values.out) fs.appendFileSync(values.out, `\n${md}`);
