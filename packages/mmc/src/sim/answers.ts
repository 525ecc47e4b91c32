// What the software recorder answers to the commands that report state: feature descriptors (GET CONFIGURATION),
// disc and track information, the TOC, format capacities, mode pages 05h and 2Ah, write speeds. Built with the
// package's encoders from the model; `disc` is null when the drive holds no medium.
import { setUint16, setUint32 } from "../commands/bytes.js";
import { encodeCapabilitiesPage } from "../commands/capabilitiesPage.js";
import { FEATURE, type FeatureDescriptor, LOADING_MECHANISM } from "../commands/features.js";
import { FORMAT_TYPE } from "../commands/formatUnit.js";
import type { WriteSpeed } from "../commands/getPerformance.js";
import { lbaToMsf } from "../commands/msf.js";
import { BACKGROUND_FORMAT, encodeDiscInformation, SESSION_STATE } from "../commands/readDiscInformation.js";
import { CAPACITY_DESCRIPTOR_TYPE, encodeFormatCapacities } from "../commands/readFormatCapacities.js";
import { encodeFormattedToc, encodeMultisessionInfo, type TocEntry } from "../commands/readTocPmaAtip.js";
import { encodeTrackInformation, type TrackInformationFields } from "../commands/readTrackInformation.js";
import { ONE_X_KBPS, SIM_PROFILES, type SimMedium, simMedium } from "./media.js";
import { invalidCdbField, type SimDisc, type SimTrack } from "./model.js";

export const BLOCK = 2048;
/** Lead-in start of a blank 80-minute CD-R as its ATIP gives it: 97:26:66. */
const BLANK_CD_LEAD_IN = -11_634;
/** READ DISC INFORMATION Disc Type 00h: CD-DA or CD-ROM (MMC-6); also the value non-CD media report. */
const DISC_TYPE_CD_ROM = 0x00;
/** The drive's buffer: 4 MiB. */
export const BUFFER_BYTES = 4 * 1024 * 1024;

/** Blocks per readable unit: CD 1, DVD ECC block 16, BD cluster 32 (Random Readable feature blocking). */
function blocking(medium: SimMedium): number {
  return medium.align;
}

