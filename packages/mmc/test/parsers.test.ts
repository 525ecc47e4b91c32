// Parsers against answers written by hand from the layout tables of SPC-4, SBC-3 and MMC-6, with values that make
// every field and bit visible, including the media and features tgt does not have (CD, DVD-R, BD).
import { describe, expect, it } from "vitest";
import {
  allProfiles,
  BACKGROUND_FORMAT,
  CAPACITY_DESCRIPTOR_TYPE,
  DISC_STATUS,
  DISC_TYPE,
  FEATURE,
  FORMAT_TYPE,
  featureName,
  findFeature,
  findModePage,
  fromHex,
  LOADING_MECHANISM,
  lbaToMsf,
  MalformedResponseError,
  MECHANISM_STATE,
  MEDIA_EVENT,
  msfFieldToLba,
  msfToLba,
  NOTIFICATION_CLASS,
  PROFILE,
  parseBufferCapacity,
  parseCapabilitiesPage,
  parseConfiguration,
  parseDiscInformation,
  parseEventStatus,
  parseFormatCapacities,
  parseFormattedToc,
  parseInquiry,
  parseMechanismStatus,
  parseModeSense10,
  parseMultisessionInfo,
  parsePerformance,
  parseRawToc,
  parseTrackInformation,
  parseWriteParametersPage,
  profileInfo,
  profileName,
  SESSION_STATE,
  WRITE_TYPE,
} from "../src/index.js";

const h = fromHex;

describe("INQUIRY", () => {
  it("standard data with version descriptors", () => {
    const data = new Uint8Array(96);
    data.set(h("05 80 06 02 5b 00 00 00"), 0);
    data.set(new TextEncoder().encode("HL-DT-STBD-RE  BH16NS55 1.02"), 8);
    data.set(h("04 60 02 a0 09 60"), 58);
    expect(parseInquiry(data)).toMatchObject({
      peripheralDeviceType: 5,
      removable: true,
      version: 6,
      responseDataFormat: 2,
      hierarchicalSupport: false,
      commandQueuing: false,
      vendor: "HL-DT-ST",
      product: "BD-RE  BH16NS55",
      revision: "1.02",
      versionDescriptors: [0x0460, 0x02a0, 0x0960],
    });
  });

  it("a cut-off identification is an error, not empty strings", () => {
    expect(() => parseInquiry(h("05 80 05 02 1f 00 00 00 41 42"))).toThrow(MalformedResponseError);
    expect(() => parseInquiry(h("05 80"))).toThrow(/INQUIRY: malformed response: 2 bytes/);
  });
});

