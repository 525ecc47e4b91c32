// UDF structures against ECMA-167 3rd edition / OSTA UDF 2.60 field layouts, the CRC-ITU-T tag CRC, OSTA CS0
// d-strings, and decode(encode(x)) round trips for every descriptor.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crcItuT } from "../src/udf/crc.js";
import {
  decodeDeviceAttributes,
  decodeFileEntry,
  decodeFileIdentifier,
  decodeFileSet,
  decodePathComponents,
  encodeDeviceAttributes,
  encodeFileEntry,
  encodeFileIdentifier,
  encodeFileSet,
  encodePathComponents,
  FileCharacteristics,
  type FileEntry,
  IcbFileType,
  posixPermissions,
  udfPermissions,
} from "../src/udf/file.js";
import {
  decodeCs0,
  domainSuffix,
  encodeCs0,
  readDstring,
  readTag,
  readTimestamp,
  writeDstring,
  writeTag,
  writeTimestamp,
} from "../src/udf/primitives.js";
import {
  decodeAnchor,
  decodeImplementationUse,
  decodeIntegrity,
  decodeLogicalVolume,
  decodePartition,
  decodePrimaryVolume,
  decodeVolumeStructure,
  encodeAnchor,
  encodeImplementationUse,
  encodeIntegrity,
  encodeLogicalVolume,
  encodePartition,
  encodePrimaryVolume,
  encodeVolumeStructure,
} from "../src/udf/volume.js";

const tag = { version: 3, location: 1234, serial: 1 };
const t = { epochMs: Date.UTC(2024, 0, 31, 12, 34, 56, 780), utcOffsetMinutes: 60 };
const id = (identifier: string) => ({ flags: 0, identifier, suffix: domainSuffix(0x0260, 3) });
const le16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const le32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);

describe("CRC-ITU-T and descriptor tags (ECMA-167 3/7.2)", () => {
  it("is the CCITT polynomial with initial value 0 (check value 0x31C3 for '123456789')", () => {
    expect(crcItuT(Buffer.from("123456789"))).toBe(0x31c3);
    expect(crcItuT(new Uint8Array(0))).toBe(0);
  });
  it("writes identifier, version, checksum, serial, CRC, CRC length and location where 7.2 puts them", () => {
    const d = new Uint8Array(64);
    d.fill(0xab, 16);
    writeTag(d, { identifier: 257, version: 3, serialNumber: 7, location: 0x1234 }, 48);
    expect(le16(d, 0)).toBe(257);
    expect(le16(d, 2)).toBe(3);
    expect(le16(d, 6)).toBe(7);
    expect(le16(d, 8)).toBe(crcItuT(d.subarray(16, 64)));
    expect(le16(d, 10)).toBe(48);
    expect(le32(d, 12)).toBe(0x1234);
    let sum = 0;
    for (let i = 0; i < 16; i++) if (i !== 4) sum += d[i];
    expect(d[4]).toBe(sum & 0xff);
    expect(readTag(d, { identifier: 257, location: 0x1234 })).toEqual({
      identifier: 257,
      version: 3,
      serialNumber: 7,
      location: 0x1234,
    });
    d[20] ^= 1;
    expect(() => readTag(d)).toThrow(/CRC/);
    d[20] ^= 1;
    d[0] ^= 1;
    expect(() => readTag(d)).toThrow(/checksum/);
  });
});

describe("primitives", () => {
  it("timestamps: type 1 with a 12-bit offset, local wall time, centi- and hundreds of microseconds (1/7.3)", () => {
    const b = new Uint8Array(12);
    writeTimestamp(b, 0, t);
    expect(le16(b, 0)).toBe((1 << 12) | 60);
    expect(le16(b, 2)).toBe(2024);
    expect([...b.subarray(4, 12)]).toEqual([1, 31, 13, 34, 56, 78, 0, 0]);
    expect(readTimestamp(b, 0)).toEqual(t);
    writeTimestamp(b, 0, { epochMs: t.epochMs, utcOffsetMinutes: -300 });
    expect(le16(b, 0) & 0xfff).toBe(0x1000 - 300);
    expect(readTimestamp(b, 0).utcOffsetMinutes).toBe(-300);
  });
  it("OSTA CS0: compression ID 8 within Latin-1, 16 (UCS-2BE) beyond (UDF 2.1.1)", () => {
    expect([...encodeCs0("Aé")]).toEqual([8, 0x41, 0xe9]);
    expect([...encodeCs0("日")]).toEqual([16, 0x65, 0xe5]);
    expect(decodeCs0(encodeCs0("Ünïcødé 日本語"))).toBe("Ünïcødé 日本語");
    expect(decodeCs0(encodeCs0("😀x"))).toBe("_x");
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => decodeCs0(encodeCs0(s)).length === [...s].length));
  });
  it("d-strings keep the used length in their last byte (1/7.2.12)", () => {
    const b = new Uint8Array(32);
    writeDstring(b, 0, 32, "VOLUME");
    expect(b[31]).toBe(7);
    expect(readDstring(b, 0, 32)).toBe("VOLUME");
    writeDstring(b, 0, 32, "x".repeat(40));
    expect(readDstring(b, 0, 32)).toBe("x".repeat(30)); // 31 bytes: ID + 30 characters
  });
});

