// Builders against the CDBs growisofs, xorriso, cdrskin and wodim sent to tgt, and parsers against tgt's real answers.
import { describe, expect, it } from "vitest";
import {
  BLANKING_TYPE,
  buildBlank,
  buildCloseTrackSession,
  buildFormatUnit,
  buildGetConfiguration,
  buildGetEventStatusNotification,
  buildGetPerformance,
  buildGetWriteSpeeds,
  buildInquiry,
  buildMechanismStatus,
  buildModeSelect10,
  buildModeSelectWriteParameters,
  buildModeSense10,
  buildPreventAllowMediumRemoval,
  buildRead10,
  buildReadBufferCapacity,
  buildReadCapacity10,
  buildReadDiscInformation,
  buildReadFormatCapacities,
  buildReadTocPmaAtip,
  buildReadTrackInformation,
  buildReadTrackInformationByLba,
  buildReadTrackInformationByTrack,
  buildReserveTrack,
  buildSetCdSpeed,
  buildSetStreaming,
  buildStartStopUnit,
  buildSynchronizeCache10,
  buildTestUnitReady,
  buildWrite10,
  buildWrite12,
  CLOSE_FUNCTION,
  DISC_STATUS,
  FEATURE,
  findFeature,
  findModePage,
  INVISIBLE_TRACK,
  isFeatureCurrent,
  LOADING_MECHANISM,
  MODE_PAGE,
  PAGE_CONTROL,
  PERIPHERAL_DEVICE_TYPE,
  PREVENT,
  PROFILE,
  parseBufferCapacity,
  parseCapabilitiesPage,
  parseCapacity,
  parseConfiguration,
  parseDiscInformation,
  parseFormattedToc,
  parseInquiry,
  parseModeSense10,
  parseMultisessionInfo,
  parsePerformance,
  parseTrackInformation,
  parseWriteParametersPage,
  parseWriteSpeeds,
  profileInfo,
  REQUEST_TYPE,
  type ScsiCommand,
  SESSION_STATE,
  START_STOP,
  TOC_FORMAT,
  TRACK_ADDRESS_TYPE,
  TRACK_MODE,
  toHex,
  WRITE_TYPE,
} from "../src/index.js";
import * as tgt from "./tgtTranscripts.js";

function same(cmd: ScsiCommand, cdb: Uint8Array | string): void {
  expect(toHex(cmd.cdb)).toBe(typeof cdb === "string" ? cdb : toHex(cdb));
}

