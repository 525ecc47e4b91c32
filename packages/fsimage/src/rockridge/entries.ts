// System Use Sharing Protocol 1.12 (SUSP) and Rock Ridge Interchange Protocol 1.12 / 1.09 (RRIP) entries:
// one encode/decode pair per entry. Every entry starts with a 4-byte header (SUSP 4.1): signature (2),
// length (1), version (1).

import {
  decodeDirectoryDate,
  decodeVolumeDate,
  encodeDirectoryDate,
  encodeVolumeDate,
  type RecordedTime,
} from "../ecma119/dates.js";
import { readU32Both, writeU32Both } from "../encoding/bothEndian.js";
import { DecodeError } from "../errors.js";

export interface SuspEntry {
  signature: string;
  version: number;
  /** The bytes after the 4-byte header. */
  data: Uint8Array;
}

/** The longest a single entry can be (its length field is one byte). */
export const MAX_ENTRY_LENGTH = 255;

function entry(signature: string, data: Uint8Array, version = 1): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  out[0] = signature.charCodeAt(0);
  out[1] = signature.charCodeAt(1);
  out[2] = out.length; // SUSP 4.1.2 LEN
  out[3] = version; // SUSP 4.1.3 version
  out.set(data, 4);
  return out;
}

/** Splits a System Use area (or continuation area) into entries; stops at padding or an ST terminator. */
export function decodeSystemUse(area: Uint8Array, skip = 0): SuspEntry[] {
  const out: SuspEntry[] = [];
  let off = skip;
  while (off + 4 <= area.length) {
    const len = area[off + 2];
    if (len < 4 || off + len > area.length) break; // padding (0 bytes) or a damaged tail
    const signature = String.fromCharCode(area[off], area[off + 1]);
    if (signature === "ST") break; // SUSP 5.4 terminator
    out.push({ signature, version: area[off + 3], data: area.slice(off + 4, off + len) });
    off += len;
  }
  return out;
}

function u32both(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  values.forEach((v, i) => {
    writeU32Both(out, i * 8, v);
  });
  return out;
}

// SUSP 5.3: SP, the "SUSP in use" indicator in the root's "." record; check bytes BE EF.
export function encodeSP(lenSkp = 0): Uint8Array {
  return entry("SP", Uint8Array.of(0xbe, 0xef, lenSkp));
}
export function decodeSP(e: SuspEntry): { lenSkp: number } {
  if (e.data[0] !== 0xbe || e.data[1] !== 0xef) throw new DecodeError("SP entry lacks its BE EF check bytes");
  return { lenSkp: e.data[2] };
}

// SUSP 5.1: CE, continuation area: block, offset within it, length.
export interface ContinuationArea {
  block: number;
  offset: number;
  length: number;
}
export const CE_LENGTH = 28;
export function encodeCE(c: ContinuationArea): Uint8Array {
  return entry("CE", u32both([c.block, c.offset, c.length]));
}
export function decodeCE(e: SuspEntry): ContinuationArea {
  return { block: readU32Both(e.data, 0), offset: readU32Both(e.data, 8), length: readU32Both(e.data, 16) };
}

// SUSP 5.5: ER, extensions reference.
export interface ExtensionReference {
  identifier: string;
  descriptor: string;
  source: string;
  version: number;
}
export function encodeER(er: ExtensionReference): Uint8Array {
  const id = Buffer.from(er.identifier, "latin1");
  const des = Buffer.from(er.descriptor, "latin1");
  const src = Buffer.from(er.source, "latin1");
  return entry("ER", Buffer.concat([Uint8Array.of(id.length, des.length, src.length, er.version), id, des, src]));
}
export function decodeER(e: SuspEntry): ExtensionReference {
  const [li, ld, ls, version] = e.data;
  const text = (a: number, b: number) => Buffer.from(e.data.subarray(a, b)).toString("latin1");
  return {
    identifier: text(4, 4 + li),
    descriptor: text(4 + li, 4 + li + ld),
    source: text(4 + li + ld, 4 + li + ld + ls),
    version,
  };
}

/** RRIP 1.12 (IEEE P1282) and RRIP 1.09/1.10 extension identifiers, as the ER entry records them. */
export const RRIP_1_12: ExtensionReference = {
  identifier: "IEEE_P1282",
  descriptor: "THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.",
  source: "PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION.",
  version: 1,
};
export const RRIP_1_09: ExtensionReference = {
  identifier: "RRIP_1991A",
  descriptor: "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS",
  source:
    "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.",
  version: 1,
};

