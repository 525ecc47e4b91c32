// decode(encode(x)) ≡ x for every structure this package both writes and reads, and builders against a field-by-field
// reading of their CDBs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildModeSelectWriteParameters,
  buildRead10,
  buildRead12,
  buildReadTrackInformation,
  buildSetStreaming,
  buildWrite10,
  buildWrite12,
  decodeFormatParameterList,
  decodePerformanceDescriptor,
  decodeSense,
  encodeCapacity,
  encodeConfiguration,
  encodeDescriptorSense,
  encodeDiscInformation,
  encodeFixedSense,
  encodeFormatParameterList,
  encodeInquiry,
  encodeModeSelectParameterList,
  encodeModeSenseData,
  encodePerformanceDescriptor,
  encodeTrackInformation,
  encodeWriteParametersPage,
  findModePage,
  lbaToMsf,
  MODE_PAGE,
  msfToLba,
  parseCapacity,
  parseConfiguration,
  parseDiscInformation,
  parseInquiry,
  parseModeSense10,
  parseTrackInformation,
  parseWriteParametersPage,
  SENSE_KEY,
  type SenseKeySpecific,
  type WriteParameters,
} from "../src/index.js";

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bits = (n: number) => fc.integer({ min: 0, max: 2 ** n - 1 });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const writeParameters: fc.Arbitrary<WriteParameters> = fc.record({
  bufferUnderrunFree: fc.boolean(),
  linkSizeValid: fc.boolean(),
  testWrite: fc.boolean(),
  writeType: bits(4),
  multiSession: bits(2),
  fixedPacket: fc.boolean(),
  copy: fc.boolean(),
  trackMode: bits(4),
  dataBlockType: bits(4),
  linkSize: u8,
  hostApplicationCode: bits(6),
  sessionFormat: u8,
  packetSize: u32,
  audioPauseLength: u16,
  mediaCatalogNumber: bytes(16),
  isrc: bytes(16),
  subHeader: bytes(4),
  vendorSpecific: fc.uint8Array({ maxLength: 8 }),
});

describe("MODE SELECT(10) page 05h encoded, MODE SENSE(10) page 05h parsed", () => {
  it("the parameter list MODE SELECT sends parses back to the same write parameters", () => {
    fc.assert(
      fc.property(writeParameters, (w) => {
        const cmd = buildModeSelectWriteParameters(w);
        expect(cmd.transferLength).toBe(60 + w.vendorSpecific.length);
        expect((cmd.cdb[7] << 8) | cmd.cdb[8]).toBe(cmd.data!.length);
        const page = findModePage(parseModeSense10(cmd.data!), MODE_PAGE.WRITE_PARAMETERS);
        expect(parseWriteParametersPage(page!.bytes)).toEqual(w);
      }),
    );
  });

  it("a MODE SENSE answer holding the page (with PS set) parses back too", () => {
    fc.assert(
      fc.property(writeParameters, fc.boolean(), (w, savable) => {
        const page = encodeWriteParametersPage(w);
        if (savable) page[0] |= 0x80;
        const sense = parseModeSense10(encodeModeSenseData([page]));
        const found = findModePage(sense, 0x05)!;
        expect([found.parametersSavable, sense.truncated]).toEqual([savable, false]);
        expect(parseWriteParametersPage(found.bytes)).toEqual(w);
        // MODE SELECT must not send PS: the parameter list clears it.
        expect(encodeModeSelectParameterList([page])[8]).toBe(0x05);
      }),
    );
  });
});

describe("parameter lists", () => {
  it("SET STREAMING performance descriptor", () => {
    const descriptor = fc.record({
      writeRotationControl: bits(2),
      restoreDefaults: fc.boolean(),
      exact: fc.boolean(),
      randomAccess: fc.boolean(),
      startLba: u32,
      endLba: u32,
      readSize: u32,
      readTime: u32,
      writeSize: u32,
      writeTime: u32,
    });
    fc.assert(
      fc.property(descriptor, (d) => {
        expect(decodePerformanceDescriptor(encodePerformanceDescriptor(d))).toEqual(d);
        expect(decodePerformanceDescriptor(buildSetStreaming(d).data!)).toEqual(d);
      }),
    );
  });

  it("FORMAT UNIT format list header and descriptor", () => {
    const list = fc.record({
      formatOptionsValid: fc.boolean(),
      disableCertification: fc.boolean(),
      tryOut: fc.boolean(),
      immediate: fc.boolean(),
      descriptor: fc.record({
        numberOfBlocks: u32,
        formatType: bits(6),
        formatSubType: bits(2),
        typeDependent: bits(24),
      }),
    });
    fc.assert(
      fc.property(list, (p) => {
        expect(decodeFormatParameterList(encodeFormatParameterList(p))).toEqual(p);
      }),
    );
  });
});

