// A Drive: one transport, one command at a time, retries where the standard expects them, and the questions a user
// asks of a drive (IMAPI2's MsftDiscRecorder2 and the media properties of IDiscFormat2Data): identity, what it can
// write, what is in it (profile, blank/appendable/complete, sessions, tracks, next writable address, free blocks),
// speeds; eject, load, lock. A Drive is also a block source (READ(10)) so an importer can read a disc.
import { getUint32 } from "./commands/bytes.js";
import { parseCapabilitiesPage } from "./commands/capabilitiesPage.js";
import type { ScsiCommand } from "./commands/cdb.js";
import type { Feature } from "./commands/features.js";
import { FEATURE, featureName, LOADING_MECHANISM } from "./commands/features.js";
import { buildGetConfiguration, type Configuration, parseConfiguration } from "./commands/getConfiguration.js";
import { buildGetWriteSpeeds, parseWriteSpeeds } from "./commands/getPerformance.js";
import { buildInquiry, type InquiryData, parseInquiry } from "./commands/inquiry.js";
import { buildModeSense10, findModePage, MODE_PAGE, parseModeSense10 } from "./commands/modeParameters.js";
import { buildPreventAllowMediumRemoval, PREVENT } from "./commands/preventAllowMediumRemoval.js";
import { type Profile, profileInfo, profileName } from "./commands/profiles.js";
import { buildRead10 } from "./commands/read.js";
import { buildReadCapacity10, parseCapacity } from "./commands/readCapacity.js";
import {
  buildReadDiscInformation,
  type DiscInformation,
  parseDiscInformation,
  SESSION_STATE,
} from "./commands/readDiscInformation.js";
import {
  buildReadTocPmaAtip,
  parseFormattedToc,
  parseMultisessionInfo,
  TOC_FORMAT,
} from "./commands/readTocPmaAtip.js";
import {
  buildReadTrackInformationByTrack,
  INVISIBLE_TRACK,
  parseTrackInformation,
  type TrackInformation,
} from "./commands/readTrackInformation.js";
import { buildStartStopUnit, START_STOP } from "./commands/startStopUnit.js";
import { buildTestUnitReady } from "./commands/testUnitReady.js";
import { retryAdvice, ScsiError, SENSE_KEY } from "./sense.js";
import {
  checkResult,
  DeviceError,
  type RawScsiCommand,
  type ScsiResult,
  type ScsiTransport,
} from "./transport/transport.js";

export const BLOCK_SIZE = 2048;

export interface DriveOptions {
  /** Timeout of ordinary commands (default 30 s); long ones (eject, load) get more. */
  timeoutMs?: number;
  /** Upper bound of the time spent retrying one command, whatever the standard allows (default 2 min). */
  maxRetryWaitMs?: number;
  /** How many times a command answered by UNIT ATTENTION is sent again (default 5). */
  maxUnitAttentionRetries?: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** false: report the first failure without retrying. */
  retry?: boolean;
}

export interface DriveIdentity {
  vendor: string;
  product: string;
  revision: string;
  /** SPC peripheral device type: 5 for CD/DVD/BD. */
  peripheralDeviceType: number;
  removable: boolean;
}

export interface ProfileEntry {
  number: number;
  name: string;
  current: boolean;
}

export interface DriveCapabilities {
  /** Profile of the medium in the drive, 0 when none. */
  currentProfile: number;
  /** Every profile the drive reports (Profile List feature), with the one of the medium marked current. */
  profiles: ProfileEntry[];
  /** Profiles the drive can write (a recordable profile together with a feature that writes it). */
  writableProfiles: ProfileEntry[];
  features: { code: number; name: string; current: boolean }[];
  loadingMechanism: "caddy/slot" | "tray" | "pop-up" | "changer" | "unknown";
  canEject: boolean;
  canLoad: boolean;
  canLock: boolean;
}

export type MediaStatus = "blank" | "appendable" | "complete" | "random-access";

export interface TrackEntry {
  number: number;
  session: number;
  start: number;
  /** Blocks of the track (recorded or reserved); for a blank/invisible track, the blocks still free. */
  size: number;
  isData: boolean;
  blank: boolean;
  /** Where the next WRITE to this track goes, when it is open. */
  nextWritableAddress?: number;
  freeBlocks?: number;
  lastRecordedAddress?: number;
}

