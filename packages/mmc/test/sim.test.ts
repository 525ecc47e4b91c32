// The software recorder driven through the real Drive and the package's CDB builders: blank media of every profile,
// sessions on sequential media, formatting and random writes on DVD+RW/BD-RE, blanking CD-RW, the refusals a strict
// drive answers, and state kept across close/reopen. Expected values come from MMC-6 (profile numbers, gaps on CD,
// ECC block/cluster alignment) or from the test's own inputs.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BACKGROUND_FORMAT,
  bdReFormatDescriptor,
  buildBlank,
  buildCloseTrackSession,
  buildFormatUnit,
  buildFormatUnitImmediate,
  buildGetConfiguration,
  buildGetEventStatusNotification,
  buildInquiry,
  buildMechanismStatus,
  buildModeSelect10,
  buildModeSelectWriteParameters,
  buildModeSense10,
  buildRead10,
  buildRead12,
  buildReadBufferCapacity,
  buildReadCapacity10,
  buildReadDiscInformation,
  buildReadFormatCapacities,
  buildReadTocPmaAtip,
  buildReadTrackInformationByLba,
  buildReadTrackInformationByTrack,
  buildReserveTrack,
  buildStartStopUnit,
  buildSynchronizeCache10,
  buildTestUnitReady,
  buildWrite12,
  CLOSE_FUNCTION,
  DATA_BLOCK_TYPE,
  DeviceError,
  Drive,
  defaultWriteParameters,
  dvdPlusRwFormatDescriptor,
  encodeModeSelectParameterList,
  encodeWriteParametersPage,
  FORMAT_TYPE,
  findModePage,
  INVISIBLE_TRACK,
  MEDIA_EVENT,
  MODE_PAGE,
  MULTISESSION,
  msfToLba,
  parseBufferCapacity,
  parseCapacity,
  parseConfiguration,
  parseDiscInformation,
  parseEventStatus,
  parseFormatCapacities,
  parseFormattedToc,
  parseMechanismStatus,
  parseModeSense10,
  parseMultisessionInfo,
  parseSimDrive,
  parseTrackInformation,
  parseWriteParametersPage,
  SCSI_STATUS,
  SIM_PROFILES,
  type SimProfileName,
  SoftwareRecorder,
  START_STOP,
  TOC_FORMAT,
  WRITE_TYPE,
} from "../src/index.js";
import { writeStateFile } from "../src/sim/stateFile.js";
import { alignUp, pattern, removeTempDirs, rig, senseOf, tempDir, write10 } from "./simHelpers.js";

afterEach(removeTempDirs);

const TIMEOUT = { timeoutMs: 10_000 };

// MMC-6 profile numbers and the capacities the brief fixes (80-minute CD, 4.7 GB DVD, 8.5 GB DVD+R DL, 25 GB BD).
const EXPECTED: Record<SimProfileName, { profile: number; capacity: number; sequential: boolean; align: number }> = {
  "cd-r": { profile: 0x09, capacity: 359_849, sequential: true, align: 1 },
  "cd-rw": { profile: 0x0a, capacity: 359_849, sequential: true, align: 1 },
  "dvd-r": { profile: 0x11, capacity: 2_295_104, sequential: true, align: 16 },
  "dvd+r": { profile: 0x1b, capacity: 2_295_104, sequential: true, align: 16 },
  "dvd+r-dl": { profile: 0x2b, capacity: 4_173_824, sequential: true, align: 16 },
  "dvd+rw": { profile: 0x1a, capacity: 2_295_104, sequential: false, align: 16 },
  "bd-r": { profile: 0x41, capacity: 12_219_392, sequential: true, align: 32 },
  "bd-re": { profile: 0x43, capacity: 12_219_392, sequential: false, align: 32 },
};

// Session gaps: CD from the Orange Book (lead-out 6750/2250 + lead-in 4500 + pregap 150); DVD and BD are the
// recorder's documented choices (src/sim/README.md).
const GAPS: Partial<Record<SimProfileName, [number, number]>> = {
  "cd-r": [11_400, 6_900],
  "cd-rw": [11_400, 6_900],
  "dvd-r": [16_384, 4_096],
  "dvd+r": [2_048, 2_048],
  "dvd+r-dl": [2_048, 2_048],
  "bd-r": [0, 0],
};

const SEQUENTIAL = SIM_PROFILES.filter((p) => EXPECTED[p].sequential);

/** Page 05h that lets a session close leave the disc appendable (CD and DVD-R look at it). */
async function allowMultisession(drive: Drive, profile: SimProfileName, multiSession: number = MULTISESSION.OPEN) {
  const w =
    profile === "dvd-r"
      ? defaultWriteParameters({ writeType: WRITE_TYPE.PACKET_INCREMENTAL, trackMode: 5, multiSession })
      : defaultWriteParameters({ multiSession });
  await drive.run(buildModeSelectWriteParameters(w));
}

