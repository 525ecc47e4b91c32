// El Torito structures against the specification's layouts, the boot info table, and the isohybrid MBR/GPT
// encoders (field positions from El Torito 1.0, the UEFI specification's GPT chapter, and the MBR layout).
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  decodeBootEntry,
  decodeBootRecord,
  decodeSectionHeader,
  decodeValidationEntry,
  Emulation,
  encodeBootEntry,
  encodeBootRecord,
  encodeSectionHeader,
  encodeValidationEntry,
  Platform,
} from "../src/eltorito/bootCatalog.js";
import { bootFileChecksum, patchBootInfoTable, readBootInfoTable } from "../src/eltorito/bootInfoTable.js";
import {
  decodeGptHeader,
  decodeGuid,
  encodeGptEntries,
  encodeGptHeader,
  encodeGuid,
  GptType,
} from "../src/hybrid/gpt.js";
import { chs, decodeMbrPartitions, encodeMbr } from "../src/hybrid/mbr.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("El Torito", () => {
  it("boot record: type 0, CD001, 'EL TORITO SPECIFICATION', catalog pointer at 0x47 (2.0)", () => {
    const b = encodeBootRecord(0x21);
    expect(hex(b.subarray(0, 7))).toBe("00434430303101");
    expect(Buffer.from(b.subarray(7, 30)).toString()).toBe("EL TORITO SPECIFICATION");
    expect(b.subarray(30, 39).every((x) => x === 0)).toBe(true);
    expect(hex(b.subarray(0x47, 0x4b))).toBe("21000000");
    expect(decodeBootRecord(b)).toEqual({ catalogLba: 0x21 });
  });
  it("validation entry: header 1, platform, words summing to zero, key 55 AA (2.1)", () => {
    const e = encodeValidationEntry(Platform.x86);
    // With all else zero the checksum word must be -(0x0001 + 0xAA55) = 0x55AA.
    expect(hex(e)).toBe(`0100${"00".repeat(26)}aa5555aa`);
    expect(decodeValidationEntry(encodeValidationEntry(Platform.efi, "discburn"))).toEqual({
      platform: 0xef,
      idString: "discburn",
    });
    const bad = encodeValidationEntry(0);
    bad[5] ^= 1;
    expect(() => decodeValidationEntry(bad)).toThrow(/checksum/);
  });
  it("default and section entries: indicator 88, media, segment, system type, count, RBA (2.2, 2.4)", () => {
    const entry = {
      bootable: true,
      emulation: Emulation.none,
      loadSegment: 0,
      systemType: 0,
      sectorCount: 4,
      loadRba: 0x2f2,
      selectionCriteria: 0,
    };
    const e = encodeBootEntry(entry);
    expect(hex(e.subarray(0, 12))).toBe("880000000000" + "0400" + "f2020000");
    expect(decodeBootEntry(e)).toEqual(entry);
    const hd = encodeBootEntry({ ...entry, emulation: Emulation.hardDisk, systemType: 0x0c, loadSegment: 0x7c0 });
    expect(hex(hd.subarray(0, 6))).toBe("8804c0070c00");
  });
  it("section header: 90 while more follow, 91 for the last, platform and entry count (2.3)", () => {
    expect(hex(encodeSectionHeader(true, Platform.efi, 1).subarray(0, 4))).toBe("91ef0100");
    expect(decodeSectionHeader(encodeSectionHeader(false, 0, 3))).toEqual({ last: false, platform: 0, entries: 3 });
  });
  it("boot info table: PVD LBA, file LBA, length, checksum of the words from offset 64", () => {
    const file = new Uint8Array(2048 + 3);
    for (let i = 0; i < file.length; i++) file[i] = (i * 7) & 0xff;
    const expected = (() => {
      let sum = 0;
      const padded = Buffer.concat([Buffer.from(file), Buffer.alloc(1)]);
      for (let i = 64; i < padded.length; i += 4) sum = (sum + padded.readUInt32LE(i)) >>> 0;
      return sum;
    })();
    expect(bootFileChecksum(file)).toBe(expected);
    patchBootInfoTable(file, { pvdLba: 16, fileLba: 762, fileLength: file.length, checksum: expected });
    expect(readBootInfoTable(file)).toEqual({ pvdLba: 16, fileLba: 762, fileLength: 2051, checksum: expected });
    expect(file.subarray(24, 64).every((x) => x === 0)).toBe(true);
    expect(file[64]).toBe((64 * 7) & 0xff); // nothing past the table is touched
  });
});

