// Rock Ridge (RRIP 1.12, or 1.09 on request) for the ISO 9660 hierarchy: which SUSP entries each directory
// record carries, and how they are split between the record and continuation areas (SUSP 5.1).
import type { RecordedTime } from "../ecma119/dates.js";
import { SECTOR_SIZE } from "../layout/allocator.js";
import {
  CE_LENGTH,
  encodeCL,
  encodeER,
  encodeNM,
  encodePL,
  encodePN,
  encodePX,
  encodeRE,
  encodeRR,
  encodeSL,
  encodeSP,
  encodeTF,
  MAX_ENTRY_LENGTH,
  NmFlags,
  RRIP_1_09,
  RRIP_1_12,
  RrFlags,
  type SlComponent,
  SlComponentFlags,
  SlFlags,
  TfFlags,
} from "../rockridge/entries.js";
import { fileTypeBits, type ImageItem } from "../tree/items.js";

export interface RockRidgeOptions {
  /** "1.12" (IEEE P1282, PX with serial numbers; default) or "1.09" (RRIP_1991A, with RR entries). */
  version: "1.12" | "1.09";
  /** mkisofs -r style: owner root, everything readable, no write or special bits. Otherwise the tree's own. */
  normalizeAttributes: boolean;
  /** Record access and attribute-change times as the modification time (they change when a tree is read). */
  reproducible: boolean;
}

/** What one directory record says in Rock Ridge. */
export interface RockRidgeRecord {
  /** The root's "." record carries SP and ER (SUSP 5.3, 5.5). */
  isRootDot: boolean;
  /** Whose attributes: the item itself, the directory for ".", its parent for "..". */
  item: ImageItem;
  /** Alternate name (NM) for ordinary entries; null for "." and "..". */
  name: string | null;
  links: number;
  serial: number;
  /** RRIP 4.1.5: this record stands for a relocated directory (CL to it), is in the relocation directory (RE), or is the ".." of a relocated directory (PL to its true parent). */
  childLink: number | null;
  parentLink: number | null;
  relocated: boolean;
}

const TF_TIMES = TfFlags.modify | TfFlags.access | TfFlags.attributes;
const SHORT_TF_MIN = Date.UTC(1900, 0, 1);
const SHORT_TF_MAX = Date.UTC(2155, 11, 31, 23, 59, 59);

/** Modification, access and attribute-change times, in TF order (RRIP 4.1.6). */
function timesOf(item: ImageItem, reproducible: boolean): number[] {
  return reproducible ? [item.mtimeMs, item.mtimeMs, item.mtimeMs] : [item.mtimeMs, item.atimeMs, item.ctimeMs];
}

function needsLongTimes(times: number[]): boolean {
  return times.some((ms) => ms < SHORT_TF_MIN || ms > SHORT_TF_MAX);
}

/** mkisofs -r: read for all, execute for all if any, no write bits, no setuid/setgid/sticky. */
export function normalizedPermissions(item: ImageItem): number {
  if (item.kind === "symlink") return 0o777;
  const anyExec = item.kind === "directory" || (item.mode & 0o111) !== 0;
  return 0o444 | (anyExec ? 0o111 : 0);
}

/** Splits a symbolic link target into SL component records (RRIP 4.1.3.1). */
export function symlinkComponents(target: string): SlComponent[] {
  const out: SlComponent[] = [];
  if (target.startsWith("/")) out.push({ flags: SlComponentFlags.root, content: new Uint8Array(0) });
  for (const part of target.split("/")) {
    if (part === "") continue;
    if (part === ".") out.push({ flags: SlComponentFlags.current, content: new Uint8Array(0) });
    else if (part === "..") out.push({ flags: SlComponentFlags.parent, content: new Uint8Array(0) });
    else {
      // A component longer than fits one entry continues in the next component record.
      const bytes = Buffer.from(part, "utf8");
      const max = MAX_ENTRY_LENGTH - 5 - 2;
      for (let off = 0; off < bytes.length; off += max) {
        const last = off + max >= bytes.length;
        out.push({
          flags: last ? 0 : SlComponentFlags.continue,
          content: new Uint8Array(bytes.subarray(off, off + max)),
        });
      }
    }
  }
  return out;
}

