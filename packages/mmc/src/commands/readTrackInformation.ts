import { checkUint, getUint16, getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Address/Number Type field: what the Logical Block Address/Track/Session Number field holds. */
export const TRACK_ADDRESS_TYPE = { LBA: 0, TRACK: 1, SESSION: 2 } as const;

/** Track number FFh asks for the invisible (CD) or incomplete track: the one the next write goes to. */
export const INVISIBLE_TRACK = 0xff;

export interface ReadTrackInformationOptions {
  addressType: (typeof TRACK_ADDRESS_TYPE)[keyof typeof TRACK_ADDRESS_TYPE];
  /** An LBA, a track number or a session number, as `addressType` says. */
  value: number;
  /** Open bit (MMC-6): with a track number, the first open track at or after it. */
  open?: boolean;
  /** 48 bytes cover every field MMC-6 defines; older drives send 36 or 40. */
  allocationLength?: number;
}

// MMC-6 READ TRACK INFORMATION (52h): byte 1 Open (bit 2) and address/number type (bits 1-0), bytes 2-5
// LBA/track/session number, bytes 7-8 allocation length.
export function buildReadTrackInformation(options: ReadTrackInformationOptions): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength ?? 48, 16);
  const value = checkUint("LBA/track/session number", options.value, 32);
  return makeCommand(OPCODE.READ_TRACK_INFORMATION, 10, "in", length, (cdb) => {
    cdb[1] = (options.open ? 0x04 : 0) | (options.addressType & 0x03);
    setUint32(cdb, 2, value);
    setUint16(cdb, 7, length);
  });
}

/** Track information of a track number (INVISIBLE_TRACK for the track being written). */
export function buildReadTrackInformationByTrack(track: number, allocationLength?: number): ScsiCommand {
  return buildReadTrackInformation({ addressType: TRACK_ADDRESS_TYPE.TRACK, value: track, allocationLength });
}

/** Track information of the track holding this LBA. */
export function buildReadTrackInformationByLba(lba: number, allocationLength?: number): ScsiCommand {
  return buildReadTrackInformation({ addressType: TRACK_ADDRESS_TYPE.LBA, value: lba, allocationLength });
}

export interface TrackInformation {
  dataLength: number;
  trackNumber: number;
  sessionNumber: number;
  /** Layer Jump Recording Status (DVD-R DL), byte 5 bits 7-6. */
  layerJumpRecordingStatus: number;
  damage: boolean;
  copy: boolean;
  /** The CONTROL nibble for CD; 4 or 5 for DVD-R data, 7 for DVD+R/BD (MMC-6 track mode). */
  trackMode: number;
  reservedTrack: boolean;
  blank: boolean;
  /** Packet/Incremental: written in packets (CD) or incrementally (DVD-R). */
  packetIncremental: boolean;
  fixedPacket: boolean;
  /** 1 Mode 1 (ISO/IEC 10149), 2 Mode 2 (ISO/IEC 10149 or CD-ROM XA), 0Fh unknown. */
  dataMode: number;
  lastRecordedAddressValid: boolean;
  nextWritableAddressValid: boolean;
  trackStart: number;
  /** Where the next WRITE must go; only meaningful when `nextWritableAddressValid`. */
  nextWritableAddress: number;
  freeBlocks: number;
  // The fields below are absent when the answer is too short to hold them (xorriso asks for 20 bytes only).
  /** Fixed packet size (CD) or blocking factor (DVD/BD, 16 or 32). */
  fixedPacketSize?: number;
  trackSize?: number;
  lastRecordedAddress?: number;
  readCompatibilityLba?: number;
  nextLayerJumpAddress?: number;
  lastLayerJumpAddress?: number;
}