describe("isohybrid MBR", () => {
  it("keeps 432 bytes of boot code, the boot image block at 432, signature at 440, partitions at 446, 55 AA", () => {
    const code = new Uint8Array(512).fill(0xcc);
    const b = encodeMbr({
      bootCode: code,
      bootImageBlock512: 3016,
      diskSignature: 0x6994025f,
      partitions: [
        { bootable: true, type: 0x00, start: 0, sectors: 4096 },
        { bootable: false, type: 0xef, start: 136, sectors: 2880 },
      ],
    });
    expect(b.subarray(0, 432).every((x) => x === 0xcc)).toBe(true);
    expect(hex(b.subarray(432, 446))).toBe("c80b0000000000005f0294690000");
    // The same bytes xorriso writes for this layout (partition 1 ends at cylinder 1, head 63, sector 32).
    expect(hex(b.subarray(446, 462))).toBe("800001000" + "03f2001" + "00000000" + "00100000");
    expect(hex(b.subarray(510))).toBe("55aa");
    expect(decodeMbrPartitions(b)).toEqual([
      { bootable: true, type: 0, start: 0, sectors: 4096 },
      { bootable: false, type: 0xef, start: 136, sectors: 2880 },
    ]);
  });
  it("uses 64 heads and 32 sectors per track for CHS", () => {
    expect(chs(0)).toEqual([0, 1, 0]);
    expect(chs(2047)).toEqual([63, 32, 0]);
    expect(chs(2048)).toEqual([0, 1, 1]);
    expect(chs(2048 * 1024)).toEqual([0xfe, 0xff, 0xff]);
  });
});

describe("GPT", () => {
  it("stores GUIDs mixed-endian", () => {
    expect(hex(encodeGuid(GptType.basicData))).toBe("a2a0d0ebe5b9334487c068b6b72699c7");
    expect(decodeGuid(encodeGuid(GptType.efiSystem))).toBe(GptType.efiSystem);
  });
  it("writes a header with its CRC32 and the entry array's CRC32", () => {
    const entries = encodeGptEntries([
      {
        type: GptType.efiSystem,
        guid: "11111111-2222-3333-4444-555555555555",
        firstLba: 136,
        lastLba: 3015,
        attributes: 0n,
        name: "ESP",
      },
    ]);
    expect(entries.length).toBe(128 * 128);
    expect(hex(entries.subarray(32, 48))).toBe("8800000000000000c70b000000000000");
    expect(Buffer.from(entries.subarray(56, 62)).toString("utf16le")).toBe("ESP");
    const header = encodeGptHeader({
      currentLba: 1,
      backupLba: 4095,
      firstUsableLba: 64,
      lastUsableLba: 4062,
      diskGuid: "11111111-2222-3333-4444-555555555555",
      entriesLba: 2,
      entriesCrc: crc32(entries),
    });
    expect(Buffer.from(header.subarray(0, 8)).toString()).toBe("EFI PART");
    expect(hex(header.subarray(8, 16))).toBe("000001005c000000");
    expect(decodeGptHeader(header)).toMatchObject({ backupLba: 4095, entriesLba: 2, entriesCrc: crc32(entries) });
    header[40] ^= 1;
    expect(() => decodeGptHeader(header)).toThrow(/CRC32/);
  });
});