export interface SessionEntry {
  number: number;
  /** First LBA of the session's first track: where an importer reads the session (ECMA-119 16, UDF 256). */
  start: number;
  /** LBA after the session's last recorded block. */
  end: number;
  complete: boolean;
  tracks: number[];
}

export interface MediaInfo {
  present: boolean;
  /** Current profile, 0 when there is no medium. */
  profile: number;
  profileName: string;
  family: Profile["family"] | null;
  status: MediaStatus | null;
  erasable: boolean;
  /** Sessions with at least one recorded track (an open, empty session is not listed). */
  sessions: SessionEntry[];
  tracks: TrackEntry[];
  /** Start of the last complete session: what an import (IMAPI2 MultisessionInterfaces) reads. */
  lastSessionStart: number | null;
  /** Where the next session or track would be written; null when the medium cannot be appended to. */
  nextWritableAddress: number | null;
  freeBlocks: number;
  /** Blocks of the medium: recorded plus free for recordable media, the readable capacity otherwise. */
  totalBlocks: number;
  /** Readable blocks (READ CAPACITY last LBA + 1, 0 on a blank medium). */
  readableBlocks: number;
  blockLength: number;
  /** Where answers disagreed or a command was refused (QEMU and tgt answer READ TOC oddly). */
  notes: string[];
}

export interface SpeedEntry {
  /** kB/s (1000 bytes a second). */
  kBps: number;
  /** The speed as a multiple of the medium family's 1x (CD 176.4, DVD 1385, BD 4495.5 kB/s). */
  multiple: number;
}

const ONE_X: Record<string, number> = { CD: 176.4, DDCD: 176.4, DVD: 1385, "HD DVD": 4495.5, BD: 4495.5 };

/** "CD-R", "DVD+RW DL", or the standard's wording for profiles without a short name. */
function profileLabel(number: number): string {
  return profileInfo(number)?.name ?? profileName(number);
}

/** Milliseconds to wait; tests replace setTimeout with fake timers. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isIllegalRequest(e: unknown): boolean {
  return e instanceof ScsiError && e.senseKey === SENSE_KEY.ILLEGAL_REQUEST;
}

function isNoMedium(e: unknown): boolean {
  return (e instanceof ScsiError && e.is(0x3a)) || (e instanceof DeviceError && e.kind === "no-medium");
}

// Write features that make a recordable profile of each family writable.
const WRITE_FEATURES: Record<string, readonly number[]> = {
  CD: [FEATURE.CD_TRACK_AT_ONCE, FEATURE.CD_MASTERING, FEATURE.INCREMENTAL_STREAMING_WRITABLE],
  DVD: [
    FEATURE.DVD_R_RW_WRITE,
    FEATURE.DVD_PLUS_R,
    FEATURE.DVD_PLUS_RW,
    FEATURE.RANDOM_WRITABLE,
    FEATURE.INCREMENTAL_STREAMING_WRITABLE,
    FEATURE.RESTRICTED_OVERWRITE,
    0x003b,
  ],
  BD: [0x0041, FEATURE.RANDOM_WRITABLE],
  "HD DVD": [0x0051],
};

/** Profiles the drive can write: recordable ones of a family for which it reports a write feature. */
export function writableProfiles(config: Pick<Configuration, "features" | "currentProfile">): ProfileEntry[] {
  const list = config.features.find((f) => f.kind === "profile-list");
  if (!list || list.kind !== "profile-list") return [];
  const codes = new Set(config.features.map((f) => f.code));
  const writeBit = (f: Feature): boolean => !("write" in f) || f.write === true;
  return list.profiles
    .filter((p) => {
      const info = profileInfo(p.profile);
      if (!info || info.readOnly || info.family === "disk" || info.family === "other") return false;
      if (p.profile === 0x001a) return config.features.some((f) => f.code === FEATURE.DVD_PLUS_RW && writeBit(f));
      if (p.profile === 0x001b) return config.features.some((f) => f.code === FEATURE.DVD_PLUS_R && writeBit(f));
      return (WRITE_FEATURES[info.family] ?? []).some((c) => codes.has(c));
    })
    .map((p) => ({ number: p.profile, name: profileLabel(p.profile), current: p.profile === config.currentProfile }));
}

