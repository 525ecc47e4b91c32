// ECMA-119 9.1.5 (directory record, 7 bytes) and 8.4.26.1 (volume descriptor, 17 bytes) date formats.
import { DecodeError } from "../errors.js";

/** A point in time as stored on disc: milliseconds since the Unix epoch and the recorded offset from UTC. */
export interface RecordedTime {
  /** Milliseconds since 1970-01-01T00:00:00Z. */
  readonly epochMs: number;
  /** Offset from UTC in minutes (ECMA-119 stores 15-minute units, -48..+52). */
  readonly utcOffsetMinutes: number;
}

function fields(t: RecordedTime): Date {
  // Shift so that the UTC getters return the local wall-clock time at the recorded offset.
  return new Date(t.epochMs + t.utcOffsetMinutes * 60_000);
}

function offsetUnits(minutes: number): number {
  const units = Math.round(minutes / 15);
  if (units < -48 || units > 52) throw new RangeError(`UTC offset ${minutes} min is outside ECMA-119's -12h..+13h`);
  return units;
}

/** ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, offset in 15-minute units. */
export function encodeDirectoryDate(t: RecordedTime): Uint8Array {
  const out = new Uint8Array(7);
  const d = fields(t);
  const year = d.getUTCFullYear() - 1900;
  if (year < 0 || year > 255) {
    // Outside 1900..2155 the field cannot hold the year: clamp to the nearest representable instant.
    const clamped = year < 0 ? Date.UTC(1900, 0, 1) : Date.UTC(2155, 11, 31, 23, 59, 59);
    return encodeDirectoryDate({ epochMs: clamped, utcOffsetMinutes: 0 });
  }
  out[0] = year;
  out[1] = d.getUTCMonth() + 1;
  out[2] = d.getUTCDate();
  out[3] = d.getUTCHours();
  out[4] = d.getUTCMinutes();
  out[5] = d.getUTCSeconds();
  out[6] = offsetUnits(t.utcOffsetMinutes) & 0xff;
  return out;
}

/** Decodes a 7-byte directory record date; an all-zero field ("not specified") decodes to null. */
export function decodeDirectoryDate(bytes: Uint8Array): RecordedTime | null {
  if (bytes.length < 7) throw new DecodeError("directory record date needs 7 bytes");
  if (bytes.subarray(0, 7).every((b) => b === 0)) return null;
  const offset = ((bytes[6] << 24) >> 24) * 15;
  const wall = Date.UTC(1900 + bytes[0], bytes[1] - 1, bytes[2], bytes[3], bytes[4], bytes[5]);
  return { epochMs: wall - offset * 60_000, utcOffsetMinutes: offset };
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" digits then the offset byte; null writes the "not specified" form. */
export function encodeVolumeDate(t: RecordedTime | null): Uint8Array {
  const out = new Uint8Array(17);
  if (t === null) {
    out.fill(0x30, 0, 16);
    out[16] = 0;
    return out;
  }
  const d = fields(t);
  const year = Math.min(9999, Math.max(1, d.getUTCFullYear()));
  const text =
    pad(year, 4) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2) +
    pad(Math.floor(d.getUTCMilliseconds() / 10), 2);
  for (let i = 0; i < 16; i++) out[i] = text.charCodeAt(i);
  out[16] = offsetUnits(t.utcOffsetMinutes) & 0xff;
  return out;
}

/** Decodes a 17-byte volume date; the "not specified" form (all '0' or all NUL digits) decodes to null. */
export function decodeVolumeDate(bytes: Uint8Array): RecordedTime | null {
  if (bytes.length < 17) throw new DecodeError("volume descriptor date needs 17 bytes");
  let text = "";
  for (let i = 0; i < 16; i++) text += String.fromCharCode(bytes[i]);
  if (/^[0\0]{16}$/.test(text)) return null;
  if (!/^\d{16}$/.test(text)) throw new DecodeError(`volume descriptor date "${text}" is not 16 digits`);
  const n = (a: number, b: number) => Number(text.slice(a, b));
  const offset = ((bytes[16] << 24) >> 24) * 15;
  const wall = Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14), n(14, 16) * 10);
  return { epochMs: wall - offset * 60_000, utcOffsetMinutes: offset };
}