async function closeTrackAndSession(drive: Drive, track: number, closeFunction: number = CLOSE_FUNCTION.CLOSE_SESSION) {
  await drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track }));
  await drive.run(buildCloseTrackSession({ closeFunction }));
}

describe("blank media", () => {
  it.each(SIM_PROFILES)("%s: blank, with the profile's number and default capacity", async (profile) => {
    const { drive } = await rig(profile);
    const info = await drive.mediaInfo();
    const e = EXPECTED[profile];
    expect(info.present).toBe(true);
    expect(info.profile).toBe(e.profile);
    expect(info.status).toBe("blank");
    expect(info.totalBlocks).toBe(e.capacity);
    expect(info.freeBlocks).toBe(e.capacity);
    expect(info.sessions).toEqual([]);
    expect(info.nextWritableAddress).toBe(0);
    expect(info.readableBlocks).toBe(0);
    expect(info.erasable).toBe(profile === "cd-rw" || profile === "dvd+rw" || profile === "bd-re");
    const caps = await drive.capabilities();
    expect(caps.currentProfile).toBe(e.profile);
    expect(caps.profiles.map((p) => p.number).sort((a, b) => a - b)).toEqual([
      0x09, 0x0a, 0x11, 0x1a, 0x1b, 0x2b, 0x41, 0x43,
    ]);
    expect(caps.profiles.filter((p) => p.current).map((p) => p.number)).toEqual([e.profile]);
    expect(caps.writableProfiles.map((p) => p.number)).toContain(e.profile);
    expect(caps.loadingMechanism).toBe("tray");
    expect(caps.canEject && caps.canLoad && caps.canLock).toBe(true);
    const id = await drive.identity();
    expect(id).toMatchObject({ vendor: "DISCBURN", peripheralDeviceType: 5, removable: true });
    expect(id.product.startsWith("SOFTWARE ")).toBe(true);
  });

  it("takes a smaller capacity", async () => {
    const { drive } = await rig("dvd+r", 10_000);
    expect((await drive.mediaInfo()).totalBlocks).toBe(10_000);
  });

  it("offers write speeds of the family (GET PERFORMANCE type 03h)", async () => {
    const dvd = await rig("dvd+r", 10_000);
    expect((await dvd.drive.writeSpeeds("DVD")).map((s) => s.multiple)).toEqual([16, 12, 8, 6, 4]);
    const cd = await rig("cd-r", 10_000);
    const cdSpeeds = (await cd.drive.writeSpeeds("CD")).map((s) => s.multiple);
    expect(cdSpeeds[0]).toBe(48);
    expect(cdSpeeds[cdSpeeds.length - 1]).toBe(4);
    const bd = await rig("bd-r", 10_016);
    const bdSpeeds = (await bd.drive.writeSpeeds("BD")).map((s) => s.multiple);
    expect([bdSpeeds[0], bdSpeeds[bdSpeeds.length - 1]]).toEqual([12, 2]);
  });
});