function senseKeySpecificFor(key: number): fc.Arbitrary<SenseKeySpecific | undefined> {
  let specific: fc.Arbitrary<SenseKeySpecific>;
  if (key === SENSE_KEY.ILLEGAL_REQUEST) {
    specific = fc
      .record({ commandData: fc.boolean(), fieldPointer: u16, bitPointer: fc.option(bits(3), { nil: undefined }) })
      .map(({ bitPointer, ...rest }) => ({
        kind: "field-pointer" as const,
        ...rest,
        ...(bitPointer === undefined ? {} : { bitPointer }),
      }));
  } else if (key === SENSE_KEY.NOT_READY || key === SENSE_KEY.NO_SENSE) {
    specific = u16.map((v) => ({ kind: "progress" as const, progress: v / 65536 }));
  } else if (key === SENSE_KEY.RECOVERED_ERROR || key === SENSE_KEY.MEDIUM_ERROR || key === SENSE_KEY.HARDWARE_ERROR) {
    specific = u16.map((count) => ({ kind: "retry-count" as const, count }));
  } else {
    specific = fc
      .tuple(bits(7), u8, u8)
      .map(([a, b, c]) => ({ kind: "other" as const, bytes: [0x80 | a, b, c] as [number, number, number] }));
  }
  return fc.option(specific, { nil: undefined });
}

describe("sense data", () => {
  const common = bits(4).chain((key) =>
    fc.record({
      key: fc.constant(key),
      asc: u8,
      ascq: u8,
      deferred: fc.boolean(),
      valid: fc.boolean(),
      ili: fc.boolean(),
      senseKeySpecific: senseKeySpecificFor(key),
    }),
  );

  it("fixed format", () => {
    fc.assert(
      fc.property(common, u32, u32, u8, (s, information, commandSpecific, fieldReplaceableUnit) => {
        const fields = { ...s, information, commandSpecific, fieldReplaceableUnit };
        const decoded = decodeSense(encodeFixedSense(fields))!;
        expect(decoded).toMatchObject({ format: "fixed", responseCode: s.deferred ? 0x71 : 0x70, ...fields });
        expect(decoded.senseKeySpecific).toEqual(s.senseKeySpecific);
      }),
    );
  });

  it("descriptor format, with 64-bit information fields", () => {
    fc.assert(
      fc.property(common, fc.maxSafeNat(), fc.maxSafeNat(), (s, information, commandSpecific) => {
        const fields = { ...s, information, commandSpecific };
        const decoded = decodeSense(encodeDescriptorSense(fields))!;
        const valid = s.valid;
        expect(decoded).toMatchObject({
          format: "descriptor",
          responseCode: s.deferred ? 0x73 : 0x72,
          ...fields,
          valid,
        });
        expect(decoded.senseKeySpecific).toEqual(s.senseKeySpecific);
      }),
    );
  });
});