/** The drive behind a transport. Commands go one at a time, with retries per retryAdvice (bounded waits). */
export class Drive {
  private queue: Promise<unknown> = Promise.resolve();
  private capacityBlocks = 0;
  private readonly timeoutMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly maxUnitAttentionRetries: number;

  constructor(
    readonly transport: ScsiTransport,
    options: DriveOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 120_000;
    this.maxUnitAttentionRetries = options.maxUnitAttentionRetries ?? 5;
  }

  /** Opens a drive by path (/dev/sr0, /dev/sg1, \\.\CdRom0, \\.\E:) with this platform's transport. */
  static async open(device: string, options: DriveOptions & { readOnly?: boolean } = {}): Promise<Drive> {
    const transport = await openTransport(device, { readOnly: options.readOnly });
    return new Drive(transport, options);
  }

  get device(): string {
    return this.transport.device;
  }

  /** For messages (the BlockSource shape). */
  describe(): string {
    return `drive ${this.device}`;
  }

  /**
   * Sends one command, retrying while the standard says the condition clears by itself (UNIT ATTENTION, NOT READY
   * becoming ready / long write in progress, BUSY), up to the advice's bound and this drive's maxRetryWaitMs.
   * Throws ScsiError for a final failure, DeviceError when the command could not be delivered.
   */
  run(command: ScsiCommand | RawScsiCommand, options: RunOptions = {}): Promise<ScsiResult> {
    const result = this.queue.then(() => this.runNow(command, options));
    this.queue = result.catch(() => {});
    return result;
  }

  private async runNow(command: ScsiCommand | RawScsiCommand, options: RunOptions): Promise<ScsiResult> {
    const started = Date.now();
    let unitAttentions = 0;
    for (;;) {
      const result = await this.transport.execute(command, { timeoutMs: options.timeoutMs ?? this.timeoutMs });
      try {
        return checkResult(command, result, this.device);
      } catch (e) {
        if (!(e instanceof ScsiError) || options.retry === false) throw e;
        const advice = retryAdvice(result.sense ?? undefined, result.status);
        if (advice.mediumMayHaveChanged) this.capacityBlocks = 0;
        if (!advice.retry) throw e;
        if (result.sense?.key === SENSE_KEY.UNIT_ATTENTION && ++unitAttentions > this.maxUnitAttentionRetries) throw e;
        const waited = Date.now() - started;
        if (waited + advice.delayMs > Math.min(advice.maxWaitMs, this.maxRetryWaitMs)) throw e;
        if (advice.delayMs > 0) await sleep(advice.delayMs);
      }
    }
  }

  /** INQUIRY: vendor, product, revision. */
  async identity(): Promise<DriveIdentity> {
    const inquiry: InquiryData = parseInquiry((await this.run(buildInquiry({ allocationLength: 96 }))).data);
    return {
      vendor: inquiry.vendor,
      product: inquiry.product,
      revision: inquiry.revision,
      peripheralDeviceType: inquiry.peripheralDeviceType,
      removable: inquiry.removable,
    };
  }

  /** GET CONFIGURATION, all features: header first, then as many bytes as the drive has (MMC-6 6.6). */
  async configuration(): Promise<Configuration> {
    const header = parseConfiguration((await this.run(buildGetConfiguration({ allocationLength: 8 }))).data);
    const length = Math.min(0xfff8, Math.max(8, header.dataLength + 4));
    return parseConfiguration((await this.run(buildGetConfiguration({ allocationLength: length }))).data);
  }

