// ECMA-167 3rd edition part 2 (Volume Recognition Sequence) and part 3 (volume structure), with OSTA UDF 2.60
// section 2.2: one encode/decode pair per descriptor. Every descriptor fills one 2048-byte block.
import { DecodeError } from "../errors.js";
import {
  type EntityId,
  type ExtentAd,
  type LongAd,
  readDstring,
  readEntityId,
  readExtentAd,
  readLongAd,
  readTag,
  readTimestamp,
  TagId,
  type UdfTime,
  writeCharspec,
  writeDstring,
  writeEntityId,
  writeExtentAd,
  writeLongAd,
  writeTag,
  writeTimestamp,
} from "./primitives.js";

export const BLOCK = 2048;
const le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** 2/9.1: a Volume Structure Descriptor of the recognition sequence: BEA01, NSR02/NSR03, TEA01. */
export function encodeVolumeStructure(identifier: "BEA01" | "NSR02" | "NSR03" | "TEA01"): Uint8Array {
  const b = new Uint8Array(BLOCK);
  b[0] = 0; // structure type
  b.set(Buffer.from(identifier, "latin1"), 1);
  b[6] = 1; // structure version
  return b;
}

export function decodeVolumeStructure(b: Uint8Array): string {
  return Buffer.from(b.subarray(1, 6)).toString("latin1");
}

/** 3/10.2: Anchor Volume Descriptor Pointer. */
export interface Anchor {
  main: ExtentAd;
  reserve: ExtentAd;
}
export function encodeAnchor(a: Anchor, tag: { version: number; location: number; serial: number }): Uint8Array {
  const b = new Uint8Array(BLOCK);
  writeExtentAd(b, 16, a.main);
  writeExtentAd(b, 24, a.reserve);
  writeTag(
    b,
    { identifier: TagId.anchor, version: tag.version, serialNumber: tag.serial, location: tag.location },
    496,
  );
  return b;
}
export function decodeAnchor(b: Uint8Array, location?: number): Anchor {
  readTag(b, { identifier: TagId.anchor, location });
  return { main: readExtentAd(b, 16), reserve: readExtentAd(b, 24) };
}

/** 3/10.1: Primary Volume Descriptor (UDF 2.2.2). */
export interface PrimaryVolume {
  sequenceNumber: number;
  volumeIdentifier: string;
  volumeSetIdentifier: string;
  applicationIdentifier: EntityId;
  recordingTime: UdfTime;
  implementationIdentifier: EntityId;
}
export function encodePrimaryVolume(
  p: PrimaryVolume,
  tag: { version: number; location: number; serial: number },
): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = le(b);
  v.setUint32(16, p.sequenceNumber, true); // Volume Descriptor Sequence Number
  v.setUint32(20, 0, true); // Primary Volume Descriptor Number
  writeDstring(b, 24, 32, p.volumeIdentifier);
  v.setUint16(56, 1, true); // Volume Sequence Number
  v.setUint16(58, 1, true); // Maximum Volume Sequence Number
  v.setUint16(60, 2, true); // Interchange Level (UDF 2.2.2.1: 2 for a single volume)
  v.setUint16(62, 3, true); // Maximum Interchange Level
  v.setUint32(64, 1, true); // Character Set List: CS0
  v.setUint32(68, 1, true); // Maximum Character Set List
  writeDstring(b, 72, 128, p.volumeSetIdentifier);
  writeCharspec(b, 200); // Descriptor Character Set
  writeCharspec(b, 264); // Explanatory Character Set
  // 328: Volume Abstract, 336: Volume Copyright Notice (extent_ad, none)
  writeEntityId(b, 344, p.applicationIdentifier);
  writeTimestamp(b, 376, p.recordingTime);
  writeEntityId(b, 388, p.implementationIdentifier);
  // 420: Implementation Use (64), 484: Predecessor VDS Location, 488: Flags
  writeTag(
    b,
    { identifier: TagId.primaryVolume, version: tag.version, serialNumber: tag.serial, location: tag.location },
    496,
  );
  return b;
}
export function decodePrimaryVolume(b: Uint8Array): PrimaryVolume {
  readTag(b, { identifier: TagId.primaryVolume });
  return {
    sequenceNumber: le(b).getUint32(16, true),
    volumeIdentifier: readDstring(b, 24, 32),
    volumeSetIdentifier: readDstring(b, 72, 128),
    applicationIdentifier: readEntityId(b, 344),
    recordingTime: readTimestamp(b, 376),
    implementationIdentifier: readEntityId(b, 388),
  };
}