describe("GET CONFIGURATION", () => {
  // A BD/DVD/CD writer with a blank BD-RE: header, then one descriptor per feature (code, version/P/C, length, data).
  const answer = h(
    [
      "00 00 00 00 00 00 00 43", // data length (patched below), current profile BD-RE
      "00 00 03 10  00 43 01 00  00 41 00 00  00 1a 00 00  00 0a 00 00", // Profile List
      "00 01 0b 08  00 00 00 07  03 00 00 00", // Core v2: Serial ATAPI, INQ2, DBE
      "00 03 03 04  39 00 00 00", // Removable Medium: tray, Load, Eject, Lock
      "00 20 05 0c  00 b2 9f ff  00 00 08 00  00 20 01 00", // Random Writable v1
      "00 21 04 08  01 05 07 03  01 07 10 00", // Incremental Streaming: types 0,2,8; TRIO ARSV BUF; link sizes 1 7 16
      "00 23 05 08  0f 00 00 00  01 00 00 00", // Formattable v1
      "00 2a 04 04  01 03 00 00", // DVD+RW v1: Write, Quick Start, Close Only
      "00 2d 08 04  5f 00 00 ff", // CD TAO v2: BUF, R-W Raw, R-W Pack, Test Write, CD-RW, R-W Sub-code; data types ff
      "00 2e 04 04  7f 00 10 00", // CD Mastering v1: all bits, max cue sheet 1000h
      "00 2f 08 04  4e 00 00 00", // DVD-R/-RW Write v2: BUF, RDL, Test Write, DVD-RW SL
      "00 40 05 1c  00 00 00 00  00 0e 00 00 00 00 00 00  00 0e 00 00 00 00 00 00  00 0e 00 00 00 00 00 00", // BD Read
      "00 41 09 14  01 00 00 00  00 0c 00 00 00 00 00 00  00 06 00 00 00 00 00 00", // BD Write v2: SVNR
      "01 07 0f 04  1f 00 00 00", // Real Time Streaming v3
      "01 08 03 0c  4b 4c 4d 36 31 32 33 20 20 20 20 20", // Drive Serial Number
      "01 50 00 00", // a feature this table does not know
    ].join(" "),
  );
  answer[3] = answer.length - 4;

  it("decodes the header, every descriptor's flags and the write features' fields", () => {
    const c = parseConfiguration(answer);
    expect([c.currentProfile, c.truncated]).toEqual([PROFILE.BD_RE, false]);
    expect(findFeature(c, FEATURE.PROFILE_LIST, "profile-list")?.profiles).toEqual([
      { profile: 0x43, current: true },
      { profile: 0x41, current: false },
      { profile: 0x1a, current: false },
      { profile: 0x0a, current: false },
    ]);
    expect(findFeature(c, FEATURE.CORE, "core")).toMatchObject({
      version: 2,
      persistent: true,
      current: true,
      physicalInterface: 7,
      inquiry2: true,
      deviceBusyEvent: true,
    });
    expect(findFeature(c, FEATURE.REMOVABLE_MEDIUM, "removable-medium")).toMatchObject({
      loadingMechanism: LOADING_MECHANISM.TRAY,
      load: true,
      eject: true,
      lock: true,
    });
    expect(findFeature(c, FEATURE.RANDOM_WRITABLE, "random-writable")).toMatchObject({
      version: 1,
      current: true,
      persistent: false,
      lastLba: 0x00b29fff,
      logicalBlockSize: 2048,
      blocking: 32,
      pagePresent: true,
    });
    expect(findFeature(c, FEATURE.INCREMENTAL_STREAMING_WRITABLE, "incremental-streaming-writable")).toMatchObject({
      current: false,
      dataBlockTypes: 0x0105,
      trackResourcesInformation: true,
      addressReservation: true,
      bufferUnderrunFree: true,
      linkSizes: [1, 7, 16],
    });
    expect(findFeature(c, FEATURE.FORMATTABLE, "formattable")).toMatchObject({
      bdReNoSpareArea: true,
      expand: true,
      quickCertification: true,
      certification: true,
      bdRRandomRecording: true,
    });
    expect(findFeature(c, FEATURE.DVD_PLUS_RW, "dvd-plus-rw")).toMatchObject({
      write: true,
      quickStart: true,
      closeOnly: true,
    });
    expect(findFeature(c, FEATURE.CD_TRACK_AT_ONCE, "cd-track-at-once")).toMatchObject({
      version: 2,
      bufferUnderrunFree: true,
      rwRaw: true,
      rwPack: true,
      testWrite: true,
      cdRw: true,
      rwSubcode: true,
      dataTypes: 0xff,
    });
    expect(findFeature(c, FEATURE.CD_MASTERING, "cd-mastering")).toMatchObject({
      bufferUnderrunFree: true,
      sessionAtOnce: true,
      rawMultisession: true,
      raw: true,
      testWrite: true,
      cdRw: true,
      rw: true,
      maxCueSheetLength: 0x1000,
    });
    expect(findFeature(c, FEATURE.DVD_R_RW_WRITE, "dvd-r-rw-write")).toMatchObject({
      bufferUnderrunFree: true,
      dualLayer: true,
      testWrite: true,
      dvdRw: true,
    });
    expect(findFeature(c, FEATURE.BD_READ, "bd-read")).toMatchObject({
      bdReRead: [0x000e, 0, 0, 0],
      bdRRead: [0x000e, 0, 0, 0],
      bdRomRead: [0x000e, 0, 0, 0],
    });
    expect(findFeature(c, FEATURE.BD_WRITE, "bd-write")).toMatchObject({
      version: 2,
      verifyNotRequired: true,
      bdReWrite: [0x000c, 0, 0, 0],
      bdRWrite: [0x0006, 0, 0, 0],
    });
    expect(findFeature(c, FEATURE.REAL_TIME_STREAMING, "real-time-streaming")).toMatchObject({
      version: 3,
      streamWriting: true,
    });
    expect(findFeature(c, FEATURE.DRIVE_SERIAL_NUMBER, "drive-serial-number")?.serialNumber).toBe("KLM6123");
    expect(findFeature(c, 0x0150)).toMatchObject({
      kind: "other",
      name: "Feature 0x0150",
      additional: new Uint8Array(0),
    });
    expect(findFeature(c, FEATURE.BD_WRITE, "dvd-plus-r")).toBeUndefined();
  });

  it("stops at a descriptor that runs past the answer and says so", () => {
    const cut = answer.slice(0, 8 + 20 + 12 + 5);
    const c = parseConfiguration(cut);
    expect(c.truncated).toBe(true);
    expect(c.features.map((f) => f.code)).toEqual([FEATURE.PROFILE_LIST, FEATURE.CORE]);
    expect(() => parseConfiguration(h("00 00 00"))).toThrow(MalformedResponseError);
  });

  it("names features", () => {
    expect(featureName(FEATURE.INCREMENTAL_STREAMING_WRITABLE)).toBe("Incremental Streaming Writable");
    expect(featureName(FEATURE.CD_MASTERING)).toBe("CD Mastering");
    expect(featureName(0xbeef)).toBe("Feature 0xBEEF");
  });
});

