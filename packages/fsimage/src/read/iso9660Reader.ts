// Reads an ECMA-119 hierarchy (the PVD's, with or without Rock Ridge, or a Joliet SVD's) into the tree
// model. Directories are walked without recursion; every extent is bounds-checked, every directory visited
// once (a second visit is a loop), and the budgets of the ReadContext bound the work on hostile images.
import type { RecordedTime } from "../ecma119/dates.js";
import { type DirectoryRecord, decodeDirectoryRecord, FileFlags } from "../ecma119/directoryRecord.js";
import {
  decodeVolumeDescriptor,
  isJolietEscape,
  type VolumeDescriptor,
  volumeDescriptorType,
} from "../ecma119/volumeDescriptor.js";
import { readU32BE, readU32LE } from "../encoding/bothEndian.js";
import { decodeUcs2BE } from "../encoding/ucs2.js";
import {
  decodeCE,
  decodeER,
  decodeLink,
  decodeNM,
  decodePN,
  decodePX,
  decodeSL,
  decodeSystemUse,
  decodeTF,
  NmFlags,
  type PosixAttributes,
  type SlComponent,
  SlComponentFlags,
  SlFlags,
  type SuspEntry,
  TfFlags,
} from "../rockridge/entries.js";
import { DirectoryItem, FileItem, type ItemAttributes, SpecialItem, SymlinkItem } from "../tree/items.js";
import type { FileSource } from "../tree/sources.js";
import { BLOCK_SIZE, type ReadContext } from "./blockSource.js";
import { decoding, ImageReadError } from "./errors.js";
import { type Extent, ExtentSource } from "./extentSource.js";

/** ECMA-119 6.7.1: the volume descriptor set starts 16 blocks into the session. */
export const VOLUME_DESCRIPTOR_OFFSET = 16;

export interface LocatedDescriptor {
  lba: number;
  descriptor: VolumeDescriptor;
}

/** What the volume descriptor set of a session holds (ECMA-119 8, Joliet, El Torito 2.0). */
export interface VolumeDescriptorSet {
  primary: LocatedDescriptor | null;
  joliet: LocatedDescriptor | null;
  /** El Torito boot record: where it is and the catalog it points at. */
  bootRecord: { lba: number; catalogLba: number } | null;
  /** First block after the set (its terminator + 1, or the first block that is not a descriptor). */
  end: number;
  /** Why a PVD or Joliet SVD that is present could not be used. */
  errors: { primary: ImageReadError | null; joliet: ImageReadError | null };
}

/** Rock Ridge as announced in the root's "." record: SP (SUSP 5.3) and ER (SUSP 5.5). */
export interface RockRidgeInfo {
  /** "1.12": IEEE_P1282 / IEEE_1282; "1.10": RRIP_1991A; "1.09": RRIP_1991A with RR entries, or no ER. */
  version: "1.09" | "1.10" | "1.12";
  /** SP LEN_SKP: bytes skipped at the start of every System Use field but the root's ".". */
  skip: number;
}

const DATE_FIELDS = [813, 830, 847, 864];

/** Decodes a PVD/SVD, tolerating volume dates that are not digits (some tools write spaces). */
function decodeDescriptor(ctx: ReadContext, block: Uint8Array, lba: number, what: string): VolumeDescriptor {
  let vd: VolumeDescriptor;
  try {
    vd = decodeVolumeDescriptor(block);
  } catch {
    const copy = new Uint8Array(block);
    for (const off of DATE_FIELDS) copy.fill(0x30, off, off + 16).fill(0, off + 16, off + 17);
    vd = decoding(what, lba, () => decodeVolumeDescriptor(copy));
    ctx.warn(`${what} at LBA ${lba} has volume dates that are not digits; they are ignored`);
  }
  if (vd.logicalBlockSize !== BLOCK_SIZE) {
    throw new ImageReadError(what, lba, `gives a logical block size of ${vd.logicalBlockSize}; only 2048 is supported`);
  }
  return vd;
}