describe("responses a software recorder will send", () => {
  it("Disc Information Block", () => {
    const disc = fc.record({
      discStatus: bits(2),
      lastSessionState: bits(2),
      erasable: fc.boolean(),
      firstTrackOnDisc: u8,
      numberOfSessions: u16,
      firstTrackInLastSession: u16,
      lastTrackInLastSession: u16,
      discIdValid: fc.boolean(),
      barCodeValid: fc.boolean(),
      unrestrictedUse: fc.boolean(),
      applicationCodeValid: fc.boolean(),
      dirty: fc.boolean(),
      backgroundFormatStatus: bits(2),
      discType: u8,
      discIdentification: u32,
      lastSessionLeadInStart: u32,
      lastPossibleLeadOutStart: u32,
      discBarCode: bytes(8),
      discApplicationCode: u8,
      opcTables: fc.array(fc.record({ speed: u16, values: bytes(6) }), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(disc, (d) => {
        const { dataLength, discStatusName, ...parsed } = parseDiscInformation(encodeDiscInformation(d));
        expect(parsed).toEqual(d);
        expect(dataLength).toBe(32 + 8 * d.opcTables.length);
        expect(discStatusName).toBe(["blank", "appendable", "complete", "random access"][d.discStatus]);
      }),
    );
  });

  it("Track Information Block", () => {
    const track = fc.record({
      trackNumber: u16,
      sessionNumber: u16,
      layerJumpRecordingStatus: bits(2),
      damage: fc.boolean(),
      copy: fc.boolean(),
      trackMode: bits(4),
      reservedTrack: fc.boolean(),
      blank: fc.boolean(),
      packetIncremental: fc.boolean(),
      fixedPacket: fc.boolean(),
      dataMode: bits(4),
      lastRecordedAddressValid: fc.boolean(),
      nextWritableAddressValid: fc.boolean(),
      trackStart: u32,
      nextWritableAddress: u32,
      freeBlocks: u32,
      fixedPacketSize: u32,
      trackSize: u32,
      lastRecordedAddress: u32,
      readCompatibilityLba: u32,
      nextLayerJumpAddress: u32,
      lastLayerJumpAddress: u32,
    });
    fc.assert(
      fc.property(track, (t) => {
        const { dataLength, ...parsed } = parseTrackInformation(encodeTrackInformation(t));
        expect([dataLength, parsed]).toEqual([46, t]);
      }),
    );
  });

  it("GET CONFIGURATION feature descriptors", () => {
    const feature = fc.record({
      code: u16,
      version: bits(4),
      persistent: fc.boolean(),
      current: fc.boolean(),
      additional: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(u16, fc.array(feature, { maxLength: 12 }), (profile, features) => {
        const c = parseConfiguration(encodeConfiguration(profile, features));
        expect([c.currentProfile, c.truncated]).toEqual([profile, false]);
        expect(
          c.features.map(({ code, version, persistent, current, additional }) => ({
            code,
            version,
            persistent,
            current,
            additional,
          })),
        ).toEqual(features);
      }),
    );
  });

  it("INQUIRY and READ CAPACITY", () => {
    const ascii = (n: number) =>
      fc
        .string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+_ ."), maxLength: n })
        .map((s) => s.trimEnd());
    fc.assert(
      fc.property(
        bits(5),
        fc.boolean(),
        ascii(8),
        ascii(16),
        ascii(4),
        (type, removable, vendor, product, revision) => {
          const d = parseInquiry(encodeInquiry({ peripheralDeviceType: type, removable, vendor, product, revision }));
          expect(d).toMatchObject({
            peripheralDeviceType: type,
            removable,
            vendor,
            product,
            revision,
            additionalLength: 31,
          });
        },
      ),
    );
    fc.assert(
      fc.property(u32, u32, (lastLba, blockLength) => {
        expect(parseCapacity(encodeCapacity({ lastLba, blockLength }))).toEqual({ lastLba, blockLength });
      }),
    );
  });
});

describe("addresses and CDB fields", () => {
  it("MSF and LBA, in the program area and the lead-in", () => {
    fc.assert(
      fc.property(fc.integer({ min: -150, max: 90 * 4500 - 151 }), (lba) => {
        expect(msfToLba(lbaToMsf(lba))).toBe(lba);
        expect(lbaToMsf(lba).minute).toBeLessThan(90);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -45150, max: -151 }), (lba) => {
        expect(lbaToMsf(lba).minute).toBeGreaterThanOrEqual(90);
        expect(msfToLba(lbaToMsf(lba))).toBe(lba);
      }),
    );
  });

  it("READ/WRITE (10) and (12) put the LBA and the transfer length where the tables say", () => {
    const be = (b: Uint8Array, o: number, n: number) => b.subarray(o, o + n).reduce((v, x) => v * 256 + x, 0);
    fc.assert(
      fc.property(u32, u16, fc.boolean(), (lba, blocks, fua) => {
        for (const cmd of [
          buildRead10({ lba, blocks, forceUnitAccess: fua }),
          buildWrite10({ lba, blocks, forceUnitAccess: fua }),
        ]) {
          expect([
            cmd.cdb.length,
            be(cmd.cdb, 2, 4),
            be(cmd.cdb, 7, 2),
            cmd.cdb[1] === 0x08,
            cmd.cdb[6],
            cmd.cdb[9],
          ]).toEqual([10, lba, blocks, fua, 0, 0]);
          expect(cmd.transferLength).toBe(blocks * 2048);
        }
      }),
    );
    fc.assert(
      fc.property(u32, u32, fc.boolean(), (lba, blocks, streaming) => {
        for (const cmd of [buildRead12({ lba, blocks, streaming }), buildWrite12({ lba, blocks, streaming })]) {
          expect([cmd.cdb.length, be(cmd.cdb, 2, 4), be(cmd.cdb, 6, 4), cmd.cdb[10] === 0x80, cmd.cdb[11]]).toEqual([
            12,
            lba,
            blocks,
            streaming,
            0,
          ]);
        }
      }),
    );
    fc.assert(
      fc.property(bits(2), u32, (type, value) => {
        const cdb = buildReadTrackInformation({ addressType: type as 0 | 1 | 2, value }).cdb;
        expect([cdb[1], be(cdb, 2, 4)]).toEqual([type, value]);
      }),
    );
  });
});