describe("profiles", () => {
  it("knows each medium's family and how it is written", () => {
    expect(profileInfo(PROFILE.CD_R)).toMatchObject({
      name: "CD-R",
      family: "CD",
      writeOnce: true,
      sequential: true,
      erasable: false,
    });
    expect(profileInfo(PROFILE.CD_RW)).toMatchObject({ sequential: true, erasable: true, overwritable: false });
    expect(profileInfo(PROFILE.DVD_RW_RESTRICTED_OVERWRITE)).toMatchObject({
      overwritable: true,
      erasable: true,
      sequential: false,
    });
    expect(profileInfo(PROFILE.DVD_RW_SEQUENTIAL)).toMatchObject({ sequential: true, erasable: true });
    expect(profileInfo(PROFILE.DVD_RAM)).toMatchObject({ overwritable: true, erasable: true });
    expect(profileInfo(PROFILE.DVD_PLUS_RW)).toMatchObject({ name: "DVD+RW", overwritable: true, erasable: true });
    expect(profileInfo(PROFILE.DVD_PLUS_R_DL)).toMatchObject({ sequential: true, writeOnce: true, dualLayer: true });
    expect(profileInfo(PROFILE.BD_R_SRM)).toMatchObject({ family: "BD", sequential: true, writeOnce: true });
    expect(profileInfo(PROFILE.BD_R_RRM)).toMatchObject({ sequential: false, writeOnce: true, overwritable: false });
    expect(profileInfo(PROFILE.BD_RE)).toMatchObject({ overwritable: true, erasable: true, readOnly: false });
    for (const ro of [PROFILE.CD_ROM, PROFILE.DVD_ROM, PROFILE.BD_ROM]) expect(profileInfo(ro)?.readOnly).toBe(true);
    expect(profileInfo(0)).toBeUndefined();
    expect(profileName(0x001b)).toBe("DVD+R (0x001B)");
    expect(profileName(0)).toBe("no medium (0x0000)");
    expect(profileName(0x99)).toBe("unknown profile 0x0099");
    for (const p of allProfiles()) expect(p.readOnly && (p.sequential || p.overwritable || p.erasable)).toBe(false);
  });
});

describe("GET EVENT STATUS NOTIFICATION", () => {
  it("a media event: new medium, present, tray closed", () => {
    expect(parseEventStatus(h("00 06 04 54 02 02 00 00"))).toMatchObject({
      noEventAvailable: false,
      notificationClass: NOTIFICATION_CLASS.MEDIA,
      supportedClasses: 0x54,
      media: { event: MEDIA_EVENT.NEW_MEDIA, mediumPresent: true, trayOpen: false, startSlot: 0, endSlot: 0 },
    });
    expect(parseEventStatus(h("00 06 04 54 03 01 00 00")).media).toMatchObject({
      event: 3,
      mediumPresent: false,
      trayOpen: true,
    });
  });

  it("no event available", () => {
    const s = parseEventStatus(h("00 02 80 54"));
    expect([s.noEventAvailable, s.media, s.descriptor.length]).toEqual([true, undefined, 0]);
  });
});

