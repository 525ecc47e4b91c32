// ECMA-167 3rd edition part 4 (file structure) with OSTA UDF 2.60 sections 2.3 and 3.3: File Set Descriptor,
// File Identifier Descriptor, ICB tag, (Extended) File Entry, path components, and the Device Specification
// extended attribute. One encode/decode pair per structure.
import { DecodeError } from "../errors.js";
import {
  decodeCs0,
  type EntityId,
  encodeCs0,
  type LongAd,
  readDstring,
  readEntityId,
  readLongAd,
  readTag,
  readTimestamp,
  TagId,
  type UdfTime,
  writeCharspec,
  writeDstring,
  writeEntityId,
  writeLongAd,
  writeTag,
  writeTimestamp,
} from "./primitives.js";
import { BLOCK } from "./volume.js";

const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** 4/14.1 and UDF 2.3.2: File Set Descriptor. */
export interface FileSet {
  recordingTime: UdfTime;
  logicalVolumeIdentifier: string;
  fileSetIdentifier: string;
  rootDirectory: LongAd;
  domain: EntityId;
  /** UDF 2.00+: System Stream Directory ICB (zero length: none). */
  systemStreamDirectory: LongAd | null;
}
export function encodeFileSet(f: FileSet, tag: { version: number; location: number; serial: number }): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = le(b);
  writeTimestamp(b, 16, f.recordingTime);
  v.setUint16(28, 3, true); // Interchange Level
  v.setUint16(30, 3, true); // Maximum Interchange Level
  v.setUint32(32, 1, true); // Character Set List
  v.setUint32(36, 1, true); // Maximum Character Set List
  v.setUint32(40, 0, true); // File Set Number
  v.setUint32(44, 0, true); // File Set Descriptor Number
  writeCharspec(b, 48); // Logical Volume Identifier Character Set
  writeDstring(b, 112, 128, f.logicalVolumeIdentifier);
  writeCharspec(b, 240); // File Set Character Set
  writeDstring(b, 304, 32, f.fileSetIdentifier);
  // 336: Copyright File Identifier, 368: Abstract File Identifier (d-strings, empty)
  writeLongAd(b, 400, f.rootDirectory);
  writeEntityId(b, 416, f.domain);
  // 448: Next Extent (none)
  if (f.systemStreamDirectory) writeLongAd(b, 464, f.systemStreamDirectory);
  writeTag(
    b,
    { identifier: TagId.fileSet, version: tag.version, serialNumber: tag.serial, location: tag.location },
    496,
  );
  return b;
}
export function decodeFileSet(b: Uint8Array): FileSet {
  readTag(b, { identifier: TagId.fileSet });
  return {
    recordingTime: readTimestamp(b, 16),
    logicalVolumeIdentifier: readDstring(b, 112, 128),
    fileSetIdentifier: readDstring(b, 304, 32),
    rootDirectory: readLongAd(b, 400),
    domain: readEntityId(b, 416),
    systemStreamDirectory: readLongAd(b, 464).length > 0 ? readLongAd(b, 464) : null,
  };
}

/** 4/14.4.3: File Characteristics. */
export const FileCharacteristics = {
  hidden: 0x01,
  directory: 0x02,
  deleted: 0x04,
  parent: 0x08,
  metadata: 0x10,
} as const;

/** 4/14.4: File Identifier Descriptor. */
export interface FileIdentifier {
  characteristics: number;
  /** Name as text (CS0-encoded on disc); empty for the parent entry. */
  name: string;
  icb: LongAd;
}

/** 4/14.4: 38 fixed bytes, the name, padded to a multiple of 4 (no implementation use). */
export function fileIdentifierLength(name: string): number {
  const l = 38 + (name === "" ? 0 : encodeCs0(name).length);
  return (l + 3) & ~3;
}