/** 3/10.4 and UDF 2.2.7: Implementation Use Volume Descriptor with the "*UDF LV Info" payload. */
export interface LvInfo {
  sequenceNumber: number;
  identifier: EntityId;
  logicalVolumeIdentifier: string;
  info: [string, string, string];
  implementationIdentifier: EntityId;
}
export function encodeImplementationUse(
  u: LvInfo,
  tag: { version: number; location: number; serial: number },
): Uint8Array {
  const b = new Uint8Array(BLOCK);
  le(b).setUint32(16, u.sequenceNumber, true);
  writeEntityId(b, 20, u.identifier);
  writeCharspec(b, 52); // LVICharset
  writeDstring(b, 116, 128, u.logicalVolumeIdentifier);
  writeDstring(b, 244, 36, u.info[0]);
  writeDstring(b, 280, 36, u.info[1]);
  writeDstring(b, 316, 36, u.info[2]);
  writeEntityId(b, 352, u.implementationIdentifier);
  writeTag(
    b,
    { identifier: TagId.implementationUse, version: tag.version, serialNumber: tag.serial, location: tag.location },
    496,
  );
  return b;
}
export function decodeImplementationUse(b: Uint8Array): LvInfo {
  readTag(b, { identifier: TagId.implementationUse });
  return {
    sequenceNumber: le(b).getUint32(16, true),
    identifier: readEntityId(b, 20),
    logicalVolumeIdentifier: readDstring(b, 116, 128),
    info: [readDstring(b, 244, 36), readDstring(b, 280, 36), readDstring(b, 316, 36)],
    implementationIdentifier: readEntityId(b, 352),
  };
}

/** 3/10.5 and UDF 2.2.14: Partition Descriptor. */
export interface Partition {
  sequenceNumber: number;
  number: number;
  /** "+NSR02" (UDF < 2.00) or "+NSR03". */
  contents: EntityId;
  /** 1 read-only, 2 write-once, 3 rewritable, 4 overwritable. */
  accessType: number;
  start: number;
  length: number;
  implementationIdentifier: EntityId;
}
export function encodePartition(p: Partition, tag: { version: number; location: number; serial: number }): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = le(b);
  v.setUint32(16, p.sequenceNumber, true);
  v.setUint16(20, 1, true); // Partition Flags: space allocated
  v.setUint16(22, p.number, true);
  writeEntityId(b, 24, p.contents);
  // 56: Partition Contents Use = Partition Header Descriptor (no space tables on read-only media)
  v.setUint32(184, p.accessType, true);
  v.setUint32(188, p.start, true);
  v.setUint32(192, p.length, true);
  writeEntityId(b, 196, p.implementationIdentifier);
  writeTag(
    b,
    { identifier: TagId.partition, version: tag.version, serialNumber: tag.serial, location: tag.location },
    496,
  );
  return b;
}
export function decodePartition(b: Uint8Array): Partition {
  readTag(b, { identifier: TagId.partition });
  const v = le(b);
  return {
    sequenceNumber: v.getUint32(16, true),
    number: v.getUint16(22, true),
    contents: readEntityId(b, 24),
    accessType: v.getUint32(184, true),
    start: v.getUint32(188, true),
    length: v.getUint32(192, true),
    implementationIdentifier: readEntityId(b, 196),
  };
}

/** 3/10.7 partition maps: type 1 (a physical partition) and type 2 (UDF 2.2.10 Metadata Partition). */
export type PartitionMap =
  | { type: 1; partitionNumber: number }
  | {
      type: 2;
      identifier: EntityId;
      partitionNumber: number;
      metadataFileLocation: number;
      metadataMirrorFileLocation: number;
      /** 0xFFFFFFFF: no metadata bitmap file (read-only media). */
      metadataBitmapFileLocation: number;
      allocationUnitSize: number;
      alignmentUnitSize: number;
      /** Bit 0: the metadata is duplicated (the mirror holds its own copy). */
      flags: number;
    };