describe("READ TOC/PMA/ATIP", () => {
  it("format 0: tracks and lead-out, by LBA and by MSF", () => {
    const lba = parseFormattedToc(
      h(
        "00 22 01 03  00 10 01 00 00 00 00 00  00 14 02 00 00 00 2e e0  00 16 03 00 00 00 4e 20  " +
          "00 14 aa 00 00 01 00 00",
      ),
    );
    expect(lba.truncated).toBe(false);
    expect(lba.tracks.map((t) => [t.track, t.isData, t.control, t.lba])).toEqual([
      [1, false, 0, 0],
      [2, true, 4, 12000],
      [3, true, 6, 20000],
    ]);
    expect(lba.leadOut).toMatchObject({ track: 0xaa, lba: 65536 });
    const msf = parseFormattedToc(h("00 12 01 01  00 14 01 00 00 00 02 00  00 14 aa 00 00 4f 3b 4a"), { msf: true });
    expect(msf.tracks[0].lba).toBe(0);
    expect(msf.leadOut).toMatchObject({ msf: { minute: 79, second: 59, frame: 74 }, lba: 359849 });
  });

  it("format 1: the first track of the last session", () => {
    expect(parseMultisessionInfo(h("00 0a 01 02 00 14 05 00 00 00 4b 0a"))).toEqual({
      dataLength: 10,
      firstSession: 1,
      lastSession: 2,
      firstTrackInLastSession: { track: 5, adr: 1, control: 4, isData: true, lba: 0x4b0a },
      truncated: false,
    });
  });

  it("format 2: raw TOC entries with A0/A1/A2 and B0 points", () => {
    const raw = parseRawToc(
      h(
        "00 39 01 01 " +
          "01 14 00 a0 00 00 00 00 01 00 00 " +
          "01 14 00 a1 00 00 00 00 01 00 00 " +
          "01 14 00 a2 00 00 00 00 0a 14 1e " +
          "01 14 00 01 00 00 00 00 00 02 00 " +
          "01 54 00 b0 0c 16 1e 02 4f 3b 4a",
      ),
    );
    expect([raw.firstSession, raw.lastSession, raw.truncated, raw.entries.length]).toEqual([1, 1, false, 5]);
    const byPoint = new Map(raw.entries.map((e) => [e.point, e]));
    expect(byPoint.get(0xa0)?.ptime.minute).toBe(1);
    expect(byPoint.get(0xa2)?.plba).toBe((10 * 60 + 20) * 75 + 30 - 150);
    expect(byPoint.get(0x01)?.plba).toBe(0);
    expect(byPoint.get(0xb0)).toMatchObject({
      adr: 5,
      control: 4,
      atime: { minute: 12, second: 22, frame: 30 },
      zero: 2,
    });
  });

  it("MSF and LBA", () => {
    expect(msfToLba({ minute: 0, second: 2, frame: 0 })).toBe(0);
    expect(msfToLba({ minute: 97, second: 27, frame: 3 })).toBe(-11622);
    expect(lbaToMsf(-11622)).toEqual({ minute: 97, second: 27, frame: 3 });
    expect(lbaToMsf(359849)).toEqual({ minute: 79, second: 59, frame: 74 });
    expect(msfFieldToLba(h("00 61 1a 00"), 0)).toBe(-11700);
  });
});

