#!/usr/bin/env node
// discburn benchmark harness.
//
// Plain Node ESM with no dependencies, so it runs without a build step (the
// discburn CLI itself must be built: packages/cli/dist/bin.js).
//
// Method, in short (bench/README.md has the long version):
//   1. Generate deterministic corpora (seeded PRNG) under --dir, or reuse them
//      when their manifest matches (same generator version, corpus, scale, seed).
//   2. Warm the page cache by reading every corpus file once (untimed).
//   3. Run every selected tool once per round, round-robin, for --rounds rounds;
//      the starting tool rotates each round so no tool always follows another.
//      Each run is wrapped in a tiny python3 program that reports the peak RSS
//      of the largest child (getrusage(RUSAGE_CHILDREN).ru_maxrss); the wall
//      time is process.hrtime around the spawn of that wrapper (its ~10-20 ms
//      start-up is measured and reported, not subtracted).
//   4. After each run: check exit code 0, record the image size, delete the
//      image and `sync` (untimed), so one run's write-back does not land in the
//      next run's timing.
//   5. Print Markdown tables (medians) and optionally append them to --out.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CHILD_ENV, measure, median, PYTHON } from "./measure.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, "..");
const DISCBURN_BIN = path.join(REPO_ROOT, "packages/cli/dist/bin.js");

// Bump when the corpus generator changes, so stale corpora are regenerated.
const GENERATOR_VERSION = 1;
const SEED = 0x5eed_d15c;

const MiB = 1024 * 1024;
const KiB = 1024;

// Limits the generated names respect (see README "Corpora"):
// - at most 100 UTF-16 code units per name, all in the BMP, so Joliet's 103
//   UCS-2 character limit (-joliet-long) never truncates two names to the same
//   103-character prefix (genisoimage aborts the image on that);
// - names in a directory differ within their first 103 UTF-8 bytes (see
//   GENISOIMAGE_JLEN below);
// - at most 240 UTF-8 bytes per name (ext4 allows 255);
// - at most 230 characters per relative path (a margin: Windows' MAX_PATH is
//   260; xorriso 1.5.4 and genisoimage 1.1.11 accepted longer Joliet paths);
// - at most 6 directory levels below the corpus root: genisoimage without
//   Rock Ridge silently leaves out deeper directories ("Directories too deep
//   ... ignored - continuing", exit code 0), which would make it look faster.
const NAME_MAX_CHARS = 100;
const NAME_MAX_BYTES = 240;
const PATH_MAX_CHARS = 230;
const DIR_PATH_MAX_CHARS = 170;
const MAX_DEPTH = 6;

// ---------------------------------------------------------------------------
// Command line

const USAGE = `Usage: node bench/run.mjs [options]

Options:
  --dir DIR        where corpora and temporary images live (default bench/corpora)
  --scale F        scale file counts and sizes (default 1; 0.01 = quick smoke run)
  --rounds N       timed rounds; each round runs every tool once (default 5)
  --tools LIST     comma-separated subset of: discburn,xorriso,genisoimage,bound,
                   discburn-udf,genisoimage-udf,discburn-udf-only
  --corpora LIST   comma-separated subset of: large,small,mixed
  --out FILE       append a dated Markdown section to FILE (e.g. bench/RESULTS.md)
  --generate-only  generate (or verify) the corpora and exit
  -h, --help       show this help
`;