describe("sequential media: sessions", () => {
  it.each(SEQUENTIAL)("%s: two sessions, then finalised", async (profile) => {
    const capacity = 60_000;
    const { drive, recorder } = await rig(profile, capacity);
    const { align } = EXPECTED[profile];
    const [gap1, gap2] = GAPS[profile] ?? [0, 0];
    await allowMultisession(drive, profile);

    // Session 1: 40 blocks at NWA 0, in two commands.
    await drive.run(write10(0, 24));
    await drive.run(write10(24, 16));
    await drive.run(buildSynchronizeCache10());
    let info = await drive.mediaInfo();
    expect(info.status).toBe("appendable");
    expect(info.nextWritableAddress).toBe(40);
    await closeTrackAndSession(drive, 1);
    const end1 = alignUp(40, align);
    const start2 = alignUp(end1 + gap1, align);
    info = await drive.mediaInfo();
    expect(info.status).toBe("appendable");
    expect(info.sessions).toEqual([{ number: 1, start: 0, end: end1, complete: true, tracks: [1] }]);
    expect(info.lastSessionStart).toBe(0);
    expect(info.nextWritableAddress).toBe(start2);
    expect(info.freeBlocks).toBe(capacity - start2);
    expect(await drive.read(0, 40)).toEqual(pattern(0, 40));

    // Session 2: 20 blocks at the new NWA.
    await drive.run(write10(start2, 20, 1));
    await closeTrackAndSession(drive, 2);
    const end2 = start2 + alignUp(20, align);
    const start3 = alignUp(end2 + gap2, align);
    info = await drive.mediaInfo();
    expect(info.sessions.map((s) => [s.number, s.start, s.end])).toEqual([
      [1, 0, end1],
      [2, start2, end2],
    ]);
    expect(info.lastSessionStart).toBe(start2);
    expect(info.nextWritableAddress).toBe(start3);
    expect(info.readableBlocks).toBe(end2);
    expect(await drive.read(start2, 20)).toEqual(pattern(start2, 20, 1));

    // Session 3, closed as the last one: complete.
    await drive.run(write10(start3, 5, 2));
    const finalize =
      profile === "cd-r" || profile === "cd-rw" || profile === "dvd-r"
        ? CLOSE_FUNCTION.CLOSE_SESSION
        : CLOSE_FUNCTION.FINALIZE;
    if (finalize === CLOSE_FUNCTION.CLOSE_SESSION) await allowMultisession(drive, profile, MULTISESSION.NONE);
    await closeTrackAndSession(drive, 3, finalize);
    info = await drive.mediaInfo();
    expect(info.status).toBe("complete");
    expect(info.sessions.map((s) => s.start)).toEqual([0, start2, start3]);
    expect(info.nextWritableAddress).toBeNull();
    expect(info.lastSessionStart).toBe(start3);
    // MMC-6: a finalised disc takes no more data (5/30/05 CANNOT WRITE MEDIUM - INCOMPATIBLE FORMAT).
    const end3 = start3 + alignUp(5, align);
    expect(await senseOf(drive.run(write10(end3, 1)))).toBe("5/30/05");
    expect(recorder.snapshot().discStatus).toBe("complete");
  });

  it("DVD+R: closing the empty open session with a finalise function completes the disc", async () => {
    const { drive } = await rig("dvd+r", 20_000);
    await drive.run(write10(0, 16));
    await closeTrackAndSession(drive, 1);
    expect((await drive.mediaInfo()).status).toBe("appendable");
    await drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.FINALIZE_DVD_PLUS_R_COMPATIBLE }));
    const info = await drive.mediaInfo();
    expect(info.status).toBe("complete");
    expect(info.sessions.map((s) => s.number)).toEqual([1]);
  });

  it("closing a session with no room for another leaves the disc appendable with nothing free", async () => {
    const { drive } = await rig("dvd+r", 2_050);
    await drive.run(write10(0, 16));
    await closeTrackAndSession(drive, 1);
    const info = await drive.mediaInfo();
    expect(info.status).toBe("appendable");
    expect(info.nextWritableAddress).toBe(2_050);
    expect(info.freeBlocks).toBe(0);
    expect(await senseOf(drive.run(write10(2_050, 1)))).toBe("5/21/00");
  });

  it("CD-R without Multi-session 11b: closing the session completes the disc", async () => {
    const { drive } = await rig("cd-r", 30_000);
    await drive.run(write10(0, 10));
    await closeTrackAndSession(drive, 1);
    expect((await drive.mediaInfo()).status).toBe("complete");
  });

  it("refuses a write away from the NWA (5/21/02), past the capacity (5/21/00), reads of blank blocks (5/21/00)", async () => {
    const { drive } = await rig("dvd+r", 1_000);
    await drive.run(write10(0, 10));
    expect(await senseOf(drive.run(write10(11, 1)))).toBe("5/21/02");
    expect(await senseOf(drive.run(write10(5, 1)))).toBe("5/21/02");
    expect(await senseOf(drive.run(write10(995, 10)))).toBe("5/21/00");
    expect(await senseOf(drive.run(write10(1_000, 1)))).toBe("5/21/00");
    expect(await senseOf(drive.run(buildRead10({ lba: 10, blocks: 1 })))).toBe("5/21/00");
    expect(await senseOf(drive.run(buildRead10({ lba: 8, blocks: 4 })))).toBe("5/21/00");
    expect(await senseOf(drive.run(buildRead12({ lba: 2_000, blocks: 1 })))).toBe("5/21/00");
    // The information field names the first bad block.
    try {
      await drive.run(buildRead10({ lba: 8, blocks: 4 }));
    } catch (e) {
      expect((e as { sense?: { information: number; valid: boolean } }).sense).toMatchObject({
        valid: true,
        information: 10,
      });
    }
    // WRITE(12) works like WRITE(10).
    await drive.run({ ...buildWrite12({ lba: 10, blocks: 2 }), data: pattern(10, 2) });
    expect(await drive.read(0, 12)).toEqual(pattern(0, 12));
  });

  it("track information: by number, invisible track FFh, by LBA", async () => {
    const { drive } = await rig("dvd+r", 5_000);
    await drive.run(write10(0, 20));
    const growing = parseTrackInformation((await drive.run(buildReadTrackInformationByTrack(INVISIBLE_TRACK))).data);
    expect(growing).toMatchObject({ trackNumber: 1, nextWritableAddressValid: true, nextWritableAddress: 20 });
    expect(growing.freeBlocks).toBe(5_000 - 20);
    await drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track: 1 }));
    const closed = parseTrackInformation((await drive.run(buildReadTrackInformationByTrack(1))).data);
    // Closed on DVD: padded to the 16-block ECC block.
    expect(closed).toMatchObject({ trackStart: 0, trackSize: 32, nextWritableAddressValid: false, blank: false });
    expect(closed.lastRecordedAddress).toBe(31);
    const invisible = parseTrackInformation((await drive.run(buildReadTrackInformationByTrack(0xff))).data);
    expect(invisible).toMatchObject({ trackNumber: 2, blank: true, trackStart: 32, nextWritableAddress: 32 });
    const byLba = parseTrackInformation((await drive.run(buildReadTrackInformationByLba(100))).data);
    expect(byLba.trackNumber).toBe(2);
    expect(await senseOf(drive.run(buildReadTrackInformationByTrack(9)))).toBe("5/24/00");
    // CLOSE TRACK: a track that is not open any more 5/2C/00, a number naming no track 5/24/00, the (empty)
    // invisible track is accepted with nothing to do.
    const closeTrack = (track: number) =>
      drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_TRACK, track }));
    expect(await senseOf(closeTrack(1))).toBe("5/2c/00");
    expect(await senseOf(closeTrack(9))).toBe("5/24/00");
    expect(await senseOf(closeTrack(2))).toBe("good");
  });

  it("RESERVE TRACK fixes a track's size; a partly written reserved track stops the session close (5/72/04)", async () => {
    const { drive } = await rig("dvd+r", 5_000);
    await drive.run(buildReserveTrack({ size: 100 }));
    const reserved = parseTrackInformation((await drive.run(buildReadTrackInformationByTrack(1))).data);
    expect(reserved).toMatchObject({ reservedTrack: true, trackStart: 0, trackSize: 112, nextWritableAddress: 0 });
    const next = parseTrackInformation((await drive.run(buildReadTrackInformationByTrack(2))).data);
    expect(next).toMatchObject({ trackStart: 112, blank: true });
    await drive.run(write10(0, 50));
    expect(await senseOf(drive.run(write10(50, 70)))).toBe("5/21/02");
    expect(await senseOf(drive.run(buildCloseTrackSession({ closeFunction: CLOSE_FUNCTION.CLOSE_SESSION })))).toBe(
      "5/72/04",
    );
    await drive.run(write10(112, 16, 3));
    await drive.run(write10(50, 62));
    await closeTrackAndSession(drive, 2);
    const info = await drive.mediaInfo();
    expect(info.sessions).toEqual([{ number: 1, start: 0, end: 128, complete: true, tracks: [1, 2] }]);
    expect(await senseOf(drive.run(buildReserveTrack({ size: 0 })))).toBe("5/24/00");
  });

  it("CD: READ TOC formats 0 and 1, in LBA and MSF form", async () => {
    const { drive } = await rig("cd-r", 40_000);
    await allowMultisession(drive, "cd-r");
    await drive.run(write10(0, 300));
    await closeTrackAndSession(drive, 1);
    const start2 = 300 + 11_400;
    await drive.run(write10(start2, 100));
    await closeTrackAndSession(drive, 2);
    for (const msf of [false, true]) {
      const t = parseFormattedToc(
        (await drive.run(buildReadTocPmaAtip({ format: TOC_FORMAT.FORMATTED_TOC, msf, allocationLength: 804 }))).data,
        { msf },
      );
      expect(t.tracks.map((x) => [x.track, x.lba, x.isData])).toEqual([
        [1, 0, true],
        [2, start2, true],
      ]);
      expect(t.leadOut?.lba).toBe(start2 + 100);
      const m = parseMultisessionInfo(
        (await drive.run(buildReadTocPmaAtip({ format: TOC_FORMAT.MULTISESSION_INFO, msf, allocationLength: 12 })))
          .data,
        { msf },
      );
      expect(m.lastSession).toBe(2);
      expect(m.firstTrackInLastSession?.lba).toBe(start2);
      if (msf) {
        // MMC-6: the program area starts at 00:02:00 (LBA 0 + 150 frames).
        expect(t.tracks[0].msf).toEqual({ minute: 0, second: 2, frame: 0 });
        expect(msfToLba(t.tracks[1].msf ?? { minute: 0, second: 0, frame: 0 })).toBe(start2);
      }
    }
  });

  it("CD: page 05h must say TAO, Mode 1 (SAO without a cue sheet 5/2C/00, packet 5/64/00)", async () => {
    const { drive } = await rig("cd-r", 10_000);
    await drive.run(buildModeSelectWriteParameters(defaultWriteParameters({ writeType: WRITE_TYPE.SESSION_AT_ONCE })));
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("5/2c/00");
    await drive.run(
      buildModeSelectWriteParameters(defaultWriteParameters({ writeType: WRITE_TYPE.PACKET_INCREMENTAL })),
    );
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("5/64/00");
    await drive.run(
      buildModeSelectWriteParameters(defaultWriteParameters({ dataBlockType: DATA_BLOCK_TYPE.MODE_2_FORM_1_2048 })),
    );
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("5/64/00");
    await drive.run(buildModeSelectWriteParameters(defaultWriteParameters()));
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("good");
    // The page reads back as selected.
    const page = findModePage(
      parseModeSense10(
        (await drive.run(buildModeSense10({ pageCode: MODE_PAGE.WRITE_PARAMETERS, allocationLength: 255 }))).data,
      ),
      MODE_PAGE.WRITE_PARAMETERS,
    );
    expect(parseWriteParametersPage(page?.bytes ?? new Uint8Array(0))).toMatchObject({
      writeType: WRITE_TYPE.TRACK_AT_ONCE,
      dataBlockType: DATA_BLOCK_TYPE.MODE_1_2048,
    });
  });
});

