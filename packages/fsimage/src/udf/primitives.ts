// ECMA-167 3rd edition / OSTA UDF 2.60 building blocks, each with encode and decode: the descriptor tag
// (3/7.2), timestamps (1/7.3), entity identifiers (1/7.4, UDF 2.1.5), character set specification (1/7.2.1,
// UDF 2.1.2), OSTA CS0 d-strings (UDF 2.1.1, 2.1.3) and the extent and allocation descriptors (3/7.1, 4/14.14).
import { DecodeError } from "../errors.js";
import { crcItuT } from "./crc.js";

const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** ECMA-167 3/7.2.1 and 4/7.2.1: tag identifiers. */
export const TagId = {
  primaryVolume: 1,
  anchor: 2,
  volumePointer: 3,
  implementationUse: 4,
  partition: 5,
  logicalVolume: 6,
  unallocatedSpace: 7,
  terminating: 8,
  logicalVolumeIntegrity: 9,
  fileSet: 256,
  fileIdentifier: 257,
  allocationExtent: 258,
  indirectEntry: 259,
  terminalEntry: 260,
  fileEntry: 261,
  extendedAttributeHeader: 262,
  unallocatedSpaceEntry: 263,
  spaceBitmap: 264,
  partitionIntegrity: 265,
  extendedFileEntry: 266,
} as const;

export interface DescriptorTag {
  identifier: number;
  /** 2 for NSR02 (UDF < 2.00), 3 for NSR03. */
  version: number;
  serialNumber: number;
  /** The block this descriptor is recorded at (absolute for volume structures, partition-relative inside). */
  location: number;
}

export const TAG_SIZE = 16;

/**
 * 3/7.2: writes the tag into the first 16 bytes of `descriptor` and computes its CRC over the bytes after the
 * tag (`crcLength` of them; default all) and the tag checksum.
 */
export function writeTag(descriptor: Uint8Array, tag: DescriptorTag, crcLength = descriptor.length - TAG_SIZE): void {
  const v = le(descriptor);
  v.setUint16(0, tag.identifier, true);
  v.setUint16(2, tag.version, true);
  descriptor[5] = 0;
  v.setUint16(6, tag.serialNumber, true);
  v.setUint16(8, crcItuT(descriptor.subarray(TAG_SIZE, TAG_SIZE + crcLength)), true);
  v.setUint16(10, crcLength, true);
  v.setUint32(12, tag.location, true);
  let sum = 0;
  for (let i = 0; i < TAG_SIZE; i++) if (i !== 4) sum += descriptor[i];
  descriptor[4] = sum & 0xff;
}

/** Reads and checks a tag: checksum, CRC (when the data is there), and optionally the identifier and location. */
export function readTag(b: Uint8Array, expect?: { identifier?: number; location?: number }): DescriptorTag {
  if (b.length < TAG_SIZE) throw new DecodeError("descriptor tag is truncated");
  let sum = 0;
  for (let i = 0; i < TAG_SIZE; i++) if (i !== 4) sum += b[i];
  if ((sum & 0xff) !== b[4]) throw new DecodeError("descriptor tag checksum does not match");
  const v = le(b);
  const tag: DescriptorTag = {
    identifier: v.getUint16(0, true),
    version: v.getUint16(2, true),
    serialNumber: v.getUint16(6, true),
    location: v.getUint32(12, true),
  };
  const crcLength = v.getUint16(10, true);
  if (
    TAG_SIZE + crcLength <= b.length &&
    crcItuT(b.subarray(TAG_SIZE, TAG_SIZE + crcLength)) !== v.getUint16(8, true)
  ) {
    throw new DecodeError(`descriptor (tag ${tag.identifier}) CRC does not match`);
  }
  if (expect?.identifier !== undefined && tag.identifier !== expect.identifier) {
    throw new DecodeError(`expected descriptor tag ${expect.identifier}, found ${tag.identifier}`);
  }
  if (expect?.location !== undefined && tag.location !== expect.location) {
    throw new DecodeError(`descriptor says it is at block ${tag.location}, found at ${expect.location}`);
  }
  return tag;
}

/** 1/7.3: a timestamp as milliseconds since the epoch and the recorded offset from UTC in minutes. */
export interface UdfTime {
  epochMs: number;
  utcOffsetMinutes: number;
}

