// ECMA-119 7.4: character sets (a-characters, d-characters) and space-padded fixed-length fields.

/** ECMA-119 7.4.1: d-characters are A-Z, 0-9 and LOW LINE. */
export function isDCharacter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x5f;
}

/** ECMA-119 7.4.1 and Annex A: a-characters are the d-characters, SPACE and !"%&'()*+,-./:;<=>? */
export function isACharacter(code: number): boolean {
  return (
    isDCharacter(code) ||
    (code >= 0x20 && code <= 0x2f && code !== 0x23 && code !== 0x24) ||
    (code >= 0x3a && code <= 0x3f)
  );
}

/** Writes `text` (printable ASCII) into a fixed field of `length` bytes, padded with spaces (ECMA-119 7.4.3). */
export function writePaddedAscii(buf: Uint8Array, offset: number, length: number, text: string): void {
  for (let i = 0; i < length; i++) {
    buf[offset + i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0x20;
  }
}

/** Reads a space-padded byte field as text (Latin-1), trailing spaces and NULs removed. */
export function readPaddedAscii(buf: Uint8Array, offset: number, length: number): string {
  let end = offset + length;
  while (end > offset && (buf[end - 1] === 0x20 || buf[end - 1] === 0x00)) end--;
  let out = "";
  for (let i = offset; i < end; i++) out += String.fromCharCode(buf[i]);
  return out;
}

/** True when every character of `text` is printable ASCII (0x20-0x7e). */
export function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