  /** Current profile, every profile, what the drive writes, its features and loading mechanism. */
  async capabilities(): Promise<DriveCapabilities> {
    const config = await this.configuration();
    const list = config.features.find((f) => f.kind === "profile-list");
    const profiles =
      list?.kind === "profile-list"
        ? list.profiles.map((p) => ({ number: p.profile, name: profileLabel(p.profile), current: p.current }))
        : [];
    const removable = config.features.find((f) => f.kind === "removable-medium");
    const mechanism = removable?.kind === "removable-medium" ? removable.loadingMechanism : -1;
    return {
      currentProfile: config.currentProfile,
      profiles,
      writableProfiles: writableProfiles(config),
      features: config.features.map((f) => ({ code: f.code, name: featureName(f.code), current: f.current })),
      loadingMechanism:
        mechanism === LOADING_MECHANISM.CADDY_OR_SLOT
          ? "caddy/slot"
          : mechanism === LOADING_MECHANISM.TRAY
            ? "tray"
            : mechanism === LOADING_MECHANISM.POP_UP
              ? "pop-up"
              : mechanism === LOADING_MECHANISM.CHANGER_INDIVIDUAL || mechanism === LOADING_MECHANISM.CHANGER_MAGAZINE
                ? "changer"
                : "unknown",
      canEject: removable?.kind === "removable-medium" ? removable.eject : false,
      canLoad: removable?.kind === "removable-medium" ? removable.load : false,
      canLock: removable?.kind === "removable-medium" ? removable.lock : false,
    };
  }

  /** TEST UNIT READY (with retries while the drive becomes ready): false when there is no medium. */
  async mediumPresent(): Promise<boolean> {
    try {
      await this.run(buildTestUnitReady());
      return true;
    } catch (e) {
      if (isNoMedium(e)) return false;
      throw e;
    }
  }

  /** READ CAPACITY: readable blocks (last LBA + 1) and block length; also sets `blockCount`. */
  async readCapacity(): Promise<{ blocks: number; blockLength: number }> {
    const c = parseCapacity((await this.run(buildReadCapacity10())).data);
    const blockLength = c.blockLength === 0 ? BLOCK_SIZE : c.blockLength;
    // A blank recordable medium reports last LBA 0 (or nonsense): nothing is readable.
    const blocks = c.lastLba === 0xffffffff ? 0 : c.lastLba + 1;
    this.capacityBlocks = blocks;
    return { blocks, blockLength };
  }

  private async discInformation(notes: string[]): Promise<DiscInformation | null> {
    try {
      return parseDiscInformation((await this.run(buildReadDiscInformation())).data);
    } catch (e) {
      if (!isIllegalRequest(e)) throw e;
      notes.push("READ DISC INFORMATION refused: media state from READ TOC");
      return null;
    }
  }

  private async trackInformation(track: number): Promise<TrackInformation | null> {
    try {
      return parseTrackInformation((await this.run(buildReadTrackInformationByTrack(track))).data);
    } catch (e) {
      if (isIllegalRequest(e)) return null;
      throw e;
    }
  }

  /** READ TOC format 0 (and format 1 for the last session's start): tracks from the TOC, lead-out. */
  private async tocTracks(notes: string[]): Promise<{
    tracks: { number: number; start: number; isData: boolean }[];
    leadOut?: number;
    lastSessionStart?: number;
  } | null> {
    try {
      const toc = parseFormattedToc(
        (await this.run(buildReadTocPmaAtip({ format: TOC_FORMAT.FORMATTED_TOC, allocationLength: 804 }))).data,
      );
      if (toc.truncated) notes.push("READ TOC answered short (the lead-out address may be wrong)");
      let lastSessionStart: number | undefined;
      try {
        const ms = parseMultisessionInfo(
          (await this.run(buildReadTocPmaAtip({ format: TOC_FORMAT.MULTISESSION_INFO, allocationLength: 12 }))).data,
        );
        lastSessionStart = ms.firstTrackInLastSession?.lba;
      } catch (e) {
        if (!isIllegalRequest(e)) throw e;
      }
      return {
        tracks: toc.tracks.map((t) => ({ number: t.track, start: t.lba, isData: t.isData })),
        leadOut: toc.truncated ? undefined : toc.leadOut?.lba,
        lastSessionStart,
      };
    } catch (e) {
      if (!isIllegalRequest(e)) throw e;
      notes.push("READ TOC refused");
      return null;
    }
  }