export function encodeFileIdentifier(
  f: FileIdentifier,
  tag: { version: number; location: number; serial: number },
): Uint8Array {
  const id = f.name === "" ? new Uint8Array(0) : encodeCs0(f.name);
  if (id.length > 255) throw new RangeError(`file identifier of ${id.length} bytes exceeds 255`);
  const b = new Uint8Array(fileIdentifierLength(f.name));
  const v = le(b);
  v.setUint16(16, 1, true); // File Version Number
  b[18] = f.characteristics;
  b[19] = id.length; // L_FI
  writeLongAd(b, 20, f.icb);
  v.setUint16(36, 0, true); // L_IU
  b.set(id, 38);
  writeTag(
    b,
    { identifier: TagId.fileIdentifier, version: tag.version, serialNumber: tag.serial, location: tag.location },
    b.length - 16,
  );
  return b;
}

/** Decodes one FID at `off`; returns it and its padded length. */
export function decodeFileIdentifier(b: Uint8Array, off: number): { fid: FileIdentifier; length: number } {
  if (off + 38 > b.length) throw new DecodeError(`file identifier at offset ${off} is truncated`);
  const lfi = b[off + 19];
  const liu = le(b).getUint16(off + 36, true);
  const length = (38 + liu + lfi + 3) & ~3;
  if (off + length > b.length) throw new DecodeError(`file identifier at offset ${off} runs past its directory`);
  readTag(b.subarray(off, off + length), { identifier: TagId.fileIdentifier });
  const nameStart = off + 38 + liu;
  return {
    fid: {
      characteristics: b[off + 18],
      name: lfi === 0 ? "" : decodeCs0(b.subarray(nameStart, nameStart + lfi)),
      icb: readLongAd(b, off + 20),
    },
    length,
  };
}

/** 4/14.6.6: ICB file types. */
export const IcbFileType = {
  directory: 4,
  file: 5,
  blockDevice: 6,
  characterDevice: 7,
  fifo: 9,
  socket: 10,
  symlink: 12,
  streamDirectory: 13,
  metadata: 250,
  metadataMirror: 251,
  metadataBitmap: 252,
} as const;

/** 4/14.6.8: ICB flags: allocation descriptor type (0 short, 1 long, 3 embedded) and the POSIX special bits. */
export const IcbFlags = {
  short: 0,
  long: 1,
  embedded: 3,
  setuid: 0x40,
  setgid: 0x80,
  sticky: 0x100,
  contiguous: 0x200,
} as const;

/** 4/14.9 and 4/14.17: File Entry or Extended File Entry (UDF 2.00+). */
export interface FileEntry {
  extended: boolean;
  fileType: number;
  /** Allocation type and flags (IcbFlags). */
  icbFlags: number;
  uid: number;
  gid: number;
  /** 4/14.9.5 permissions: five bits (execute, write, read, change attributes, delete) for other, group, owner. */
  permissions: number;
  linkCount: number;
  informationLength: bigint;
  logicalBlocksRecorded: bigint;
  accessTime: UdfTime;
  modificationTime: UdfTime;
  /** EFE only. */
  creationTime: UdfTime;
  attributeTime: UdfTime;
  implementationIdentifier: EntityId;
  uniqueId: bigint;
  extendedAttributes: Uint8Array;
  /** Allocation descriptors, or the data itself when embedded. */
  allocationDescriptors: Uint8Array;
}

export const FILE_ENTRY_BASE = 176;
export const EXTENDED_FILE_ENTRY_BASE = 216;

