// Field access for SCSI data: every multi-byte field is big-endian (SPC-4 bit and byte ordering).

/** A drive's answer is too short or inconsistent to decode. */
export class MalformedResponseError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`${command}: malformed response: ${message}`);
    this.name = new.target.name;
  }
}

export function getUint16(b: Uint8Array, offset: number): number {
  return (b[offset] << 8) | b[offset + 1];
}

export function getUint24(b: Uint8Array, offset: number): number {
  return (b[offset] << 16) | (b[offset + 1] << 8) | b[offset + 2];
}

export function getUint32(b: Uint8Array, offset: number): number {
  return (b[offset] * 0x1000000 + ((b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3])) >>> 0;
}

/** 64-bit field as a number; exact up to 2^53 (every LBA or byte count a drive reports). */
export function getUint64(b: Uint8Array, offset: number): number {
  return getUint32(b, offset) * 0x100000000 + getUint32(b, offset + 4);
}

export function setUint16(b: Uint8Array, offset: number, value: number): void {
  b[offset] = (value >>> 8) & 0xff;
  b[offset + 1] = value & 0xff;
}

export function setUint24(b: Uint8Array, offset: number, value: number): void {
  b[offset] = (value >>> 16) & 0xff;
  b[offset + 1] = (value >>> 8) & 0xff;
  b[offset + 2] = value & 0xff;
}

export function setUint32(b: Uint8Array, offset: number, value: number): void {
  b[offset] = (value >>> 24) & 0xff;
  b[offset + 1] = (value >>> 16) & 0xff;
  b[offset + 2] = (value >>> 8) & 0xff;
  b[offset + 3] = value & 0xff;
}

export function setUint64(b: Uint8Array, offset: number, value: number): void {
  setUint32(b, offset, Math.floor(value / 0x100000000));
  setUint32(b, offset + 4, value % 0x100000000);
}

/** Left-aligned ASCII field padded with spaces (SPC-4 ASCII data fields), with the padding and any NULs removed. */
export function asciiField(b: Uint8Array, offset: number, length: number): string {
  let s = "";
  for (let i = offset; i < offset + length && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s.replace(/[\s\0]+$/, "");
}

/** Writes `text` left-aligned into a space-padded field of `length` bytes (printable ASCII only). */
export function setAsciiField(b: Uint8Array, offset: number, length: number, text: string): void {
  for (let i = 0; i < length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    b[offset + i] = c >= 0x20 && c < 0x7f ? c : 0x3f;
  }
}

/** Throws RangeError unless `value` is an integer in [0, 2^bits). */
export function checkUint(name: string, value: number, bits: number): number {
  const max = 2 ** bits - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer from 0 to ${max}, got ${value}`);
  }
  return value;
}

/** Throws MalformedResponseError when the answer holds fewer than `min` bytes. */
export function requireLength(command: string, data: Uint8Array, min: number, what = "the fixed part"): void {
  if (data.length < min) {
    throw new MalformedResponseError(command, `${data.length} bytes, ${what} needs ${min}`);
  }
}

/** "2a 00 00 …" — for messages and test failures. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** Parses "2a 00 0a" (spaces optional) into bytes. */
export function fromHex(hex: string): Uint8Array {
  const digits = hex.replace(/\s+/g, "");
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) throw new RangeError(`not a hex byte string: ${hex}`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return out;
}