describe("volume structure (ECMA-167 parts 2 and 3)", () => {
  it("recognition sequence descriptors: type 0, identifier, version 1 (2/9.1)", () => {
    const b = encodeVolumeStructure("NSR03");
    expect(Buffer.from(b.subarray(0, 7)).toString("hex")).toBe(`00${Buffer.from("NSR03").toString("hex")}01`);
    expect(decodeVolumeStructure(b)).toBe("NSR03");
  });
  it("anchor: main and reserve extents at 16 and 24 (3/10.2)", () => {
    const a = { main: { length: 32768, location: 32 }, reserve: { length: 32768, location: 48 } };
    const b = encodeAnchor(a, { ...tag, location: 256 });
    expect(le32(b, 16)).toBe(32768);
    expect(le32(b, 20)).toBe(32);
    expect(le32(b, 28)).toBe(48);
    expect(decodeAnchor(b, 256)).toEqual(a);
  });
  it("round-trips the primary, implementation use, partition, logical volume and integrity descriptors", () => {
    const pvd = {
      sequenceNumber: 0,
      volumeIdentifier: "DISC 日本",
      volumeSetIdentifier: "0123456789abcdefDISC",
      applicationIdentifier: id("*discburn"),
      recordingTime: t,
      implementationIdentifier: id("*discburn"),
    };
    expect(decodePrimaryVolume(encodePrimaryVolume(pvd, tag))).toEqual(pvd);
    const iuvd = {
      sequenceNumber: 1,
      identifier: id("*UDF LV Info"),
      logicalVolumeIdentifier: "LV",
      info: ["a", "b", "c"] as [string, string, string],
      implementationIdentifier: id("*discburn"),
    };
    expect(decodeImplementationUse(encodeImplementationUse(iuvd, tag))).toEqual(iuvd);
    const pd = {
      sequenceNumber: 2,
      number: 0,
      contents: id("+NSR03"),
      accessType: 1,
      start: 257,
      length: 1000,
      implementationIdentifier: id("*discburn"),
    };
    const pdBytes = encodePartition(pd, tag);
    expect(le32(pdBytes, 184)).toBe(1); // 3/10.5.7 access type
    expect(le32(pdBytes, 188)).toBe(257); // 3/10.5.8 starting location
    expect(decodePartition(pdBytes)).toEqual(pd);
    const lvd = {
      sequenceNumber: 3,
      identifier: "LV",
      domain: id("*OSTA UDF Compliant"),
      fileSetLocation: { length: 2048, type: 0, block: 0, partition: 1, implementationUse: new Uint8Array(6) },
      implementationIdentifier: id("*discburn"),
      integritySequence: { length: 4096, location: 64 },
      maps: [
        { type: 1 as const, partitionNumber: 0 },
        {
          type: 2 as const,
          identifier: id("*UDF Metadata Partition"),
          partitionNumber: 0,
          metadataFileLocation: 5,
          metadataMirrorFileLocation: 6,
          metadataBitmapFileLocation: 0xffffffff,
          allocationUnitSize: 32,
          alignmentUnitSize: 16,
          flags: 1,
        },
      ],
    };
    const lvdBytes = encodeLogicalVolume(lvd, tag);
    expect(le32(lvdBytes, 212)).toBe(2048); // 3/10.6.5 logical block size
    expect(le32(lvdBytes, 264)).toBe(70); // map table length: 6 + 64
    expect(lvdBytes[440]).toBe(1); // type 1 map
    expect(lvdBytes[446]).toBe(2); // type 2 map
    expect(decodeLogicalVolume(lvdBytes)).toEqual(lvd);
    const lvid = {
      recordingTime: t,
      nextUniqueId: 99n,
      freeSpace: [0, 0],
      size: [1000, 64],
      implementationIdentifier: id("*discburn"),
      files: 10,
      directories: 3,
      minimumReadRevision: 0x0250,
      minimumWriteRevision: 0x0260,
      maximumWriteRevision: 0x0260,
    };
    expect(decodeIntegrity(encodeIntegrity(lvid, tag))).toEqual(lvid);
  });
});

