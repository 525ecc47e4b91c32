// ECMA-119 8: Volume Descriptors (8.4 Primary, 8.5 Supplementary - Joliet, 8.3 Set Terminator).
import {
  readU16Both,
  readU32BE,
  readU32Both,
  readU32LE,
  writeU16Both,
  writeU32BE,
  writeU32Both,
  writeU32LE,
} from "../encoding/bothEndian.js";
import { readPaddedAscii, writePaddedAscii } from "../encoding/characters.js";
import { readPaddedUcs2, writePaddedUcs2 } from "../encoding/ucs2.js";
import { DecodeError } from "../errors.js";
import { decodeVolumeDate, encodeVolumeDate, type RecordedTime } from "./dates.js";
import { type DirectoryRecord, decodeDirectoryRecord, encodeDirectoryRecordInto } from "./directoryRecord.js";

export const SECTOR_SIZE = 2048;
export const STANDARD_IDENTIFIER = "CD001";

/** ECMA-119 8.1.1: Volume Descriptor Type. */
export const VolumeDescriptorType = {
  bootRecord: 0,
  primary: 1,
  supplementary: 2,
  partition: 3,
  terminator: 255,
} as const;

/** Joliet: escape sequences in the SVD's field at 88 naming UCS-2 levels 1, 2 and 3. */
export const JOLIET_ESCAPES = { level1: "%/@", level2: "%/C", level3: "%/E" } as const;

/** Fields common to the Primary (8.4) and Supplementary (8.5) Volume Descriptors. */
export interface VolumeDescriptor {
  type: 1 | 2;
  /** 8.5.3: Volume Flags (SVD only; 0 for the PVD). */
  volumeFlags: number;
  systemIdentifier: string;
  volumeIdentifier: string;
  volumeSpaceSize: number;
  /** 8.5.6: Escape Sequences (SVD only; empty for the PVD). */
  escapeSequences: string;
  volumeSetSize: number;
  volumeSequenceNumber: number;
  logicalBlockSize: number;
  pathTableSize: number;
  typeLPathTable: number;
  optionalTypeLPathTable: number;
  typeMPathTable: number;
  optionalTypeMPathTable: number;
  rootDirectoryRecord: DirectoryRecord;
  volumeSetIdentifier: string;
  publisherIdentifier: string;
  dataPreparerIdentifier: string;
  applicationIdentifier: string;
  copyrightFileIdentifier: string;
  abstractFileIdentifier: string;
  bibliographicFileIdentifier: string;
  creation: RecordedTime | null;
  modification: RecordedTime | null;
  expiration: RecordedTime | null;
  effective: RecordedTime | null;
  fileStructureVersion: number;
  applicationUse: Uint8Array;
}

/** True when the SVD's escape sequences announce Joliet (UCS-2 level 1, 2 or 3). */
export function isJolietEscape(escapes: string): boolean {
  return Object.values(JOLIET_ESCAPES).some((e) => escapes.startsWith(e));
}

function writeHeader(buf: Uint8Array, type: number): void {
  buf[0] = type; // 8.1.1 Volume Descriptor Type
  writePaddedAscii(buf, 1, 5, STANDARD_IDENTIFIER); // 8.1.2 Standard Identifier
  buf[6] = 1; // 8.1.3 Volume Descriptor Version
}