function feature(
  code: number,
  version: number,
  current: boolean,
  additional: number[] | Uint8Array = [],
  persistent = false,
): FeatureDescriptor {
  return { code, version, persistent, current, additional: Uint8Array.from(additional) };
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

/** The CD write methods a simulated drive offers (SoftwareRecorderOptions.writeMethods). */
export interface SimWriteMethods {
  /** Track At Once: feature 002Dh, page 05h write type 1. */
  tao: boolean;
  /** Session At Once: feature 002Eh with SAO, page 05h write type 2, SEND CUE SHEET. */
  sao: boolean;
}

/** Largest cue sheet SEND CUE SHEET takes, in bytes (CD Mastering feature bytes 5-7). */
export const MAX_CUE_SHEET_BYTES = 0x1000;

/** Every feature this recorder has, in code order, with Current set for the medium in it (MMC-6 5.3). A drive
 * without TAO does not list 002Dh; one without SAO does not list 002Eh. */
export function features(
  disc: SimDisc | null,
  methods: SimWriteMethods = { tao: true, sao: true },
): FeatureDescriptor[] {
  const m = disc?.medium;
  const name = m?.name;
  const status = disc?.status();
  const writable = disc !== null && status !== "complete";
  const readable = disc !== null && status !== "blank";
  const family = m?.family;
  // Profile List (0000h): the eight profiles, highest number first, CurrentP on the medium's.
  const profiles = SIM_PROFILES.map((n) => simMedium(n).profile).sort((a, b) => b - a);
  const profileList = profiles.flatMap((p) => [...u16(p), p === m?.profile ? 1 : 0, 0]);
  const serial = Array.from("SIM00001", (c) => c.charCodeAt(0));
  const isOne = (...names: string[]) => name !== undefined && names.includes(name);
  return [
    feature(FEATURE.PROFILE_LIST, 0, true, profileList, true),
    // Core (0001h): physical interface 00000002h ATAPI, DBE 1.
    feature(FEATURE.CORE, 2, true, [...u32(2), 0x01, 0, 0, 0], true),
    // Morphing (0002h): OCEvent 1 (operational change events), ASYNC 0.
    feature(FEATURE.MORPHING, 1, true, [0x02, 0, 0, 0], true),
    // Removable Medium (0003h): tray, Load, Eject, Lock.
    feature(FEATURE.REMOVABLE_MEDIUM, 2, true, [(LOADING_MECHANISM.TRAY << 5) | 0x10 | 0x08 | 0x01, 0, 0, 0], true),
    // Random Readable (0010h): block 2048, blocking, PP 1.
    feature(FEATURE.RANDOM_READABLE, 0, readable, [...u32(BLOCK), ...u16(m ? blocking(m) : 1), 0x01, 0]),
    feature(FEATURE.MULTI_READ, 0, family === "CD"),
    feature(FEATURE.CD_READ, 2, family === "CD", [0, 0, 0, 0]),
    feature(FEATURE.DVD_READ, 1, family === "DVD", [0x01, 0, 0x01, 0]),
    // Random Writable (0020h): last LBA, block 2048, blocking, PP 1.
    feature(FEATURE.RANDOM_WRITABLE, 0, status === "random-access", [
      ...u32(Math.max(0, (disc?.state.formattedBlocks ?? 0) - 1)),
      ...u32(BLOCK),
      ...u16(m ? blocking(m) : 1),
      0x01,
      0,
    ]),
    // Incremental Streaming Writable (0021h): data block type 8 (Mode 1), TRIO, ARSV, BUF, one link size.
    feature(FEATURE.INCREMENTAL_STREAMING_WRITABLE, 1, writable && isOne("cd-r", "cd-rw", "dvd-r", "bd-r"), [
      ...u16(1 << 8),
      0x04 | 0x02 | 0x01,
      1,
      family === "CD" ? 7 : family === "DVD" ? 16 : 0,
      0,
      0,
      0,
    ]),
    // Formattable (0023h): BD-RE expand/quick certification/certification; DVD+RW none.
    feature(FEATURE.FORMATTABLE, 0, isOne("dvd+rw", "bd-re"), [name === "bd-re" ? 0x07 : 0, 0, 0, 0, 0, 0, 0, 0]),
    // Write Once (0025h): supported, never current (no random-recording write-once profile is simulated).
    feature(FEATURE.WRITE_ONCE, 0, false, [...u32(BLOCK), ...u16(16), 0x01, 0]),
    // DVD+RW (002Ah): Write 1.
    feature(FEATURE.DVD_PLUS_RW, 0, isOne("dvd+rw"), [0x01, 0, 0, 0]),
    // DVD+R (002Bh): Write 1.
    feature(FEATURE.DVD_PLUS_R, 0, writable && isOne("dvd+r"), [0x01, 0, 0, 0]),
    // CD Track at Once (002Dh): BUF, CD-RW; data types: bit 8 (Mode 1).
    ...(methods.tao
      ? [feature(FEATURE.CD_TRACK_AT_ONCE, 2, writable && family === "CD", [0x40 | 0x02, 0, ...u16(1 << 8)])]
      : []),
    // CD Mastering (002Eh): BUF, SAO, CD-RW (no raw writing, no test write); maximum cue sheet length.
    ...(methods.sao
      ? [
          feature(FEATURE.CD_MASTERING, 1, writable && family === "CD", [
            0x40 | 0x20 | 0x02,
            (MAX_CUE_SHEET_BYTES >>> 16) & 0xff,
            ...u16(MAX_CUE_SHEET_BYTES & 0xffff),
          ]),
        ]
      : []),
    // DVD-R/-RW Write (002Fh): BUF.
    feature(FEATURE.DVD_R_RW_WRITE, 1, writable && isOne("dvd-r"), [0x40, 0, 0, 0]),
    // DVD+R Dual Layer (003Bh): Write 1.
    feature(FEATURE.DVD_PLUS_R_DL, 0, writable && isOne("dvd+r-dl"), [0x01, 0, 0, 0]),
    // BD Read (0040h): class 0 bitmaps of BD-RE, BD-R, BD-ROM versions (bytes 8-31).
    feature(FEATURE.BD_READ, 0, family === "BD", [
      0,
      0,
      0,
      0,
      ...u16(0x0006),
      0,
      0,
      0,
      0,
      0,
      0,
      ...u16(0x0002),
      0,
      0,
      0,
      0,
      0,
      0,
      ...u16(0x0002),
      0,
      0,
      0,
      0,
      0,
      0,
    ]),
    // BD Write (0041h): SVNR 0; class 0 bitmaps of BD-RE and BD-R versions written (bytes 8-23).
    feature(FEATURE.BD_WRITE, 1, writable && family === "BD", [
      0,
      0,
      0,
      0,
      ...u16(0x0006),
      0,
      0,
      0,
      0,
      0,
      0,
      ...u16(0x0002),
      0,
      0,
      0,
      0,
      0,
      0,
    ]),
    // Real Time Streaming (0107h): RBCB, SCS, MP2A, WSPD, SW.
    feature(FEATURE.REAL_TIME_STREAMING, 3, disc !== null, [0x1f, 0, 0, 0]),
    feature(FEATURE.DRIVE_SERIAL_NUMBER, 0, true, serial, true),
  ];
}

/** MMC-6 6.6 GET CONFIGURATION: RT 0 all from the starting feature, 1 current ones from it, 2 that one alone. */
export function selectFeatures(all: FeatureDescriptor[], requestType: number, start: number): FeatureDescriptor[] {
  switch (requestType) {
    case 0:
      return all.filter((f) => f.code >= start);
    case 1:
      return all.filter((f) => f.code >= start && f.current);
    case 2:
      return all.filter((f) => f.code === start);
    default:
      throw invalidCdbField(1, 1);
  }
}

function msfField(lba: number): number {
  const m = lbaToMsf(lba);
  return (m.minute << 16) | (m.second << 8) | m.frame;
}

/** MMC-6 6.22 READ DISC INFORMATION, standard disc information (data type 000b). */
export function discInformation(disc: SimDisc): Uint8Array {
  const m = disc.medium;
  const status = disc.status();
  const sessions = disc.state.sessions;
  const invisible = disc.invisibleTrack();
  const lastSession = sessions[sessions.length - 1];
  let firstTrackInLast = 1;
  let lastTrackInLast = 1;
  let sessionState: number = SESSION_STATE.COMPLETE;
  let numberOfSessions = 1;
  if (disc.sequential) {
    numberOfSessions = sessions.length;
    firstTrackInLast = lastSession.tracks[0]?.number ?? invisible?.number ?? disc.trackCount() + 1;
    lastTrackInLast = invisible?.number ?? lastSession.tracks[lastSession.tracks.length - 1]?.number ?? 1;
    sessionState = lastSession.closed
      ? SESSION_STATE.COMPLETE
      : lastSession.tracks.length === 0
        ? SESSION_STATE.EMPTY
        : SESSION_STATE.INCOMPLETE;
  } else if (status === "blank") {
    sessionState = SESSION_STATE.EMPTY;
  }
  const complete = status === "complete";
  const cd = m.family === "CD";
  // Last session lead-in start / last possible lead-out start: MSF on CD (the next session's lead-in, 4650 blocks
  // before its first track), LBA elsewhere; FFFFFFFFh once the disc is complete.
  const nwa = disc.nextWritableAddress();
  const leadIn =
    complete || nwa === null
      ? 0xffffffff
      : cd
        ? msfField(nwa === 0 ? BLANK_CD_LEAD_IN : nwa - 4650)
        : disc.sequential
          ? nwa
          : 0;
  const leadOut = complete ? 0xffffffff : cd ? msfField(disc.capacity) : disc.capacity;
  return encodeDiscInformation({
    discStatus: { blank: 0, appendable: 1, complete: 2, "random-access": 3 }[status],
    lastSessionState: sessionState,
    erasable: m.blankable || m.formattable,
    firstTrackOnDisc: 1,
    numberOfSessions,
    firstTrackInLastSession: firstTrackInLast,
    lastTrackInLastSession: lastTrackInLast,
    discIdValid: false,
    barCodeValid: false,
    applicationCodeValid: false,
    unrestrictedUse: true,
    dirty: false,
    // DVD+RW only: 10b while formatting in the background, 01b after a quick stop, 11b once complete (model.ts).
    backgroundFormatStatus: m.name === "dvd+rw" ? disc.state.backgroundFormat : BACKGROUND_FORMAT.NONE,
    // Disc Type: defined for CD only (00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA, FFh undefined). This recorder writes
    // Mode 1 data tracks only, so a CD is a CD-ROM (00h); DVD and BD have no such field and drives leave it 00h.
    discType: DISC_TYPE_CD_ROM,
    discIdentification: 0,
    lastSessionLeadInStart: leadIn,
    lastPossibleLeadOutStart: leadOut,
    discBarCode: new Uint8Array(8),
    discApplicationCode: 0,
    opcTables: [],
  });
}

/** A track the recorder can describe: a stored one, the invisible one, or the single track of overwritable media. */
export type TrackView =
  | { kind: "stored"; track: SimTrack }
  | { kind: "invisible"; number: number; session: number; start: number }
  | { kind: "overwritable" };

/** The track with this number (FFh: the invisible/incomplete track), or null. */
export function trackByNumber(disc: SimDisc, n: number): TrackView | null {
  if (!disc.sequential) return n === 1 || n === 0xff ? { kind: "overwritable" } : null;
  const invisible = disc.invisibleTrack();
  if (n === 0xff) {
    if (invisible) return { kind: "invisible", ...invisible };
    const g = disc.growingTrack();
    return g ? { kind: "stored", track: g } : null;
  }
  const t = disc.allTracks().find((x) => x.number === n);
  if (t) return { kind: "stored", track: t };
  if (invisible && invisible.number === n) return { kind: "invisible", ...invisible };
  return null;
}

/** The track holding this LBA (recorded, reserved, or the invisible track's free space), or null. */
export function trackByLba(disc: SimDisc, lba: number): TrackView | null {
  if (!disc.sequential)
    return lba < (disc.state.formatted ? disc.state.formattedBlocks : disc.capacity) ? { kind: "overwritable" } : null;
  const g = disc.growingTrack();
  for (const t of disc.allTracks()) {
    const end = t === g ? disc.capacity : t.start + disc.trackSize(t);
    if (lba >= t.start && lba < end) return { kind: "stored", track: t };
  }
  const invisible = disc.invisibleTrack();
  if (invisible && lba >= invisible.start && lba < disc.capacity) return { kind: "invisible", ...invisible };
  return null;
}

/** The first track of session `n`, or null. */
export function trackBySession(disc: SimDisc, n: number): TrackView | null {
  if (!disc.sequential) return n === 1 ? { kind: "overwritable" } : null;
  const s = disc.state.sessions.find((x) => x.number === n);
  if (!s) return null;
  const first = s.tracks[0];
  if (first) return { kind: "stored", track: first };
  const invisible = disc.invisibleTrack();
  return invisible && invisible.session === n ? { kind: "invisible", ...invisible } : null;
}

/** MMC-6 6.27 READ TRACK INFORMATION: the Track Information Block of a track. */
export function trackInformation(disc: SimDisc, view: TrackView): Uint8Array {
  const m = disc.medium;
  // Track mode: the CD CONTROL nibble (4, data uninterrupted), 5 for DVD-R incremental, 7 for a blank DVD+R/BD track
  // and 4 once recorded (what tgt's DVD+R answers).
  const recordedMode = m.name === "dvd-r" ? 5 : 4;
  const blankMode = m.family === "CD" ? 4 : m.name === "dvd-r" ? 5 : 7;
  const base: TrackInformationFields = {
    trackNumber: 1,
    sessionNumber: 1,
    layerJumpRecordingStatus: 0,
    damage: false,
    copy: false,
    trackMode: recordedMode,
    reservedTrack: false,
    blank: false,
    packetIncremental: m.family !== "CD" && disc.sequential,
    fixedPacket: false,
    dataMode: 1,
    lastRecordedAddressValid: false,
    nextWritableAddressValid: false,
    trackStart: 0,
    nextWritableAddress: 0,
    freeBlocks: 0,
    fixedPacketSize: m.family === "CD" ? 0 : m.align,
    trackSize: 0,
    lastRecordedAddress: 0,
    readCompatibilityLba: 0,
    nextLayerJumpAddress: 0,
    lastLayerJumpAddress: 0,
  };
  if (view.kind === "overwritable") {
    // DVD+RW / BD-RE: one track over the formatted area (or the whole disc, blank, while unformatted), writable
    // anywhere: NWA 0 and every block free.
    const size = disc.state.formatted ? disc.state.formattedBlocks : disc.capacity;
    return encodeTrackInformation({
      ...base,
      trackMode: 7,
      blank: !disc.state.formatted,
      packetIncremental: false,
      nextWritableAddressValid: true,
      nextWritableAddress: 0,
      freeBlocks: size,
      trackSize: size,
    });
  }
  if (view.kind === "invisible") {
    const free = disc.capacity - view.start;
    return encodeTrackInformation({
      ...base,
      trackNumber: view.number,
      sessionNumber: view.session,
      trackMode: blankMode,
      blank: true,
      nextWritableAddressValid: true,
      trackStart: view.start,
      nextWritableAddress: view.start,
      freeBlocks: free,
      trackSize: free,
    });
  }
  const t = view.track;
  const nwa = disc.trackNwa(t);
  const growing = disc.growingTrack() === t;
  const free = nwa === null ? 0 : growing ? disc.capacity - nwa : (t.reserved ?? 0) - t.recorded;
  return encodeTrackInformation({
    ...base,
    trackNumber: t.number,
    sessionNumber: t.session,
    trackMode: t.recorded === 0 ? blankMode : recordedMode,
    reservedTrack: t.reserved !== null,
    blank: t.recorded === 0,
    lastRecordedAddressValid: t.recorded > 0,
    nextWritableAddressValid: nwa !== null,
    trackStart: t.start,
    nextWritableAddress: nwa ?? 0,
    freeBlocks: free,
    trackSize: growing ? disc.capacity - t.start : disc.trackSize(t),
    lastRecordedAddress: t.recorded > 0 ? t.start + t.recorded - 1 : 0,
  });
}

/** MMC-6 6.28 READ TOC/PMA/ATIP formats 0000b and 0001b. CD lists the tracks of closed sessions (the others are only
 * in the PMA); DVD and BD drives make up a TOC of every recorded track. */
export function toc(disc: SimDisc, format: number, msf: boolean, startTrack: number): Uint8Array {
  const control = 4;
  let tracks: { number: number; start: number; end: number; session: number }[];
  if (!disc.sequential) {
    if (!disc.state.formatted) throw invalidCdbField(2);
    tracks = [{ number: 1, start: 0, end: disc.state.formattedBlocks, session: 1 }];
  } else {
    const cd = disc.medium.family === "CD";
    tracks = disc.state.sessions
      .filter((s) => s.closed || !cd)
      .flatMap((s) => s.tracks.filter((t) => t.recorded > 0))
      .map((t) => ({ number: t.number, start: t.start, end: t.start + t.recorded, session: t.session }));
  }
  if (tracks.length === 0) throw invalidCdbField(2);
  const entry = (number: number, lba: number): TocEntry => ({ track: number, adr: 1, control, lba });
  const first = tracks[0].number;
  const last = tracks[tracks.length - 1].number;
  if (format === 1) {
    const closed = disc.sequential ? disc.state.sessions.filter((s) => s.closed) : [];
    const lastSessionNumber = closed.length > 0 ? closed[closed.length - 1].number : tracks[tracks.length - 1].session;
    const firstInLast = tracks.find((t) => t.session === lastSessionNumber) ?? tracks[0];
    return encodeMultisessionInfo(
      {
        firstSession: 1,
        lastSession: lastSessionNumber,
        firstTrackInLastSession: entry(firstInLast.number, firstInLast.start),
      },
      { msf },
    );
  }
  if (startTrack > last && startTrack !== 0xaa) throw invalidCdbField(6);
  const entries = tracks.filter((t) => t.number >= startTrack).map((t) => entry(t.number, t.start));
  entries.push(entry(0xaa, tracks[tracks.length - 1].end));
  return encodeFormattedToc({ firstTrack: first, lastTrack: last, entries }, { msf });
}

/** MMC-6 6.24 READ FORMAT CAPACITIES: current/maximum capacity, then what FORMAT UNIT accepts. */
export function formatCapacities(disc: SimDisc | null): Uint8Array {
  if (disc === null) {
    return encodeFormatCapacities({
      current: { numberOfBlocks: 0, descriptorType: CAPACITY_DESCRIPTOR_TYPE.NO_MEDIA, blockLength: BLOCK },
      formattable: [],
    });
  }
  const m = disc.medium;
  const formatted = disc.state.formatted;
  const blank = disc.status() === "blank";
  const current = {
    numberOfBlocks: formatted ? disc.state.formattedBlocks : disc.capacity,
    descriptorType: blank ? CAPACITY_DESCRIPTOR_TYPE.UNFORMATTED : CAPACITY_DESCRIPTOR_TYPE.FORMATTED,
    blockLength: BLOCK,
  };
  const formattable =
    m.name === "dvd+rw"
      ? [{ numberOfBlocks: disc.capacity, formatType: FORMAT_TYPE.DVD_PLUS_RW_BASIC, typeDependent: 0 }]
      : m.name === "bd-re"
        ? [
            {
              numberOfBlocks: disc.capacity,
              formatType: FORMAT_TYPE.BD_RE_FULL_WITH_SPARE,
              typeDependent: bdSpare(disc),
            },
            { numberOfBlocks: disc.capacity, formatType: FORMAT_TYPE.BD_RE_FULL_WITHOUT_SPARE, typeDependent: 0 },
          ]
        : [];
  return encodeFormatCapacities({ current, formattable });
}

/** Spare blocks offered with a BD-RE 30h format: about 3% of the disc, whole clusters (outside the user capacity). */
export function bdSpare(disc: SimDisc): number {
  return Math.floor((disc.capacity * 0.032) / 32) * 32;
}

/** Mode page 2Ah, the capabilities a CD/DVD writer reports (MMC-6 7.4, obsolete fields filled as drives do). */
export function capabilitiesPage(disc: SimDisc | null, locked: boolean): Uint8Array {
  const speeds = writeSpeedsKBps(disc);
  const max = speeds[0] ?? 0;
  return encodeCapabilitiesPage({
    read: { cdR: true, cdRw: true, method2: true, dvdRom: true, dvdR: true, dvdRam: false },
    write: { cdR: true, cdRw: true, testWrite: false, dvdR: true, dvdRam: false },
    bufferUnderrunFree: true,
    multiSession: true,
    mode2Form2: false,
    mode2Form1: true,
    digitalPort2: false,
    digitalPort1: false,
    composite: false,
    audioPlay: false,
    readBarCode: false,
    upc: false,
    isrc: false,
    c2Pointers: false,
    rwDeinterleavedCorrected: false,
    rwSupported: false,
    cddaStreamAccurate: false,
    cddaCommands: false,
    loadingMechanism: LOADING_MECHANISM.TRAY,
    eject: true,
    preventJumper: false,
    lockState: locked,
    lock: true,
    rwInLeadIn: false,
    sideChangeCapable: false,
    softwareSlotSelection: false,
    changerSupportsDiscPresent: false,
    separateChannelMute: false,
    separateVolumeLevels: false,
    maxReadSpeed: Math.min(0xffff, max),
    volumeLevels: 0,
    bufferSize: BUFFER_BYTES / 1024,
    currentReadSpeed: Math.min(0xffff, max),
    maxWriteSpeed: Math.min(0xffff, max),
    currentWriteSpeed: Math.min(0xffff, max),
    copyManagementRevision: 0,
    rotationControlSelected: 0,
    currentWriteSpeedSelected: Math.min(0xffff, max),
    writeSpeeds: speeds.map((s) => ({ rotationControl: 0, speed: Math.min(0xffff, s) })),
  });
}

/** Write speeds for the medium, fastest first, in kB/s; none without a medium. */
export function writeSpeedsKBps(disc: SimDisc | null): number[] {
  if (disc === null) return [];
  const oneX = ONE_X_KBPS[disc.medium.family];
  return disc.medium.writeSpeeds.map((x) => Math.round(x * oneX));
}

/** GET PERFORMANCE type 03h descriptors (MMC-6 6.8.10): CLV, end LBA the last block of the medium. */
export function writeSpeedDescriptors(disc: SimDisc | null): WriteSpeed[] {
  return writeSpeedsKBps(disc).map((kBps) => ({
    writeRotationControl: 0,
    restoreDefaults: false,
    exact: false,
    mixedReadWrite: false,
    endLba: (disc?.capacity ?? 1) - 1,
    readSpeed: kBps,
    writeSpeed: kBps,
  }));
}

/** INQUIRY vital product data: 00h supported pages, 80h unit serial number (SPC-4 7.8). */
export function vpdPage(page: number): Uint8Array {
  if (page === 0x00) return Uint8Array.from([0x05, 0x00, 0x00, 2, 0x00, 0x80]);
  if (page === 0x80) {
    const serial = "SIM00001";
    const out = new Uint8Array(4 + serial.length);
    out[0] = 0x05;
    out[1] = 0x80;
    setUint16(out, 2, serial.length);
    for (let i = 0; i < serial.length; i++) out[4 + i] = serial.charCodeAt(i);
    return out;
  }
  throw invalidCdbField(2);
}

/** The changeable-values mask of page 05h (MODE SENSE PC 01b): every field the host may set. */
export function writeParametersMask(): Uint8Array {
  const out = new Uint8Array(52).fill(0xff);
  out[0] = 0x05;
  out[1] = 0x32;
  out[2] = 0x7f;
  out[4] = 0x0f;
  out[6] = 0;
  out[7] = 0x3f;
  out[9] = 0;
  setUint32(out, 10, 0xffffffff);
  return out;
}
