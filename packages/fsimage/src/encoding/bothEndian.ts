// ECMA-119 7.2 and 7.3: numerical values recorded little-endian, big-endian, or both ("both-byte order").
import { DecodeError } from "../errors.js";

/** ECMA-119 7.2.3: 16-bit value, little-endian then big-endian (4 bytes). */
export function writeU16Both(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

/** ECMA-119 7.3.3: 32-bit value, little-endian then big-endian (8 bytes). */
export function writeU32Both(buf: Uint8Array, offset: number, value: number): void {
  writeU32LE(buf, offset, value);
  writeU32BE(buf, offset + 4, value);
}

export function writeU16LE(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
}

export function writeU16BE(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 8) & 0xff;
  buf[offset + 1] = value & 0xff;
}

export function writeU32LE(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
  buf[offset + 2] = (value >>> 16) & 0xff;
  buf[offset + 3] = (value >>> 24) & 0xff;
}

export function writeU32BE(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 24) & 0xff;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
}

export function readU16LE(buf: Uint8Array, offset: number): number {
  return buf[offset] | (buf[offset + 1] << 8);
}

export function readU16BE(buf: Uint8Array, offset: number): number {
  return (buf[offset] << 8) | buf[offset + 1];
}

export function readU32LE(buf: Uint8Array, offset: number): number {
  return (buf[offset] | (buf[offset + 1] << 8) | (buf[offset + 2] << 16) | (buf[offset + 3] << 24)) >>> 0;
}

export function readU32BE(buf: Uint8Array, offset: number): number {
  return ((buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3]) >>> 0;
}

/**
 * Reads a both-byte-order 16-bit field. Other tools sometimes leave one half wrong; `strict` makes a
 * mismatch an error, otherwise the little-endian half wins (as most readers do).
 */
export function readU16Both(buf: Uint8Array, offset: number, strict = false): number {
  const le = readU16LE(buf, offset);
  if (strict && le !== readU16BE(buf, offset + 2)) {
    throw new DecodeError(`both-byte-order 16-bit field at offset ${offset} has different LE and BE halves`);
  }
  return le;
}

/** Reads a both-byte-order 32-bit field (see readU16Both about `strict`). */
export function readU32Both(buf: Uint8Array, offset: number, strict = false): number {
  const le = readU32LE(buf, offset);
  if (strict && le !== readU32BE(buf, offset + 4)) {
    throw new DecodeError(`both-byte-order 32-bit field at offset ${offset} has different LE and BE halves`);
  }
  return le;
}