describe("READ DISC INFORMATION", () => {
  it("an appendable CD-RW with every field set", () => {
    const d = parseDiscInformation(
      h(
        "00 30 15 01 02 05 07 f5 20 01 01 01 12 34 56 78 00 61 1a 00 00 4f 3b 4a " +
          "01 02 03 04 05 06 07 08 11 02 00 b1 aa bb cc dd ee ff 01 3b 11 22 33 44 55 66",
      ),
    );
    expect(d).toMatchObject({
      dataLength: 0x30,
      discStatus: DISC_STATUS.INCOMPLETE,
      discStatusName: "appendable",
      lastSessionState: SESSION_STATE.INCOMPLETE,
      erasable: true,
      firstTrackOnDisc: 1,
      numberOfSessions: 0x0102,
      firstTrackInLastSession: 0x0105,
      lastTrackInLastSession: 0x0107,
      discIdValid: true,
      barCodeValid: true,
      unrestrictedUse: true,
      applicationCodeValid: true,
      dirty: true,
      backgroundFormatStatus: BACKGROUND_FORMAT.STARTED,
      discType: DISC_TYPE.CD_ROM_XA,
      discIdentification: 0x12345678,
      lastSessionLeadInStart: 0x00611a00,
      lastPossibleLeadOutStart: 0x004f3b4a,
      discBarCode: h("01 02 03 04 05 06 07 08"),
      discApplicationCode: 0x11,
      opcTables: [
        { speed: 0xb1, values: h("aa bb cc dd ee ff") },
        { speed: 0x13b, values: h("11 22 33 44 55 66") },
      ],
    });
    // On CD the two address fields are MSF: 97:26:00 (lead-in) and 79:59:74.
    const field = h("00 00 00 00 00 61 1a 00 00 4f 3b 4a");
    expect([msfFieldToLba(field, 4), msfFieldToLba(field, 8)]).toEqual([-11700, 359849]);
  });

  it("random-access media report 'random access'", () => {
    const d = parseDiscInformation(h("00 20 1f 01 01 01 01 03 00 00 00 00"));
    expect([d.discStatus, d.discStatusName, d.lastSessionState, d.backgroundFormatStatus]).toEqual([
      3,
      "random access",
      3,
      3,
    ]);
  });
});

describe("READ TRACK INFORMATION", () => {
  it("a 48-byte block with every field", () => {
    const t = parseTrackInformation(
      h(
        "00 2e 05 03 00 b5 f2 03 00 00 01 00 00 00 02 00 00 00 03 00 00 00 00 20 00 00 04 00 00 00 01 ff " +
          "01 02 00 00 00 00 05 00 00 00 06 00 00 00 07 00",
      ),
    );
    expect(t).toEqual({
      dataLength: 46,
      trackNumber: 0x0105,
      sessionNumber: 0x0203,
      layerJumpRecordingStatus: 2,
      damage: true,
      copy: true,
      trackMode: 5,
      reservedTrack: true,
      blank: true,
      packetIncremental: true,
      fixedPacket: true,
      dataMode: 2,
      lastRecordedAddressValid: true,
      nextWritableAddressValid: true,
      trackStart: 0x100,
      nextWritableAddress: 0x200,
      freeBlocks: 0x300,
      fixedPacketSize: 32,
      trackSize: 0x400,
      lastRecordedAddress: 0x1ff,
      readCompatibilityLba: 0x500,
      nextLayerJumpAddress: 0x600,
      lastLayerJumpAddress: 0x700,
    });
    expect(() => parseTrackInformation(new Uint8Array(19))).toThrow(MalformedResponseError);
  });
});

describe("READ FORMAT CAPACITIES", () => {
  it("a blank BD-RE: unformatted capacity and the formats on offer", () => {
    const f = parseFormatCapacities(
      h("00 00 00 18  00 b2 a0 00 01 00 08 00  00 b2 a0 00 c0 00 80 00  00 b8 00 00 c4 00 00 00"),
    );
    expect(f).toEqual({
      current: { numberOfBlocks: 0x00b2a000, descriptorType: CAPACITY_DESCRIPTOR_TYPE.UNFORMATTED, blockLength: 2048 },
      formattable: [
        { numberOfBlocks: 0x00b2a000, formatType: FORMAT_TYPE.BD_RE_FULL_WITH_SPARE, typeDependent: 0x8000 },
        { numberOfBlocks: 0x00b80000, formatType: FORMAT_TYPE.BD_RE_FULL_WITHOUT_SPARE, typeDependent: 0 },
      ],
      truncated: false,
    });
  });
});

