// UEFI 2.x chapter 5: GUID Partition Table. Primary header at 512-byte LBA 1 with its entry array from LBA 2,
// backup entries and header at the end of the disk.
import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { DecodeError } from "../errors.js";

export const GPT_ENTRY_SIZE = 128;
export const GPT_ENTRIES = 128;
/** Sectors the entry array takes (128 entries of 128 bytes). */
export const GPT_ENTRY_SECTORS = (GPT_ENTRIES * GPT_ENTRY_SIZE) / 512;

export const GptType = {
  efiSystem: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  basicData: "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
} as const;

export interface GptPartition {
  type: string;
  guid: string;
  firstLba: number;
  lastLba: number;
  attributes: bigint;
  name: string;
}

/** GUIDs are stored mixed-endian: the first three fields little-endian, the rest as written. */
export function encodeGuid(guid: string): Uint8Array {
  const hex = guid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a GUID: ${guid}`);
  const b = Buffer.from(hex, "hex");
  return Uint8Array.of(b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8));
}

export function decodeGuid(b: Uint8Array): string {
  const h = (i: number) => b[i].toString(16).padStart(2, "0");
  const part = (idx: number[]) => idx.map(h).join("");
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`.toUpperCase();
}

/** A GUID derived from `seed` bytes (deterministic images) or random. */
export function makeGuid(seed?: Uint8Array): string {
  const b = Buffer.from(seed ? seed.subarray(0, 16) : randomBytes(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // variant
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

export function encodeGptEntries(parts: readonly GptPartition[]): Uint8Array {
  const b = new Uint8Array(GPT_ENTRIES * GPT_ENTRY_SIZE);
  const view = new DataView(b.buffer);
  parts.forEach((p, i) => {
    const o = i * GPT_ENTRY_SIZE;
    b.set(encodeGuid(p.type), o);
    b.set(encodeGuid(p.guid), o + 16);
    view.setBigUint64(o + 32, BigInt(p.firstLba), true);
    view.setBigUint64(o + 40, BigInt(p.lastLba), true);
    view.setBigUint64(o + 48, p.attributes, true);
    for (let k = 0; k < Math.min(36, p.name.length); k++) view.setUint16(o + 56 + 2 * k, p.name.charCodeAt(k), true);
  });
  return b;
}

export interface GptHeader {
  currentLba: number;
  backupLba: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
  entriesLba: number;
  entriesCrc: number;
}

/** 5.3.2: the 92-byte header, in a 512-byte sector, with its own CRC32 computed over the 92 bytes. */
export function encodeGptHeader(h: GptHeader): Uint8Array {
  const b = new Uint8Array(512);
  const view = new DataView(b.buffer);
  b.set(Buffer.from("EFI PART", "latin1"), 0); // signature
  view.setUint32(8, 0x00010000, true); // revision 1.0
  view.setUint32(12, 92, true); // header size
  view.setBigUint64(24, BigInt(h.currentLba), true);
  view.setBigUint64(32, BigInt(h.backupLba), true);
  view.setBigUint64(40, BigInt(h.firstUsableLba), true);
  view.setBigUint64(48, BigInt(h.lastUsableLba), true);
  b.set(encodeGuid(h.diskGuid), 56);
  view.setBigUint64(72, BigInt(h.entriesLba), true);
  view.setUint32(80, GPT_ENTRIES, true);
  view.setUint32(84, GPT_ENTRY_SIZE, true);
  view.setUint32(88, h.entriesCrc, true);
  view.setUint32(16, crc32(b.subarray(0, 92)), true); // header CRC32 with its own field zero
  return b;
}

export function decodeGptHeader(b: Uint8Array): GptHeader {
  if (Buffer.from(b.subarray(0, 8)).toString("latin1") !== "EFI PART") throw new DecodeError("no GPT header signature");
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const copy = new Uint8Array(b.subarray(0, 92));
  new DataView(copy.buffer).setUint32(16, 0, true);
  if (crc32(copy) !== view.getUint32(16, true)) throw new DecodeError("GPT header CRC32 does not match");
  return {
    currentLba: Number(view.getBigUint64(24, true)),
    backupLba: Number(view.getBigUint64(32, true)),
    firstUsableLba: Number(view.getBigUint64(40, true)),
    lastUsableLba: Number(view.getBigUint64(48, true)),
    diskGuid: decodeGuid(b.subarray(56, 72)),
    entriesLba: Number(view.getBigUint64(72, true)),
    entriesCrc: view.getUint32(88, true),
  };
}

export { crc32 };
