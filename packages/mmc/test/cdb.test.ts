// Every builder's CDB byte for byte against the layout tables of SPC-4, SBC-3 and MMC-6 (expected bytes written from
// the tables, with values that make every field visible), plus data direction and transfer length.
import { describe, expect, it } from "vitest";
import {
  BD_FORMAT_SUBTYPE,
  BLANKING_TYPE,
  bdReFormatDescriptor,
  buildBlank,
  buildCloseTrackSession,
  buildFormatUnit,
  buildFormatUnitImmediate,
  buildGetConfiguration,
  buildGetEventStatusNotification,
  buildGetPerformance,
  buildGetWriteSpeeds,
  buildInquiry,
  buildMechanismStatus,
  buildModeSelect10,
  buildModeSense10,
  buildPreventAllowMediumRemoval,
  buildRead10,
  buildRead12,
  buildReadBufferCapacity,
  buildReadCapacity10,
  buildReadDiscInformation,
  buildReadFormatCapacities,
  buildReadTocPmaAtip,
  buildReadTrackInformation,
  buildRequestSense,
  buildReserveTrack,
  buildSetCdSpeed,
  buildSetStreaming,
  buildStartStopUnit,
  buildSynchronizeCache10,
  buildTestUnitReady,
  buildWrite10,
  buildWrite12,
  CLOSE_FUNCTION,
  dvdPlusRwFormatDescriptor,
  FORMAT_TYPE,
  fromHex,
  NOTIFICATION_CLASS,
  OPCODE,
  opcodeName,
  PAGE_CONTROL,
  PERFORMANCE_EXCEPT,
  PREVENT,
  REQUEST_TYPE,
  type ScsiCommand,
  START_STOP,
  TOC_FORMAT,
  TRACK_ADDRESS_TYPE,
  toHex,
} from "../src/index.js";

function expectCommand(cmd: ScsiCommand, name: string, cdb: string, direction: string, transferLength: number): void {
  expect(cmd.name).toBe(name);
  expect(cmd.opcode).toBe(cmd.cdb[0]);
  expect(toHex(cmd.cdb)).toBe(toHex(fromHex(cdb)));
  expect(cmd.direction).toBe(direction);
  expect(cmd.transferLength).toBe(transferLength);
}

describe("SPC-4 commands", () => {
  it("TEST UNIT READY: 6 zero bytes", () => {
    expectCommand(buildTestUnitReady(), "TEST UNIT READY", "00 00 00 00 00 00", "none", 0);
  });

  it("REQUEST SENSE: DESC at byte 1 bit 0, allocation length at byte 4", () => {
    expectCommand(buildRequestSense(), "REQUEST SENSE", "03 00 00 00 fc 00", "in", 252);
    expectCommand(
      buildRequestSense({ descriptorFormat: true, allocationLength: 18 }),
      "REQUEST SENSE",
      "03 01 00 00 12 00",
      "in",
      18,
    );
  });

  it("INQUIRY: EVPD at byte 1 bit 0, page code at byte 2, allocation length at bytes 3-4", () => {
    expectCommand(buildInquiry(), "INQUIRY", "12 00 00 00 24 00", "in", 36);
    expectCommand(
      buildInquiry({ vpdPage: 0x80, allocationLength: 0x1ff }),
      "INQUIRY",
      "12 01 80 01 ff 00",
      "in",
      0x1ff,
    );
  });

  it("MODE SENSE(10): DBD byte 1 bit 3, PC bits 7-6 and page code of byte 2, subpage byte 3, length bytes 7-8", () => {
    expectCommand(
      buildModeSense10({
        pageCode: 0x2a,
        subpageCode: 0x01,
        pageControl: PAGE_CONTROL.SAVED,
        disableBlockDescriptors: true,
        allocationLength: 0x1234,
      }),
      "MODE SENSE(10)",
      "5a 08 ea 01 00 00 00 12 34 00",
      "in",
      0x1234,
    );
    expectCommand(
      buildModeSense10({ pageCode: 0x05, pageControl: PAGE_CONTROL.CHANGEABLE, allocationLength: 8 }),
      "MODE SENSE(10)",
      "5a 00 45 00 00 00 00 00 08 00",
      "in",
      8,
    );
  });

  it("MODE SELECT(10): PF byte 1 bit 4, SP bit 0, parameter list length bytes 7-8, the list goes out", () => {
    const list = new Uint8Array(0x134);
    const cmd = buildModeSelect10(list, { savePages: true });
    expectCommand(cmd, "MODE SELECT(10)", "55 11 00 00 00 00 00 01 34 00", "out", 0x134);
    expect(cmd.data).toBe(list);
    expectCommand(
      buildModeSelect10(new Uint8Array(8), { pageFormat: false }),
      "MODE SELECT(10)",
      "55 00 00 00 00 00 00 00 08 00",
      "out",
      8,
    );
  });

  it("PREVENT ALLOW MEDIUM REMOVAL: Prevent in byte 4 bits 1-0", () => {
    expectCommand(
      buildPreventAllowMediumRemoval(PREVENT.PREVENT),
      "PREVENT ALLOW MEDIUM REMOVAL",
      "1e 00 00 00 01 00",
      "none",
      0,
    );
    expectCommand(
      buildPreventAllowMediumRemoval(PREVENT.PERSISTENT_ALLOW),
      "PREVENT ALLOW MEDIUM REMOVAL",
      "1e 00 00 00 03 00",
      "none",
      0,
    );
  });
});