export function writeTimestamp(b: Uint8Array, off: number, t: UdfTime): void {
  const v = le(b);
  const local = new Date(t.epochMs + t.utcOffsetMinutes * 60_000);
  // Type 1 (local time) with the offset in minutes as a 12-bit two's complement number.
  v.setUint16(off, (1 << 12) | (t.utcOffsetMinutes & 0xfff), true);
  v.setInt16(off + 2, local.getUTCFullYear(), true);
  b[off + 4] = local.getUTCMonth() + 1;
  b[off + 5] = local.getUTCDate();
  b[off + 6] = local.getUTCHours();
  b[off + 7] = local.getUTCMinutes();
  b[off + 8] = local.getUTCSeconds();
  const ms = local.getUTCMilliseconds();
  b[off + 9] = Math.floor(ms / 10); // centiseconds
  b[off + 10] = (ms % 10) * 10; // hundreds of microseconds
  b[off + 11] = 0; // microseconds
}

export function readTimestamp(b: Uint8Array, off: number): UdfTime {
  const v = le(b);
  const typeTz = v.getUint16(off, true);
  let offset = typeTz & 0xfff;
  if (offset & 0x800) offset -= 0x1000;
  if (offset === -2047) offset = 0; // "no time zone specified"
  const wall = Date.UTC(
    v.getInt16(off + 2, true),
    b[off + 4] - 1,
    b[off + 5],
    b[off + 6],
    b[off + 7],
    b[off + 8],
    b[off + 9] * 10 + Math.floor(b[off + 10] / 10),
  );
  return { epochMs: wall - offset * 60_000, utcOffsetMinutes: offset };
}

/** 1/7.4 and UDF 2.1.5: entity identifier (regid): flags, 23-byte identifier, 8-byte suffix. */
export interface EntityId {
  flags: number;
  identifier: string;
  suffix: Uint8Array;
}

export function writeEntityId(b: Uint8Array, off: number, e: EntityId): void {
  b[off] = e.flags;
  b.set(Buffer.from(e.identifier.slice(0, 23), "latin1"), off + 1);
  b.set(e.suffix.subarray(0, 8), off + 24);
}

export function readEntityId(b: Uint8Array, off: number): EntityId {
  let end = off + 24;
  while (end > off + 1 && b[end - 1] === 0) end--;
  return {
    flags: b[off],
    identifier: Buffer.from(b.subarray(off + 1, end)).toString("latin1"),
    suffix: new Uint8Array(b.subarray(off + 24, off + 32)),
  };
}

/** UDF 2.1.5.3: the suffix of domain identifiers: UDF revision (BCD-like 0x0260) and domain flags. */
export function domainSuffix(revision: number, flags = 0): Uint8Array {
  return Uint8Array.of(revision & 0xff, revision >> 8, flags, 0, 0, 0, 0, 0);
}

/** UDF 2.1.5.3: UDF identifier suffix: UDF revision, OS class, OS identifier. */
export function udfSuffix(revision: number): Uint8Array {
  return Uint8Array.of(revision & 0xff, revision >> 8, OS_CLASS_UNIX, OS_ID_LINUX, 0, 0, 0, 0);
}

/** UDF 6.3: operating system class 4 (UNIX), identifier 5 (Linux). */
export const OS_CLASS_UNIX = 4;
export const OS_ID_LINUX = 5;

/** UDF 2.1.5.3: implementation identifier suffix: OS class and identifier. */
export function implementationSuffix(): Uint8Array {
  return Uint8Array.of(OS_CLASS_UNIX, OS_ID_LINUX, 0, 0, 0, 0, 0, 0);
}

/** 1/7.2.1 and UDF 2.1.2: the charspec of OSTA Compressed Unicode (CS0). */
export function writeCharspec(b: Uint8Array, off: number): void {
  b[off] = 0; // CS0
  b.set(Buffer.from("OSTA Compressed Unicode", "latin1"), off + 1);
}

export function readCharspec(b: Uint8Array, off: number): { type: number; info: string } {
  let end = off + 64;
  while (end > off + 1 && b[end - 1] === 0) end--;
  return { type: b[off], info: Buffer.from(b.subarray(off + 1, end)).toString("latin1") };
}

/**
 * UDF 2.1.1: OSTA CS0 "compressed Unicode": a compression ID (8: one byte per character, for text within
 * Latin-1; 16: UCS-2 big-endian) followed by the characters. Characters outside UCS-2 (UDF 2.60 has no
 * surrogates) become "_".
 */
