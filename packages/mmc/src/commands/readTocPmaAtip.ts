import { checkUint, getUint16, getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";
import { lbaToMsf, type Msf, msfToLba } from "./msf.js";

/** The Format field of READ TOC/PMA/ATIP. */
export const TOC_FORMAT = { FORMATTED_TOC: 0, MULTISESSION_INFO: 1, RAW_TOC: 2, PMA: 3, ATIP: 4, CD_TEXT: 5 } as const;

export type TocFormat = (typeof TOC_FORMAT)[keyof typeof TOC_FORMAT];

export interface ReadTocOptions {
  format: TocFormat;
  /** Addresses as minute/second/frame instead of LBA (formats 0 and 1). */
  msf?: boolean;
  /** Starting track (format 0) or session (format 2). */
  trackSessionNumber?: number;
  allocationLength: number;
}

// MMC-6 READ TOC/PMA/ATIP (43h): byte 1 bit 1 MSF, byte 2 bits 3-0 format, byte 6 track/session number,
// bytes 7-8 allocation length.
export function buildReadTocPmaAtip(options: ReadTocOptions): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength, 16);
  const number = checkUint("track/session number", options.trackSessionNumber ?? 0, 8);
  return makeCommand(OPCODE.READ_TOC_PMA_ATIP, 10, "in", length, (cdb) => {
    cdb[1] = options.msf ? 0x02 : 0x00;
    cdb[2] = checkUint("format", options.format, 4);
    cdb[6] = number;
    setUint16(cdb, 7, length);
  });
}

/** The CONTROL nibble of a track: bit 2 data track, bit 0 (data) recorded incrementally, bit 1 copy permitted. */
export interface TrackDescriptor {
  /** Track number; 0xAA is the lead-out. */
  track: number;
  adr: number;
  control: number;
  isData: boolean;
  /** Start address as an LBA (converted from MSF when the answer was in MSF). */
  lba: number;
  msf?: Msf;
}

export interface FormattedToc {
  dataLength: number;
  firstTrack: number;
  lastTrack: number;
  tracks: TrackDescriptor[];
  /** The lead-out (track AAh) descriptor: its address is where the recorded area ends. */
  leadOut?: TrackDescriptor;
  /** The answer ended before the data length said (some drives, tgt among them, send 2 bytes short). */
  truncated: boolean;
}

function trackDescriptor(data: Uint8Array, o: number, msf: boolean): TrackDescriptor {
  const m: Msf = { minute: data[o + 5], second: data[o + 6], frame: data[o + 7] };
  return {
    track: data[o + 2],
    adr: data[o + 1] >> 4,
    control: data[o + 1] & 0x0f,
    isData: (data[o + 1] & 0x04) !== 0,
    lba: msf ? msfToLba(m) : getUint32(data, o + 4) | 0,
    ...(msf ? { msf: m } : {}),
  };
}

// MMC-6 READ TOC/PMA/ATIP format 0000b response: bytes 0-1 data length, 2 first track, 3 last track; 8-byte
// track descriptors: byte 1 ADR (7-4) CONTROL (3-0), byte 2 track number, bytes 4-7 start address.
export function parseFormattedToc(data: Uint8Array, options: { msf?: boolean } = {}): FormattedToc {
  requireLength("READ TOC/PMA/ATIP", data, 4, "the TOC header");
  const dataLength = getUint16(data, 0);
  const end = Math.min(data.length, dataLength + 2);
  const tracks: TrackDescriptor[] = [];
  let leadOut: TrackDescriptor | undefined;
  let o = 4;
  for (; o + 8 <= end; o += 8) {
    const d = trackDescriptor(data, o, options.msf ?? false);
    if (d.track === 0xaa) leadOut = d;
    else tracks.push(d);
  }
  return {
    dataLength,
    firstTrack: data[2],
    lastTrack: data[3],
    tracks,
    ...(leadOut ? { leadOut } : {}),
    truncated: data.length < dataLength + 2 || o < end,
  };
}

export interface MultisessionInfo {
  dataLength: number;
  firstSession: number;
  lastSession: number;
  /** The first track of the last complete session, and where it starts (absent if the answer was cut short). */
  firstTrackInLastSession?: TrackDescriptor;
  truncated: boolean;
}