function encodeMap(m: PartitionMap): Uint8Array {
  if (m.type === 1) {
    const b = new Uint8Array(6);
    b[0] = 1;
    b[1] = 6;
    le(b).setUint16(2, 1, true); // volume sequence number
    le(b).setUint16(4, m.partitionNumber, true);
    return b;
  }
  const b = new Uint8Array(64);
  const v = le(b);
  b[0] = 2;
  b[1] = 64;
  writeEntityId(b, 4, m.identifier);
  v.setUint16(36, 1, true); // volume sequence number
  v.setUint16(38, m.partitionNumber, true);
  v.setUint32(40, m.metadataFileLocation, true);
  v.setUint32(44, m.metadataMirrorFileLocation, true);
  v.setUint32(48, m.metadataBitmapFileLocation, true);
  v.setUint32(52, m.allocationUnitSize, true);
  v.setUint16(56, m.alignmentUnitSize, true);
  b[58] = m.flags;
  return b;
}

function decodeMaps(b: Uint8Array, count: number, length: number): PartitionMap[] {
  const out: PartitionMap[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 2 > length) throw new DecodeError("partition map table is truncated");
    const type = b[off];
    const len = b[off + 1];
    if (len < 2 || off + len > length) throw new DecodeError(`partition map ${i} has length ${len}`);
    const v = new DataView(b.buffer, b.byteOffset + off, len);
    if (type === 1) out.push({ type: 1, partitionNumber: v.getUint16(4, true) });
    else if (type === 2 && len >= 64) {
      out.push({
        type: 2,
        identifier: readEntityId(b, off + 4),
        partitionNumber: v.getUint16(38, true),
        metadataFileLocation: v.getUint32(40, true),
        metadataMirrorFileLocation: v.getUint32(44, true),
        metadataBitmapFileLocation: v.getUint32(48, true),
        allocationUnitSize: v.getUint32(52, true),
        alignmentUnitSize: v.getUint16(56, true),
        flags: b[off + 58],
      });
    } else throw new DecodeError(`partition map ${i} has unsupported type ${type}`);
    off += len;
  }
  return out;
}

/** 3/10.6 and UDF 2.2.4: Logical Volume Descriptor. */
export interface LogicalVolume {
  sequenceNumber: number;
  identifier: string;
  domain: EntityId;
  /** Logical Volume Contents Use: where the File Set Descriptor is. */
  fileSetLocation: LongAd;
  implementationIdentifier: EntityId;
  integritySequence: ExtentAd;
  maps: PartitionMap[];
}
export function encodeLogicalVolume(
  l: LogicalVolume,
  tag: { version: number; location: number; serial: number },
): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = le(b);
  const maps = l.maps.map(encodeMap);
  const mapBytes = maps.reduce((n, m) => n + m.length, 0);
  v.setUint32(16, l.sequenceNumber, true);
  writeCharspec(b, 20);
  writeDstring(b, 84, 128, l.identifier);
  v.setUint32(212, BLOCK, true); // Logical Block Size
  writeEntityId(b, 216, l.domain);
  writeLongAd(b, 248, l.fileSetLocation);
  v.setUint32(264, mapBytes, true); // Map Table Length
  v.setUint32(268, maps.length, true);
  writeEntityId(b, 272, l.implementationIdentifier);
  writeExtentAd(b, 432, l.integritySequence);
  let off = 440;
  for (const m of maps) {
    b.set(m, off);
    off += m.length;
  }
  writeTag(
    b,
    { identifier: TagId.logicalVolume, version: tag.version, serialNumber: tag.serial, location: tag.location },
    off - 16,
  );
  return b;
}
export function decodeLogicalVolume(b: Uint8Array): LogicalVolume {
  readTag(b, { identifier: TagId.logicalVolume });
  const v = le(b);
  const mapLength = v.getUint32(264, true);
  if (mapLength > BLOCK - 440) throw new DecodeError(`logical volume map table of ${mapLength} bytes does not fit`);
  if (v.getUint32(212, true) !== BLOCK)
    throw new DecodeError(`logical block size ${v.getUint32(212, true)} is not 2048`);
  return {
    sequenceNumber: v.getUint32(16, true),
    identifier: readDstring(b, 84, 128),
    domain: readEntityId(b, 216),
    fileSetLocation: readLongAd(b, 248),
    implementationIdentifier: readEntityId(b, 272),
    integritySequence: readExtentAd(b, 432),
    maps: decodeMaps(b.subarray(440, 440 + mapLength), v.getUint32(268, true), mapLength),
  };
}