// RRIP 4.1.1: PX, POSIX file attributes. 1.12 adds the file serial number (44 bytes; 36 without).
export interface PosixAttributes {
  mode: number;
  links: number;
  uid: number;
  gid: number;
  /** File serial number (inode); undefined in the RRIP 1.09 form. */
  serial?: number;
}
export function encodePX(px: PosixAttributes): Uint8Array {
  const values = [px.mode, px.links, px.uid, px.gid];
  if (px.serial !== undefined) values.push(px.serial);
  return entry("PX", u32both(values));
}
export function decodePX(e: SuspEntry): PosixAttributes {
  const px: PosixAttributes = {
    mode: readU32Both(e.data, 0),
    links: readU32Both(e.data, 8),
    uid: readU32Both(e.data, 16),
    gid: readU32Both(e.data, 24),
  };
  if (e.data.length >= 40) px.serial = readU32Both(e.data, 32);
  return px;
}

// RRIP 4.1.2: PN, device number (high, low).
export function encodePN(dev: { high: number; low: number }): Uint8Array {
  return entry("PN", u32both([dev.high, dev.low]));
}
export function decodePN(e: SuspEntry): { high: number; low: number } {
  return { high: readU32Both(e.data, 0), low: readU32Both(e.data, 8) };
}

// RRIP 4.1.3: SL, symbolic link as component records.
export const SlFlags = { continue: 0x01 } as const;
export const SlComponentFlags = { continue: 0x01, current: 0x02, parent: 0x04, root: 0x08 } as const;
export interface SlComponent {
  flags: number;
  content: Uint8Array;
}
export function encodeSL(flags: number, components: readonly SlComponent[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(flags)];
  for (const c of components) parts.push(Uint8Array.of(c.flags, c.content.length), c.content);
  return entry("SL", Buffer.concat(parts));
}
export function decodeSL(e: SuspEntry): { flags: number; components: SlComponent[] } {
  const components: SlComponent[] = [];
  let off = 1;
  while (off + 2 <= e.data.length) {
    const len = e.data[off + 1];
    if (off + 2 + len > e.data.length) throw new DecodeError("SL component record runs past its entry");
    components.push({ flags: e.data[off], content: e.data.slice(off + 2, off + 2 + len) });
    off += 2 + len;
  }
  return { flags: e.data[0], components };
}

// RRIP 4.1.4: NM, alternate name.
export const NmFlags = { continue: 0x01, current: 0x02, parent: 0x04 } as const;
export function encodeNM(flags: number, name: Uint8Array): Uint8Array {
  return entry("NM", Buffer.concat([Uint8Array.of(flags), name]));
}
export function decodeNM(e: SuspEntry): { flags: number; name: Uint8Array } {
  return { flags: e.data[0], name: e.data.slice(1) };
}

// RRIP 4.1.5: CL (child link), PL (parent link), RE (relocated) for deep directory relocation.
export function encodeCL(location: number): Uint8Array {
  return entry("CL", u32both([location]));
}
export function encodePL(location: number): Uint8Array {
  return entry("PL", u32both([location]));
}
export function decodeLink(e: SuspEntry): number {
  return readU32Both(e.data, 0);
}
export function encodeRE(): Uint8Array {
  return entry("RE", new Uint8Array(0));
}

// RRIP 4.1.6: TF, time stamps; short (7-byte) or long (17-byte) form.
export const TfFlags = {
  creation: 0x01,
  modify: 0x02,
  access: 0x04,
  attributes: 0x08,
  backup: 0x10,
  expiration: 0x20,
  effective: 0x40,
  longForm: 0x80,
} as const;
/** Times in the order RRIP 4.1.6 records them (creation, modify, access, attributes, …), present ones only. */
export function encodeTF(flags: number, times: readonly RecordedTime[]): Uint8Array {
  const long = (flags & TfFlags.longForm) !== 0;
  return entry(
    "TF",
    Buffer.concat([Uint8Array.of(flags), ...times.map((t) => (long ? encodeVolumeDate(t) : encodeDirectoryDate(t)))]),
  );
}
export function decodeTF(e: SuspEntry): { flags: number; times: Array<RecordedTime | null> } {
  const flags = e.data[0];
  const size = flags & TfFlags.longForm ? 17 : 7;
  const times: Array<RecordedTime | null> = [];
  for (let off = 1; off + size <= e.data.length; off += size) {
    const bytes = e.data.subarray(off, off + size);
    times.push(size === 17 ? decodeVolumeDate(bytes) : decodeDirectoryDate(bytes));
  }
  return { flags, times };
}

// RRIP 1.09 4.1.7 (dropped in 1.12): RR, which Rock Ridge entries this record carries.
export const RrFlags = { PX: 0x01, PN: 0x02, SL: 0x04, NM: 0x08, CL: 0x10, PL: 0x20, RE: 0x40, TF: 0x80 } as const;
export function encodeRR(flags: number): Uint8Array {
  return entry("RR", Uint8Array.of(flags));
}