describe("overwritable media", () => {
  it.each([
    "dvd+rw",
    "bd-re",
  ] as const)("%s: unformatted refuses writes, formats, then writes anywhere", async (profile) => {
    const capacity = 32_000;
    const { drive } = await rig(profile, capacity);
    // 5/30/10 MEDIUM NOT FORMATTED.
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("5/30/10");
    const caps = parseFormatCapacities((await drive.run(buildReadFormatCapacities())).data);
    const type = profile === "dvd+rw" ? FORMAT_TYPE.DVD_PLUS_RW_BASIC : FORMAT_TYPE.BD_RE_FULL_WITH_SPARE;
    const offered = caps.formattable.find((f) => f.formatType === type);
    expect(offered?.numberOfBlocks).toBe(capacity);
    expect(caps.current.descriptorType).toBe(1);
    const descriptor =
      profile === "dvd+rw"
        ? dvdPlusRwFormatDescriptor()
        : bdReFormatDescriptor(offered?.numberOfBlocks ?? 0, offered?.typeDependent ?? 0);
    await drive.run(
      buildFormatUnit({
        parameterList: {
          formatOptionsValid: false,
          disableCertification: false,
          tryOut: false,
          immediate: false,
          descriptor,
        },
      }),
    );
    let info = await drive.mediaInfo();
    expect(info.status).toBe("random-access");
    expect(info.readableBlocks).toBe(capacity);
    expect(info.totalBlocks).toBe(capacity);
    expect(parseCapacity((await drive.run(buildReadCapacity10())).data).lastLba).toBe(capacity - 1);

    await drive.run(write10(1_000, 8, 1));
    await drive.run(write10(5, 3, 2));
    await drive.run(write10(1_004, 8, 3)); // overwrites half of the first write
    expect(await drive.read(5, 3)).toEqual(pattern(5, 3, 2));
    expect(await drive.read(1_000, 4)).toEqual(pattern(1_000, 4, 1));
    expect(await drive.read(1_004, 8)).toEqual(pattern(1_004, 8, 3));
    expect(await drive.read(20_000, 2)).toEqual(new Uint8Array(4096));
    expect(await senseOf(drive.run(write10(capacity - 1, 2)))).toBe("5/21/00");
    expect(await senseOf(drive.run(buildRead10({ lba: capacity, blocks: 1 })))).toBe("5/21/00");
    // Not blankable: BLANK is for CD-RW/DVD-RW (5/30/00); RESERVE TRACK does not apply either.
    expect(await senseOf(drive.run(buildBlank({ blankingType: 1 })))).toBe("5/30/00");
    info = await drive.mediaInfo();
    expect(info.sessions.map((s) => [s.start, s.end])).toEqual([[0, capacity]]);
  });

  it("DVD+RW: FORMAT UNIT with IMMED keeps the drive not ready (2/04/04 with progress) for a moment", async () => {
    const { drive, recorder } = await rig("dvd+rw", 8_000);
    await recorder.execute(buildFormatUnitImmediate(dvdPlusRwFormatDescriptor()), TIMEOUT);
    const tur = await recorder.execute(buildTestUnitReady(), TIMEOUT);
    expect(tur.status).toBe(SCSI_STATUS.CHECK_CONDITION);
    expect([tur.sense?.key, tur.sense?.asc, tur.sense?.ascq]).toEqual([2, 0x04, 0x04]);
    expect(tur.sense?.senseKeySpecific?.kind).toBe("progress");
    // The Drive polls until the format is done.
    expect(await drive.mediumPresent()).toBe(true);
    expect((await drive.mediaInfo()).status).toBe("random-access");
  });

  it("DVD+RW: formats in the background (BG format status 10b), stopped by CLOSE 000b (01b) or 010b (11b)", async () => {
    const { drive, disc } = await rig("dvd+rw", 8_000);
    const bgStatus = async (d: Drive = drive) =>
      parseDiscInformation((await d.run(buildReadDiscInformation())).data).backgroundFormatStatus;
    const close = (closeFunction: number) => drive.run(buildCloseTrackSession({ closeFunction }));
    const format = () =>
      drive.run(
        buildFormatUnit({
          parameterList: {
            formatOptionsValid: false,
            disableCertification: false,
            tryOut: false,
            immediate: false,
            descriptor: dvdPlusRwFormatDescriptor(),
          },
        }),
      );
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.NONE);
    // Nothing to stop on an unformatted disc.
    expect(await senseOf(close(CLOSE_FUNCTION.STOP_BG_FORMAT_QUICK))).toBe("5/2c/00");
    await format();
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.IN_PROGRESS);
    // Writable and readable while the format runs.
    await drive.run(write10(100, 16, 4));
    expect(await drive.read(100, 16)).toEqual(pattern(100, 16, 4));
    expect((await drive.mediaInfo()).status).toBe("random-access");
    await close(CLOSE_FUNCTION.STOP_BG_FORMAT_QUICK);
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.STARTED);
    await close(CLOSE_FUNCTION.CLOSE_SESSION);
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.COMPLETED);
    // A quick stop of a completed format changes nothing.
    await close(CLOSE_FUNCTION.STOP_BG_FORMAT_QUICK);
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.COMPLETED);
    await format();
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.IN_PROGRESS);
    await close(CLOSE_FUNCTION.FINALIZE_DVD_MINUS_RW);
    expect(await bgStatus()).toBe(BACKGROUND_FORMAT.COMPLETED);
    expect(await senseOf(close(CLOSE_FUNCTION.CLOSE_TRACK))).toBe("5/24/00");
    // A format left running stops with the drive: reopened, it is started but not running (01b).
    await format();
    await drive.close();
    const again = new Drive(await SoftwareRecorder.open(disc));
    expect(await bgStatus(again)).toBe(BACKGROUND_FORMAT.STARTED);
    await again.close();
    // BD-RE formats in the foreground: status 00b.
    const bd = await rig("bd-re", 4_000);
    await bd.drive.run(
      buildFormatUnit({
        parameterList: {
          formatOptionsValid: false,
          disableCertification: false,
          tryOut: false,
          immediate: false,
          descriptor: bdReFormatDescriptor(4_000, 0),
        },
      }),
    );
    expect(await bgStatus(bd.drive)).toBe(BACKGROUND_FORMAT.NONE);
  });

  it("refuses to format sequential media (5/30/06) and a wrong format type (5/26/00)", async () => {
    const r = await rig("dvd+r", 4_000);
    expect(await senseOf(r.drive.run(buildFormatUnitImmediate(dvdPlusRwFormatDescriptor())))).toBe("5/30/06");
    const b = await rig("bd-re", 4_000);
    expect(await senseOf(b.drive.run(buildFormatUnitImmediate(dvdPlusRwFormatDescriptor())))).toBe("5/26/00");
  });
});