/** Reads the volume descriptor set from sessionStart + 16 up to its terminator (bounded). */
export async function readVolumeDescriptorSet(ctx: ReadContext, sessionStart: number): Promise<VolumeDescriptorSet> {
  const set: VolumeDescriptorSet = {
    primary: null,
    joliet: null,
    bootRecord: null,
    end: sessionStart + 16,
    errors: { primary: null, joliet: null },
  };
  const attempt = (which: "primary" | "joliet", decode: () => VolumeDescriptor): VolumeDescriptor | null => {
    try {
      return decode();
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      set.errors[which] ??= e;
      ctx.warn(e.message);
      return null;
    }
  };
  const first = sessionStart + VOLUME_DESCRIPTOR_OFFSET;
  for (let i = 0; i < ctx.limits.maxVolumeDescriptors; i++) {
    const lba = first + i;
    set.end = lba;
    if (lba >= ctx.blockCount) break;
    const block = await ctx.read("volume descriptor", lba, 1);
    const type = volumeDescriptorType(block);
    if (type === null) break; // not "CD001": the set ended without a terminator, or there is no ISO 9660
    set.end = lba + 1;
    if (type === 255) break; // 8.3 terminator
    if (type === 1 && !set.primary) {
      const descriptor = attempt("primary", () => decodeDescriptor(ctx, block, lba, "primary volume descriptor"));
      if (descriptor) set.primary = { lba, descriptor };
    } else if (type === 2 && !set.joliet) {
      let escapes = "";
      for (let k = 88; k < 120 && block[k] !== 0; k++) escapes += String.fromCharCode(block[k]);
      if (isJolietEscape(escapes)) {
        const descriptor = attempt("joliet", () =>
          decodeDescriptor(ctx, block, lba, "Joliet supplementary volume descriptor"),
        );
        if (descriptor) set.joliet = { lba, descriptor };
      }
    } else if (type === 0 && !set.bootRecord) {
      const id = Buffer.from(block.subarray(7, 39)).toString("latin1");
      if (id.startsWith("EL TORITO SPECIFICATION")) {
        set.bootRecord = { lba, catalogLba: readU32LE(block, 0x47) };
      }
    }
  }
  return set;
}

/** Per-directory cache of continuation-area blocks (records of one directory share them). */
type BlockCache = Map<string, Uint8Array>;
const CACHE_ENTRIES = 64;

async function cachedRead(
  ctx: ReadContext,
  cache: BlockCache,
  structure: string,
  lba: number,
  count: number,
): Promise<Uint8Array> {
  const key = `${lba}:${count}`;
  let data = cache.get(key);
  if (!data) {
    if (cache.size >= CACHE_ENTRIES) cache.clear();
    data = await ctx.read(structure, lba, count);
    cache.set(key, data);
  }
  return data;
}

/**
 * SUSP entries of a System Use field and of the continuation areas it chains to (SUSP 5.1), with the chain
 * bounded in length and bytes and checked for loops.
 */