/** Packs component records into SL entries of at most 255 bytes; all but the last carry the CONTINUE flag. */
function slEntries(target: string): Uint8Array[] {
  const groups: SlComponent[][] = [[]];
  let size = 5;
  for (const c of symlinkComponents(target)) {
    if (size + 2 + c.content.length > MAX_ENTRY_LENGTH) {
      groups.push([]);
      size = 5;
    }
    groups[groups.length - 1].push(c);
    size += 2 + c.content.length;
  }
  return groups.map((g, i) => encodeSL(i < groups.length - 1 ? SlFlags.continue : 0, g));
}

/**
 * NM entries for a name (UTF-8), split with the CONTINUE flag at 250 bytes, or first at `firstMax` bytes so
 * that the record itself holds the start of the name (readers that ignore continuation areas still see a
 * prefix of it). Splits fall on UTF-8 character boundaries.
 */
function nmEntries(name: string, firstMax = MAX_ENTRY_LENGTH - 5): Uint8Array[] {
  const bytes = Buffer.from(name, "utf8");
  const out: Uint8Array[] = [];
  let off = 0;
  let max = Math.max(1, Math.min(firstMax, MAX_ENTRY_LENGTH - 5));
  do {
    let end = Math.min(bytes.length, off + max);
    while (end < bytes.length && end > off + 1 && (bytes[end] & 0xc0) === 0x80) end--;
    out.push(encodeNM(end < bytes.length ? NmFlags.continue : 0, bytes.subarray(off, end)));
    off = end;
    max = MAX_ENTRY_LENGTH - 5;
  } while (off < bytes.length);
  return out;
}

/**
 * RRIP 4.1.2 records a dev_t as high and low 32 bits. The dev_t here is glibc's encoding (gnu_dev_makedev),
 * as xorriso writes it; the Linux kernel decodes it from a zero high half the same way.
 */
export function deviceNumberHalves(d: { major: number; minor: number }): { high: number; low: number } {
  const major = BigInt(d.major);
  const minor = BigInt(d.minor);
  const dev = ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
  return { high: Number(dev >> 32n), low: Number(dev & 0xffffffffn) };
}

export class RockRidgeWriter {
  constructor(readonly options: RockRidgeOptions) {}

  private mode(item: ImageItem): number {
    const perms = this.options.normalizeAttributes ? normalizedPermissions(item) : item.mode & 0o7777;
    return fileTypeBits(item) | perms;
  }