describe("file structure (ECMA-167 part 4)", () => {
  const entry = (extended: boolean): FileEntry => ({
    extended,
    fileType: IcbFileType.file,
    icbFlags: 0,
    uid: 1000,
    gid: 100,
    permissions: udfPermissions(0o644),
    linkCount: 2,
    informationLength: 5_000_000_000n,
    logicalBlocksRecorded: 2_441_407n,
    accessTime: t,
    modificationTime: t,
    creationTime: t,
    attributeTime: t,
    implementationIdentifier: id("*discburn"),
    uniqueId: 42n,
    extendedAttributes: new Uint8Array(0),
    allocationDescriptors: new Uint8Array(16).fill(7),
  });
  it("places the file entry's lengths where 4/14.9 puts them (L_EA at 168, L_AD at 172, data from 176)", () => {
    const b = encodeFileEntry(entry(false), tag);
    expect(le16(b, 0)).toBe(261);
    expect(b[27]).toBe(IcbFileType.file);
    expect(le32(b, 168)).toBe(0);
    expect(le32(b, 172)).toBe(16);
    expect(b.length).toBe(176 + 16);
    expect(decodeFileEntry(b)).toEqual({ ...entry(false), creationTime: t });
  });
  it("places the extended file entry's fields where 4/14.17 puts them (L_AD at 212, data from 216)", () => {
    const b = encodeFileEntry(entry(true), tag);
    expect(le16(b, 0)).toBe(266);
    expect(new DataView(b.buffer).getBigUint64(64, true)).toBe(5_000_000_000n); // object size
    expect(Buffer.from(b.subarray(169, 178)).toString()).toBe("*discburn"); // implementation identifier at 168
    expect(new DataView(b.buffer).getBigUint64(200, true)).toBe(42n); // unique ID
    expect(le32(b, 212)).toBe(16);
    expect(b.length).toBe(216 + 16);
    expect(decodeFileEntry(b)).toEqual(entry(true));
  });
  it("file identifiers: 38 bytes, the CS0 name, padded to 4 (4/14.4)", () => {
    const icb = { length: 2048, type: 0, block: 9, partition: 1, implementationUse: Uint8Array.of(0, 0, 42, 0, 0, 0) };
    const fid = { characteristics: FileCharacteristics.directory, name: "Ünï", icb };
    const b = encodeFileIdentifier(fid, tag);
    expect(b.length).toBe(44); // 38 + 4 (ID byte + 3 characters) padded to 44
    expect(b[19]).toBe(4);
    expect(decodeFileIdentifier(b, 0)).toEqual({ fid, length: 44 });
  });
  it("path components: root 2, parent 3, current 4, names 5 (4/14.16, UDF 2.3.12)", () => {
    const b = encodePathComponents("/usr/../lib/./x");
    expect([...b.subarray(0, 4)]).toEqual([2, 0, 0, 0]);
    expect(decodePathComponents(b)).toBe("/usr/../lib/./x");
    expect(decodePathComponents(encodePathComponents("a/日本"))).toBe("a/日本");
  });
  it("device specification attribute: type 12, subtype 1, major and minor (4/14.10.7)", () => {
    const b = encodeDeviceAttributes(8, 1, tag);
    expect(le16(b, 0)).toBe(262);
    expect(le32(b, 24)).toBe(12);
    expect(decodeDeviceAttributes(b)).toEqual({ major: 8, minor: 1 });
  });
  it("maps POSIX permissions to ECMA-167 4/14.9.5 and back", () => {
    expect(udfPermissions(0o755)).toBe(0x7ca5); // owner rwx + change attributes + delete, group and other r-x
    expect(udfPermissions(0o555)).toBe(0x14a5);
    fc.assert(fc.property(fc.integer({ min: 0, max: 0o777 }), (m) => posixPermissions(udfPermissions(m)) === m));
  });
  it("round-trips the file set descriptor (4/14.1)", () => {
    const fsd = {
      recordingTime: t,
      logicalVolumeIdentifier: "LV",
      fileSetIdentifier: "FS",
      rootDirectory: { length: 2048, type: 0, block: 2, partition: 0, implementationUse: new Uint8Array(6) },
      domain: id("*OSTA UDF Compliant"),
      systemStreamDirectory: null,
    };
    expect(decodeFileSet(encodeFileSet(fsd, tag))).toEqual(fsd);
  });
});