describe("SBC-3 commands", () => {
  it("READ CAPACITY(10): ten bytes, 8 bytes in", () => {
    expectCommand(buildReadCapacity10(), "READ CAPACITY(10)", "25 00 00 00 00 00 00 00 00 00", "in", 8);
  });

  it("READ(10): opcode 28h, FUA byte 1 bit 3, LBA big-endian in bytes 2-5, transfer length in 7-8", () => {
    expectCommand(
      buildRead10({ lba: 0x12345678, blocks: 0xabcd }),
      "READ(10)",
      "28 00 12 34 56 78 00 ab cd 00",
      "in",
      0xabcd * 2048,
    );
    expectCommand(
      buildRead10({ lba: 0xffffffff, blocks: 1, forceUnitAccess: true, blockSize: 2352 }),
      "READ(10)",
      "28 08 ff ff ff ff 00 00 01 00",
      "in",
      2352,
    );
  });

  it("READ(12): LBA bytes 2-5, transfer length bytes 6-9, Streaming byte 10 bit 7", () => {
    expectCommand(
      buildRead12({ lba: 0x01020304, blocks: 0x00050607, streaming: true, forceUnitAccess: true }),
      "READ(12)",
      "a8 08 01 02 03 04 00 05 06 07 80 00",
      "in",
      0x00050607 * 2048,
    );
  });

  it("WRITE(10) and WRITE(12): data out, blocks times block size", () => {
    expectCommand(
      buildWrite10({ lba: 0x00a0b0c0, blocks: 32 }),
      "WRITE(10)",
      "2a 00 00 a0 b0 c0 00 00 20 00",
      "out",
      65536,
    );
    expectCommand(
      buildWrite10({ lba: 7, blocks: 2, forceUnitAccess: true, blockSize: 2448 }),
      "WRITE(10)",
      "2a 08 00 00 00 07 00 00 02 00",
      "out",
      4896,
    );
    expectCommand(
      buildWrite12({ lba: 0x10203040, blocks: 0x100, streaming: true }),
      "WRITE(12)",
      "aa 00 10 20 30 40 00 00 01 00 80 00",
      "out",
      0x100 * 2048,
    );
  });

  it("SYNCHRONIZE CACHE(10): IMMED byte 1 bit 1, LBA bytes 2-5, number of blocks bytes 7-8", () => {
    expectCommand(
      buildSynchronizeCache10({ immediate: true, lba: 0x01000000, blocks: 0x0102 }),
      "SYNCHRONIZE CACHE(10)",
      "35 02 01 00 00 00 00 01 02 00",
      "none",
      0,
    );
  });

  it("START STOP UNIT: IMMED byte 1 bit 0, power condition byte 4 bits 7-4, LoEj bit 1, Start bit 0", () => {
    expectCommand(
      buildStartStopUnit({ action: START_STOP.EJECT, immediate: true }),
      "START STOP UNIT",
      "1b 01 00 00 02 00",
      "none",
      0,
    );
    expectCommand(buildStartStopUnit({ action: START_STOP.LOAD }), "START STOP UNIT", "1b 00 00 00 03 00", "none", 0);
    expectCommand(buildStartStopUnit({ action: START_STOP.STOP }), "START STOP UNIT", "1b 00 00 00 00 00", "none", 0);
    expectCommand(
      buildStartStopUnit({ action: START_STOP.START, powerCondition: 3 }),
      "START STOP UNIT",
      "1b 00 00 00 31 00",
      "none",
      0,
    );
  });
});