export function encodeFileEntry(f: FileEntry, tag: { version: number; location: number; serial: number }): Uint8Array {
  const base = f.extended ? EXTENDED_FILE_ENTRY_BASE : FILE_ENTRY_BASE;
  const length = base + f.extendedAttributes.length + f.allocationDescriptors.length;
  if (length > BLOCK) throw new RangeError(`file entry of ${length} bytes exceeds a block`);
  const b = new Uint8Array(length);
  const v = le(b);
  // 4/14.6 ICB tag at 16: strategy 4, one entry, file type, flags.
  v.setUint16(20, 4, true);
  v.setUint16(24, 1, true);
  b[27] = f.fileType;
  v.setUint16(34, f.icbFlags, true);
  v.setUint32(36, f.uid, true);
  v.setUint32(40, f.gid, true);
  v.setUint32(44, f.permissions, true);
  v.setUint16(48, f.linkCount, true);
  // 50: record format, 51: record display attributes, 52: record length (0)
  v.setBigUint64(56, f.informationLength, true);
  let off = 64;
  if (f.extended) {
    v.setBigUint64(64, f.informationLength, true); // Object Size
    off = 72;
  }
  v.setBigUint64(off, f.logicalBlocksRecorded, true);
  writeTimestamp(b, off + 8, f.accessTime);
  writeTimestamp(b, off + 20, f.modificationTime);
  if (f.extended) {
    writeTimestamp(b, off + 32, f.creationTime);
    off += 12;
  }
  writeTimestamp(b, off + 32, f.attributeTime);
  v.setUint32(off + 44, 1, true); // Checkpoint
  // off + 48: Extended Attribute ICB (EFE: + reserved 4 before it, stream directory ICB after)
  const implOff = f.extended ? 168 : 128; // 4/14.17.19 and 4/14.9.17: Implementation Identifier
  writeEntityId(b, implOff, f.implementationIdentifier);
  v.setBigUint64(implOff + 32, f.uniqueId, true);
  v.setUint32(implOff + 40, f.extendedAttributes.length, true);
  v.setUint32(implOff + 44, f.allocationDescriptors.length, true);
  b.set(f.extendedAttributes, base);
  b.set(f.allocationDescriptors, base + f.extendedAttributes.length);
  const identifier = f.extended ? TagId.extendedFileEntry : TagId.fileEntry;
  writeTag(b, { identifier, version: tag.version, serialNumber: tag.serial, location: tag.location }, length - 16);
  return b;
}

export function decodeFileEntry(b: Uint8Array): FileEntry {
  const tag = readTag(b);
  if (tag.identifier !== TagId.fileEntry && tag.identifier !== TagId.extendedFileEntry) {
    throw new DecodeError(`expected a file entry, found descriptor tag ${tag.identifier}`);
  }
  const extended = tag.identifier === TagId.extendedFileEntry;
  const v = le(b);
  const base = extended ? EXTENDED_FILE_ENTRY_BASE : FILE_ENTRY_BASE;
  const implOff = extended ? 168 : 128;
  const lea = v.getUint32(implOff + 40, true);
  const lad = v.getUint32(implOff + 44, true);
  if (base + lea + lad > b.length)
    throw new DecodeError(`file entry claims ${lea} + ${lad} bytes past its base in ${b.length}`);
  const off = extended ? 72 : 64;
  const t = (o: number) => readTimestamp(b, o);
  return {
    extended,
    fileType: b[27],
    icbFlags: v.getUint16(34, true),
    uid: v.getUint32(36, true),
    gid: v.getUint32(40, true),
    permissions: v.getUint32(44, true),
    linkCount: v.getUint16(48, true),
    informationLength: v.getBigUint64(56, true),
    logicalBlocksRecorded: v.getBigUint64(off, true),
    accessTime: t(off + 8),
    modificationTime: t(off + 20),
    creationTime: extended ? t(off + 32) : t(off + 20),
    attributeTime: extended ? t(off + 44) : t(off + 32),
    implementationIdentifier: readEntityId(b, implOff),
    uniqueId: v.getBigUint64(implOff + 32, true),
    extendedAttributes: new Uint8Array(b.subarray(base, base + lea)),
    allocationDescriptors: new Uint8Array(b.subarray(base + lea, base + lea + lad)),
  };
}

