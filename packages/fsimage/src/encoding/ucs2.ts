// Joliet specification (Microsoft, 1995) section 3: identifiers recorded in UCS-2, big-endian.

/** Encodes UTF-16 code units as UCS-2 big-endian. Callers must have removed surrogates first (see toUcs2). */
export function encodeUcs2BE(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[2 * i] = c >>> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

/** Decodes UCS-2 big-endian bytes (an odd trailing byte is ignored). */
export function decodeUcs2BE(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  return out;
}

/** True for a UTF-16 surrogate code unit: such characters lie outside UCS-2. */
export function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}

/** Writes `text` as UCS-2BE into a fixed field, padded with UCS-2 spaces (0x0020); an odd last byte is 0. */
export function writePaddedUcs2(buf: Uint8Array, offset: number, length: number, text: string): void {
  const chars = Math.floor(length / 2);
  for (let i = 0; i < chars; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    buf[offset + 2 * i] = c >>> 8;
    buf[offset + 2 * i + 1] = c & 0xff;
  }
  if (length % 2 === 1) buf[offset + length - 1] = 0;
}

/** Reads a UCS-2BE fixed field, trailing spaces and NULs removed. */
export function readPaddedUcs2(buf: Uint8Array, offset: number, length: number): string {
  return decodeUcs2BE(buf.subarray(offset, offset + (length & ~1))).replace(/[ \0]+$/, "");
}
