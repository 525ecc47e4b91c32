// El Torito Bootable CD-ROM Format Specification 1.0 (1995): the Boot Record Volume Descriptor (2.0) and the
// Boot Catalog's entries (2.1 validation, 2.2 initial/default, 2.3 section header, 2.4 section entry).
import { readU16LE, readU32LE, writeU16LE, writeU32LE } from "../encoding/bothEndian.js";
import { readPaddedAscii } from "../encoding/characters.js";
import { DecodeError } from "../errors.js";

export const EL_TORITO_ID = "EL TORITO SPECIFICATION";
export const ENTRY_SIZE = 32;

/** 2.1: platform identifiers (0xEF is UEFI, added by the UEFI specification). */
export const Platform = { x86: 0x00, powerPc: 0x01, mac: 0x02, efi: 0xef } as const;

/** 2.2 Boot media type. */
export const Emulation = { none: 0, floppy12: 1, floppy144: 2, floppy288: 3, hardDisk: 4 } as const;

/** 2.0: Boot Record Volume Descriptor (type 0) pointing at the catalog. */
export function encodeBootRecord(catalogLba: number): Uint8Array {
  const b = new Uint8Array(2048);
  b[0] = 0; // Boot Record Indicator
  b.set(Buffer.from("CD001", "latin1"), 1); // ISO-9660 identifier
  b[6] = 1; // version
  b.set(Buffer.from(EL_TORITO_ID, "latin1"), 7); // Boot System Identifier, zero-padded to 32 bytes
  writeU32LE(b, 0x47, catalogLba); // absolute pointer to the first sector of the Boot Catalog
  return b;
}

export function decodeBootRecord(b: Uint8Array): { catalogLba: number } {
  if (b[0] !== 0 || readPaddedAscii(b, 1, 5) !== "CD001") throw new DecodeError("not a boot record volume descriptor");
  if (!readPaddedAscii(b, 7, 32).startsWith(EL_TORITO_ID)) throw new DecodeError("boot record is not El Torito");
  return { catalogLba: readU32LE(b, 0x47) };
}

/** 2.1: Validation Entry, whose 16-bit words sum to zero, ending with the key bytes 55 AA. */
export function encodeValidationEntry(platform: number, idString = ""): Uint8Array {
  const e = new Uint8Array(ENTRY_SIZE);
  e[0] = 1; // header ID
  e[1] = platform;
  e.set(Buffer.from(idString.slice(0, 24), "latin1"), 4); // ID string (manufacturer/developer)
  e[0x1e] = 0x55;
  e[0x1f] = 0xaa;
  let sum = 0;
  for (let i = 0; i < ENTRY_SIZE; i += 2) sum = (sum + readU16LE(e, i)) & 0xffff;
  writeU16LE(e, 0x1c, (0x10000 - sum) & 0xffff); // checksum word
  return e;
}

export function decodeValidationEntry(e: Uint8Array): { platform: number; idString: string } {
  if (e[0] !== 1 || e[0x1e] !== 0x55 || e[0x1f] !== 0xaa)
    throw new DecodeError("boot catalog validation entry is damaged");
  let sum = 0;
  for (let i = 0; i < ENTRY_SIZE; i += 2) sum = (sum + readU16LE(e, i)) & 0xffff;
  if (sum !== 0) throw new DecodeError("boot catalog validation entry checksum does not sum to zero");
  return { platform: e[1], idString: readPaddedAscii(e, 4, 24) };
}

/** 2.2 / 2.4: an initial (default) or section entry. */
export interface BootEntry {
  bootable: boolean;
  emulation: number;
  /** Real-mode segment to load at; 0 means the traditional 0x7C0. */
  loadSegment: number;
  /** For hard-disk emulation: the partition type byte of the image's partition table. */
  systemType: number;
  /** Virtual (512-byte) sectors the BIOS loads. */
  sectorCount: number;
  loadRba: number;
  /** 2.4 selection criteria (section entries only). */
  selectionCriteria: number;
}

export function encodeBootEntry(b: BootEntry): Uint8Array {
  const e = new Uint8Array(ENTRY_SIZE);
  e[0] = b.bootable ? 0x88 : 0x00; // boot indicator
  e[1] = b.emulation; // boot media type
  writeU16LE(e, 2, b.loadSegment); // load segment
  e[4] = b.systemType; // system type
  writeU16LE(e, 6, b.sectorCount); // sector count
  writeU32LE(e, 8, b.loadRba); // load RBA
  e[12] = b.selectionCriteria; // 2.4 selection criteria type
  return e;
}

export function decodeBootEntry(e: Uint8Array): BootEntry {
  if (e[0] !== 0x88 && e[0] !== 0x00)
    throw new DecodeError(`boot catalog entry has boot indicator 0x${e[0].toString(16)}`);
  return {
    bootable: e[0] === 0x88,
    emulation: e[1] & 0x0f,
    loadSegment: readU16LE(e, 2),
    systemType: e[4],
    sectorCount: readU16LE(e, 6),
    loadRba: readU32LE(e, 8),
    selectionCriteria: e[12],
  };
}

/** 2.3: Section Header Entry: 0x90 when more headers follow, 0x91 for the last. */
export function encodeSectionHeader(last: boolean, platform: number, entries: number, idString = ""): Uint8Array {
  const e = new Uint8Array(ENTRY_SIZE);
  e[0] = last ? 0x91 : 0x90;
  e[1] = platform;
  writeU16LE(e, 2, entries);
  e.set(Buffer.from(idString.slice(0, 28), "latin1"), 4);
  return e;
}

export function decodeSectionHeader(e: Uint8Array): { last: boolean; platform: number; entries: number } {
  if (e[0] !== 0x90 && e[0] !== 0x91) throw new DecodeError(`not a section header (0x${e[0].toString(16)})`);
  return { last: e[0] === 0x91, platform: e[1], entries: readU16LE(e, 2) };
}