  /**
   * Every SUSP entry of a record, in order; LBAs of CL/PL as given (0 while sizing). PX and TF come first and
   * stay in the record (pycdlib infers the RRIP version from the record's PX); `recordBudget` (the record's
   * room for System Use) lets a long name start in the record and continue in the continuation area.
   */
  entries(r: RockRidgeRecord, recordBudget?: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const v109 = this.options.version === "1.09";
    const item = r.item;
    if (r.isRootDot) out.push(encodeSP());
    if (v109) {
      let flags = RrFlags.PX | RrFlags.TF;
      if (r.name !== null) flags |= RrFlags.NM;
      if (item.kind === "symlink" && r.name !== null) flags |= RrFlags.SL;
      if ((item.kind === "character-device" || item.kind === "block-device") && r.name !== null) flags |= RrFlags.PN;
      if (r.childLink !== null) flags |= RrFlags.CL;
      if (r.parentLink !== null) flags |= RrFlags.PL;
      if (r.relocated) flags |= RrFlags.RE;
      out.push(encodeRR(flags));
    }
    const normalize = this.options.normalizeAttributes;
    out.push(
      encodePX({
        mode: this.mode(item),
        links: r.links,
        uid: normalize ? 0 : item.uid,
        gid: normalize ? 0 : item.gid,
        serial: v109 ? undefined : r.serial,
      }),
    );
    const times = timesOf(item, this.options.reproducible);
    out.push(
      encodeTF(
        TF_TIMES | (needsLongTimes(times) ? TfFlags.longForm : 0),
        times.map((ms): RecordedTime => ({ epochMs: ms, utcOffsetMinutes: 0 })),
      ),
    );
    if (r.name !== null) {
      // The name starts in the record even when it continues elsewhere: readers that ignore continuation
      // areas then show a prefix of it rather than the ISO 9660 name.
      const before = out.reduce((n, e) => n + e.length, 0);
      const firstMax = recordBudget === undefined ? undefined : recordBudget - before - CE_LENGTH - 5;
      out.push(...nmEntries(r.name, firstMax !== undefined && firstMax > 0 ? firstMax : undefined));
    }
    if (r.name !== null) {
      if (item.kind === "symlink") out.push(...slEntries(item.target));
      if ((item.kind === "character-device" || item.kind === "block-device") && item.device) {
        out.push(encodePN(deviceNumberHalves(item.device)));
      }
    }
    if (r.childLink !== null) out.push(encodeCL(r.childLink));
    if (r.parentLink !== null) out.push(encodePL(r.parentLink));
    if (r.relocated) out.push(encodeRE());
    if (r.isRootDot) out.push(encodeER(this.options.version === "1.09" ? RRIP_1_09 : RRIP_1_12));
    return out;
  }

  /** Total length of entries(r), computed without encoding for the common short case. */
  length(r: RockRidgeRecord): number {
    const item = r.item;
    const simple =
      !r.isRootDot && item.kind !== "symlink" && (r.name === null || r.name.length * 3 <= MAX_ENTRY_LENGTH - 5);
    if (!simple) return this.entries(r).reduce((n, e) => n + e.length, 0);
    let n = this.options.version === "1.09" ? 5 + 36 : 44; // RR + PX (36 bytes), or PX (44 bytes)
    n += 5 + (needsLongTimes(timesOf(item, this.options.reproducible)) ? 17 : 7) * 3; // TF
    if (r.name !== null) n += 5 + Buffer.byteLength(r.name, "utf8"); // NM
    if (r.name !== null && (item.kind === "character-device" || item.kind === "block-device") && item.device) n += 20;
    if (r.childLink !== null) n += 12;
    if (r.parentLink !== null) n += 12;
    if (r.relocated) n += 4;
    return n;
  }
}

/** How a record's entries are split: what stays in the record, what goes to continuation pieces. */
export interface SystemUseSplit {
  inRecord: Uint8Array[];
  /** Entries of each continuation piece; each piece fits one block with room for a chaining CE. */
  pieces: Uint8Array[][];
}

/** SUSP 5.1: entries that do not fit `budget` bytes of the record move to continuation areas. */
export function splitSystemUse(entries: Uint8Array[], budget: number): SystemUseSplit {
  const total = entries.reduce((n, e) => n + e.length, 0);
  if (total <= budget) return { inRecord: entries, pieces: [] };
  let i = 0;
  let used = 0;
  while (i < entries.length && used + entries[i].length <= budget - CE_LENGTH) used += entries[i++].length;
  const pieces: Uint8Array[][] = [[]];
  let size = 0;
  for (; i < entries.length; i++) {
    if (size + entries[i].length > SECTOR_SIZE - CE_LENGTH) {
      pieces.push([]);
      size = 0;
    }
    pieces[pieces.length - 1].push(entries[i]);
    size += entries[i].length;
  }
  return { inRecord: entries.slice(0, entries.length - pieces.flat().length), pieces };
}

/** Length of a continuation piece as written: its entries plus the CE that chains to the next, if any. */
export function pieceLength(split: SystemUseSplit, k: number): number {
  return split.pieces[k].reduce((n, e) => n + e.length, 0) + (k < split.pieces.length - 1 ? CE_LENGTH : 0);
}