describe("MODE SENSE(10)", () => {
  it("skips block descriptors and reads subpage-format pages", () => {
    const m = parseModeSense10(
      h("00 1a 70 80 00 00 00 08 00 00 00 00 00 00 08 00 c5 02 00 06 01 02 03 04 05 06 2a 00"),
    );
    expect(m).toMatchObject({
      modeDataLength: 0x1a,
      mediumType: 0x70,
      deviceSpecificParameter: 0x80,
      truncated: false,
    });
    expect(m.blockDescriptors).toEqual(h("00 00 00 00 00 00 08 00"));
    expect(findModePage(m, 0x05, 0x02)).toMatchObject({
      parametersSavable: true,
      subpageFormat: true,
      bytes: h("c5 02 00 06 01 02 03 04 05 06"),
    });
    expect(findModePage(m, 0x2a)?.bytes).toEqual(h("2a 00"));
  });

  it("page 05h with catalogue number, ISRC, sub-header and a vendor tail", () => {
    const page = new Uint8Array(56);
    page.set(h("05 36 5f c4 0a 07 00 3f 20 00 00 00 01 00 00 4b"));
    page[16] = 0x80;
    page[32] = 0x80;
    page.set(h("00 00 08 00"), 48);
    page.set(h("de ad be ef"), 52);
    expect(parseWriteParametersPage(page)).toMatchObject({
      bufferUnderrunFree: true,
      linkSizeValid: false,
      testWrite: true,
      writeType: 0x0f,
      multiSession: 3,
      fixedPacket: false,
      copy: false,
      trackMode: 4,
      dataBlockType: 10,
      linkSize: 7,
      hostApplicationCode: 0x3f,
      sessionFormat: 0x20,
      packetSize: 0x100,
      audioPauseLength: 75,
      subHeader: h("00 00 08 00"),
      vendorSpecific: h("de ad be ef"),
    });
    expect(parseWriteParametersPage(h("05 0e 01 05 08 00 00 00 00 00 00 00 00 00 00 96"))).toMatchObject({
      writeType: WRITE_TYPE.TRACK_AT_ONCE,
      mediaCatalogNumber: new Uint8Array(16),
    });
    expect(() => parseWriteParametersPage(h("2a 02 00 00"))).toThrow(/not page 05h/);
  });

  it("an MMC-1 length page 2Ah has no write speed fields", () => {
    const caps = parseCapabilitiesPage(h("2a 14 03 01 71 00 29 00 02 c2 01 00 02 00 02 c2 00 00 01 61 00 b0"));
    expect(caps).toMatchObject({
      read: { cdR: true, cdRw: true, dvdRom: false },
      write: { cdR: true, cdRw: false, testWrite: false },
      bufferUnderrunFree: false,
      multiSession: true,
      bufferSize: 512,
      maxWriteSpeed: 0x161,
      currentWriteSpeed: 0xb0,
      writeSpeeds: [],
    });
    expect(caps.copyManagementRevision).toBeUndefined();
    expect(caps.currentWriteSpeedSelected).toBeUndefined();
  });
});

describe("GET PERFORMANCE, READ BUFFER CAPACITY, MECHANISM STATUS", () => {
  it("performance exceptions are 6-byte descriptors", () => {
    expect(parsePerformance(h("00 00 00 10 03 00 00 00 00 00 10 00 00 64 00 00 20 00 01 2c"))).toEqual({
      dataLength: 16,
      write: true,
      except: 1,
      nominal: [],
      exceptions: [
        { lba: 0x1000, time: 100 },
        { lba: 0x2000, time: 300 },
      ],
      truncated: false,
    });
  });

  it("buffer capacity in blocks", () => {
    expect(parseBufferCapacity(h("00 0a 00 01 00 00 00 00 00 00 0f a0"))).toEqual({
      unit: "blocks",
      availableBlocks: 4000,
    });
  });

  it("mechanism status with slots", () => {
    expect(parseMechanismStatus(h("a3 f1 00 12 34 02 00 08 80 00 00 00 01 03 00 00"))).toEqual({
      fault: true,
      changerState: 1,
      currentSlot: 0x23,
      mechanismState: MECHANISM_STATE.NO_STATE,
      doorOpen: true,
      currentLba: 0x1234,
      numberOfSlots: 2,
      slotTableLength: 8,
      slots: [
        { discPresent: true, changed: false, cartridgeWithoutDisc: false },
        { discPresent: false, changed: true, cartridgeWithoutDisc: true },
      ],
    });
  });
});