describe("MMC-6 commands", () => {
  it("GET CONFIGURATION: RT byte 1 bits 1-0, starting feature bytes 2-3, allocation length bytes 7-8", () => {
    expectCommand(
      buildGetConfiguration({ requestType: REQUEST_TYPE.ONE, startingFeature: 0x0107, allocationLength: 0xfff8 }),
      "GET CONFIGURATION",
      "46 02 01 07 00 00 00 ff f8 00",
      "in",
      0xfff8,
    );
    expectCommand(
      buildGetConfiguration({ requestType: REQUEST_TYPE.CURRENT, startingFeature: 0x20, allocationLength: 8 }),
      "GET CONFIGURATION",
      "46 01 00 20 00 00 00 00 08 00",
      "in",
      8,
    );
  });

  it("GET EVENT STATUS NOTIFICATION: Polled byte 1 bit 0, class request byte 4, allocation length bytes 7-8", () => {
    expectCommand(
      buildGetEventStatusNotification({
        classes: [NOTIFICATION_CLASS.OPERATIONAL_CHANGE, NOTIFICATION_CLASS.MEDIA, NOTIFICATION_CLASS.DEVICE_BUSY],
        allocationLength: 0x100,
      }),
      "GET EVENT STATUS NOTIFICATION",
      "4a 01 00 00 52 00 00 01 00 00",
      "in",
      0x100,
    );
  });

  it("READ TOC/PMA/ATIP: MSF byte 1 bit 1, format byte 2 bits 3-0, track/session byte 6, length bytes 7-8", () => {
    expectCommand(
      buildReadTocPmaAtip({ format: TOC_FORMAT.RAW_TOC, msf: true, trackSessionNumber: 2, allocationLength: 0x0ffe }),
      "READ TOC/PMA/ATIP",
      "43 02 02 00 00 00 02 0f fe 00",
      "in",
      0x0ffe,
    );
    expectCommand(
      buildReadTocPmaAtip({ format: TOC_FORMAT.CD_TEXT, allocationLength: 4 }),
      "READ TOC/PMA/ATIP",
      "43 00 05 00 00 00 00 00 04 00",
      "in",
      4,
    );
  });

  it("READ DISC INFORMATION: data type byte 1 bits 2-0, allocation length bytes 7-8", () => {
    expectCommand(buildReadDiscInformation(), "READ DISC INFORMATION", "51 00 00 00 00 00 00 00 22 00", "in", 34);
    expectCommand(
      buildReadDiscInformation({ dataType: 1, allocationLength: 0x0100 }),
      "READ DISC INFORMATION",
      "51 01 00 00 00 00 00 01 00 00",
      "in",
      256,
    );
  });

  it("READ TRACK INFORMATION: Open byte 1 bit 2, type bits 1-0, number bytes 2-5, length bytes 7-8", () => {
    expectCommand(
      buildReadTrackInformation({ addressType: TRACK_ADDRESS_TYPE.TRACK, value: 0x0102, open: true }),
      "READ TRACK INFORMATION",
      "52 05 00 00 01 02 00 00 30 00",
      "in",
      48,
    );
    expectCommand(
      buildReadTrackInformation({ addressType: TRACK_ADDRESS_TYPE.LBA, value: 0x00123456, allocationLength: 36 }),
      "READ TRACK INFORMATION",
      "52 00 00 12 34 56 00 00 24 00",
      "in",
      36,
    );
  });

  it("RESERVE TRACK: ARSV byte 1 bit 0, size or LBA bytes 5-8", () => {
    expectCommand(buildReserveTrack({ size: 0x01020304 }), "RESERVE TRACK", "53 00 00 00 00 01 02 03 04 00", "none", 0);
    expectCommand(buildReserveTrack({ lba: 0x00a0b0c0 }), "RESERVE TRACK", "53 01 00 00 00 00 a0 b0 c0 00", "none", 0);
  });

  it("CLOSE TRACK/SESSION: IMMED byte 1 bit 0, close function byte 2 bits 2-0, track bytes 4-5", () => {
    expectCommand(
      buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 0x0203, immediate: true }),
      "CLOSE TRACK/SESSION",
      "5b 01 01 00 02 03 00 00 00 00",
      "none",
      0,
    );
    const functions = [0, 1, 2, 3, 4, 5, 6].map((f) => buildCloseTrackSession({ closeFunction: f }).cdb[2]);
    expect(functions).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(CLOSE_FUNCTION.FINALIZE_DVD_PLUS_R_COMPATIBLE).toBe(5);
  });

  it("READ BUFFER CAPACITY: Block byte 1 bit 0, allocation length 12 in bytes 7-8", () => {
    expectCommand(
      buildReadBufferCapacity({ block: true }),
      "READ BUFFER CAPACITY",
      "5c 01 00 00 00 00 00 00 0c 00",
      "in",
      12,
    );
  });

  it("BLANK: IMMED byte 1 bit 4, blanking type bits 2-0, start address / track bytes 2-5", () => {
    expectCommand(
      buildBlank({ blankingType: BLANKING_TYPE.DISC }),
      "BLANK",
      "a1 00 00 00 00 00 00 00 00 00 00 00",
      "none",
      0,
    );
    expectCommand(
      buildBlank({ blankingType: BLANKING_TYPE.TRACK_TAIL, immediate: true, address: 0x00012345 }),
      "BLANK",
      "a1 14 00 01 23 45 00 00 00 00 00 00",
      "none",
      0,
    );
    expect(buildBlank({ blankingType: BLANKING_TYPE.LAST_SESSION }).cdb[1]).toBe(6);
  });

  it("FORMAT UNIT: FmtData and format code 001b with a 12-byte list out (header FOV+IMMED, one descriptor)", () => {
    const dvd = buildFormatUnitImmediate(dvdPlusRwFormatDescriptor());
    expectCommand(dvd, "FORMAT UNIT", "04 11 00 00 00 00", "out", 12);
    // Format list header: reserved, FOV (7) + IMMED (1), descriptor length 8; descriptor: blocks, type 26h << 2, 0.
    expect(toHex(dvd.data!)).toBe("00 82 00 08 ff ff ff ff 98 00 00 00");
    const bd = buildFormatUnitImmediate(
      bdReFormatDescriptor(0x00b2a000, 0x00040000 / 8, BD_FORMAT_SUBTYPE.QUICK_CERTIFICATION),
    );
    // BD-RE: type 30h and sub-type 11b share byte 4 (0xc3); the spare area size goes in bytes 5-7.
    expect(toHex(bd.data!)).toBe("00 82 00 08 00 b2 a0 00 c3 00 80 00");
    const plain = buildFormatUnit({
      parameterList: {
        formatOptionsValid: false,
        disableCertification: true,
        tryOut: true,
        immediate: false,
        descriptor: {
          numberOfBlocks: 0x1000,
          formatType: FORMAT_TYPE.DVD_RW_QUICK,
          formatSubType: 0,
          typeDependent: 0x10,
        },
      },
    });
    expect(toHex(plain.data!)).toBe("00 24 00 08 00 00 10 00 54 00 00 10");
    expectCommand(buildFormatUnit(), "FORMAT UNIT", "04 00 00 00 00 00", "none", 0);
  });

  it("SET CD SPEED: rotational control byte 1, read speed bytes 2-3, write speed bytes 4-5", () => {
    expectCommand(
      buildSetCdSpeed({ readSpeed: 0x1234, writeSpeed: 0x0567, rotationControl: 1 }),
      "SET CD SPEED",
      "bb 01 12 34 05 67 00 00 00 00 00 00",
      "none",
      0,
    );
  });

  it("SET STREAMING: type byte 8, parameter list length bytes 9-10, a 28-byte performance descriptor out", () => {
    const cmd = buildSetStreaming({
      writeRotationControl: 1,
      restoreDefaults: true,
      exact: true,
      randomAccess: true,
      startLba: 0x01020304,
      endLba: 0x05060708,
      readSize: 0x090a0b0c,
      readTime: 0x0d0e0f10,
      writeSize: 0x11121314,
      writeTime: 0x15161718,
    });
    expectCommand(cmd, "SET STREAMING", "b6 00 00 00 00 00 00 00 00 00 1c 00", "out", 28);
    expect(toHex(cmd.data!)).toBe(
      "0f 00 00 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18",
    );
  });

  it("GET PERFORMANCE: data type byte 1, starting LBA bytes 2-5, max descriptors bytes 8-9, type byte 10", () => {
    expectCommand(
      buildGetPerformance({ write: true, startLba: 0x00010203, maxDescriptors: 0x0102 }),
      "GET PERFORMANCE",
      "ac 14 00 01 02 03 00 00 01 02 00 00",
      "in",
      8 + 0x0102 * 16,
    );
    expectCommand(
      buildGetPerformance({ except: PERFORMANCE_EXCEPT.ALL_EXCEPTIONS, maxDescriptors: 10 }),
      "GET PERFORMANCE",
      "ac 11 00 00 00 00 00 00 00 0a 00 00",
      "in",
      8 + 10 * 6,
    );
    expectCommand(buildGetWriteSpeeds(4), "GET PERFORMANCE", "ac 00 00 00 00 00 00 00 00 04 03 00", "in", 8 + 4 * 16);
  });

  it("READ FORMAT CAPACITIES and MECHANISM STATUS: allocation length bytes 7-8 and 8-9", () => {
    expectCommand(
      buildReadFormatCapacities(0x0200),
      "READ FORMAT CAPACITIES",
      "23 00 00 00 00 00 00 02 00 00",
      "in",
      512,
    );
    expectCommand(buildMechanismStatus(0x0108), "MECHANISM STATUS", "bd 00 00 00 00 00 00 00 01 08 00 00", "in", 0x108);
  });
});