// The bridge configurations (ISO 9660 + Joliet + Rock Ridge + UDF 1.02) compare discburn --udf with genisoimage
// -J -R -udf; "discburn-udf-only" writes a UDF-only image of the same corpus.
const ALL_TOOLS = [
  "discburn",
  "xorriso",
  "genisoimage",
  "bound",
  "discburn-udf",
  "genisoimage-udf",
  "discburn-udf-only",
];
const ALL_CORPORA = ["large", "small", "mixed"];

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: "string", default: path.join(BENCH_DIR, "corpora") },
        scale: { type: "string", default: "1" },
        rounds: { type: "string", default: "5" },
        tools: { type: "string", default: ALL_TOOLS.join(",") },
        corpora: { type: "string", default: ALL_CORPORA.join(",") },
        out: { type: "string" },
        "generate-only": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${err.message}\n\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10)
    fail(`--scale must be a number in (0, 10], got ${values.scale}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) fail(`--rounds must be a positive integer, got ${values.rounds}`);
  const list = (text, allowed, what) => {
    const items = text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items)
      if (!allowed.includes(item)) fail(`unknown ${what} "${item}" (known: ${allowed.join(", ")})`);
    if (items.length === 0) fail(`--${what === "tool" ? "tools" : "corpora"} is empty`);
    // Keep the canonical order regardless of the order given.
    return allowed.filter((a) => items.includes(a));
  };
  return {
    dir: path.resolve(values.dir),
    scale,
    rounds,
    tools: list(values.tools, ALL_TOOLS, "tool"),
    corpora: list(values.corpora, ALL_CORPORA, "corpus"),
    out: values.out ? path.resolve(values.out) : undefined,
    generateOnly: values["generate-only"],
  };
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------------------
// Deterministic randomness

// splitmix32 seeds sfc32; sfc32 drives every structural decision (names,
// sizes, tree shape). Bulk file content comes from xorshift32 (fillRandom),
// which is fast enough to fill gigabytes in a few seconds.
function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Rng {
  constructor(seed) {
    const sm = splitmix32(seed);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    for (let i = 0; i < 12; i++) this.u32();
  }
  /** sfc32: a uniformly distributed unsigned 32-bit integer. */
  u32() {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  float() {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n) {
    return Math.floor(this.float() * n);
  }
  /** Uniform integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.float() < p;
  }
  pick(items) {
    return items[this.int(items.length)];
  }
  /** Log-uniform integer in [lo, hi]: as many values per decade. */
  logUniform(lo, hi) {
    return Math.min(hi, Math.floor(Math.exp(Math.log(lo) + this.float() * (Math.log(hi + 1) - Math.log(lo)))));
  }
}

/** Fill a Uint32Array with xorshift32 output; returns the next state. */
function fillRandom(words, state) {
  let x = state | 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return x;
}

/** Write `size` bytes of xorshift32 output (seeded with `seed`) to `file`. */
function writeRandomFile(file, size, seed, scratch) {
  const fd = fs.openSync(file, "w");
  try {
    const words = new Uint32Array(scratch.buffer, scratch.byteOffset, scratch.length >>> 2);
    let state = seed | 0 || 1;
    let left = size;
    while (left > 0) {
      state = fillRandom(words, state);
      const n = Math.min(left, scratch.length);
      let off = 0;
      while (off < n) off += fs.writeSync(fd, scratch, off, n - off);
      left -= n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------
// Name material. Everything here is in the Basic Multilingual Plane and is
// plain text (valid UTF-8 once written). Characters Joliet forbids
// (* / : ; ? \) and the Windows-reserved " < > | are never used, so no tool
// has to replace characters (which could make two Joliet names collide).

const ASCII_WORDS = (
  "report final draft version project data image photo backup notes meeting summary quarterly northern " +
  "invoice budget archive holiday family music track album chapter lecture slides thesis appendix figure " +
  "table results analysis config settings install setup readme license changelog release candidate build " +
  "debug test sample example template document letter contract scan receipt travel itinerary recipe " +
  "kitchen garden house renovation plan estimate client customer supplier order delivery shipping export " +
  "import catalog inventory season episode trailer interview transcript minutes agenda proposal review"
).split(" ");

const ACCENTED_WORDS = (
  "café résumé naïve façade Größe Übersicht Ärger São_Paulo Málaga Kraków Łódź Ærøskøbing smörgåsbord " +
  "jalapeño crème_brûlée Ñandú über déjà_vu Zürich Český_Krumlov Dvořák İstanbul Gümüşhane Þórsmörk " +
  "fjörður Señor Ångström Besançon Québec Ålesund Škoda Żółć Eñe Straße Fußgänger Æbleskiver Øresund"
).split(" ");

const CJK_WORDS = (
  "文档 报告 会议记录 照片 数据 项目 最终版 备份 日本語 ファイル テスト 写真 東京 大阪 旅行 資料 " +
  "한국어 파일 사진 보고서 서울 여행 계획 音乐 专辑 第一章 説明書 設定 新しいフォルダー 名前 年度"
).split(" ");

const CYRILLIC_WORDS = (
  "Документ отчёт Фотографии Проект данные резервная_копия Москва Київ Ёжик щука Беларусь Приложение " +
  "Счёт Договор Сводка Отпуск Музыка Глава Ъ_знак Їжак Ґанок Љубљана Њива Џеп"
).split(" ");

const OTHER_WORDS = (
  "Αρχείο έγγραφο Ελλάδα φωτογραφία Σημειώσεις שלום קובץ ملف تقرير ไฟล์ รายงาน फ़ाइल रिपोर्ट " +
  "Ünïcödé ½_price ©2024 €uro 25°C ±5% §3 ¶ ™ Ｆｕｌｌｗｉｄｔｈ ｶﾀｶﾅ ᐊᐃᐅ Ⅻ ∑∆ ♪♫"
).split(" ");

const EXTENSIONS = [
  ".txt",
  ".TXT",
  ".md",
  ".c",
  ".h",
  ".json",
  ".jpg",
  ".JPG",
  ".jpeg",
  ".png",
  ".pdf",
  ".docx",
  ".tar.gz",
  ".html",
  ".log",
  ".csv",
  "",
  ".conf",
  ".xml",
  ".backup.old",
  ".1",
];

const SEPARATORS = [" ", "_", "-", ".", " - ", ""];

const utf8Length = (s) => Buffer.byteLength(s, "utf8");

/**
 * The final check every generated name passes. Case mapping can change a
 * name's length (ß -> SS, İ -> i + combining dot), so variants are checked too.
 */
function nameOk(name, maxChars) {
  return (
    name.length > 0 &&
    name !== "." &&
    name !== ".." &&
    name.length <= Math.min(maxChars, NAME_MAX_CHARS) &&
    utf8Length(name) <= NAME_MAX_BYTES &&
    !/[\u0000-\u001f*/:;?\\"<>|]/.test(name)
  );
}

/**
 * Trim a name to the character/byte limits, keeping the extension when it
 * fits, and without leading/trailing spaces or trailing dots.
 */
function clampName(stem, ext, maxChars) {
  const limit = Math.min(maxChars, NAME_MAX_CHARS);
  if (ext.length > limit / 2) ext = "";
  let s = stem;
  const fits = () => s.length + ext.length <= limit && utf8Length(s + ext) <= NAME_MAX_BYTES;
  while (!fits() && s.length > 1) s = s.slice(0, -1);
  s = s.replace(/^[ ]+/, "").replace(/[ .]+$/, "");
  if (s.length === 0) s = "x";
  const name = s + ext;
  return name.replace(/[ ]+$/, "");
}

function joinWords(rng, words, targetChars) {
  const sep = rng.pick(SEPARATORS);
  let s = rng.pick(words);
  while (s.length < targetChars) s += sep + rng.pick(words);
  return s;
}

/** A single name in one of several styles (short, long, Unicode, odd). */
function randomStem(rng, maxChars) {
  const r = rng.float();
  if (r < 0.3) {
    // Short ASCII: notes_12, Backup, IMG_4711
    const w = rng.pick(ASCII_WORDS);
    return rng.pick([w, `${w}_${rng.int(100)}`, `${w}${rng.int(10)}`, `IMG_${rng.range(1000, 9999)}`, w.toUpperCase()]);
  }
  if (r < 0.45) {
    // Long descriptive ASCII (40-100 characters).
    return joinWords(rng, ASCII_WORDS, rng.range(40, Math.max(40, maxChars)));
  }
  if (r < 0.57)
    return joinWords(rng, rng.chance(0.5) ? ACCENTED_WORDS : [...ACCENTED_WORDS, ...ASCII_WORDS], rng.range(5, 70));
  if (r < 0.67) return joinWords(rng, CJK_WORDS, rng.range(2, 40));
  if (r < 0.77) return joinWords(rng, CYRILLIC_WORDS, rng.range(5, 80));
  if (r < 0.83) return joinWords(rng, OTHER_WORDS, rng.range(3, 40));
  if (r < 0.92) {
    // Odd but legal punctuation and shapes.
    const w = rng.pick(ASCII_WORDS);
    const w2 = rng.pick(ASCII_WORDS);
    return rng.pick([
      `.${w}`,
      `${w}~`,
      `#${w}#`,
      `[${w}]`,
      `(${w})`,
      `${w} (copy)`,
      `${w} - Copy (2)`,
      "a+b=c",
      `100% ${w}`,
      `it's ${w}`,
      `${w}  ${w2}`,
      `-${w}`,
      `@${w}`,
      `!${w}!`,
      `$${w}`,
      `&${w}`,
      `{${w}}`,
      `^${w}`,
      `${w},${w2}`,
      `..${w}`,
      `${w}..${w2}`,
      "x",
      "_",
      String(rng.int(10000)).padStart(4, "0"),
    ]);
  }
  // Mixed scripts in one name.
  return [
    rng.pick(ASCII_WORDS),
    rng.pick(ACCENTED_WORDS),
    rng.pick(CJK_WORDS),
    rng.pick(CYRILLIC_WORDS),
    rng.pick(OTHER_WORDS),
  ]
    .slice(0, rng.range(2, 5))
    .join(rng.pick(SEPARATORS));
}