describe("builders reproduce the CDBs real burners sent", () => {
  it("commands without data", () => {
    same(buildTestUnitReady(), tgt.SENT.testUnitReady);
    same(buildPreventAllowMediumRemoval(PREVENT.PREVENT), tgt.SENT.preventRemoval);
    same(buildPreventAllowMediumRemoval(PREVENT.ALLOW), tgt.SENT.allowRemoval);
    same(buildStartStopUnit({ action: START_STOP.START }), tgt.SENT.startUnit);
    same(buildStartStopUnit({ action: START_STOP.START, immediate: true }), tgt.SENT.startUnitImmediate);
    same(buildStartStopUnit({ action: START_STOP.STOP, immediate: true }), tgt.SENT.stopUnitImmediate);
    same(buildStartStopUnit({ action: START_STOP.LOAD }), tgt.SENT.load);
    same(buildStartStopUnit({ action: START_STOP.LOAD, immediate: true }), tgt.SENT.loadImmediate);
    same(buildStartStopUnit({ action: START_STOP.EJECT }), tgt.SENT.eject);
    same(buildStartStopUnit({ action: START_STOP.EJECT, immediate: true }), tgt.SENT.ejectImmediate);
    same(buildSynchronizeCache10(), tgt.SENT.syncCache);
    same(buildSynchronizeCache10({ immediate: true }), tgt.SENT.syncCacheImmediate);
    same(
      buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 1, immediate: true }),
      tgt.SENT.closeTrack1Immediate,
    );
    same(
      buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_SESSION, immediate: true }),
      tgt.SENT.closeSessionImmediate,
    );
    same(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 1 }), tgt.SENT.closeTrack1);
    same(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.FINALIZE }), tgt.SENT.finalizeDvdPlusR);
    same(buildReserveTrack({ size: 1664 }), tgt.SENT.reserveTrack1664);
    same(buildReserveTrack({ size: 1649 }), tgt.SENT.reserveTrack1649);
    same(buildSetCdSpeed({ readSpeed: 4234, writeSpeed: 4248 }), tgt.SENT.setCdSpeed);
    same(buildSetCdSpeed(), tgt.SENT.setCdSpeedMax);
    same(buildBlank({ blankingType: BLANKING_TYPE.MINIMAL, immediate: true }), tgt.SENT.blankMinimalImmediate);
    same(buildFormatUnit(), tgt.SENT.formatUnitNoData);
    for (const cmd of [buildTestUnitReady(), buildSynchronizeCache10(), buildBlank({ blankingType: 0 })]) {
      expect(cmd.direction).toBe("none");
      expect(cmd.transferLength).toBe(0);
    }
  });

  it("data-in commands, with the allocation length as transfer length", () => {
    const cases: [ScsiCommand, Uint8Array | string][] = [
      [buildInquiry(), tgt.INQUIRY.cdb],
      [buildGetConfiguration({ allocationLength: 8 }), tgt.GET_CONFIGURATION_HEADER.cdb],
      [buildGetConfiguration({ allocationLength: 0x74 }), tgt.GET_CONFIGURATION_ALL_WRITTEN_PREFIX.cdb],
      [
        buildGetConfiguration({ requestType: REQUEST_TYPE.ALL, allocationLength: 512 }),
        tgt.GET_CONFIGURATION_ALL_BLANK_PREFIX.cdb,
      ],
      [
        buildGetConfiguration({ requestType: REQUEST_TYPE.CURRENT, allocationLength: 512 }),
        tgt.GET_CONFIGURATION_CURRENT_BLANK.cdb,
      ],
      [
        buildGetConfiguration({
          requestType: REQUEST_TYPE.ONE,
          startingFeature: FEATURE.DVD_PLUS_R,
          allocationLength: 64,
        }),
        tgt.GET_CONFIGURATION_ONE_FEATURE.cdb,
      ],
      [buildReadDiscInformation(), tgt.READ_DISC_INFORMATION_BLANK.cdb],
      [buildReadDiscInformation({ allocationLength: 8 }), tgt.READ_DISC_INFORMATION_HEADER.cdb],
      [buildReadTrackInformationByTrack(1, 40), tgt.READ_TRACK_INFORMATION_BLANK.cdb],
      [buildReadTrackInformationByLba(0, 28), tgt.READ_TRACK_INFORMATION_BY_LBA_BLANK.cdb],
      [buildReadTrackInformationByTrack(INVISIBLE_TRACK, 20), tgt.READ_TRACK_INFORMATION_INVISIBLE_SHORT.cdb],
      [
        buildReadTrackInformation({ addressType: TRACK_ADDRESS_TYPE.SESSION, value: 1, allocationLength: 40 }),
        tgt.SENT.readTrackInfoSession1,
      ],
      [buildReadTocPmaAtip({ format: TOC_FORMAT.FORMATTED_TOC, allocationLength: 20 }), tgt.READ_TOC_FORMATTED.cdb],
      [buildReadTocPmaAtip({ format: TOC_FORMAT.FORMATTED_TOC, allocationLength: 4 }), tgt.READ_TOC_HEADER.cdb],
      [buildReadTocPmaAtip({ format: 0, msf: true, allocationLength: 20 }), tgt.READ_TOC_FORMATTED_MSF.cdb],
      [
        buildReadTocPmaAtip({ format: TOC_FORMAT.MULTISESSION_INFO, allocationLength: 12 }),
        tgt.READ_TOC_MULTISESSION.cdb,
      ],
      [
        buildReadTocPmaAtip({ format: TOC_FORMAT.RAW_TOC, msf: true, trackSessionNumber: 1, allocationLength: 64 }),
        tgt.SENT.readTocRawSession1Msf,
      ],
      [buildReadTocPmaAtip({ format: TOC_FORMAT.ATIP, msf: true, allocationLength: 64 }), tgt.SENT.readTocAtipMsf],
      [buildReadCapacity10(), tgt.READ_CAPACITY_WRITTEN.cdb],
      [
        buildModeSense10({ pageCode: MODE_PAGE.CD_DVD_CAPABILITIES, allocationLength: 72 }),
        tgt.MODE_SENSE_CAPABILITIES.cdb,
      ],
      [buildModeSense10({ pageCode: 0x2a, allocationLength: 30 }), tgt.MODE_SENSE_CAPABILITIES_SHORT.cdb],
      [buildModeSense10({ pageCode: 0x2a, allocationLength: 2 }), tgt.SENT.modeSenseHeaderOnly],
      [
        buildModeSense10({ pageCode: MODE_PAGE.WRITE_PARAMETERS, allocationLength: 60 }),
        tgt.MODE_SENSE_WRITE_PARAMETERS.cdb,
      ],
      [buildModeSense10({ pageCode: MODE_PAGE.ALL_PAGES, allocationLength: 16 }), tgt.MODE_SENSE_ALL_PAGES_SHORT.cdb],
      [buildModeSense10({ pageCode: 0x01, allocationLength: 12 }), tgt.MODE_SENSE_ERROR_RECOVERY.cdb],
      [
        buildModeSense10({ pageCode: 0x3f, pageControl: PAGE_CONTROL.DEFAULT, allocationLength: 16 }),
        tgt.SENT.modeSenseAllDefault,
      ],
      [
        buildModeSense10({ pageCode: 0x2a, disableBlockDescriptors: true, allocationLength: 80 }),
        tgt.SENT.modeSenseDbdCapabilities,
      ],
      [
        buildModeSense10({ pageCode: 0x05, disableBlockDescriptors: true, allocationLength: 64 }),
        tgt.SENT.modeSenseDbdWriteParameters,
      ],
      [buildGetWriteSpeeds(1), tgt.GET_PERFORMANCE_WRITE_SPEED_BLANK.cdb],
      [buildGetWriteSpeeds(2), tgt.GET_PERFORMANCE_WRITE_SPEED_WRITTEN.cdb],
      [buildGetWriteSpeeds(0), tgt.GET_PERFORMANCE_HEADER.cdb],
      [buildGetPerformance({ maxDescriptors: 1 }), tgt.GET_PERFORMANCE_READ.cdb],
      [buildGetPerformance({ maxDescriptors: 0 }), tgt.SENT.getPerformanceReadHeader],
      [buildReadBufferCapacity(), tgt.READ_BUFFER_CAPACITY.cdb],
      [buildGetEventStatusNotification({ classRequest: 0xff }), tgt.SENT.gesnAllClasses],
      [buildGetEventStatusNotification(), tgt.SENT.gesnMedia],
      [buildReadFormatCapacities(), tgt.SENT.readFormatCapacities],
      [buildMechanismStatus(), tgt.SENT.mechanismStatus],
    ];
    for (const [cmd, cdb] of cases) {
      same(cmd, cdb);
      expect(cmd.direction).toBe("in");
    }
    expect(buildGetWriteSpeeds(2).transferLength).toBe(8 + 2 * 16);
    expect(buildInquiry().transferLength).toBe(36);
    expect(buildReadTrackInformationByTrack(1, 40).transferLength).toBe(40);
    expect(buildReadCapacity10().transferLength).toBe(8);
  });

  it("READ and WRITE with their transfer lengths in bytes", () => {
    same(buildRead10({ lba: 16, blocks: 1 }), tgt.SENT.read10At16);
    same(buildRead10({ lba: 0, blocks: 16 }), tgt.SENT.read10Sixteen);
    expect(buildRead10({ lba: 0, blocks: 16 }).transferLength).toBe(32768);
    const w = buildWrite10({ lba: 100, blocks: 16 });
    same(w, tgt.SENT.write10At100);
    expect([w.direction, w.transferLength]).toEqual(["out", 32768]);
    same(buildWrite10({ lba: 2295114, blocks: 1 }), tgt.SENT.write10Overburn);
    same(buildWrite12({ lba: 16, blocks: 16 }), tgt.SENT.write12At16);
  });

  it("MODE SELECT(10) of the write parameters page tgt reported gives cdrskin's CDB and the page back", () => {
    const sense = parseModeSense10(tgt.MODE_SENSE_WRITE_PARAMETERS.data);
    const page = findModePage(sense, MODE_PAGE.WRITE_PARAMETERS);
    expect(page).toBeDefined();
    const cmd = buildModeSelectWriteParameters(parseWriteParametersPage(page!.bytes));
    same(cmd, tgt.SENT.modeSelect60);
    expect(cmd.direction).toBe("out");
    // The parameter list is the MODE SENSE answer with the (reserved) mode data length zeroed.
    const expected = tgt.MODE_SENSE_WRITE_PARAMETERS.data.slice();
    expected[0] = 0;
    expected[1] = 0;
    expect(toHex(cmd.data!)).toBe(toHex(expected));
    same(buildModeSelect10(new Uint8Array(16)), tgt.SENT.modeSelect16);
  });

  it("SET STREAMING with one performance descriptor", () => {
    const cmd = buildSetStreaming({
      writeRotationControl: 0,
      restoreDefaults: false,
      exact: false,
      randomAccess: false,
      startLba: 0,
      endLba: 1663,
      readSize: 5540,
      readTime: 1000,
      writeSize: 3324,
      writeTime: 1000,
    });
    same(cmd, tgt.SENT.setStreaming);
    expect([cmd.direction, cmd.transferLength, cmd.data?.length]).toEqual(["out", 28, 28]);
  });
});