/** Encodes a PVD or a Joliet SVD into one 2048-byte sector. */
export function encodeVolumeDescriptor(vd: VolumeDescriptor): Uint8Array {
  const buf = new Uint8Array(SECTOR_SIZE);
  writeHeader(buf, vd.type);
  // The SVD of Joliet records its identifiers in UCS-2BE; the PVD in a-/d-characters.
  const text = vd.type === 2 && isJolietEscape(vd.escapeSequences) ? writePaddedUcs2 : writePaddedAscii;
  buf[7] = vd.volumeFlags; // 8.5.3
  text(buf, 8, 32, vd.systemIdentifier); // 8.4.5
  text(buf, 40, 32, vd.volumeIdentifier); // 8.4.6
  writeU32Both(buf, 80, vd.volumeSpaceSize); // 8.4.8
  if (vd.type === 2) {
    for (let i = 0; i < vd.escapeSequences.length && i < 32; i++) buf[88 + i] = vd.escapeSequences.charCodeAt(i); // 8.5.6
  }
  writeU16Both(buf, 120, vd.volumeSetSize); // 8.4.10
  writeU16Both(buf, 124, vd.volumeSequenceNumber); // 8.4.11
  writeU16Both(buf, 128, vd.logicalBlockSize); // 8.4.12
  writeU32Both(buf, 132, vd.pathTableSize); // 8.4.13
  writeU32LE(buf, 140, vd.typeLPathTable); // 8.4.14
  writeU32LE(buf, 144, vd.optionalTypeLPathTable); // 8.4.15
  writeU32BE(buf, 148, vd.typeMPathTable); // 8.4.16
  writeU32BE(buf, 152, vd.optionalTypeMPathTable); // 8.4.17
  encodeDirectoryRecordInto(buf, 156, vd.rootDirectoryRecord); // 8.4.18 (34 bytes)
  text(buf, 190, 128, vd.volumeSetIdentifier); // 8.4.19
  text(buf, 318, 128, vd.publisherIdentifier); // 8.4.20
  text(buf, 446, 128, vd.dataPreparerIdentifier); // 8.4.21
  text(buf, 574, 128, vd.applicationIdentifier); // 8.4.22
  text(buf, 702, 37, vd.copyrightFileIdentifier); // 8.4.23
  text(buf, 739, 37, vd.abstractFileIdentifier); // 8.4.24
  text(buf, 776, 37, vd.bibliographicFileIdentifier); // 8.4.25
  buf.set(encodeVolumeDate(vd.creation), 813); // 8.4.26
  buf.set(encodeVolumeDate(vd.modification), 830); // 8.4.27
  buf.set(encodeVolumeDate(vd.expiration), 847); // 8.4.28
  buf.set(encodeVolumeDate(vd.effective), 864); // 8.4.29
  buf[881] = vd.fileStructureVersion; // 8.4.31
  buf.set(vd.applicationUse.subarray(0, 512), 883); // 8.4.33
  return buf;
}

/** Reads the type byte and checks the standard identifier of a volume descriptor sector. */
export function volumeDescriptorType(sector: Uint8Array): number | null {
  if (sector.length < 7) return null;
  if (readPaddedAscii(sector, 1, 5) !== STANDARD_IDENTIFIER) return null;
  return sector[0];
}

/** Decodes a PVD (type 1) or SVD (type 2). */
export function decodeVolumeDescriptor(buf: Uint8Array): VolumeDescriptor {
  const type = volumeDescriptorType(buf);
  if (type !== 1 && type !== 2)
    throw new DecodeError(`not a primary or supplementary volume descriptor (type ${type})`);
  let escapes = "";
  if (type === 2) {
    for (let i = 88; i < 120 && buf[i] !== 0; i++) escapes += String.fromCharCode(buf[i]);
  }
  const text = type === 2 && isJolietEscape(escapes) ? readPaddedUcs2 : readPaddedAscii;
  return {
    type,
    volumeFlags: buf[7],
    systemIdentifier: text(buf, 8, 32),
    volumeIdentifier: text(buf, 40, 32),
    volumeSpaceSize: readU32Both(buf, 80),
    escapeSequences: escapes,
    volumeSetSize: readU16Both(buf, 120),
    volumeSequenceNumber: readU16Both(buf, 124),
    logicalBlockSize: readU16Both(buf, 128),
    pathTableSize: readU32Both(buf, 132),
    typeLPathTable: readU32LE(buf, 140),
    optionalTypeLPathTable: readU32LE(buf, 144),
    typeMPathTable: readU32BE(buf, 148),
    optionalTypeMPathTable: readU32BE(buf, 152),
    rootDirectoryRecord: decodeDirectoryRecord(buf, 156),
    volumeSetIdentifier: text(buf, 190, 128),
    publisherIdentifier: text(buf, 318, 128),
    dataPreparerIdentifier: text(buf, 446, 128),
    applicationIdentifier: text(buf, 574, 128),
    copyrightFileIdentifier: text(buf, 702, 37),
    abstractFileIdentifier: text(buf, 739, 37),
    bibliographicFileIdentifier: text(buf, 776, 37),
    creation: decodeVolumeDate(buf.subarray(813, 830)),
    modification: decodeVolumeDate(buf.subarray(830, 847)),
    expiration: decodeVolumeDate(buf.subarray(847, 864)),
    effective: decodeVolumeDate(buf.subarray(864, 881)),
    fileStructureVersion: buf[881],
    applicationUse: new Uint8Array(buf.subarray(883, 883 + 512)),
  };
}

/** ECMA-119 8.3: Volume Descriptor Set Terminator. */
export function encodeVolumeDescriptorSetTerminator(): Uint8Array {
  const buf = new Uint8Array(SECTOR_SIZE);
  writeHeader(buf, VolumeDescriptorType.terminator);
  return buf;
}