describe("CD-RW", () => {
  it("BLANK returns a written disc to blank and empties the disc file; CD-R refuses (5/30/00)", async () => {
    const { drive, disc } = await rig("cd-rw", 30_000);
    await allowMultisession(drive, "cd-rw");
    await drive.run(write10(0, 50));
    await closeTrackAndSession(drive, 1);
    expect((await drive.mediaInfo()).status).toBe("appendable");
    expect(fs.statSync(disc).size).toBe(50 * 2048);
    await drive.run(buildBlank({ blankingType: 1 }));
    const info = await drive.mediaInfo();
    expect(info.status).toBe("blank");
    expect(info.nextWritableAddress).toBe(0);
    expect(info.totalBlocks).toBe(30_000);
    expect(fs.statSync(disc).size).toBe(0);
    expect(await senseOf(drive.run(buildBlank({ blankingType: 2 })))).toBe("5/24/00");
    const cdr = await rig("cd-r", 30_000);
    expect(await senseOf(cdr.drive.run(buildBlank({ blankingType: 0 })))).toBe("5/30/00");
  });
});

describe("tray and medium", () => {
  it("no medium after eject (2/3A/00), back after load; eject refused while locked (5/53/02)", async () => {
    const { drive, recorder } = await rig("bd-r", 10_016);
    await drive.lock();

    expect(await senseOf(drive.run(buildStartStopUnit({ action: START_STOP.EJECT })))).toBe("5/53/02");
    await drive.eject();
    expect((await drive.mediaInfo()).present).toBe(false);
    const removal = parseEventStatus((await drive.run(buildGetEventStatusNotification())).data);
    expect(removal.media).toMatchObject({ event: MEDIA_EVENT.MEDIA_REMOVAL, mediumPresent: false, trayOpen: true });
    expect(parseMechanismStatus((await drive.run(buildMechanismStatus())).data).doorOpen).toBe(true);
    const tur = await recorder.execute(buildTestUnitReady(), TIMEOUT);
    expect([tur.sense?.key, tur.sense?.asc, tur.sense?.ascq]).toEqual([2, 0x3a, 0]);
    expect(await senseOf(drive.run(write10(0, 1)))).toBe("2/3a/00");
    expect(await senseOf(drive.run(buildRead10({ lba: 0, blocks: 1 })))).toBe("2/3a/00");
    const config = parseConfiguration((await drive.run(buildGetConfiguration({ allocationLength: 8 }))).data);
    expect(config.currentProfile).toBe(0);
    await drive.load();
    // The first command after the load reports 6/28/00 (medium may have changed); the Drive repeats it.
    const ua = await recorder.execute(buildTestUnitReady(), TIMEOUT);
    expect([ua.sense?.key, ua.sense?.asc]).toEqual([6, 0x28]);
    const info = await drive.mediaInfo();
    expect(info.present).toBe(true);
    expect(info.status).toBe("blank");
    const arrival = parseEventStatus((await drive.run(buildGetEventStatusNotification())).data);
    expect(arrival.media).toMatchObject({ event: MEDIA_EVENT.NEW_MEDIA, mediumPresent: true, trayOpen: false });
    const quiet = parseEventStatus((await drive.run(buildGetEventStatusNotification())).data);
    expect(quiet.media?.event).toBe(MEDIA_EVENT.NO_CHANGE);
    expect(parseBufferCapacity((await drive.run(buildReadBufferCapacity())).data)).toEqual({
      unit: "bytes",
      bufferLength: 4 * 1024 * 1024,
      blankLength: 4 * 1024 * 1024,
    });
  });
});