  /**
   * What is in the drive: profile, blank/appendable/complete, sessions and tracks, last session start, next
   * writable address, free and total blocks. READ DISC INFORMATION and READ TRACK INFORMATION are authoritative
   * where the drive answers them; READ TOC fills in for drives that do not (QEMU's emulated drives), and is
   * cross-checked against READ CAPACITY.
   */
  async mediaInfo(): Promise<MediaInfo> {
    const notes: string[] = [];
    const empty: MediaInfo = {
      present: false,
      profile: 0,
      profileName: "no medium",
      family: null,
      status: null,
      erasable: false,
      sessions: [],
      tracks: [],
      lastSessionStart: null,
      nextWritableAddress: null,
      freeBlocks: 0,
      totalBlocks: 0,
      readableBlocks: 0,
      blockLength: BLOCK_SIZE,
      notes,
    };
    if (!(await this.mediumPresent())) {
      this.capacityBlocks = 0;
      return empty;
    }
    let profile = 0;
    try {
      profile = parseConfiguration(
        (await this.run(buildGetConfiguration({ allocationLength: 8 }))).data,
      ).currentProfile;
    } catch (e) {
      if (!isIllegalRequest(e)) throw e;
      notes.push("GET CONFIGURATION refused: profile unknown");
    }
    const info = profileInfo(profile);
    let capacity = { blocks: 0, blockLength: BLOCK_SIZE };
    try {
      capacity = await this.readCapacity();
    } catch (e) {
      if (!(e instanceof ScsiError)) throw e;
      notes.push(`READ CAPACITY failed: ${e.message}`);
    }
    const disc = await this.discInformation(notes);
    // A blank medium reports last LBA 0 (some drives nonsense): nothing is readable.
    if (disc?.discStatus === 0 && capacity.blocks > 0) {
      capacity = { ...capacity, blocks: 0 };
      this.capacityBlocks = 0;
    }

    // Tracks from READ TRACK INFORMATION, one per track number the disc information names.
    const tracks: TrackEntry[] = [];
    let nwa: number | null = null;
    let free = 0;
    let rtiWorks = disc !== null;
    if (disc) {
      const last = Math.min(disc.lastTrackInLastSession, disc.firstTrackOnDisc + 511);
      for (let n = disc.firstTrackOnDisc; n <= last && rtiWorks; n++) {
        const t = await this.trackInformation(n);
        if (t === null) {
          rtiWorks = false;
          notes.push("READ TRACK INFORMATION refused: tracks from READ TOC");
          break;
        }
        const entry: TrackEntry = {
          number: t.trackNumber,
          session: t.sessionNumber,
          start: t.trackStart,
          size: t.blank ? t.freeBlocks : (t.trackSize ?? 0),
          isData: (t.trackMode & 0x04) !== 0 || t.trackMode === 7 || t.dataMode === 1 || t.dataMode === 2,
          blank: t.blank,
          ...(t.nextWritableAddressValid
            ? { nextWritableAddress: t.nextWritableAddress, freeBlocks: t.freeBlocks }
            : {}),
          ...(t.lastRecordedAddressValid && t.lastRecordedAddress !== undefined
            ? { lastRecordedAddress: t.lastRecordedAddress }
            : {}),
        };
        tracks.push(entry);
        if (t.nextWritableAddressValid) {
          nwa = t.nextWritableAddress;
          free = t.freeBlocks;
        }
      }
    }
    let tocLastSessionStart: number | undefined;
    if (!rtiWorks) {
      tracks.length = 0;
      const toc = await this.tocTracks(notes);
      if (toc) {
        tocLastSessionStart = toc.lastSessionStart;
        const end = toc.leadOut ?? capacity.blocks;
        if (toc.leadOut !== undefined && capacity.blocks > 0 && toc.leadOut !== capacity.blocks) {
          notes.push(`READ TOC lead-out ${toc.leadOut} differs from READ CAPACITY ${capacity.blocks} blocks`);
        }
        const sessionCount = disc?.numberOfSessions ?? 1;
        toc.tracks.forEach((t, i) => {
          const next = i + 1 < toc.tracks.length ? toc.tracks[i + 1].start : Math.max(end, capacity.blocks);
          // Without track information, sessions are known only as "the last one starts at …" (TOC format 1).
          const session =
            sessionCount <= 1 || tocLastSessionStart === undefined
              ? 1
              : t.start >= tocLastSessionStart
                ? sessionCount
                : 1;
          tracks.push({
            number: t.number,
            session,
            start: t.start,
            size: next - t.start,
            isData: t.isData,
            blank: false,
          });
        });
      } else if (capacity.blocks > 0) {
        tracks.push({ number: 1, session: 1, start: 0, size: capacity.blocks, isData: true, blank: false });
        notes.push("no track information: one track assumed over the readable capacity");
      }
    }
    // The invisible/incomplete track of an appendable medium (track FFh) when the disc information did not name it.
    if (disc && disc.discStatus < 2 && nwa === null && rtiWorks) {
      const t = await this.trackInformation(INVISIBLE_TRACK);
      if (t?.nextWritableAddressValid) {
        nwa = t.nextWritableAddress;
        free = t.freeBlocks;
      }
    }

    const status: MediaStatus | null = disc
      ? (["blank", "appendable", "complete", "random-access"] as const)[disc.discStatus]
      : capacity.blocks > 0
        ? "complete"
        : null;
    if (status === "complete" || status === "random-access" || info?.readOnly) {
      if (status !== "random-access") {
        nwa = null;
        free = 0;
      }
    }

    // Sessions: recorded tracks grouped by session number.
    const bySession = new Map<number, TrackEntry[]>();
    for (const t of tracks) {
      if (t.blank) continue;
      const list = bySession.get(t.session) ?? [];
      list.push(t);
      bySession.set(t.session, list);
    }
    const lastState = disc?.lastSessionState ?? SESSION_STATE.COMPLETE;
    const sessionNumbers = [...bySession.keys()].sort((a, b) => a - b);
    const sessions: SessionEntry[] = sessionNumbers.map((n, i) => {
      const list = bySession.get(n) ?? [];
      const isLast = i === sessionNumbers.length - 1;
      const lastTrack = list[list.length - 1];
      const end =
        lastTrack.lastRecordedAddress !== undefined && lastTrack.lastRecordedAddress > 0
          ? lastTrack.lastRecordedAddress + 1
          : lastTrack.start + lastTrack.size;
      return {
        number: n,
        start: list[0].start,
        end,
        complete: !isLast || lastState === SESSION_STATE.COMPLETE || lastState === SESSION_STATE.EMPTY,
        tracks: list.map((t) => t.number),
      };
    });
    const completeSessions = sessions.filter((s) => s.complete);
    let lastSessionStart = completeSessions.length > 0 ? completeSessions[completeSessions.length - 1].start : null;
    if (tocLastSessionStart !== undefined && lastSessionStart !== null && tocLastSessionStart !== lastSessionStart) {
      notes.push(
        `READ TOC says the last session starts at ${tocLastSessionStart}, track information ${lastSessionStart}`,
      );
    }
    if (lastSessionStart === null && tocLastSessionStart !== undefined && capacity.blocks > 0) {
      lastSessionStart = tocLastSessionStart;
    }

    const recordedEnd = sessions.length > 0 ? Math.max(...sessions.map((s) => s.end)) : 0;
    const totalBlocks =
      nwa !== null ? nwa + free : status === "random-access" ? capacity.blocks : Math.max(capacity.blocks, recordedEnd);
    if (capacity.blocks > 0 && recordedEnd > 0 && recordedEnd !== capacity.blocks && status === "complete") {
      notes.push(`READ CAPACITY says ${capacity.blocks} blocks, the tracks end at ${recordedEnd}`);
    }
    return {
      present: true,
      profile,
      profileName: profile === 0 ? "unknown" : (info?.name ?? profileName(profile)),
      family: info?.family ?? null,
      status,
      erasable: disc?.erasable ?? info?.erasable ?? false,
      sessions,
      tracks,
      lastSessionStart,
      nextWritableAddress: nwa,
      freeBlocks: free,
      totalBlocks,
      readableBlocks: capacity.blocks,
      blockLength: capacity.blockLength,
      notes,
    };
  }

