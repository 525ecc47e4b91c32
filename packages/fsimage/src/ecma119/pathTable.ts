// ECMA-119 9.4: Path Table Record; 6.9.1: ordering of the path table.
import {
  readU16BE,
  readU16LE,
  readU32BE,
  readU32LE,
  writeU16BE,
  writeU16LE,
  writeU32BE,
  writeU32LE,
} from "../encoding/bothEndian.js";
import { DecodeError } from "../errors.js";

export interface PathTableRecord {
  extendedAttributeLength: number;
  extentLocation: number;
  parentDirectoryNumber: number;
  /** Directory identifier bytes; the root's is a single 0x00. */
  directoryIdentifier: Uint8Array;
}

export type PathTableByteOrder = "L" | "M";

/** 9.4: 8 fixed bytes, the identifier, and a padding byte when the identifier length is odd. */
export function pathTableRecordLength(identifierLength: number): number {
  return 8 + identifierLength + (identifierLength % 2);
}

export function encodePathTableRecordInto(
  buf: Uint8Array,
  offset: number,
  r: PathTableRecord,
  order: PathTableByteOrder,
): number {
  const idLen = r.directoryIdentifier.length;
  buf[offset] = idLen; // 9.4.1 Length of Directory Identifier
  buf[offset + 1] = r.extendedAttributeLength; // 9.4.2
  if (order === "L") {
    writeU32LE(buf, offset + 2, r.extentLocation); // 9.4.3 (7.3.1)
    writeU16LE(buf, offset + 6, r.parentDirectoryNumber); // 9.4.4 (7.2.1)
  } else {
    writeU32BE(buf, offset + 2, r.extentLocation); // 9.4.3 (7.3.2)
    writeU16BE(buf, offset + 6, r.parentDirectoryNumber); // 9.4.4 (7.2.2)
  }
  buf.set(r.directoryIdentifier, offset + 8); // 9.4.5
  if (idLen % 2 === 1) buf[offset + 8 + idLen] = 0; // 9.4.6 Padding Field
  return pathTableRecordLength(idLen);
}

export function encodePathTableRecord(r: PathTableRecord, order: PathTableByteOrder): Uint8Array {
  const buf = new Uint8Array(pathTableRecordLength(r.directoryIdentifier.length));
  encodePathTableRecordInto(buf, 0, r, order);
  return buf;
}

export function decodePathTableRecord(buf: Uint8Array, offset: number, order: PathTableByteOrder): PathTableRecord {
  if (offset + 8 > buf.length) throw new DecodeError(`path table record at offset ${offset} is truncated`);
  const idLen = buf[offset];
  if (idLen === 0) throw new DecodeError(`path table record at offset ${offset} has an empty identifier`);
  if (offset + 8 + idLen > buf.length)
    throw new DecodeError(`path table record at offset ${offset} runs past the table`);
  return {
    extendedAttributeLength: buf[offset + 1],
    extentLocation: order === "L" ? readU32LE(buf, offset + 2) : readU32BE(buf, offset + 2),
    parentDirectoryNumber: order === "L" ? readU16LE(buf, offset + 6) : readU16BE(buf, offset + 6),
    directoryIdentifier: new Uint8Array(buf.subarray(offset + 8, offset + 8 + idLen)),
  };
}

/** Decodes a whole path table of `size` bytes. */
export function decodePathTable(buf: Uint8Array, size: number, order: PathTableByteOrder): PathTableRecord[] {
  const out: PathTableRecord[] = [];
  let offset = 0;
  while (offset < size) {
    const r = decodePathTableRecord(buf.subarray(0, size), offset, order);
    out.push(r);
    offset += pathTableRecordLength(r.directoryIdentifier.length);
  }
  return out;
}