// MMC-6 Track Information Block: bytes 0-1 length, 2/32 track number LSB/MSB, 3/33 session LSB/MSB, byte 5
// LJRS (7-6) Damage (5) Copy (4) track mode (3-0), byte 6 RT (7) Blank (6) Packet/Inc (5) FP (4) data mode (3-0),
// byte 7 LRA_V (1) NWA_V (0), 8-11 track start, 12-15 next writable address, 16-19 free blocks, 20-23 fixed packet
// size / blocking factor, 24-27 track size, 28-31 last recorded address, 36-39 read compatibility LBA,
// 40-43 next layer jump address, 44-47 last layer jump address.
export function parseTrackInformation(data: Uint8Array): TrackInformation {
  requireLength("READ TRACK INFORMATION", data, 20, "the fields up to free blocks");
  const dataLength = getUint16(data, 0);
  const end = Math.min(data.length, dataLength + 2);
  const opt = (offset: number) => (offset + 4 <= end ? getUint32(data, offset) : undefined);
  const msb = (offset: number) => (offset < end ? data[offset] << 8 : 0);
  const info: TrackInformation = {
    dataLength,
    trackNumber: msb(32) | data[2],
    sessionNumber: msb(33) | data[3],
    layerJumpRecordingStatus: data[5] >> 6,
    damage: (data[5] & 0x20) !== 0,
    copy: (data[5] & 0x10) !== 0,
    trackMode: data[5] & 0x0f,
    reservedTrack: (data[6] & 0x80) !== 0,
    blank: (data[6] & 0x40) !== 0,
    packetIncremental: (data[6] & 0x20) !== 0,
    fixedPacket: (data[6] & 0x10) !== 0,
    dataMode: data[6] & 0x0f,
    lastRecordedAddressValid: (data[7] & 0x02) !== 0,
    nextWritableAddressValid: (data[7] & 0x01) !== 0,
    trackStart: getUint32(data, 8),
    nextWritableAddress: getUint32(data, 12),
    freeBlocks: getUint32(data, 16),
  };
  const optional = {
    fixedPacketSize: opt(20),
    trackSize: opt(24),
    lastRecordedAddress: opt(28),
    readCompatibilityLba: opt(36),
    nextLayerJumpAddress: opt(40),
    lastLayerJumpAddress: opt(44),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(info, { [k]: v });
  return info;
}

export type TrackInformationFields = Omit<TrackInformation, "dataLength">;

/** A 48-byte Track Information Block (what a software recorder answers). */
export function encodeTrackInformation(t: TrackInformationFields): Uint8Array {
  const out = new Uint8Array(48);
  setUint16(out, 0, 46);
  out[2] = t.trackNumber & 0xff;
  out[3] = t.sessionNumber & 0xff;
  out[5] = ((t.layerJumpRecordingStatus & 3) << 6) | (t.damage ? 0x20 : 0) | (t.copy ? 0x10 : 0) | (t.trackMode & 0x0f);
  out[6] =
    (t.reservedTrack ? 0x80 : 0) |
    (t.blank ? 0x40 : 0) |
    (t.packetIncremental ? 0x20 : 0) |
    (t.fixedPacket ? 0x10 : 0) |
    (t.dataMode & 0x0f);
  out[7] = (t.lastRecordedAddressValid ? 0x02 : 0) | (t.nextWritableAddressValid ? 0x01 : 0);
  setUint32(out, 8, t.trackStart);
  setUint32(out, 12, t.nextWritableAddress);
  setUint32(out, 16, t.freeBlocks);
  setUint32(out, 20, t.fixedPacketSize ?? 0);
  setUint32(out, 24, t.trackSize ?? 0);
  setUint32(out, 28, t.lastRecordedAddress ?? 0);
  out[32] = t.trackNumber >> 8;
  out[33] = t.sessionNumber >> 8;
  setUint32(out, 36, t.readCompatibilityLba ?? 0);
  setUint32(out, 40, t.nextLayerJumpAddress ?? 0);
  setUint32(out, 44, t.lastLayerJumpAddress ?? 0);
  return out;
}