describe("argument checks", () => {
  it("rejects values that do not fit their fields", () => {
    expect(() => buildRead10({ lba: 2 ** 32, blocks: 1 })).toThrow(RangeError);
    expect(() => buildRead10({ lba: 0, blocks: 0x10000 })).toThrow(
      /transfer length must be an integer from 0 to 65535/,
    );
    expect(() => buildWrite10({ lba: -1, blocks: 1 })).toThrow(RangeError);
    expect(() => buildWrite12({ lba: 1.5, blocks: 1 })).toThrow(RangeError);
    expect(() => buildModeSense10({ pageCode: 0x40, allocationLength: 8 })).toThrow(/page code/);
    expect(() => buildCloseTrackSession({ closeFunction: 8 })).toThrow(/close function/);
    expect(() => buildBlank({ blankingType: 7 })).not.toThrow();
    expect(() => buildBlank({ blankingType: 8 })).toThrow(RangeError);
    expect(() => buildGetConfiguration({ allocationLength: 0x10000 })).toThrow(RangeError);
    expect(() => buildReserveTrack({ size: -5 })).toThrow(/reservation size/);
  });

  it("names every opcode the standards define, and unknown ones by number", () => {
    expect(opcodeName(OPCODE.SEND_CUE_SHEET)).toBe("SEND CUE SHEET");
    expect(opcodeName(OPCODE.READ_DISC_STRUCTURE)).toBe("READ DISC STRUCTURE");
    expect(opcodeName(0xf0)).toBe("operation code 0xf0");
    for (const [key, value] of Object.entries(OPCODE)) expect(opcodeName(value), key).not.toMatch(/^operation code/);
  });
});