describe("parsers decode tgt's real answers", () => {
  it("INQUIRY: a removable CD/DVD device STGT_DVD DVD+R 0085", () => {
    const d = parseInquiry(tgt.INQUIRY.data);
    expect(d).toMatchObject({
      peripheralQualifier: 0,
      peripheralDeviceType: PERIPHERAL_DEVICE_TYPE.CD_DVD,
      removable: true,
      version: 5,
      responseDataFormat: 2,
      hierarchicalSupport: true,
      additionalLength: 61,
      commandQueuing: true,
      vendor: "STGT_DVD",
      product: "DVD+R",
      revision: "0085",
      versionDescriptors: [],
    });
  });

  it("GET CONFIGURATION RT=1 on a blank DVD+R: the current features, complete", () => {
    const c = parseConfiguration(tgt.GET_CONFIGURATION_CURRENT_BLANK.data);
    expect(c.dataLength).toBe(0x58);
    expect(c.truncated).toBe(false);
    expect(c.currentProfile).toBe(PROFILE.DVD_PLUS_R);
    expect(profileInfo(c.currentProfile)).toMatchObject({
      name: "DVD+R",
      family: "DVD",
      sequential: true,
      writeOnce: true,
    });
    expect(c.features.map((f) => f.code)).toEqual([
      0x0000, 0x0001, 0x0002, 0x0003, 0x001d, 0x002b, 0x0100, 0x0105, 0x0108, 0x010a,
    ]);
    expect(findFeature(c, FEATURE.PROFILE_LIST, "profile-list")?.profiles).toEqual([
      { profile: PROFILE.DVD_ROM, current: false },
      { profile: PROFILE.DVD_PLUS_R, current: true },
    ]);
    expect(findFeature(c, FEATURE.CORE, "core")).toMatchObject({
      physicalInterface: 2,
      persistent: true,
      current: true,
    });
    expect(findFeature(c, FEATURE.REMOVABLE_MEDIUM, "removable-medium")).toMatchObject({
      loadingMechanism: LOADING_MECHANISM.TRAY,
      eject: true,
      lock: true,
      load: false,
      preventJumper: false,
      dbml: false,
    });
    expect(findFeature(c, FEATURE.DVD_PLUS_R, "dvd-plus-r")).toMatchObject({
      name: "DVD+R",
      write: true,
      current: true,
      persistent: false,
      version: 0,
    });
    expect(isFeatureCurrent(c, FEATURE.DVD_PLUS_R)).toBe(true);
    // tgt quirk: RT=1 asks for current features only, yet Multi-Read comes back with its Current bit clear.
    expect(findFeature(c, FEATURE.MULTI_READ)?.current).toBe(false);
    expect(findFeature(c, FEATURE.DISC_CONTROL_BLOCKS)).toMatchObject({
      kind: "other",
      current: true,
      persistent: false,
    });
    expect(findFeature(c, FEATURE.DRIVE_SERIAL_NUMBER, "drive-serial-number")?.serialNumber).toBe("");
    // No write feature but DVD+R: no Incremental Streaming, CD, DVD-R or BD write.
    for (const code of [0x0020, 0x0021, 0x002d, 0x002e, 0x002f, 0x0041]) expect(findFeature(c, code)).toBeUndefined();
  });

  it("GET CONFIGURATION RT=0, as far as the trace shows it: truncated, decoded up to Real Time Streaming", () => {
    const c = parseConfiguration(tgt.GET_CONFIGURATION_ALL_BLANK_PREFIX.data);
    expect([c.dataLength, c.truncated, c.currentProfile]).toEqual([0x70, true, 0x1b]);
    expect(c.features.map((f) => f.code)).toEqual([
      0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001d, 0x001f, 0x002b, 0x0100, 0x0105, 0x0107,
    ]);
    expect(findFeature(c, FEATURE.RANDOM_READABLE, "random-readable")).toMatchObject({
      current: false,
      logicalBlockSize: 2048,
      blocking: 16,
      pagePresent: true,
    });
    // tgt quirk: DVD Read with additional length 0 (MMC gives it 4 bytes).
    expect(findFeature(c, FEATURE.DVD_READ)?.additional.length).toBe(0);
    expect(findFeature(c, FEATURE.REAL_TIME_STREAMING, "real-time-streaming")).toMatchObject({
      version: 3,
      current: false,
      readBufferCapacityBlock: true,
      setCdSpeed: true,
      mechanismStatusPage2A: true,
      writeSpeedPerformance: true,
      streamWriting: true,
    });
  });

  it("GET CONFIGURATION after the burn: DVD-ROM current, DVD+R no longer", () => {
    const c = parseConfiguration(tgt.GET_CONFIGURATION_ALL_WRITTEN_PREFIX.data);
    expect(c.currentProfile).toBe(PROFILE.DVD_ROM);
    expect(profileInfo(c.currentProfile)?.readOnly).toBe(true);
    expect(findFeature(c, FEATURE.PROFILE_LIST, "profile-list")?.profiles).toEqual([
      { profile: 0x10, current: true },
      { profile: 0x1b, current: false },
    ]);
    expect(isFeatureCurrent(c, FEATURE.RANDOM_READABLE)).toBe(true);
    expect(isFeatureCurrent(c, FEATURE.DVD_READ)).toBe(true);
    expect(isFeatureCurrent(c, FEATURE.DVD_PLUS_R)).toBe(false);
    expect(isFeatureCurrent(c, FEATURE.REAL_TIME_STREAMING)).toBe(true);
  });

  it("GET CONFIGURATION RT=2 and the 8-byte header", () => {
    const one = parseConfiguration(tgt.GET_CONFIGURATION_ONE_FEATURE.data);
    expect([one.dataLength, one.truncated, one.features.map((f) => f.kind)]).toEqual([12, false, ["dvd-plus-r"]]);
    const header = parseConfiguration(tgt.GET_CONFIGURATION_HEADER.data);
    expect([header.dataLength + 4, header.currentProfile, header.features.length, header.truncated]).toEqual([
      116,
      0x1b,
      0,
      true,
    ]);
  });

  it("READ DISC INFORMATION: blank, then complete", () => {
    const blank = parseDiscInformation(tgt.READ_DISC_INFORMATION_BLANK.data);
    expect(blank).toMatchObject({
      dataLength: 32,
      discStatus: DISC_STATUS.EMPTY,
      discStatusName: "blank",
      lastSessionState: SESSION_STATE.EMPTY,
      erasable: false,
      firstTrackOnDisc: 1,
      numberOfSessions: 1,
      firstTrackInLastSession: 1,
      lastTrackInLastSession: 1,
      discIdValid: false,
      barCodeValid: false,
      applicationCodeValid: true,
      discType: 0,
      lastSessionLeadInStart: 0,
      lastPossibleLeadOutStart: 0x230540,
      opcTables: [],
    });
    expect(blank.lastPossibleLeadOutStart).toBe(2295104);
    const complete = parseDiscInformation(tgt.READ_DISC_INFORMATION_COMPLETE.data);
    expect(complete).toMatchObject({
      discStatus: DISC_STATUS.COMPLETE,
      discStatusName: "complete",
      lastSessionState: SESSION_STATE.COMPLETE,
      numberOfSessions: 1,
      applicationCodeValid: false,
      lastPossibleLeadOutStart: 0,
    });
    const header = parseDiscInformation(tgt.READ_DISC_INFORMATION_HEADER.data);
    expect([header.discStatusName, header.numberOfSessions, header.lastTrackInLastSession]).toEqual(["blank", 1, 1]);
  });

  it("READ TRACK INFORMATION: the blank DVD+R track, by number, by LBA and cut short", () => {
    const t = parseTrackInformation(tgt.READ_TRACK_INFORMATION_BLANK.data);
    expect(t).toMatchObject({
      dataLength: 38,
      trackNumber: 1,
      sessionNumber: 1,
      damage: false,
      copy: false,
      trackMode: 7,
      reservedTrack: false,
      blank: true,
      packetIncremental: false,
      fixedPacket: false,
      dataMode: 1,
      lastRecordedAddressValid: false,
      nextWritableAddressValid: true,
      trackStart: 0,
      nextWritableAddress: 0,
      freeBlocks: 2295104,
      fixedPacketSize: 16,
      trackSize: 2295104,
      lastRecordedAddress: 0,
      // tgt quirk: a constant read compatibility LBA of 0x40D0E on every blank DVD+R.
      readCompatibilityLba: 0x40d0e,
    });
    expect(t.nextLayerJumpAddress).toBeUndefined();
    const byLba = parseTrackInformation(tgt.READ_TRACK_INFORMATION_BY_LBA_BLANK.data);
    expect([byLba.trackSize, byLba.lastRecordedAddress]).toEqual([2295104, undefined]);
    const short = parseTrackInformation(tgt.READ_TRACK_INFORMATION_INVISIBLE_SHORT.data);
    expect([short.nextWritableAddressValid, short.nextWritableAddress, short.freeBlocks, short.trackSize]).toEqual([
      true,
      0,
      2295104,
      undefined,
    ]);
  });

  it("READ TRACK INFORMATION of the closed track: 116 blocks, last recorded address valid", () => {
    const t = parseTrackInformation(tgt.READ_TRACK_INFORMATION_CLOSED.data);
    expect(t).toMatchObject({
      dataLength: 34,
      trackMode: TRACK_MODE.DATA_UNINTERRUPTED,
      blank: false,
      dataMode: 1,
      lastRecordedAddressValid: true,
      nextWritableAddressValid: false,
      freeBlocks: 0,
      fixedPacketSize: 16,
      trackSize: 116,
      lastRecordedAddress: 115,
    });
    // The trace shows 40 bytes, but the data length says 36: the rest is padding, not a read compatibility LBA.
    expect(t.readCompatibilityLba).toBeUndefined();
  });

  it("READ TOC/PMA/ATIP: tgt's answers are 2 bytes short, the lead-out is lost", () => {
    const toc = parseFormattedToc(tgt.READ_TOC_FORMATTED.data);
    expect(toc).toMatchObject({ dataLength: 18, firstTrack: 1, lastTrack: 1, truncated: true });
    expect(toc.tracks).toEqual([{ track: 1, adr: 1, control: 4, isData: true, lba: 0 }]);
    expect(toc.leadOut).toBeUndefined();
    const msf = parseFormattedToc(tgt.READ_TOC_FORMATTED_MSF.data, { msf: true });
    expect(msf.tracks[0]).toMatchObject({ track: 1, lba: 0, msf: { minute: 0, second: 2, frame: 0 } });
    expect(msf.truncated).toBe(true);
    const ms = parseMultisessionInfo(tgt.READ_TOC_MULTISESSION.data);
    expect(ms).toMatchObject({ dataLength: 10, firstSession: 1, lastSession: 1, truncated: true });
    expect(ms.firstTrackInLastSession).toBeUndefined();
    const header = parseFormattedToc(tgt.READ_TOC_HEADER.data);
    expect([header.dataLength, header.firstTrack, header.lastTrack, header.tracks.length]).toEqual([18, 1, 1, 0]);
  });

  it("READ CAPACITY: 1664 blocks of 2048 after the burn, last LBA 0 on the blank disc", () => {
    expect(parseCapacity(tgt.READ_CAPACITY_WRITTEN.data)).toEqual({ lastLba: 1663, blockLength: 2048 });
    expect(parseCapacity(tgt.READ_CAPACITY_BLANK.data)).toEqual({ lastLba: 0, blockLength: 2048 });
  });

  it("MODE SENSE page 2Ah: capabilities and CD write speeds", () => {
    const ms = parseModeSense10(tgt.MODE_SENSE_CAPABILITIES.data);
    expect([ms.modeDataLength, ms.blockDescriptors.length, ms.truncated, ms.pages.length]).toEqual([70, 0, false, 1]);
    const page = findModePage(ms, MODE_PAGE.CD_DVD_CAPABILITIES)!;
    expect([page.bytes.length, page.parametersSavable]).toEqual([64, false]);
    const caps = parseCapabilitiesPage(page.bytes);
    expect(caps).toMatchObject({
      pageLength: 0x3e,
      read: { cdR: true, cdRw: true, method2: true, dvdRom: true, dvdR: true, dvdRam: true },
      // tgt quirk: it claims CD-R/RW, DVD-R and DVD-RAM writing and test writes, yet burns only DVD+R.
      write: { cdR: true, cdRw: true, testWrite: true, dvdR: true, dvdRam: true },
      bufferUnderrunFree: true,
      multiSession: true,
      mode2Form2: true,
      mode2Form1: true,
      digitalPort2: false,
      digitalPort1: false,
      composite: true,
      audioPlay: true,
      readBarCode: true,
      upc: true,
      isrc: true,
      c2Pointers: true,
      rwDeinterleavedCorrected: false,
      rwSupported: false,
      cddaStreamAccurate: true,
      cddaCommands: true,
      loadingMechanism: LOADING_MECHANISM.TRAY,
      eject: true,
      preventJumper: false,
      lockState: false,
      lock: true,
      rwInLeadIn: true,
      separateChannelMute: true,
      separateVolumeLevels: true,
      maxReadSpeed: 4234,
      volumeLevels: 256,
      bufferSize: 2048,
      currentReadSpeed: 4234,
      maxWriteSpeed: 4234,
      currentWriteSpeed: 4234,
      copyManagementRevision: 1,
      rotationControlSelected: 0,
      currentWriteSpeedSelected: 4234,
    });
    // CD speeds (24x, 16x, 12x, 8x, 4x) on a DVD recorder.
    expect(caps.writeSpeeds.map((s) => s.speed)).toEqual([4234, 2822, 2117, 1411, 706]);
    expect(caps.writeSpeeds.every((s) => s.rotationControl === 0)).toBe(true);
    const short = parseModeSense10(tgt.MODE_SENSE_CAPABILITIES_SHORT.data);
    expect([short.truncated, findModePage(short, 0x2a)]).toEqual([true, undefined]);
  });

  it("MODE SENSE page 05h: session-at-once, BUFE, Mode 1 data, link size 16", () => {
    const ms = parseModeSense10(tgt.MODE_SENSE_WRITE_PARAMETERS.data);
    const w = parseWriteParametersPage(findModePage(ms, MODE_PAGE.WRITE_PARAMETERS)!.bytes);
    expect(w).toMatchObject({
      bufferUnderrunFree: true,
      linkSizeValid: true,
      testWrite: false,
      writeType: WRITE_TYPE.SESSION_AT_ONCE,
      multiSession: 0,
      fixedPacket: false,
      copy: false,
      trackMode: 5,
      dataBlockType: 8,
      linkSize: 16,
      hostApplicationCode: 0,
      sessionFormat: 0,
      packetSize: 16,
      audioPauseLength: 150,
    });
    expect(w.vendorSpecific.length).toBe(0);
  });

  it("MODE SENSE all pages and page 01h cut short by the allocation length", () => {
    const all = parseModeSense10(tgt.MODE_SENSE_ALL_PAGES_SHORT.data);
    // tgt quirk: an empty page 00h comes first in the all-pages answer.
    expect([all.modeDataLength, all.truncated]).toEqual([0xec, true]);
    expect(all.pages.map((p) => [p.pageCode, p.bytes.length])).toEqual([[0, 2]]);
    const recovery = parseModeSense10(tgt.MODE_SENSE_ERROR_RECOVERY.data);
    expect([recovery.modeDataLength, recovery.truncated, recovery.pages.length]).toEqual([18, true, 0]);
  });

  it("GET PERFORMANCE: write speeds (2.4x DVD on the blank disc, 2x/1x after) and the read performance", () => {
    expect(parseWriteSpeeds(tgt.GET_PERFORMANCE_WRITE_SPEED_BLANK.data)).toEqual({
      dataLength: 20,
      truncated: false,
      speeds: [
        {
          writeRotationControl: 0,
          restoreDefaults: false,
          exact: false,
          mixedReadWrite: true,
          endLba: 2295103,
          readSpeed: 3324,
          writeSpeed: 3324,
        },
      ],
    });
    const written = parseWriteSpeeds(tgt.GET_PERFORMANCE_WRITE_SPEED_WRITTEN.data);
    expect(written.speeds.map((s) => [s.endLba, s.writeSpeed])).toEqual([
      [0x259999, 2770],
      [0x259999, 1385],
    ]);
    expect(parsePerformance(tgt.GET_PERFORMANCE_READ.data)).toEqual({
      dataLength: 20,
      write: false,
      except: 0,
      nominal: [{ startLba: 0, startPerformance: 5540, endLba: 2295103, endPerformance: 5540 }],
      exceptions: [],
      truncated: false,
    });
    const header = parseWriteSpeeds(tgt.GET_PERFORMANCE_HEADER.data);
    expect([header.dataLength, header.speeds.length, header.truncated]).toEqual([20, 0, true]);
  });

  it("READ BUFFER CAPACITY: 8 MiB buffer, 4 MiB free", () => {
    expect(parseBufferCapacity(tgt.READ_BUFFER_CAPACITY.data)).toEqual({
      unit: "bytes",
      bufferLength: 8 * 1024 * 1024,
      blankLength: 4 * 1024 * 1024,
    });
  });
});