// genisoimage's Joliet duplicate check is strncmp(a, b, 103) on the raw
// UTF-8 names, not a comparison of the UCS-2 names: two different non-ASCII
// names that share their first 103 UTF-8 *bytes* (e.g. 52 Cyrillic letters)
// abort the image with "have the same Joliet name", although both fit in 103
// UCS-2 characters. Names in one directory are therefore kept unique in their
// first 103 UTF-8 bytes, which also makes them unique as exact names.
const GENISOIMAGE_JLEN = 103;

function newDirEntry(rel, depth) {
  return { rel, depth, keys: new Set(), subdirs: [] };
}

/** Reserve `name` in directory `dir`; false if it (or its key) is taken. */
function claimName(dir, name) {
  const key = Buffer.from(name, "utf8").subarray(0, GENISOIMAGE_JLEN).toString("latin1");
  if (dir.keys.has(key)) return false;
  dir.keys.add(key);
  return true;
}

/** Swap letter case in a few ways: README.txt -> readme.TXT, ReadMe.txt, ... */
function caseVariants(name) {
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : "";
  const title = (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  return [
    name,
    stem.toLowerCase() + ext.toUpperCase(),
    stem.toUpperCase() + ext.toLowerCase(),
    title(stem) + ext.toLowerCase(),
    name.toLowerCase(),
    name.toUpperCase(),
  ];
}

/**
 * Names for `count` files of one directory. Besides single names it emits
 * collision groups: case twins (README.txt / readme.TXT) and long names that
 * share their first 30+ characters (so ISO 9660 level-1/2 names collide and
 * must be mangled), plus 8.3 twins (document1.txt / document2.txt) that
 * arise naturally from the styles above.
 */
function fileNames(rng, count, maxChars, dir) {
  const names = [];
  const add = (name) => {
    if (!nameOk(name, maxChars) || !claimName(dir, name)) return false;
    names.push(name);
    return true;
  };
  let attempts = 0;
  while (names.length < count && attempts < count * 50) {
    attempts++;
    const r = rng.float();
    if (r < 0.04) {
      // Case twins.
      const base = rng.pick([
        "README.txt",
        "Makefile",
        "index.html",
        "Config.json",
        "photo.JPG",
        "Notes.md",
        `${rng.pick(ASCII_WORDS)}${rng.pick(EXTENSIONS)}`,
        `${rng.pick(ACCENTED_WORDS)}.txt`,
        `${rng.pick(CYRILLIC_WORDS)}.txt`,
      ]);
      const variants = [...new Set(caseVariants(clampName(base, "", maxChars)))];
      const k = rng.range(2, Math.min(4, variants.length));
      for (let i = 0; i < k && names.length < count; i++) add(variants[i]);
    } else if (r < 0.08) {
      // Long names sharing a 30+ character prefix. The shared part stays within
      // 95 UTF-8 bytes so the names still differ in their first 103 bytes.
      let prefix = joinWords(
        rng,
        rng.pick([ASCII_WORDS, ASCII_WORDS, CYRILLIC_WORDS, ACCENTED_WORDS]),
        rng.range(32, 60),
      );
      while (utf8Length(prefix) > 95) prefix = prefix.slice(0, -1);
      const ext = rng.pick(EXTENSIONS);
      const k = rng.range(2, 6);
      for (let i = 1; i <= k && names.length < count; i++) {
        const suffix = rng.pick([` - part ${i}`, `_${String(i).padStart(3, "0")}`, ` (${rng.pick(ASCII_WORDS)})`]);
        const name = clampName(
          prefix.slice(0, Math.max(30, maxChars - suffix.length - ext.length)) + suffix,
          ext,
          maxChars,
        );
        add(name);
      }
    } else {
      add(clampName(randomStem(rng, maxChars), rng.pick(EXTENSIONS), maxChars));
    }
  }
  if (names.length < count) throw new Error(`could not generate ${count} unique names`);
  return names;
}

// ---------------------------------------------------------------------------
// Corpus generation

function corpusDir(opts, name) {
  return path.join(opts.dir, `${name}-x${opts.scale}`);
}

function manifestPath(dir) {
  // Beside the corpus, not inside it, so it never ends up in an image.
  return `${dir}.manifest.json`;
}

/** Generate a corpus unless a matching manifest says it already exists. */
function ensureCorpus(opts, name) {
  const dir = corpusDir(opts, name);
  const key = { generator: GENERATOR_VERSION, corpus: name, scale: opts.scale, seed: SEED };
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath(dir), "utf8"));
    if (Object.entries(key).every(([k, v]) => manifest[k] === v) && fs.statSync(dir).isDirectory()) {
      log(`corpus ${name}: reusing ${dir} (${describeCorpus(manifest)})`);
      return { ...manifest, dir };
    }
  } catch {
    // No manifest or no directory: generate.
  }
  fs.rmSync(manifestPath(dir), { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  log(`corpus ${name}: generating ${dir} ...`);
  const started = process.hrtime.bigint();
  const stats = GENERATORS[name](dir, opts.scale, new Rng(SEED ^ hashString(name)));
  spawnSync("sync", { stdio: "ignore" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const manifest = { ...key, ...stats, generatedAt: new Date().toISOString() };
  fs.writeFileSync(manifestPath(dir), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`corpus ${name}: generated in ${seconds.toFixed(1)} s (${describeCorpus(manifest)})`);
  return { ...manifest, dir };
}

function describeCorpus(m) {
  const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "y" : "ies"}`;
  return `${m.files.toLocaleString("en-US")} files in ${plural(m.dirs, "director")}, ${fmtMiB(m.bytes)} MiB of data`;
}

function hashString(s) {
  let h = 0x811c9dc5;
  for (const ch of s) h = Math.imul(h ^ ch.codePointAt(0), 0x01000193) >>> 0;
  return h;
}

/** "large": 2 x 768 MiB + 4 x 128 MiB of incompressible data (x scale). */
function generateLarge(dir, scale, rng) {
  const scratch = Buffer.alloc(4 * MiB);
  const plan = [
    ["disk-image-a.raw", 768 * MiB],
    ["disk-image-b.raw", 768 * MiB],
    ["parts/part-01.bin", 128 * MiB],
    ["parts/part-02.bin", 128 * MiB],
    ["parts/part-03.bin", 128 * MiB],
    ["parts/part-04.bin", 128 * MiB],
  ];
  fs.mkdirSync(path.join(dir, "parts"));
  let bytes = 0;
  for (const [rel, fullSize] of plan) {
    const size = Math.floor(fullSize * scale);
    writeRandomFile(path.join(dir, rel), size, rng.u32(), scratch);
    bytes += size;
  }
  return { files: plan.length, dirs: 1, bytes };
}

/**
 * "small": 100,000 files of 0-16 KiB (skewed small) in ~2,000 directories
 * nested up to 6 levels, with long, Unicode and ISO-colliding names (x scale
 * for the counts; file sizes do not scale).
 */
function generateSmall(dir, scale, rng) {
  const fileCount = Math.max(10, Math.round(100_000 * scale));
  const dirCount = Math.max(3, Math.round(2_000 * scale));

  // Directory tree. dirs[0] is the corpus root. A 6-deep chain comes first so
  // even small scales exercise the maximum depth; other directories get a
  // random parent among those not yet at the maximum depth.
  const dirs = [newDirEntry("", 0)];
  const newDir = (parent) => {
    const budget = Math.min(
      parent.depth <= 1 && rng.chance(0.05) ? 60 : 30,
      DIR_PATH_MAX_CHARS - parent.rel.length - 1,
    );
    for (;;) {
      let name;
      const siblings = parent.subdirs;
      if (siblings.length > 0 && rng.chance(0.03)) {
        // A case twin of a sibling (Docs / docs).
        name = rng.pick(caseVariants(rng.pick(siblings)));
      } else {
        name = clampName(randomStem(rng, budget), "", budget);
      }
      if (!nameOk(name, budget) || !claimName(parent, name)) continue;
      parent.subdirs.push(name);
      const d = newDirEntry(parent.rel ? `${parent.rel}/${name}` : name, parent.depth + 1);
      dirs.push(d);
      return d;
    }
  };
  let chain = dirs[0];
  for (let i = 0; i < MAX_DEPTH && dirs.length < dirCount + 1; i++) chain = newDir(chain);
  while (dirs.length < dirCount + 1) {
    let parent;
    do parent = dirs[rng.int(dirs.length)];
    while (parent.depth >= MAX_DEPTH || parent.rel.length > DIR_PATH_MAX_CHARS - 10);
    newDir(parent);
  }
  for (const d of dirs) if (d.rel) fs.mkdirSync(path.join(dir, d.rel));

  // Files per directory: heavy-tailed weights (a few crowded directories, many
  // sparse ones), then a multinomial draw.
  const cumulative = [];
  let total = 0;
  for (let i = 0; i < dirs.length; i++) {
    total += Math.max(0.001, rng.float()) ** -0.6;
    cumulative.push(total);
  }
  const counts = new Array(dirs.length).fill(0);
  for (let i = 0; i < fileCount; i++) {
    const x = rng.float() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]++;
  }

  // Content comes from a 1 MiB pool of random bytes (slices at random offsets).
  const pool = Buffer.alloc(MiB);
  fillRandom(new Uint32Array(pool.buffer, pool.byteOffset, pool.length >>> 2), rng.u32());
  let bytes = 0;
  for (let i = 0; i < dirs.length; i++) {
    const d = dirs[i];
    const maxChars = PATH_MAX_CHARS - (d.rel ? d.rel.length + 1 : 0);
    for (const name of fileNames(rng, counts[i], maxChars, d)) {
      const r = rng.float();
      let size;
      if (r < 0.02) size = 0;
      else if (r < 0.03) size = 2048;
      else if (r < 0.04) size = 4096;
      else size = Math.min(16 * KiB, 1 + Math.floor(16 * KiB * rng.float() ** 3.5));
      const off = rng.int(pool.length - size + 1);
      fs.writeFileSync(path.join(dir, d.rel, name), pool.subarray(off, off + size));
      bytes += size;
    }
  }
  return { files: fileCount, dirs: dirs.length - 1, bytes };
}

/**
 * "mixed": a ~1 GiB distribution-like tree of ~20,000 files: mostly small
 * text-like files (docs, headers, sources, man pages, translations, icons),
 * medium 100 KiB-5 MiB binaries filling the byte budget, and four 50-200 MiB
 * images (x scale for counts and for the large files' sizes).
 */
function generateMixed(dir, scale, rng) {
  const budget = Math.floor(1024 * MiB * scale);
  const smallCount = Math.max(20, Math.round(19_500 * scale));

  const scratch = Buffer.alloc(4 * MiB);
  const binPool = Buffer.alloc(MiB);
  fillRandom(new Uint32Array(binPool.buffer, binPool.byteOffset, binPool.length >>> 2), rng.u32());
  // Text pool: lines of words, like source code, docs and changelogs.
  const lines = [];
  let textLen = 0;
  while (textLen < MiB) {
    const indent = " ".repeat(rng.pick([0, 0, 2, 4, 8]));
    const words = [];
    for (let i = rng.range(1, 14); i > 0; i--) words.push(rng.pick(rng.chance(0.9) ? ASCII_WORDS : ACCENTED_WORDS));
    const line = `${indent}${words.join(rng.pick([" ", " ", "_", ", "]))}${rng.pick(["", ";", ".", " {", "}", ":"])}\n`;
    lines.push(line);
    textLen += utf8Length(line);
  }
  const textPool = Buffer.from(lines.join(""), "utf8");

  const made = new Set();
  const files = new Set();
  let bytes = 0;
  const ensureDir = (rel) => {
    if (!rel || made.has(rel)) return;
    ensureDir(path.posix.dirname(rel) === "." ? "" : path.posix.dirname(rel));
    fs.mkdirSync(path.join(dir, rel));
    made.add(rel);
  };
  const place = (rel) => {
    if (files.has(rel) || made.has(rel)) return false;
    const parent = path.posix.dirname(rel);
    // A file must not take a name some directory needs, and vice versa.
    for (let p = parent; p !== "."; p = path.posix.dirname(p)) if (files.has(p)) return false;
    ensureDir(parent === "." ? "" : parent);
    files.add(rel);
    return true;
  };
  const writeSlice = (rel, pool, size) => {
    const off = rng.int(pool.length - size + 1);
    fs.writeFileSync(path.join(dir, rel), pool.subarray(off, off + size));
    bytes += size;
  };

  const packages = [];
  const pkgNames = new Set();
  for (let i = Math.max(3, Math.round(250 * scale)); i > 0; i--) {
    let name;
    do
      name = rng.pick([
        `lib${rng.pick(ASCII_WORDS)}${rng.int(4) || ""}`,
        `python3-${rng.pick(ASCII_WORDS)}`,
        `${rng.pick(ASCII_WORDS)}-${rng.pick(ASCII_WORDS)}`,
        rng.pick(ASCII_WORDS),
        `gir1.2-${rng.pick(ASCII_WORDS)}-${rng.range(1, 4)}.0`,
      ]);
    while (pkgNames.has(name));
    pkgNames.add(name);
    // Each package has a handful of source directories, 0-3 levels deep.
    const srcDirs = [""];
    for (let k = rng.range(1, 5); k > 0; k--) {
      const depth = rng.range(1, 3);
      const sub = [];
      for (let j = 0; j < depth; j++) sub.push(rng.pick(["src", "tests", "docs", "lib", "internal", "util"]));
      srcDirs.push(sub.join("/"));
    }
    packages.push({ name, version: `${rng.range(0, 9)}.${rng.range(0, 30)}.${rng.range(0, 12)}`, srcDirs });
  }
  const langs = ["de", "fr", "es", "pt_BR", "ru", "uk", "zh_CN", "zh_TW", "ja", "ko", "el", "he", "ar", "hi", "th"];
  const sourceExts = [".c", ".h", ".py", ".js", ".rs", ".go", ".sh", ".txt", ".md", ".json", ".yaml"];

  // Small files: text-like unless the kind is binary (.gz, .mo, .png).
  for (let placed = 0; placed < smallCount; ) {
    const pkg = rng.pick(packages);
    const w = rng.pick(ASCII_WORDS);
    const kind = rng.float();
    let rel;
    let binary = false;
    if (kind < 0.15) {
      rel = `share/doc/${pkg.name}/${rng.pick(["README", "NEWS", "copyright", "AUTHORS", "TODO", "CONTRIBUTING.md", "README.Debian", "changelog.Debian.gz", `README.${rng.pick(langs)}.md`, "LISEZMOI.txt", "ЧИТАЙМЕНЯ.txt", "説明書.txt"])}`;
      binary = rel.endsWith(".gz");
    } else if (kind < 0.27) {
      const sec = rng.pick([1, 1, 1, 3, 5, 7, 8]);
      rel = `share/man/man${sec}/${pkg.name}${rng.chance(0.5) ? `-${w}` : ""}.${sec}.gz`;
      binary = true;
    } else if (kind < 0.37) {
      rel = `include/${pkg.name}/${w}${rng.chance(0.3) ? `_${rng.pick(ASCII_WORDS)}` : ""}.h`;
    } else if (kind < 0.72) {
      const sub = rng.pick(pkg.srcDirs);
      rel = `src/${pkg.name}-${pkg.version}/${sub ? `${sub}/` : ""}${rng.pick(ASCII_WORDS)}${rng.chance(0.5) ? `_${rng.pick(ASCII_WORDS)}` : ""}${rng.pick(sourceExts)}`;
    } else if (kind < 0.82) {
      rel = `share/locale/${rng.pick(langs)}/LC_MESSAGES/${pkg.name}.mo`;
      binary = true;
    } else if (kind < 0.9) {
      const px = rng.pick([16, 22, 24, 32, 48, 64, 128, 256]);
      rel = `share/icons/hicolor/${px}x${px}/apps/${pkg.name}${rng.chance(0.3) ? `-${w}` : ""}.png`;
      binary = true;
    } else {
      rel = `lib/python3/dist-packages/${pkg.name.replace(/[^a-z0-9]/g, "_")}/${rng.pick(["", "", "core/", "tests/", "utils/"])}${rng.pick(ASCII_WORDS)}.py`;
    }
    if (!place(rel)) continue;
    writeSlice(rel, binary ? binPool : textPool, rng.logUniform(50, 64 * KiB));
    placed++;
  }

  // Large images (sizes scale).
  const large = [
    ["casper/filesystem.squashfs", 200 * MiB],
    ["casper/initrd.img", 120 * MiB],
    ["install/firmware.pak", 80 * MiB],
    ["casper/vmlinuz", 50 * MiB],
  ];
  for (const [rel, fullSize] of large) {
    const size = Math.floor(fullSize * scale);
    if (!place(rel)) throw new Error(`mixed corpus: ${rel} is already taken`);
    writeRandomFile(path.join(dir, rel), size, rng.u32(), scratch);
    bytes += size;
  }

  // Medium binaries (100 KiB-5 MiB, sizes do not scale) until the budget is used.
  let mediumCount = 0;
  while (bytes < budget) {
    const pkg = rng.pick(packages);
    const rel = rng.pick([
      `lib/x86_64-linux-gnu/${pkg.name.startsWith("lib") ? pkg.name : `lib${pkg.name}`}.so.${pkg.version}`,
      `bin/${pkg.name}`,
      `share/${pkg.name}/${rng.pick(ASCII_WORDS)}.dat`,
      `pool/main/${pkg.name[0]}/${pkg.name}/${pkg.name}_${pkg.version}_amd64.deb`,
    ]);
    if (!place(rel)) continue;
    const size = Math.max(1, Math.min(budget - bytes, rng.logUniform(100 * KiB, 5 * MiB)));
    if (size <= binPool.length) writeSlice(rel, binPool, size);
    else {
      writeRandomFile(path.join(dir, rel), size, rng.u32(), scratch);
      bytes += size;
    }
    mediumCount++;
  }
  return { files: smallCount + large.length + mediumCount, dirs: made.size, bytes };
}

const GENERATORS = { large: generateLarge, small: generateSmall, mixed: generateMixed };

// ---------------------------------------------------------------------------
// Running the tools (measure.mjs times them)

/** The command line each tool runs for one corpus and output file. */
function toolCommand(tool, corpus, out) {
  switch (tool) {
    case "discburn":
      return [process.execPath, DISCBURN_BIN, "create", corpus, "-o", out, "--joliet-long", "-q"];
    case "xorriso":
      return ["xorriso", "-as", "mkisofs", "-R", "-J", "-joliet-long", "-quiet", "-o", out, corpus];
    case "genisoimage":
      return ["genisoimage", "-R", "-J", "-joliet-long", "-quiet", "-o", out, corpus];
    case "discburn-udf":
      return [process.execPath, DISCBURN_BIN, "create", corpus, "-o", out, "--joliet-long", "--udf", "-q"];
    case "genisoimage-udf":
      return ["genisoimage", "-J", "-R", "-udf", "-joliet-long", "-quiet", "-o", out, corpus];
    case "discburn-udf-only":
      return [process.execPath, DISCBURN_BIN, "create", corpus, "-o", out, "--fs", "udf", "-q"];
    case "bound":
      // Read every file once and write one file of the data size: what any
      // image builder has to do at least. find/xargs/cat are small C programs.
      return ["sh", "-c", 'find "$1" -type f -print0 | xargs -0 cat > "$2"', "sh", corpus, out];
    default:
      throw new Error(`unknown tool ${tool}`);
  }
}

// ---------------------------------------------------------------------------
// Machine description

function firstLine(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env: CHILD_ENV });
  if (r.error) return undefined;
  return `${r.stdout}\n${r.stderr}`
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean);
}

async function describeMachine(opts) {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpu = m[1].trim();
  } catch {
    // Not Linux: keep os.cpus().
  }
  // Read-only git queries; GIT_OPTIONAL_LOCKS=0 keeps `git status` from
  // refreshing the index while others work in the tree.
  const gitEnv = { ...process.env, GIT_OPTIONAL_LOCKS: "0" };
  const rev = spawnSync("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8", env: gitEnv });
  const dirty = spawnSync("git", ["-C", REPO_ROOT, "status", "--porcelain", "--untracked-files=no", "--", "packages"], {
    encoding: "utf8",
    env: gitEnv,
  });
  const commit =
    rev.status === 0 ? rev.stdout.trim() + (dirty.stdout.trim() ? " + uncommitted changes" : "") : "unknown";

  // Wrapper overhead (spawn + python start-up, included in every wall time),
  // the RSS floor (what the wrapper reports for `true`), and the RSS of an
  // empty Node process (subtracted for discburn's memory per file).
  const overhead = [];
  const floor = [];
  const nodeRss = [];
  for (let i = 0; i < 5; i++) {
    const t = await measure(["true"]);
    overhead.push(t.seconds);
    floor.push(t.rssKiB);
    nodeRss.push((await measure([process.execPath, "-e", "0"])).rssKiB);
  }
  const fsType = spawnSync("stat", ["-f", "-c", "%T", opts.dir], { encoding: "utf8" }).stdout?.trim();
  return {
    cpu,
    cores: os.cpus().length,
    ramBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    fsType: fsType || "unknown",
    node: process.version,
    discburn: `${firstLine([process.execPath, DISCBURN_BIN, "--version"]) ?? "?"} (commit ${commit})`,
    xorriso: firstLine(["xorriso", "-version"]) ?? "not installed",
    genisoimage: firstLine(["genisoimage", "-version"]) ?? "not installed",
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
    wrapperSeconds: median(overhead),
    rssFloorKiB: Math.max(...floor),
    nodeBaselineKiB: median(nodeRss),
  };
}

// ---------------------------------------------------------------------------
// Reporting

const fmtMiB = (bytes) => (bytes / MiB).toFixed(1);
const fmtSec = (s) => s.toFixed(s < 10 ? 3 : s < 100 ? 2 : 1);
const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const fmtRatio = (r) => `${r.toFixed(2)}x`;
// A peak at the wrapper's floor only says "no more than the floor".
const fmtRss = (kib, m) => (kib <= m.rssFloorKiB * 1.02 ? `≤ ${fmtMiB(m.rssFloorKiB * KiB)}` : fmtMiB(kib * KiB));

function machineMarkdown(m, opts) {
  return [
    `- CPU: ${m.cpu} (${m.cores} logical cores); RAM: ${(m.ramBytes / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${m.os}; corpus filesystem: ${m.fsType} (${opts.dir})`,
    `- Node: ${m.node}; discburn ${m.discburn}`,
    `- xorriso: ${m.xorriso}`,
    `- genisoimage: ${m.genisoimage}`,
    `- Load average at start: ${m.load}`,
    `- Scale ${opts.scale}, ${opts.rounds} rounds; measuring wrapper: ${(m.wrapperSeconds * 1000).toFixed(0)} ms per run (included in each time), RSS floor ${fmtMiB(m.rssFloorKiB * KiB)} MiB; \`node -e 0\` RSS: ${fmtMiB(m.nodeBaselineKiB * KiB)} MiB`,
  ].join("\n");
}

function corpusMarkdown(corpus, runs, tools, machine) {
  const stats = {};
  for (const tool of tools) {
    const r = runs[tool];
    const secs = r.map((x) => x.seconds);
    stats[tool] = {
      median: median(secs),
      min: Math.min(...secs),
      max: Math.max(...secs),
      rssKiB: median(r.map((x) => x.rssKiB)),
      imageBytes: median(r.map((x) => x.imageBytes)),
    };
  }
  const db = stats.discburn;
  const lines = [
    `### ${corpus.corpus}: ${describeCorpus(corpus)}`,
    "",
    "| Tool | Median s | Min–max s | MiB/s | Files/s | Peak RSS MiB | Image MiB | discburn ÷ tool |",
    "| --- | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const tool of tools) {
    const s = stats[tool];
    lines.push(
      `| ${tool} | ${fmtSec(s.median)} | ${fmtSec(s.min)}–${fmtSec(s.max)} | ${(corpus.bytes / MiB / s.median).toFixed(1)} | ` +
        `${fmtInt(corpus.files / s.median)} | ${fmtRss(s.rssKiB, machine)} | ${fmtMiB(s.imageBytes)} | ${db ? fmtRatio(db.median / s.median) : "–"} |`,
    );
  }
  lines.push("");
  if (db) {
    const others = tools.filter((t) => t !== "discburn");
    if (others.length > 0) {
      lines.push(
        `Median wall time ratios (below 1 = discburn faster): ${others.map((t) => `discburn/${t} ${fmtRatio(db.median / stats[t].median)}`).join(", ")}.`,
      );
    }
    if (stats["discburn-udf"] && stats["genisoimage-udf"]) {
      lines.push(
        `Bridge images (ISO 9660 + Joliet + Rock Ridge + UDF 1.02): discburn-udf/genisoimage-udf ${fmtRatio(stats["discburn-udf"].median / stats["genisoimage-udf"].median)}.`,
      );
    }
    if (corpus.corpus !== "large") {
      const perFile = ((db.rssKiB - machine.nodeBaselineKiB) * KiB) / corpus.files;
      lines.push(
        `discburn memory per file: (${fmtMiB(db.rssKiB * KiB)} MiB peak − ${fmtMiB(machine.nodeBaselineKiB * KiB)} MiB \`node -e 0\`) / ${fmtInt(corpus.files)} files = ${fmtInt(perFile)} bytes/file.`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseOptions();
  fs.mkdirSync(opts.dir, { recursive: true });

  // Preflight: every selected tool must be runnable.
  if (opts.tools.some((t) => t.startsWith("discburn")) && !fs.existsSync(DISCBURN_BIN)) {
    fail(`${DISCBURN_BIN} is missing; build it first: npx tsc -b packages/fsimage packages/cli`);
  }
  for (const tool of ["xorriso", "genisoimage"]) {
    if (
      opts.tools.some((t) => t === tool || t === `${tool}-udf`) &&
      spawnSync(tool, ["-version"], { stdio: "ignore" }).error
    ) {
      fail(`${tool} is not installed (or pick --tools without it)`);
    }
  }
  if (!fs.existsSync(PYTHON)) fail(`${PYTHON} is needed to measure peak RSS`);

  const corpora = opts.corpora.map((name) => ensureCorpus(opts, name));
  if (opts.generateOnly) return;

  const machine = await describeMachine(opts);
  const started = new Date();
  const heading = `## ${started.toISOString().slice(0, 16).replace("T", " ")} UTC: scale ${opts.scale}, ${opts.rounds} rounds`;
  const header = `${heading}\n\n${machineMarkdown(machine, opts)}\n`;
  process.stdout.write(`${header}\n`);

  // Images go to a fresh temporary directory, removed when we exit.
  const tmp = fs.mkdtempSync(path.join(opts.dir, "out-"));
  const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
  process.on("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }

  const sections = [];
  for (const corpus of corpora) {
    // Untimed warm-up: read every file once so all tools start from the same
    // (warm) page cache.
    log(`corpus ${corpus.corpus}: warming the page cache`);
    const warm = spawnSync("sh", ["-c", 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', "sh", corpus.dir]);
    if (warm.status !== 0) fail(`warm-up read failed: ${warm.stderr}`);

    const runs = Object.fromEntries(opts.tools.map((t) => [t, []]));
    for (let round = 0; round < opts.rounds; round++) {
      // Round-robin; the first tool rotates from round to round.
      const order = opts.tools.map((_, i) => opts.tools[(i + round) % opts.tools.length]);
      for (const tool of order) {
        const out = path.join(tmp, `${corpus.corpus}-${tool}.iso`);
        const r = await measure(toolCommand(tool, corpus.dir, out));
        if (r.code !== 0) {
          process.stderr.write(
            `bench: ${tool} failed on corpus ${corpus.corpus} (exit ${r.code}):\n${toolCommand(tool, corpus.dir, out).join(" ")}\n` +
              `--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}\n`,
          );
          process.exit(1);
        }
        const imageBytes = fs.statSync(out).size;
        fs.rmSync(out, { force: true });
        spawnSync("sync", { stdio: "ignore" });
        runs[tool].push({ seconds: r.seconds, rssKiB: r.rssKiB, imageBytes });
        log(
          `corpus ${corpus.corpus} round ${round + 1}/${opts.rounds} ${tool}: ${fmtSec(r.seconds)} s, ` +
            `${fmtMiB(r.rssKiB * KiB)} MiB RSS, image ${fmtMiB(imageBytes)} MiB`,
        );
      }
    }
    const section = corpusMarkdown(corpus, runs, opts.tools, machine);
    process.stdout.write(`${section}\n`);
    sections.push(section);
  }

  if (opts.out) {
    // Append a dated section (newest last); create the file with a title.
    const exists = fs.existsSync(opts.out);
    const title = exists
      ? ""
      : "# discburn benchmark results\n\nProduced by `node bench/run.mjs`; see bench/README.md for the method.\n\n";
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.appendFileSync(opts.out, `${title}${exists ? "\n" : ""}${header}\n${sections.join("\n")}`);
    log(`results appended to ${opts.out}`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
  process.exit(1);
});
