// Encoders against the field positions of ECMA-119, and decode(encode(x)) round trips.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeDirectoryDate, decodeVolumeDate, encodeDirectoryDate, encodeVolumeDate } from "../src/ecma119/dates.js";
import {
  type DirectoryRecord,
  decodeDirectoryRecord,
  directoryRecordLength,
  encodeDirectoryRecord,
  FileFlags,
} from "../src/ecma119/directoryRecord.js";
import { decodePathTable, encodePathTableRecord, type PathTableRecord } from "../src/ecma119/pathTable.js";
import {
  decodeVolumeDescriptor,
  encodeVolumeDescriptor,
  encodeVolumeDescriptorSetTerminator,
  type VolumeDescriptor,
} from "../src/ecma119/volumeDescriptor.js";
import { readU16Both, readU32Both, writeU16Both, writeU32Both } from "../src/encoding/bothEndian.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("both-byte order (ECMA-119 7.2.3, 7.3.3)", () => {
  it("writes 16-bit values LE then BE", () => {
    const b = new Uint8Array(4);
    writeU16Both(b, 0, 0x1234);
    expect(hex(b)).toBe("34121234");
  });
  it("writes 32-bit values LE then BE", () => {
    const b = new Uint8Array(8);
    writeU32Both(b, 0, 0x12345678);
    expect(hex(b)).toBe("7856341212345678");
  });
  it("round-trips every 32-bit value and detects mismatched halves when strict", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        const b = new Uint8Array(8);
        writeU32Both(b, 0, v);
        return readU32Both(b, 0, true) === v;
      }),
    );
    const b = new Uint8Array(4);
    writeU16Both(b, 0, 7);
    b[3] = 8;
    expect(() => readU16Both(b, 0, true)).toThrow(/different LE and BE/);
    expect(readU16Both(b, 0)).toBe(7);
  });
});

describe("dates (ECMA-119 9.1.5, 8.4.26.1)", () => {
  const t = { epochMs: Date.UTC(2024, 0, 31, 12, 34, 56), utcOffsetMinutes: 0 };
  it("encodes a directory record date as years since 1900, month, day, h, m, s, offset", () => {
    expect([...encodeDirectoryDate(t)]).toEqual([124, 1, 31, 12, 34, 56, 0]);
  });
  it("records the local wall time and the offset in 15-minute units", () => {
    // 12:34:56 UTC at UTC+01:30 is 14:04:56 local, offset +6.
    expect([...encodeDirectoryDate({ epochMs: t.epochMs, utcOffsetMinutes: 90 })]).toEqual([124, 1, 31, 14, 4, 56, 6]);
    // Negative offsets are two's complement: UTC-05:00 is -20 = 0xEC.
    expect(encodeDirectoryDate({ epochMs: t.epochMs, utcOffsetMinutes: -300 })[6]).toBe(0xec);
  });
  it("encodes a volume date as 16 digits and an offset byte", () => {
    const b = encodeVolumeDate({ epochMs: t.epochMs + 470, utcOffsetMinutes: 0 });
    expect(Buffer.from(b.subarray(0, 16)).toString("latin1")).toBe("2024013112345647");
    expect(b[16]).toBe(0);
  });
  it("writes 'not specified' as sixteen '0' digits and a zero offset", () => {
    const b = encodeVolumeDate(null);
    expect(Buffer.from(b.subarray(0, 16)).toString("latin1")).toBe("0000000000000000");
    expect(decodeVolumeDate(b)).toBeNull();
  });
  it("round-trips both formats at their precision", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1901, 0, 2), max: Date.UTC(2150, 0, 1) }),
        fc.integer({ min: -48, max: 52 }),
        (ms, units) => {
          const rt = { epochMs: ms, utcOffsetMinutes: units * 15 };
          const d = decodeDirectoryDate(encodeDirectoryDate(rt))!;
          const v = decodeVolumeDate(encodeVolumeDate(rt))!;
          return (
            d.epochMs === Math.floor(ms / 1000) * 1000 &&
            d.utcOffsetMinutes === units * 15 &&
            v.epochMs === Math.floor(ms / 10) * 10 &&
            v.utcOffsetMinutes === units * 15
          );
        },
      ),
    );
  });
});

const sampleRecord = (over: Partial<DirectoryRecord> = {}): DirectoryRecord => ({
  extendedAttributeLength: 0,
  extentLocation: 0x1234,
  dataLength: 0x56789,
  recordingTime: { epochMs: Date.UTC(2020, 5, 1, 1, 2, 3), utcOffsetMinutes: 0 },
  fileFlags: FileFlags.multiExtent,
  fileUnitSize: 0,
  interleaveGapSize: 0,
  volumeSequenceNumber: 1,
  fileIdentifier: new Uint8Array(Buffer.from("README.TXT;1", "latin1")),
  systemUse: new Uint8Array(0),
  ...over,
});

describe("directory record (ECMA-119 9.1)", () => {
  it("places every field where 9.1 says", () => {
    const b = encodeDirectoryRecord(sampleRecord());
    // 33 fixed bytes + 12-byte identifier + 1 padding byte (even identifier length).
    expect(b.length).toBe(46);
    expect(b[0]).toBe(46); // 9.1.1
    expect(b[1]).toBe(0); // 9.1.2
    expect(hex(b.subarray(2, 10))).toBe("3412000000001234"); // 9.1.3
    expect(hex(b.subarray(10, 18))).toBe("8967050000056789"); // 9.1.4
    expect([...b.subarray(18, 25)]).toEqual([120, 6, 1, 1, 2, 3, 0]); // 9.1.5
    expect(b[25]).toBe(0x80); // 9.1.6
    expect(hex(b.subarray(28, 32))).toBe("01000001"); // 9.1.9
    expect(b[32]).toBe(12); // 9.1.10
    expect(Buffer.from(b.subarray(33, 45)).toString("latin1")).toBe("README.TXT;1"); // 9.1.11
    expect(b[45]).toBe(0); // 9.1.12
  });
  it("has no padding byte for odd identifier lengths", () => {
    expect(directoryRecordLength(1, 0)).toBe(34);
    expect(directoryRecordLength(11, 0)).toBe(44);
    expect(directoryRecordLength(12, 10)).toBe(56);
  });
  it("round-trips", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 0, max: 255 }),
        (lba, len, id, su, flags) => {
          const r = sampleRecord({
            extentLocation: lba,
            dataLength: len,
            fileIdentifier: id,
            systemUse: su,
            fileFlags: flags,
          });
          expect(decodeDirectoryRecord(encodeDirectoryRecord(r))).toEqual(r);
        },
      ),
    );
  });
});