  /**
   * Write speeds for the medium in the drive: GET PERFORMANCE type 03h (MMC-6), else the write speed descriptors of
   * mode page 2Ah; [] for a drive that writes nothing or answers neither.
   */
  async writeSpeeds(family: Profile["family"] | null = null): Promise<SpeedEntry[]> {
    const oneX = ONE_X[family ?? "CD"] ?? ONE_X.CD;
    const entries = (kBps: number[]) =>
      [...new Set(kBps.filter((s) => s > 0))]
        .sort((a, b) => b - a)
        .map((s) => ({ kBps: s, multiple: Math.round((s / oneX) * 10) / 10 }));
    try {
      const header = await this.run(buildGetWriteSpeeds(1), { retry: false });
      // Performance data length (bytes 0-3) counts the 4 header bytes after it: (length - 4) / 16 descriptors.
      const total = header.data.length >= 4 ? Math.floor((getUint32(header.data, 0) - 4) / 16) : 0;
      const r = await this.run(buildGetWriteSpeeds(Math.max(1, Math.min(64, total))));
      const speeds = parseWriteSpeeds(r.data).speeds.map((s) => s.writeSpeed);
      if (speeds.some((s) => s > 0)) return entries(speeds);
    } catch (e) {
      if (!(e instanceof ScsiError)) throw e;
    }
    try {
      const r = await this.run(buildModeSense10({ pageCode: MODE_PAGE.CD_DVD_CAPABILITIES, allocationLength: 256 }));
      const page = findModePage(parseModeSense10(r.data), MODE_PAGE.CD_DVD_CAPABILITIES);
      if (!page) return [];
      const caps = parseCapabilitiesPage(page.bytes);
      const speeds = caps.writeSpeeds.map((w) => w.speed);
      if (speeds.length === 0 && caps.maxWriteSpeed) speeds.push(caps.maxWriteSpeed);
      return entries(speeds);
    } catch (e) {
      if (e instanceof ScsiError) return [];
      throw e;
    }
  }