export function encodeCs0(text: string): Uint8Array {
  let wide = false;
  const units: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const u = c > 0xffff ? 0x5f : c;
    if (u > 0xff) wide = true;
    units.push(u);
  }
  if (units.length === 0) return new Uint8Array(0);
  if (!wide) return Uint8Array.of(8, ...units);
  const out = new Uint8Array(1 + units.length * 2);
  out[0] = 16;
  units.forEach((u, i) => {
    out[1 + 2 * i] = u >> 8;
    out[2 + 2 * i] = u & 0xff;
  });
  return out;
}

export function decodeCs0(b: Uint8Array): string {
  if (b.length === 0) return "";
  if (b[0] === 8) return Buffer.from(b.subarray(1)).toString("latin1");
  if (b[0] === 16) {
    let s = "";
    for (let i = 1; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i] << 8) | b[i + 1]);
    return s;
  }
  throw new DecodeError(`OSTA CS0 compression ID ${b[0]} is neither 8 nor 16`);
}

/** Characters of `text` that fit `maxBytes` of CS0 (with its compression ID byte). */
export function truncateCs0(text: string, maxBytes: number): string {
  let out = "";
  for (const ch of text) {
    if (encodeCs0(out + ch).length > maxBytes) break;
    out += ch;
  }
  return out;
}

/** 1/7.2.12: a fixed-length d-string field: CS0 bytes, zero padding, and the used length in the last byte. */
export function writeDstring(b: Uint8Array, off: number, length: number, text: string): void {
  const bytes = encodeCs0(truncateCs0(text, length - 1));
  b.set(bytes, off);
  b[off + length - 1] = bytes.length;
}

export function readDstring(b: Uint8Array, off: number, length: number): string {
  const used = b[off + length - 1];
  if (used === 0) return "";
  if (used > length - 1) throw new DecodeError(`d-string claims ${used} bytes in a ${length}-byte field`);
  return decodeCs0(b.subarray(off, off + used));
}

/** 3/7.1: extent_ad (length, location). */
export interface ExtentAd {
  length: number;
  location: number;
}
export function writeExtentAd(b: Uint8Array, off: number, e: ExtentAd): void {
  le(b).setUint32(off, e.length, true);
  le(b).setUint32(off + 4, e.location, true);
}
export function readExtentAd(b: Uint8Array, off: number): ExtentAd {
  return { length: le(b).getUint32(off, true), location: le(b).getUint32(off + 4, true) };
}

/** 4/14.14.1: short_ad; the top two bits of the length are the extent type (0: recorded and allocated). */
export interface ShortAd {
  length: number;
  type: number;
  position: number;
}
export function writeShortAd(b: Uint8Array, off: number, a: ShortAd): void {
  le(b).setUint32(off, ((a.type << 30) | a.length) >>> 0, true);
  le(b).setUint32(off + 4, a.position, true);
}
export function readShortAd(b: Uint8Array, off: number): ShortAd {
  const raw = le(b).getUint32(off, true);
  return { length: raw & 0x3fffffff, type: raw >>> 30, position: le(b).getUint32(off + 4, true) };
}

/** 4/14.14.2: long_ad: length (with type), lb_addr (block, partition reference), 6 bytes implementation use. */
export interface LongAd {
  length: number;
  type: number;
  block: number;
  partition: number;
  /** UDF 2.3.4.3: ADImpUse: flags (2 bytes) and the UDF unique ID's low 32 bits (in FIDs). */
  implementationUse: Uint8Array;
}
export function writeLongAd(b: Uint8Array, off: number, a: LongAd): void {
  le(b).setUint32(off, ((a.type << 30) | a.length) >>> 0, true);
  le(b).setUint32(off + 4, a.block, true);
  le(b).setUint16(off + 8, a.partition, true);
  b.set(a.implementationUse.subarray(0, 6), off + 10);
}
export function readLongAd(b: Uint8Array, off: number): LongAd {
  const raw = le(b).getUint32(off, true);
  return {
    length: raw & 0x3fffffff,
    type: raw >>> 30,
    block: le(b).getUint32(off + 4, true),
    partition: le(b).getUint16(off + 8, true),
    implementationUse: new Uint8Array(b.subarray(off + 10, off + 16)),
  };
}

/** UDF 2.3.10: the largest extent that stays a whole number of 2048-byte blocks (2^30 - 2048). */
export const MAX_EXTENT_BYTES = 0x40000000 - 2048;