// MMC-6 READ TOC/PMA/ATIP format 0001b response: bytes 2-3 first/last complete session numbers, then one track
// descriptor for the first track in the last complete session.
export function parseMultisessionInfo(data: Uint8Array, options: { msf?: boolean } = {}): MultisessionInfo {
  requireLength("READ TOC/PMA/ATIP", data, 4, "the TOC header");
  const dataLength = getUint16(data, 0);
  const end = Math.min(data.length, dataLength + 2);
  const complete = end >= 12;
  return {
    dataLength,
    firstSession: data[2],
    lastSession: data[3],
    ...(complete ? { firstTrackInLastSession: trackDescriptor(data, 4, options.msf ?? false) } : {}),
    truncated: data.length < dataLength + 2 || !complete,
  };
}

export interface RawTocEntry {
  session: number;
  adr: number;
  control: number;
  /** TNO, always 0 in the lead-in. */
  tno: number;
  /** 01h-63h track start, A0h first track, A1h last track, A2h lead-out start, B0h next program area, C0h … */
  point: number;
  /** ATIME (min/sec/frame) … */
  atime: Msf;
  zero: number;
  /** … and PMIN/PSEC/PFRAME, whose meaning depends on POINT (for A0h/A1h PMIN is a track number). */
  ptime: Msf;
  /** `ptime` as an LBA, meaningful when `ptime` is an address (tracks, A2h, B0h). */
  plba: number;
}

export interface RawToc {
  dataLength: number;
  firstSession: number;
  lastSession: number;
  entries: RawTocEntry[];
  truncated: boolean;
}

// MMC-6 READ TOC/PMA/ATIP format 0010b response: bytes 2-3 first/last complete session; 11-byte descriptors:
// session, ADR/CONTROL, TNO, POINT, Min, Sec, Frame, Zero, PMIN, PSEC, PFRAME.
export function parseRawToc(data: Uint8Array): RawToc {
  requireLength("READ TOC/PMA/ATIP", data, 4, "the TOC header");
  const dataLength = getUint16(data, 0);
  const end = Math.min(data.length, dataLength + 2);
  const entries: RawTocEntry[] = [];
  let o = 4;
  for (; o + 11 <= end; o += 11) {
    const ptime = { minute: data[o + 8], second: data[o + 9], frame: data[o + 10] };
    entries.push({
      session: data[o],
      adr: data[o + 1] >> 4,
      control: data[o + 1] & 0x0f,
      tno: data[o + 2],
      point: data[o + 3],
      atime: { minute: data[o + 4], second: data[o + 5], frame: data[o + 6] },
      zero: data[o + 7],
      ptime,
      plba: msfToLba(ptime),
    });
  }
  return {
    dataLength,
    firstSession: data[2],
    lastSession: data[3],
    entries,
    truncated: data.length < dataLength + 2 || o < end,
  };
}

/** A track descriptor to encode: track number (AAh for the lead-out), ADR, CONTROL and start LBA. */
export interface TocEntry {
  track: number;
  adr: number;
  control: number;
  lba: number;
}

function setTocAddress(out: Uint8Array, o: number, lba: number, msf: boolean): void {
  if (msf) {
    const m = lbaToMsf(lba);
    out[o] = 0;
    out[o + 1] = m.minute;
    out[o + 2] = m.second;
    out[o + 3] = m.frame;
  } else {
    setUint32(out, o, lba >>> 0);
  }
}

/** A format 0000b answer (what a software recorder returns): header, the tracks, then the lead-out entry (AAh). */
export function encodeFormattedToc(
  toc: { firstTrack: number; lastTrack: number; entries: readonly TocEntry[] },
  options: { msf?: boolean } = {},
): Uint8Array {
  const out = new Uint8Array(4 + 8 * toc.entries.length);
  setUint16(out, 0, out.length - 2);
  out[2] = toc.firstTrack;
  out[3] = toc.lastTrack;
  toc.entries.forEach((e, i) => {
    const o = 4 + i * 8;
    out[o + 1] = ((e.adr & 0x0f) << 4) | (e.control & 0x0f);
    out[o + 2] = e.track;
    setTocAddress(out, o + 4, e.lba, options.msf ?? false);
  });
  return out;
}

/** A format 0001b answer: first and last complete session, and the first track of the last complete session. */
export function encodeMultisessionInfo(
  info: { firstSession: number; lastSession: number; firstTrackInLastSession: TocEntry },
  options: { msf?: boolean } = {},
): Uint8Array {
  const out = new Uint8Array(12);
  setUint16(out, 0, 10);
  out[2] = info.firstSession;
  out[3] = info.lastSession;
  const e = info.firstTrackInLastSession;
  out[5] = ((e.adr & 0x0f) << 4) | (e.control & 0x0f);
  out[6] = e.track;
  setTocAddress(out, 8, e.lba, options.msf ?? false);
  return out;
}