  /** Opens the tray / ejects the disc (START STOP UNIT LoEj=1 Start=0); unlocks first. */
  async eject(): Promise<void> {
    await this.unlock();
    await this.run(buildStartStopUnit({ action: START_STOP.EJECT }), { timeoutMs: 60_000 });
    this.capacityBlocks = 0;
  }

  /** Closes the tray / loads the disc (START STOP UNIT LoEj=1 Start=1). */
  async load(): Promise<void> {
    await this.run(buildStartStopUnit({ action: START_STOP.LOAD }), { timeoutMs: 60_000 });
  }

  /** PREVENT ALLOW MEDIUM REMOVAL: Prevent=1, the eject button does nothing until unlock(). */
  async lock(): Promise<void> {
    await this.run(buildPreventAllowMediumRemoval(PREVENT.PREVENT));
  }

  async unlock(): Promise<void> {
    await this.run(buildPreventAllowMediumRemoval(PREVENT.ALLOW));
  }

  /** Readable blocks, as of the last readCapacity() or mediaInfo() (0 before either, or with no medium). */
  get blockCount(): number {
    return this.capacityBlocks;
  }

  /** Reads `count` 2048-byte blocks from `lba` with READ(10), 32 blocks per command. */
  async read(lba: number, count: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(lba) || lba < 0 || !Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`read of ${count} blocks at LBA ${lba} from ${this.device}: not a valid block range`);
    }
    if (this.capacityBlocks === 0) await this.readCapacity();
    if (lba + count > this.capacityBlocks) {
      throw new RangeError(
        `read of ${count} blocks at LBA ${lba} runs past the end of the disc in ${this.device} (${this.capacityBlocks} blocks)`,
      );
    }
    const out = new Uint8Array(count * BLOCK_SIZE);
    for (let done = 0; done < count; ) {
      const n = Math.min(32, count - done);
      const r = await this.run(buildRead10({ lba: lba + done, blocks: n }));
      if (r.data.length !== n * BLOCK_SIZE) {
        throw new DeviceError(
          "io",
          this.device,
          `READ(10) of ${n} blocks at LBA ${lba + done} on ${this.device} returned ${r.data.length} of ${n * BLOCK_SIZE} bytes`,
        );
      }
      out.set(r.data, done * BLOCK_SIZE);
      done += n;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.transport.close();
  }
}

/** The transport of this platform for a device path. */
export async function openTransport(device: string, options: { readOnly?: boolean } = {}): Promise<ScsiTransport> {
  if (process.platform === "linux") {
    const { LinuxSgIoTransport } = await import("./transport/linuxSgIo.js");
    return LinuxSgIoTransport.open(device, options);
  }
  if (process.platform === "win32") {
    const { WindowsSptiTransport } = await import("./transport/windowsSpti.js");
    return WindowsSptiTransport.open(device, options);
  }
  const { unsupportedPlatform } = await import("./transport/unsupported.js");
  throw unsupportedPlatform(device);
}