describe("path table record (ECMA-119 9.4)", () => {
  const r: PathTableRecord = {
    extendedAttributeLength: 0,
    extentLocation: 0x10203,
    parentDirectoryNumber: 0x0102,
    directoryIdentifier: new Uint8Array(Buffer.from("DIR", "latin1")),
  };
  it("encodes type L little-endian and type M big-endian, padded to even length", () => {
    expect(hex(encodePathTableRecord(r, "L"))).toBe("0300" + "03020100" + "0201" + "444952" + "00");
    expect(hex(encodePathTableRecord(r, "M"))).toBe("0300" + "00010203" + "0102" + "444952" + "00");
  });
  it("decodes a whole table", () => {
    const root = { ...r, directoryIdentifier: Uint8Array.of(0), parentDirectoryNumber: 1 };
    const table = Buffer.concat([encodePathTableRecord(root, "M"), encodePathTableRecord(r, "M")]);
    expect(decodePathTable(table, table.length, "M")).toEqual([root, r]);
  });
});

const sampleVd = (type: 1 | 2): VolumeDescriptor => ({
  type,
  volumeFlags: 0,
  systemIdentifier: "LINUX",
  volumeIdentifier: type === 1 ? "MY_DISC" : "My Disc ü",
  volumeSpaceSize: 123456,
  escapeSequences: type === 2 ? "%/E" : "",
  volumeSetSize: 1,
  volumeSequenceNumber: 1,
  logicalBlockSize: 2048,
  pathTableSize: 10,
  typeLPathTable: 19,
  optionalTypeLPathTable: 0,
  typeMPathTable: 21,
  optionalTypeMPathTable: 0,
  rootDirectoryRecord: sampleRecord({ fileIdentifier: Uint8Array.of(0), fileFlags: FileFlags.directory }),
  volumeSetIdentifier: "SET",
  publisherIdentifier: "PUB",
  dataPreparerIdentifier: "PREP",
  applicationIdentifier: "APP",
  copyrightFileIdentifier: "COPY",
  abstractFileIdentifier: "ABS",
  bibliographicFileIdentifier: "BIB",
  creation: { epochMs: Date.UTC(2024, 0, 1), utcOffsetMinutes: 0 },
  modification: { epochMs: Date.UTC(2024, 0, 2), utcOffsetMinutes: 0 },
  expiration: null,
  effective: { epochMs: Date.UTC(2024, 0, 3), utcOffsetMinutes: 0 },
  fileStructureVersion: 1,
  applicationUse: new Uint8Array(512),
});

describe("volume descriptors (ECMA-119 8.4, 8.5; Joliet)", () => {
  it("places the PVD fields at the offsets of 8.4", () => {
    const b = encodeVolumeDescriptor(sampleVd(1));
    expect(b.length).toBe(2048);
    expect(b[0]).toBe(1);
    expect(Buffer.from(b.subarray(1, 6)).toString()).toBe("CD001");
    expect(b[6]).toBe(1);
    expect(Buffer.from(b.subarray(8, 40)).toString()).toBe(`LINUX${" ".repeat(27)}`);
    expect(Buffer.from(b.subarray(40, 72)).toString()).toBe(`MY_DISC${" ".repeat(25)}`);
    expect(readU32Both(b, 80, true)).toBe(123456);
    expect(readU16Both(b, 120, true)).toBe(1);
    expect(readU16Both(b, 128, true)).toBe(2048);
    expect(readU32Both(b, 132, true)).toBe(10);
    expect(hex(b.subarray(140, 144))).toBe("13000000");
    expect(hex(b.subarray(148, 152))).toBe("00000015");
    expect(b[156]).toBe(34); // root directory record length
    expect(Buffer.from(b.subarray(813, 829)).toString()).toBe("2024010100000000");
    expect(Buffer.from(b.subarray(847, 863)).toString()).toBe("0000000000000000");
    expect(b[881]).toBe(1);
  });
  it("writes the Joliet SVD's identifiers in UCS-2BE and its escape sequence at 88", () => {
    const b = encodeVolumeDescriptor(sampleVd(2));
    expect(b[0]).toBe(2);
    expect(Buffer.from(b.subarray(88, 91)).toString()).toBe("%/E");
    expect(hex(b.subarray(40, 58))).toBe("004d007900200044006900730063002000fc");
    expect(hex(b.subarray(58, 60))).toBe("0020");
  });
  it("round-trips PVD and SVD", () => {
    for (const t of [1, 2] as const) {
      const vd = sampleVd(t);
      expect(decodeVolumeDescriptor(encodeVolumeDescriptor(vd))).toEqual(vd);
    }
  });
  it("encodes the set terminator (8.3)", () => {
    const b = encodeVolumeDescriptorSetTerminator();
    expect(hex(b.subarray(0, 7))).toBe("ff434430303101");
    expect(b.subarray(7).every((x) => x === 0)).toBe(true);
  });
});
