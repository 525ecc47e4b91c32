// ECMA-119 9.1: Directory Record.
import { readU16Both, readU32Both, writeU16Both, writeU32Both } from "../encoding/bothEndian.js";
import { DecodeError } from "../errors.js";
import { decodeDirectoryDate, encodeDirectoryDate, type RecordedTime } from "./dates.js";

/** ECMA-119 9.1.6: File Flags bits. */
export const FileFlags = {
  hidden: 0x01,
  directory: 0x02,
  associated: 0x04,
  record: 0x08,
  protection: 0x10,
  /** Not the final directory record of a multi-extent file. */
  multiExtent: 0x80,
} as const;

export interface DirectoryRecord {
  extendedAttributeLength: number;
  extentLocation: number;
  dataLength: number;
  recordingTime: RecordedTime | null;
  fileFlags: number;
  fileUnitSize: number;
  interleaveGapSize: number;
  volumeSequenceNumber: number;
  /** Raw identifier bytes: d-characters for ISO 9660, UCS-2BE for Joliet, 0x00 / 0x01 for "." / "..". */
  fileIdentifier: Uint8Array;
  /** System Use field (SUSP / Rock Ridge entries live here). */
  systemUse: Uint8Array;
}

/** ECMA-119 9.1.1-9.1.12: total record length for an identifier and system-use length (padded to even). */
export function directoryRecordLength(identifierLength: number, systemUseLength: number): number {
  return 33 + identifierLength + (identifierLength % 2 === 0 ? 1 : 0) + systemUseLength;
}

export const MAX_DIRECTORY_RECORD_LENGTH = 255;

/** Encodes one directory record into `buf` at `offset`; returns its length. */
export function encodeDirectoryRecordInto(buf: Uint8Array, offset: number, r: DirectoryRecord): number {
  const idLen = r.fileIdentifier.length;
  const len = directoryRecordLength(idLen, r.systemUse.length);
  if (len > MAX_DIRECTORY_RECORD_LENGTH) throw new RangeError(`directory record of ${len} bytes exceeds 255`);
  buf[offset] = len; // 9.1.1 Length of Directory Record
  buf[offset + 1] = r.extendedAttributeLength; // 9.1.2
  writeU32Both(buf, offset + 2, r.extentLocation); // 9.1.3
  writeU32Both(buf, offset + 10, r.dataLength); // 9.1.4
  if (r.recordingTime)
    buf.set(encodeDirectoryDate(r.recordingTime), offset + 18); // 9.1.5
  else buf.fill(0, offset + 18, offset + 25);
  buf[offset + 25] = r.fileFlags; // 9.1.6
  buf[offset + 26] = r.fileUnitSize; // 9.1.7
  buf[offset + 27] = r.interleaveGapSize; // 9.1.8
  writeU16Both(buf, offset + 28, r.volumeSequenceNumber); // 9.1.9
  buf[offset + 32] = idLen; // 9.1.10
  buf.set(r.fileIdentifier, offset + 33); // 9.1.11
  const suStart = offset + 33 + idLen + (idLen % 2 === 0 ? 1 : 0); // 9.1.12 Padding Field
  if (idLen % 2 === 0) buf[offset + 33 + idLen] = 0;
  buf.set(r.systemUse, suStart); // 9.1.13 System Use
  return len;
}

export function encodeDirectoryRecord(r: DirectoryRecord): Uint8Array {
  const buf = new Uint8Array(directoryRecordLength(r.fileIdentifier.length, r.systemUse.length));
  encodeDirectoryRecordInto(buf, 0, r);
  return buf;
}

/** Decodes the directory record starting at `offset`; the caller has checked that its length byte is non-zero. */
export function decodeDirectoryRecord(buf: Uint8Array, offset = 0): DirectoryRecord {
  const len = buf[offset];
  if (len < 34) throw new DecodeError(`directory record length ${len} is shorter than the 34-byte minimum`);
  if (offset + len > buf.length) throw new DecodeError(`directory record of ${len} bytes runs past its buffer`);
  const idLen = buf[offset + 32];
  if (33 + idLen > len) throw new DecodeError(`identifier length ${idLen} does not fit a record of ${len} bytes`);
  const suStart = 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
  return {
    extendedAttributeLength: buf[offset + 1],
    extentLocation: readU32Both(buf, offset + 2),
    dataLength: readU32Both(buf, offset + 10),
    recordingTime: decodeDirectoryDate(buf.subarray(offset + 18, offset + 25)),
    fileFlags: buf[offset + 25],
    fileUnitSize: buf[offset + 26],
    interleaveGapSize: buf[offset + 27],
    volumeSequenceNumber: readU16Both(buf, offset + 28),
    fileIdentifier: new Uint8Array(buf.subarray(offset + 33, offset + 33 + idLen)),
    systemUse: new Uint8Array(buf.subarray(offset + Math.min(suStart, len), offset + len)),
  };
}