/** 3/10.8: Unallocated Space Descriptor (none on read-only media). */
export function encodeUnallocatedSpace(
  sequenceNumber: number,
  tag: { version: number; location: number; serial: number },
): Uint8Array {
  const b = new Uint8Array(BLOCK);
  le(b).setUint32(16, sequenceNumber, true);
  writeTag(
    b,
    { identifier: TagId.unallocatedSpace, version: tag.version, serialNumber: tag.serial, location: tag.location },
    8,
  );
  return b;
}

/** 3/10.9: Terminating Descriptor (also ends the integrity sequence and, in part 4, the file set sequence). */
export function encodeTerminating(tag: { version: number; location: number; serial: number }): Uint8Array {
  const b = new Uint8Array(BLOCK);
  writeTag(
    b,
    { identifier: TagId.terminating, version: tag.version, serialNumber: tag.serial, location: tag.location },
    496,
  );
  return b;
}

/** 3/10.10 and UDF 2.2.6: Logical Volume Integrity Descriptor, closed. */
export interface Integrity {
  recordingTime: UdfTime;
  /** Logical Volume Header Descriptor (UDF 3.2.1): the next unique ID to give. */
  nextUniqueId: bigint;
  /** Per partition: free blocks and size in blocks. */
  freeSpace: number[];
  size: number[];
  implementationIdentifier: EntityId;
  files: number;
  directories: number;
  minimumReadRevision: number;
  minimumWriteRevision: number;
  maximumWriteRevision: number;
}
export function encodeIntegrity(i: Integrity, tag: { version: number; location: number; serial: number }): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = le(b);
  const n = i.freeSpace.length;
  writeTimestamp(b, 16, i.recordingTime);
  v.setUint32(28, 1, true); // Integrity Type: close
  // 32: Next Integrity Extent (none)
  v.setBigUint64(40, i.nextUniqueId, true); // Logical Volume Contents Use: Unique ID
  v.setUint32(72, n, true); // Number of Partitions
  v.setUint32(76, 46, true); // Length of Implementation Use
  let off = 80;
  for (const f of i.freeSpace) {
    v.setUint32(off, f, true);
    off += 4;
  }
  for (const s of i.size) {
    v.setUint32(off, s, true);
    off += 4;
  }
  writeEntityId(b, off, i.implementationIdentifier); // UDF 2.2.6.4 Implementation Use
  v.setUint32(off + 32, i.files, true);
  v.setUint32(off + 36, i.directories, true);
  v.setUint16(off + 40, i.minimumReadRevision, true);
  v.setUint16(off + 42, i.minimumWriteRevision, true);
  v.setUint16(off + 44, i.maximumWriteRevision, true);
  writeTag(
    b,
    {
      identifier: TagId.logicalVolumeIntegrity,
      version: tag.version,
      serialNumber: tag.serial,
      location: tag.location,
    },
    off + 46 - 16,
  );
  return b;
}
export function decodeIntegrity(b: Uint8Array): Integrity {
  readTag(b, { identifier: TagId.logicalVolumeIntegrity });
  const v = le(b);
  const n = v.getUint32(72, true);
  if (n > 16) throw new DecodeError(`integrity descriptor claims ${n} partitions`);
  const freeSpace: number[] = [];
  const size: number[] = [];
  for (let k = 0; k < n; k++) freeSpace.push(v.getUint32(80 + 4 * k, true));
  for (let k = 0; k < n; k++) size.push(v.getUint32(80 + 4 * n + 4 * k, true));
  const off = 80 + 8 * n;
  return {
    recordingTime: readTimestamp(b, 16),
    nextUniqueId: v.getBigUint64(40, true),
    freeSpace,
    size,
    implementationIdentifier: readEntityId(b, off),
    files: v.getUint32(off + 32, true),
    directories: v.getUint32(off + 36, true),
    minimumReadRevision: v.getUint16(off + 40, true),
    minimumWriteRevision: v.getUint16(off + 42, true),
    maximumWriteRevision: v.getUint16(off + 44, true),
  };
}