/**
 * POSIX permission bits to ECMA-167 4/14.9.5: the same execute/write/read order per class, other in bits 0-4,
 * group 5-9, owner 10-14; the owner may also change attributes and delete when it may write (as mkudffs does).
 */
export function udfPermissions(mode: number): number {
  const ownerExtra = mode & 0o200 ? 0x18 : 0;
  return (mode & 7) | (((mode >> 3) & 7) << 5) | ((((mode >> 6) & 7) | ownerExtra) << 10);
}

export function posixPermissions(udf: number): number {
  const triple = (bits: number) => bits & 7;
  return triple(udf) | (triple(udf >> 5) << 3) | (triple(udf >> 10) << 6);
}

/** 4/14.16.1: path component types (UDF 2.3.12: type 1 shall not be used). */
export const ComponentType = { root: 2, parent: 3, current: 4, name: 5 } as const;

/** 4/14.16: a symbolic link's target as path components. */
export function encodePathComponents(target: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const push = (type: number, name = "") => {
    const id = name === "" ? new Uint8Array(0) : encodeCs0(name);
    const c = new Uint8Array(4 + id.length);
    c[0] = type;
    c[1] = id.length;
    c.set(id, 4);
    parts.push(c);
  };
  if (target.startsWith("/")) push(ComponentType.root);
  for (const p of target.split("/")) {
    if (p === "") continue;
    if (p === ".") push(ComponentType.current);
    else if (p === "..") push(ComponentType.parent);
    else push(ComponentType.name, p);
  }
  return Buffer.concat(parts);
}

export function decodePathComponents(b: Uint8Array): string {
  const out: string[] = [];
  let absolute = false;
  for (let off = 0; off + 4 <= b.length; ) {
    const type = b[off];
    const len = b[off + 1];
    if (off + 4 + len > b.length) throw new DecodeError("path component runs past the symlink data");
    if (type === ComponentType.root || type === 1) {
      absolute = true;
      out.length = 0;
    } else if (type === ComponentType.parent) out.push("..");
    else if (type === ComponentType.current) out.push(".");
    else if (type === ComponentType.name) out.push(decodeCs0(b.subarray(off + 4, off + 4 + len)));
    else throw new DecodeError(`path component type ${type} is unknown`);
    off += 4 + len;
  }
  return (absolute ? "/" : "") + out.join("/");
}

/**
 * 4/14.10.1 Extended Attribute Header Descriptor followed by one 4/14.10.7 Device Specification attribute
 * (type 12, subtype 1) holding the major and minor numbers.
 */
export function encodeDeviceAttributes(
  major: number,
  minor: number,
  tag: { version: number; location: number; serial: number },
): Uint8Array {
  const b = new Uint8Array(24 + 24);
  const v = le(b);
  v.setUint32(16, 24, true); // Implementation Attributes Location: after this header (none)
  v.setUint32(20, 24, true); // Application Attributes Location
  v.setUint32(24, 12, true); // Attribute Type: device specification
  b[28] = 1; // Attribute Subtype
  v.setUint32(32, 24, true); // Attribute Length
  v.setUint32(36, 0, true); // Implementation Use Length
  v.setUint32(40, major, true);
  v.setUint32(44, minor, true);
  writeTag(b.subarray(0, 24), { identifier: TagId.extendedAttributeHeader, ...tag, serialNumber: tag.serial }, 8);
  return b;
}

export function decodeDeviceAttributes(ea: Uint8Array): { major: number; minor: number } | null {
  if (ea.length < 24) return null;
  readTag(ea.subarray(0, 24), { identifier: TagId.extendedAttributeHeader });
  const v = le(ea);
  for (let off = 24; off + 12 <= ea.length; ) {
    const type = v.getUint32(off, true);
    const len = v.getUint32(off + 8, true);
    if (len < 12 || off + len > ea.length) break;
    if (type === 12 && len >= 24) return { major: v.getUint32(off + 16, true), minor: v.getUint32(off + 20, true) };
    off += len;
  }
  return null;
}