describe("state file", () => {
  it("survives close and reopen; the profile must match", async () => {
    const { drive, disc, recorder } = await rig("dvd-r", 50_000);
    await allowMultisession(drive, "dvd-r");
    await drive.run(write10(0, 64));
    await closeTrackAndSession(drive, 1);
    await drive.run(write10(64 + 16_384, 16, 5));
    const before = await drive.mediaInfo();
    const snap = recorder.snapshot();
    await drive.close();
    const state = JSON.parse(fs.readFileSync(`${disc}.state.json`, "utf8"));
    expect(state).toMatchObject({ version: 1, profile: "dvd-r", capacityBlocks: 50_000 });

    const again = await SoftwareRecorder.open(disc);
    expect(again.profile).toBe("dvd-r");
    expect(again.device).toBe(`sim:dvd-r:${path.resolve(disc)}`);
    expect(again.snapshot()).toEqual(snap);
    const drive2 = new Drive(again);
    expect(await drive2.mediaInfo()).toEqual(before);
    expect(await drive2.read(64 + 16_384, 16)).toEqual(pattern(64 + 16_384, 16, 5));
    await drive2.close();
    await expect(SoftwareRecorder.open(disc, { profile: "dvd+r" })).rejects.toBeInstanceOf(DeviceError);
    await expect(SoftwareRecorder.open(path.join(tempDir(), "none.img"))).rejects.toBeInstanceOf(DeviceError);
    await expect(again.execute(buildTestUnitReady(), TIMEOUT)).rejects.toMatchObject({ kind: "closed" });
  });

  it("is locked while open: a second instance is refused (busy, naming the pid); a dead holder's lock is taken over", async () => {
    const { disc, drive } = await rig("dvd+r", 4_000);
    const lock = `${disc}.lock`;
    expect(fs.readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    const refused = await SoftwareRecorder.open(disc).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeviceError);
    expect(refused).toMatchObject({ kind: "busy" });
    expect((refused as Error).message).toContain(String(process.pid));
    expect((refused as Error).message).toContain(lock);
    await drive.close();
    expect(fs.existsSync(lock)).toBe(false);
    // A lock left by a process that is gone (a crash) is stale.
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    fs.writeFileSync(lock, `${gone}\n`);
    const again = await SoftwareRecorder.open(disc);
    expect(fs.readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    await again.close();
    expect(fs.existsSync(lock)).toBe(false);
    // A refused open (wrong profile) leaves no lock behind.
    await expect(SoftwareRecorder.open(disc, { profile: "bd-r" })).rejects.toBeInstanceOf(DeviceError);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("is saved only when this instance changed it (an instance that only looked never reverts the file)", async () => {
    const { disc, drive } = await rig("dvd+r", 4_000);
    await drive.run(write10(0, 16));
    await drive.close();
    const state = `${disc}.state.json`;
    const looker = new Drive(await SoftwareRecorder.open(disc));
    await looker.mediaInfo();
    await looker.run(buildSynchronizeCache10());
    // What another writer might have recorded meanwhile (here: the same state, laid out differently).
    const other = `${JSON.stringify(JSON.parse(fs.readFileSync(state, "utf8")))}\n`;
    fs.writeFileSync(state, other);
    await looker.close();
    expect(fs.readFileSync(state, "utf8")).toBe(other);
    // A change is saved, and no temporary file is left.
    const writer = new Drive(await SoftwareRecorder.open(disc));
    await writer.run(write10(16, 16));
    await writer.close();
    expect(JSON.parse(fs.readFileSync(state, "utf8")).nextWritableAddress).toBe(32);
    expect(fs.readdirSync(path.dirname(disc)).sort()).toEqual(["disc.img", "disc.img.state.json"]);
  });

  it("a failed state write leaves no temporary file", () => {
    const dir = tempDir();
    const target = path.join(dir, "s.json");
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, "x"), "");
    const state = { version: 1 } as unknown as Parameters<typeof writeStateFile>[1];
    expect(() => writeStateFile(target, state)).toThrow();
    expect(fs.readdirSync(dir)).toEqual(["s.json"]);
  });

  it("parseSimDrive reads sim:profile:path and sim:path", () => {
    expect(parseSimDrive("/dev/sr0")).toBeNull();
    expect(parseSimDrive("sim:dvd+r:disc.img")).toEqual({ profile: "dvd+r", path: "disc.img" });
    expect(parseSimDrive("sim:bd-re:/a/b:c.img")).toEqual({ profile: "bd-re", path: "/a/b:c.img" });
    expect(parseSimDrive("sim:disc.img")).toEqual({ path: "disc.img" });
    expect(parseSimDrive("sim:C:\\discs\\a.img")).toEqual({ path: "C:\\discs\\a.img" });
    expect(() => parseSimDrive("sim:dvd-ram:x.img")).toThrow(RangeError);
  });
});

describe("protocol", () => {
  it("unknown opcode 5/20/00, bad CDB field 5/24/00, bad parameter list 5/26/00", async () => {
    const { drive, recorder } = await rig("dvd+r", 4_000);
    const raw = (cdb: number[], transferLength = 0, direction: "in" | "none" = "none") =>
      recorder.execute({ cdb: Uint8Array.from(cdb), direction, transferLength }, TIMEOUT);
    const unknown = await raw([0xd9, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([unknown.sense?.key, unknown.sense?.asc, unknown.sense?.ascq]).toEqual([5, 0x20, 0]);
    expect(await senseOf(drive.run(buildReadDiscInformation({ dataType: 7 })))).toBe("5/24/00");
    const page = encodeWriteParametersPage(defaultWriteParameters());
    page[2] = (page[2] & 0xf0) | 0x07; // write type 7: reserved
    expect(await senseOf(drive.run(buildModeSelect10(encodeModeSelectParameterList([page]))))).toBe("5/26/00");
    expect(await senseOf(drive.run(buildModeSelectWriteParameters(defaultWriteParameters({ testWrite: true }))))).toBe(
      "5/26/01",
    );
  });

  it("data-in honours the allocation length and reports the residual", async () => {
    const { recorder } = await rig("dvd+r", 4_000);
    const inquiry = await recorder.execute(buildInquiry({ allocationLength: 96 }), TIMEOUT);
    expect(inquiry.data.length).toBe(36);
    expect(inquiry.residual).toBe(60);
    const short = await recorder.execute(buildInquiry({ allocationLength: 5 }), TIMEOUT);
    expect(short.data.length).toBe(5);
    const header = await recorder.execute(buildGetConfiguration({ allocationLength: 8 }), TIMEOUT);
    expect(header.data.length).toBe(8);
    const full = parseConfiguration(header.data);
    expect(full.dataLength).toBeGreaterThan(4);
    const all = await recorder.execute(buildGetConfiguration({ allocationLength: full.dataLength + 4 }), TIMEOUT);
    expect(all.data.length).toBe(full.dataLength + 4);
    expect(parseConfiguration(all.data).truncated).toBe(false);
    const one = parseConfiguration(
      (
        await recorder.execute(
          buildGetConfiguration({ requestType: 2, startingFeature: 0x2b, allocationLength: 64 }),
          TIMEOUT,
        )
      ).data,
    );
    expect(one.features.map((f) => [f.code, f.current])).toEqual([[0x2b, true]]);
    const current = parseConfiguration(
      (await recorder.execute(buildGetConfiguration({ requestType: 1, allocationLength: 4_000 }), TIMEOUT)).data,
    );
    expect(current.features.every((f) => f.current)).toBe(true);
    expect(current.features.map((f) => f.code)).toContain(0x2b);
    expect(current.features.map((f) => f.code)).not.toContain(0x41);
    const read = await recorder.execute({ ...buildRead10({ lba: 0, blocks: 0 }) }, TIMEOUT);
    expect(read.status).toBe(SCSI_STATUS.GOOD);
    expect(read.durationMs).toBeGreaterThanOrEqual(0);
  });
});