async function systemUseEntries(
  ctx: ReadContext,
  systemUse: Uint8Array,
  skip: number,
  recordLba: number,
  cache: BlockCache,
): Promise<SuspEntry[]> {
  let area = systemUse.subarray(Math.min(skip, systemUse.length));
  // CD-ROM XA: a 14-byte attribute record with "XA" at offset 6 precedes the SUSP entries.
  if (area.length >= 14 && area[6] === 0x58 && area[7] === 0x41) area = area.subarray(14);
  ctx.countSystemUse("System Use field", recordLba, area.length);
  let current = decodeSystemUse(area);
  const out = [...current];
  const seen = new Set<string>();
  let total = area.length;
  for (let areas = 0; ; areas++) {
    const ce = current.find((e) => e.signature === "CE");
    if (!ce) break;
    if (ce.data.length < 24) {
      ctx.warn(`Rock Ridge CE entry of the record at LBA ${recordLba} is truncated; its continuation is ignored`);
      break;
    }
    const { block, offset, length } = decodeCE(ce);
    if (areas >= ctx.limits.maxContinuationAreas) {
      throw new ImageReadError(
        "Rock Ridge CE area",
        block,
        `is continuation ${areas + 1} of the record at LBA ${recordLba} (limit ${ctx.limits.maxContinuationAreas}): a chain that never ends`,
      );
    }
    const key = `${block}:${offset}`;
    if (seen.has(key)) {
      throw new ImageReadError(
        "Rock Ridge CE area",
        block,
        `(offset ${offset}) continues into itself: the CE chain of the record at LBA ${recordLba} loops`,
      );
    }
    seen.add(key);
    if (length === 0) break;
    total += length;
    if (total > ctx.limits.maxSystemUseBytes) {
      throw new ImageReadError(
        "Rock Ridge CE area",
        block,
        `brings the System Use entries of the record at LBA ${recordLba} past ${ctx.limits.maxSystemUseBytes} bytes`,
      );
    }
    const count = Math.ceil((offset + length) / BLOCK_SIZE);
    ctx.checkExtent("Rock Ridge CE area", block, count, block);
    ctx.countSystemUse("Rock Ridge CE area", block, length);
    const data = await cachedRead(ctx, cache, "Rock Ridge CE area", block, count);
    current = decodeSystemUse(data.subarray(offset, offset + length));
    out.push(...current);
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeName(ctx: ReadContext, bytes: Uint8Array, lba: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    ctx.warn(`Rock Ridge name at LBA ${lba} is not UTF-8; read as Latin-1`);
    return Buffer.from(bytes).toString("latin1");
  }
}

/** Finds Rock Ridge in the root's "." record: SP at its System Use start, then the ER entries. */
export async function detectRockRidge(ctx: ReadContext, root: DirectoryRecord): Promise<RockRidgeInfo | null> {
  if (root.dataLength === 0) return null;
  const lba = root.extentLocation + root.extendedAttributeLength;
  ctx.checkExtent("root directory", lba, 1);
  const block = await ctx.read("root directory", lba, 1);
  if (block[0] < 34 || block[32] !== 1 || block[33] !== 0) return null;
  const dot = decoding("root directory record", lba, () => decodeDirectoryRecord(block.subarray(0, BLOCK_SIZE), 0));
  const su = dot.systemUse;
  if (su.length < 7 || su[0] !== 0x53 || su[1] !== 0x50 || su[4] !== 0xbe || su[5] !== 0xef) return null;
  const entries = await systemUseEntries(ctx, su, 0, lba, new Map());
  let version: RockRidgeInfo["version"] | null = null;
  for (const e of entries) {
    if (e.signature !== "ER" || e.data.length < 4) continue;
    const id = decodeER(e).identifier;
    if (id === "IEEE_P1282" || id === "IEEE_1282") version = "1.12";
    else if (id === "RRIP_1991A" && version === null) {
      version = entries.some((x) => x.signature === "RR") ? "1.09" : "1.10";
    }
  }
  const rrEntries = new Set(["RR", "PX", "NM", "TF", "SL", "PN"]);
  if (version === null && entries.some((e) => rrEntries.has(e.signature))) {
    ctx.warn("the root directory has Rock Ridge entries but no ER entry announcing them; read as RRIP 1.09");
    version = "1.09";
  }
  return version === null ? null : { version, skip: su[6] };
}

/** Rock Ridge facts of one directory record. */
interface RockRidgeRecord {
  name: string | null;
  px: PosixAttributes | null;
  device: { major: number; minor: number } | null;
  target: string | null;
  times: { mtimeMs?: number; atimeMs?: number; ctimeMs?: number };
  childLink: number | null;
  relocated: boolean;
  /** Entries seen at all (a record without any keeps its ISO 9660 name). */
  any: boolean;
}

/** SL component records (RRIP 4.1.3.1) up to the entry's end, the last one cut where the entry ends. */
function truncatedSL(e: SuspEntry): { flags: number; components: SlComponent[] } {
  const components: SlComponent[] = [];
  for (let off = 1; off + 2 <= e.data.length; ) {
    const len = e.data[off + 1];
    components.push({ flags: e.data[off], content: e.data.slice(off + 2, Math.min(off + 2 + len, e.data.length)) });
    off += 2 + len;
  }
  return { flags: e.data[0], components };
}

/**
 * RRIP 4.1.2 PN: libisofs (and discburn) record dev_t in two 32-bit halves, genisoimage records major and
 * minor. Like Linux: a high half of 0 is a dev_t split the glibc way, otherwise high and low are major, minor.
 */
function deviceNumber(high: number, low: number): { major: number; minor: number } {
  if (high !== 0) return { major: high, minor: low };
  return { major: ((low >>> 8) & 0xfff) >>> 0, minor: ((low & 0xff) | ((low >>> 12) & ~0xff)) >>> 0 };
}

const TF_ORDER = [
  TfFlags.creation,
  TfFlags.modify,
  TfFlags.access,
  TfFlags.attributes,
  TfFlags.backup,
  TfFlags.expiration,
  TfFlags.effective,
];

function rockRidgeRecord(ctx: ReadContext, entries: SuspEntry[], lba: number): RockRidgeRecord {
  const rr: RockRidgeRecord = {
    name: null,
    px: null,
    device: null,
    target: null,
    times: {},
    childLink: null,
    relocated: false,
    any: false,
  };
  const nameParts: Uint8Array[] = [];
  let nameBytes = 0;
  let nameDone = false;
  let special: string | null = null;
  let target = "";
  let sawSymlink = false;
  let symlinkDone = false;
  let needSeparator = false;
  for (const e of entries) {
    switch (e.signature) {
      case "NM": {
        rr.any = true;
        if (nameDone || e.data.length < 1) break;
        const { flags, name } = decodeNM(e);
        if (flags & NmFlags.current) special = ".";
        else if (flags & NmFlags.parent) special = "..";
        nameBytes += name.length;
        if (nameBytes > ctx.limits.maxNameBytes) {
          throw new ImageReadError(
            "Rock Ridge NM entry",
            lba,
            `builds a name of more than ${ctx.limits.maxNameBytes} bytes (an NM continuation that never ends)`,
          );
        }
        nameParts.push(name);
        if (!(flags & NmFlags.continue)) nameDone = true;
        break;
      }
      case "SL": {
        rr.any = true;
        if (symlinkDone || e.data.length < 1) break;
        sawSymlink = true;
        let sl: { flags: number; components: SlComponent[] };
        try {
          sl = decodeSL(e);
        } catch {
          // genisoimage writes SL entries of long targets with a length that cuts their last component.
          sl = truncatedSL(e);
          ctx.warn(`Rock Ridge SL entry at LBA ${lba} has a component running past its end; the target is cut there`);
        }
        for (const c of sl.components) {
          if (c.flags & SlComponentFlags.root) {
            target = target === "" ? "/" : `${target}/`;
            needSeparator = false;
            continue;
          }
          if (needSeparator) target += "/";
          if (c.flags & SlComponentFlags.current) target += ".";
          else if (c.flags & SlComponentFlags.parent) target += "..";
          else target += decodeName(ctx, c.content, lba);
          needSeparator = !(c.flags & SlComponentFlags.continue);
        }
        if (target.length > ctx.limits.maxSymlinkBytes) {
          throw new ImageReadError(
            "Rock Ridge SL entry",
            lba,
            `builds a symbolic link target of more than ${ctx.limits.maxSymlinkBytes} bytes (an SL continuation that never ends)`,
          );
        }
        if (!(sl.flags & SlFlags.continue)) symlinkDone = true;
        break;
      }
      case "PX":
        rr.any = true;
        if (e.data.length >= 32) rr.px = decodePX(e);
        else ctx.warn(`Rock Ridge PX entry at LBA ${lba} is truncated; ignored`);
        break;
      case "PN":
        rr.any = true;
        if (e.data.length >= 16) {
          const { high, low } = decodePN(e);
          rr.device = deviceNumber(high, low);
        }
        break;
      case "TF": {
        rr.any = true;
        if (e.data.length < 1) break;
        let tf: { flags: number; times: Array<RecordedTime | null> };
        try {
          tf = decodeTF(e);
        } catch {
          ctx.warn(`Rock Ridge TF entry at LBA ${lba} holds a date that is not digits; ignored`);
          break;
        }
        let k = 0;
        for (const bit of TF_ORDER) {
          if (!(tf.flags & bit)) continue;
          const t = tf.times[k++];
          if (!t || !Number.isFinite(t.epochMs)) continue;
          if (bit === TfFlags.modify) rr.times.mtimeMs = t.epochMs;
          else if (bit === TfFlags.access) rr.times.atimeMs = t.epochMs;
          else if (bit === TfFlags.attributes) rr.times.ctimeMs = t.epochMs;
        }
        break;
      }
      case "CL":
        rr.any = true;
        if (e.data.length >= 8) rr.childLink = decodeLink(e);
        break;
      case "RE":
        rr.any = true;
        rr.relocated = true;
        break;
      case "PL":
      case "RR":
        rr.any = true;
        break;
    }
  }
  if (special !== null) rr.name = special;
  else if (nameParts.length > 0) rr.name = decodeName(ctx, Buffer.concat(nameParts), lba);
  if (sawSymlink) rr.target = target;
  return rr;
}

/** One directory record and the sector it was found in. */
interface PlacedRecord {
  record: DirectoryRecord;
  lba: number;
}

/** Splits a directory's bytes into records (ECMA-119 6.8.1.1: records never cross a sector; zeros pad the rest). */
function directoryRecords(ctx: ReadContext, data: Uint8Array, dirLba: number, length: number): PlacedRecord[] {
  const out: PlacedRecord[] = [];
  for (let base = 0; base < length; base += BLOCK_SIZE) {
    const lba = dirLba + base / BLOCK_SIZE;
    const end = Math.min(base + BLOCK_SIZE, length);
    const sector = data.subarray(0, base + BLOCK_SIZE);
    for (let o = base; o < end; ) {
      const len = data[o];
      if (len === 0) {
        for (let k = o + 1; k < end; k++) {
          if (data[k] !== 0) {
            throw new ImageReadError(
              "directory record",
              lba,
              `has length 0 at offset ${o - base} but is followed by more data in its sector`,
            );
          }
        }
        break;
      }
      if (len < 34) {
        throw new ImageReadError("directory record", lba, `at offset ${o - base} has length ${len}, less than 34`);
      }
      if (o + len > base + BLOCK_SIZE) {
        throw new ImageReadError(
          "directory record",
          lba,
          `at offset ${o - base} has length ${len} and runs past the end of its sector`,
        );
      }
      if (o + len > length) {
        throw new ImageReadError(
          "directory record",
          lba,
          `at offset ${o - base} runs past the directory's recorded length of ${length} bytes`,
        );
      }
      const record = decoding("directory record", lba, () => decodeDirectoryRecord(sector, o));
      if (readU32LE(data, o + 2) !== readU32BE(data, o + 6) || readU32LE(data, o + 10) !== readU32BE(data, o + 14)) {
        ctx.warn(
          `directory record at LBA ${lba} offset ${o - base}: both-byte-order fields differ; little-endian used`,
        );
      }
      out.push({ record, lba });
      o += len;
    }
  }
  return out;
}

function isDot(id: Uint8Array): boolean {
  return id.length === 1 && (id[0] === 0 || id[0] === 1);
}

function sameIdentifier(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface HierarchyOptions {
  /** The PVD or the Joliet SVD whose root to walk. */
  descriptor: VolumeDescriptor;
  descriptorLba: number;
  /** Identifiers are UCS-2 (Joliet). */
  joliet: boolean;
  /** Use Rock Ridge entries (names, POSIX attributes, links, relocation). */
  rockRidge: RockRidgeInfo | null;
}

interface PendingDirectory {
  item: DirectoryItem;
  lba: number;
  length: number;
  /** Where the record pointing at it lies (for messages). */
  recordLba: number;
}

/** A file whose records are still being collected (multi-extent, ECMA-119 6.5.1). */
interface PendingFile {
  first: PlacedRecord;
  extents: Extent[];
}

/** Walks one ECMA-119 hierarchy into a tree. */
export async function readEcma119Hierarchy(ctx: ReadContext, options: HierarchyOptions): Promise<DirectoryItem> {
  const reader = new HierarchyReader(ctx, options);
  return reader.read();
}

class HierarchyReader {
  private readonly defaultTimeMs: number;
  private readonly rr: RockRidgeInfo | null;
  private readonly visited = new Set<number>();
  private readonly queue: PendingDirectory[] = [];
  private readonly shared = new Map<number, Array<{ size: number; serial: number; source: FileSource }>>();
  /** Directories from whose listing a relocated (RE) directory was hidden. */
  private readonly relocationHolders = new Set<DirectoryItem>();
  private cache: BlockCache = new Map();
  private readonly structure: string;

  constructor(
    private readonly ctx: ReadContext,
    private readonly options: HierarchyOptions,
  ) {
    const created = options.descriptor.creation?.epochMs;
    this.defaultTimeMs = created !== undefined && Number.isFinite(created) ? created : 0;
    this.rr = options.rockRidge;
    this.structure = options.joliet ? "Joliet directory record" : "directory record";
  }

  async read(): Promise<DirectoryItem> {
    const rootRecord = this.options.descriptor.rootDirectoryRecord;
    const where = this.options.descriptorLba;
    const lba = rootRecord.extentLocation + rootRecord.extendedAttributeLength;
    let attrs: ItemAttributes = this.times(rootRecord.recordingTime, {});
    if (this.rr && rootRecord.dataLength > 0) {
      this.ctx.checkExtent("root directory", lba, 1, where);
      const block = await this.ctx.read("root directory", lba, 1);
      const records = directoryRecords(this.ctx, block, lba, Math.min(BLOCK_SIZE, rootRecord.dataLength));
      const dot = records.find((r) => isDot(r.record.fileIdentifier) && r.record.fileIdentifier[0] === 0);
      if (dot) {
        const entries = await systemUseEntries(this.ctx, dot.record.systemUse, 0, lba, this.cache);
        attrs = this.attributes(dot.record, rockRidgeRecord(this.ctx, entries, lba));
      }
    }
    const root = new DirectoryItem("", attrs, this.defaultTimeMs);
    this.enqueue(root, rootRecord, lba, where);
    while (this.queue.length > 0) {
      const next = this.queue.pop()!;
      await this.readDirectory(next);
    }
    for (const holder of this.relocationHolders) {
      if (holder.parent && holder.size === 0) holder.parent.delete(holder.name);
    }
    return root;
  }

  private times(recorded: RecordedTime | null, rr: RockRidgeRecord["times"]): ItemAttributes {
    const recordedMs = recorded && Number.isFinite(recorded.epochMs) ? recorded.epochMs : this.defaultTimeMs;
    const mtimeMs = rr.mtimeMs ?? recordedMs;
    return { mtimeMs, atimeMs: rr.atimeMs ?? mtimeMs, ctimeMs: rr.ctimeMs ?? mtimeMs };
  }

  private attributes(record: DirectoryRecord, rr: RockRidgeRecord | null): ItemAttributes {
    const attrs = this.times(record.recordingTime, rr?.times ?? {});
    if (rr?.px) {
      attrs.mode = rr.px.mode & 0o7777;
      attrs.uid = rr.px.uid;
      attrs.gid = rr.px.gid;
    }
    return attrs;
  }

  /** Queues a directory to read, refusing loops, absurd sizes and extents past the end. */
  private enqueue(item: DirectoryItem, record: DirectoryRecord, lba: number, recordLba: number): void {
    const length = record.dataLength;
    this.ctx.countDirectory(this.structure, recordLba);
    if (length === 0) {
      this.ctx.warn(`directory ${item.path} has no extent (length 0); read as empty`);
      return;
    }
    if (length > this.ctx.limits.maxDirectoryBytes) {
      throw new ImageReadError(
        this.structure,
        recordLba,
        `gives directory ${item.path} a length of ${length} bytes (limit ${this.ctx.limits.maxDirectoryBytes})`,
      );
    }
    const blocks = Math.ceil(length / BLOCK_SIZE);
    if (lba + blocks > this.ctx.blockCount) {
      throw new ImageReadError(
        this.structure,
        recordLba,
        `points directory ${item.path} at ${blocks} blocks from LBA ${lba}, past the end of the image (${this.ctx.blockCount} blocks)`,
      );
    }
    if (this.visited.has(lba)) {
      throw new ImageReadError(
        this.structure,
        recordLba,
        `points directory ${item.path} at LBA ${lba}, a directory already read (a directory loop)`,
      );
    }
    this.visited.add(lba);
    this.queue.push({ item, lba, length, recordLba });
  }

  private async readDirectory(dir: PendingDirectory): Promise<void> {
    this.cache = new Map();
    const data = await this.ctx.read("directory", dir.lba, Math.ceil(dir.length / BLOCK_SIZE));
    const records = directoryRecords(this.ctx, data, dir.lba, dir.length);
    let pending: PendingFile | null = null;
    for (const placed of records) {
      const rec = placed.record;
      const id = rec.fileIdentifier;
      if (isDot(id) || rec.fileFlags & FileFlags.associated) continue;
      this.ctx.countEntry(this.structure, placed.lba);
      if (pending && !sameIdentifier(pending.first.record.fileIdentifier, id)) {
        this.ctx.warn(`multi-extent file at LBA ${pending.first.lba} has no final record; its extents are kept`);
        await this.addEntry(dir.item, pending.first, pending.extents);
        pending = null;
      }
      const isDirectory = (rec.fileFlags & FileFlags.directory) !== 0;
      if (!isDirectory && rec.fileFlags & FileFlags.multiExtent) {
        if (!pending) pending = { first: placed, extents: [] };
        this.pushExtents(pending.extents, placed);
        continue;
      }
      if (pending) {
        this.pushExtents(pending.extents, placed);
        await this.addEntry(dir.item, pending.first, pending.extents);
        pending = null;
        continue;
      }
      await this.addEntry(dir.item, placed, isDirectory ? [] : this.pushExtents([], placed));
    }
    if (pending) {
      this.ctx.warn(`multi-extent file at LBA ${pending.first.lba} has no final record; its extents are kept`);
      await this.addEntry(dir.item, pending.first, pending.extents);
    }
  }

  /** The data extents of one record (one section of a file), interleaved ones split into their units. */
  private pushExtents(extents: Extent[], placed: PlacedRecord): Extent[] {
    const rec = placed.record;
    const lba = rec.extentLocation + rec.extendedAttributeLength;
    const bytes = rec.dataLength;
    const add = (e: Extent) => {
      if (extents.length >= this.ctx.limits.maxExtentsPerFile) {
        throw new ImageReadError(
          this.structure,
          placed.lba,
          `gives one file more than ${this.ctx.limits.maxExtentsPerFile} extents`,
        );
      }
      extents.push(e);
    };
    if (bytes === 0) return extents;
    const unit = rec.fileUnitSize;
    const gap = rec.interleaveGapSize;
    if (unit > 0 && gap > 0) {
      // ECMA-119 6.4.3: file units of `unit` blocks separated by gaps of `gap` blocks.
      let left = bytes;
      for (let at = lba; left > 0; at += unit + gap) {
        this.ctx.countPieces(this.structure, placed.lba, 1);
        const n = Math.min(left, unit * BLOCK_SIZE);
        this.checkData(placed, at, n);
        add({ lba: at, bytes: n });
        left -= n;
      }
      return extents;
    }
    this.checkData(placed, lba, bytes);
    add({ lba, bytes });
    return extents;
  }

  private checkData(placed: PlacedRecord, lba: number, bytes: number): void {
    const blocks = Math.ceil(bytes / BLOCK_SIZE);
    if (lba + blocks > this.ctx.blockCount) {
      throw new ImageReadError(
        this.structure,
        placed.lba,
        `points file data of ${bytes} bytes at LBA ${lba}, past the end of the image (${this.ctx.blockCount} blocks)`,
      );
    }
  }

  private isoName(id: Uint8Array, directory: boolean): string {
    let name = this.options.joliet ? decodeUcs2BE(id) : Buffer.from(id).toString("latin1");
    if (!directory) {
      name = name.replace(/;\d*$/, "");
      if (!this.options.joliet) name = name.replace(/\.$/, "");
    }
    return name;
  }

  private async addEntry(parent: DirectoryItem, placed: PlacedRecord, extents: Extent[]): Promise<void> {
    const rec = placed.record;
    let rr: RockRidgeRecord | null = null;
    if (this.rr) {
      const entries = await systemUseEntries(this.ctx, rec.systemUse, this.rr.skip, placed.lba, this.cache);
      rr = rockRidgeRecord(this.ctx, entries, placed.lba);
      if (!rr.any) rr = null;
    }
    const isDirectory = (rec.fileFlags & FileFlags.directory) !== 0;
    if (rr?.relocated && isDirectory) {
      // RRIP 4.1.5.3: a relocated directory (or the relocation directory): shown through its CL link.
      this.relocationHolders.add(parent);
      return;
    }
    const name = this.ctx.checkName(
      rr?.name ?? this.isoName(rec.fileIdentifier, isDirectory),
      this.structure,
      placed.lba,
    );
    if (parent.get(name)) {
      this.ctx.warn(`${parent.path} holds two entries named ${JSON.stringify(name)}; the later one is left out`);
      return;
    }
    let attrs = this.attributes(rec, rr);
    if (rr?.childLink != null) {
      // RRIP 4.1.5.1: the directory lives at the CL location; its "." record gives its length and attributes.
      const target = rr.childLink;
      this.ctx.checkExtent("relocated directory (RRIP CL)", target, 1, placed.lba);
      const block = await this.ctx.read("relocated directory (RRIP CL)", target, 1);
      const first = directoryRecords(this.ctx, block, target, BLOCK_SIZE)[0];
      if (!first || !isDot(first.record.fileIdentifier) || first.record.fileIdentifier[0] !== 0) {
        throw new ImageReadError(
          "Rock Ridge CL entry",
          placed.lba,
          `points at LBA ${target}, which does not start with a directory's "." record`,
        );
      }
      const dotEntries = await systemUseEntries(this.ctx, first.record.systemUse, this.rr!.skip, target, this.cache);
      const dotRr = rockRidgeRecord(this.ctx, dotEntries, target);
      if (dotRr.px) attrs = this.attributes(first.record, dotRr);
      const item = new DirectoryItem(name, attrs, this.defaultTimeMs);
      parent.add(item);
      this.enqueue(item, first.record, target, placed.lba);
      return;
    }
    const type = rr?.px ? rr.px.mode & 0o170000 : 0;
    if (isDirectory && rr?.px && type !== 0o040000) {
      this.ctx.warn(`${parent.path}/${name}: a directory record whose Rock Ridge mode is not a directory's`);
    }
    if (!isDirectory && type === 0o040000) {
      this.ctx.warn(`${parent.path}/${name}: Rock Ridge mode says directory, the record says file; read as a file`);
    }
    if (isDirectory) {
      const item = new DirectoryItem(name, attrs, this.defaultTimeMs);
      parent.add(item);
      this.enqueue(item, rec, rec.extentLocation + rec.extendedAttributeLength, placed.lba);
      return;
    }
    if (rr && (type === 0o120000 || (type === 0 && rr.target !== null))) {
      if (rr.target === null) this.ctx.warn(`${parent.path}/${name}: a symbolic link without an SL entry`);
      parent.add(new SymlinkItem(name, rr.target ?? "", attrs, this.defaultTimeMs));
      return;
    }
    if (rr && (type === 0o010000 || type === 0o140000 || type === 0o020000 || type === 0o060000)) {
      const kind =
        type === 0o010000
          ? "fifo"
          : type === 0o140000
            ? "socket"
            : type === 0o020000
              ? "character-device"
              : "block-device";
      const device = kind === "character-device" || kind === "block-device" ? rr.device : null;
      if ((kind === "character-device" || kind === "block-device") && !device) {
        this.ctx.warn(`${parent.path}/${name}: a device without a PN entry`);
      }
      parent.add(new SpecialItem(name, kind, device, attrs, this.defaultTimeMs));
      return;
    }
    parent.add(new FileItem(name, this.sourceFor(extents, rr), attrs, this.defaultTimeMs));
  }

  /** One source per data: records with the same extent and size (and PX serial, RRIP 1.12) are hard links. */
  private sourceFor(extents: Extent[], rr: RockRidgeRecord | null): FileSource {
    let size = 0;
    for (const e of extents) size += e.bytes;
    const serial = rr?.px?.serial ?? -1;
    // Empty files have no extent to share: only a PX serial (with a link count above 1) ties them together.
    const emptyLink = size === 0 && serial > 0 && (rr?.px?.links ?? 1) > 1;
    if (size === 0 && !emptyLink) return new ExtentSource(this.ctx.source, extents);
    const at = size > 0 ? extents[0].lba : -1;
    let same = this.shared.get(at);
    const found = same?.find((x) => x.size === size && x.serial === serial);
    if (found) return found.source;
    const source = new ExtentSource(this.ctx.source, extents);
    if (!same) {
      same = [];
      this.shared.set(at, same);
    }
    same.push({ size, serial, source });
    return source;
  }
}
