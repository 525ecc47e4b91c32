// Putting a session on a disc (IMAPI2 IDiscFormat2Data::Write): check the medium before anything is written,
// format it if it must be, stream the session through a ring buffer to WRITE(10) at its start, flush, close the
// track and session as the medium requires, grow an overwritable medium's head last, verify and eject on request.
// An error or a cancellation after writing began still flushes the drive and closes the track, so the disc stays
// readable to its last complete session.
import { createHash } from "node:crypto";
import { buildCloseTrackSession, CLOSE_FUNCTION } from "../commands/closeTrackSession.js";
import { buildModeSense10, findModePage, MODE_PAGE, parseModeSense10 } from "../commands/modeParameters.js";
import { PROFILE } from "../commands/profiles.js";
import { buildReadBufferCapacity, parseBufferCapacity } from "../commands/readBufferCapacity.js";
import { BACKGROUND_FORMAT, buildReadDiscInformation, parseDiscInformation } from "../commands/readDiscInformation.js";
import { buildSendCueSheet, encodeCueSheet } from "../commands/sendCueSheet.js";
import { buildSetCdSpeed, MAX_SPEED } from "../commands/setCdSpeed.js";
import { buildSetStreaming, performanceDescriptorForSpeed } from "../commands/setStreaming.js";
import { buildSynchronizeCache10 } from "../commands/synchronizeCache.js";
import { buildWrite10 } from "../commands/write.js";
import {
  buildModeSelectWriteParameters,
  parseWriteParametersPage,
  type WriteParameters,
} from "../commands/writeParametersPage.js";
import { BLOCK_SIZE, type Drive, type MediaInfo, writableProfiles } from "../drive.js";
import { ScsiError } from "../sense.js";
import { DeviceError } from "../transport/transport.js";
import { BurnError } from "./errors.js";
import { inhibitSleep } from "./inhibit.js";
import { formatMedium, waitUntilReady } from "./mediumOps.js";
import { RingBuffer } from "./ringBuffer.js";
import { strategyFor, type WriteStrategy, type WriteStrategyKind } from "./strategy.js";

/** A session to write: its bytes, where on the medium they belong, and (growing an overwritable medium) its head. */
export interface SessionData {
  /** First block of the session on the medium: the block the image was planned for. */
  start: number;
  blocks: number;
  /** The session's bytes from `start`, forward only (chunks may be reused by the producer after it resumes). */
  chunks(signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** For a session grown on an overwritable medium: sees every chunk, then names the blocks written last. */
  growth?: {
    observe(chunk: Uint8Array, position: number): void;
    patches(): Array<{ lba: number; data: Uint8Array; what: string }>;
  };
  /** For messages: "image.iso", "the new session". */
  label?: string;
}

export type BurnAction = "validating" | "formatting" | "writing" | "finalizing" | "verifying" | "done";

/** What IMAPI2's burn progress events carry, and a little more. */
export interface BurnProgress {
  action: BurnAction;
  startLba: number;
  sectorCount: number;
  /** Last block handed to the drive (startLba - 1 before the first). */
  lastWrittenLba: number;
  bytesWritten: number;
  totalBytes: number;
  /** 0..100 of the current action. */
  percent: number;
  /** Average over the last few seconds, in kB/s (1000 bytes), in multiples of the family's 1x, in MB/s. */
  speedKBps: number;
  speedX: number;
  megabytesPerSecond: number;
  /** The drive's buffer as READ BUFFER CAPACITY reports it, when it does. */
  driveBuffer: { size: number; free: number } | null;
  ringBuffer: { size: number; used: number };
  elapsedMs: number;
  remainingMs: number | null;
}

export interface BurnOptions {
  /** Close the disc for good (no further session). Default: leave it appendable. */
  finalize?: boolean;
  /** Write speed as a multiple of the family's 1x (CD 176.4 kB/s, DVD 1385, BD 4495.5); default: the drive's max. */
  speed?: number;
  /** Read the session back and compare its SHA-256 with what was sent. */
  verify?: boolean;
  eject?: boolean;
  /** Every check, and the whole image read through the pipeline, but nothing sent to the drive that writes. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BurnProgress) => void;
  /** Bytes between the image and the drive (default 32 MiB). */
  ringBufferBytes?: number;
  /** Blocks per WRITE(10) (default 32 = 64 KiB, which every SG_IO and SPTI path accepts). */
  writeBlocks?: number;
  /** Format a blank DVD+RW/BD-RE/DVD-RW before writing (default true). */
  format?: boolean;
  /** Hold off sleep and suspend (default true). */
  inhibitSleep?: boolean;
  /** Milliseconds between progress reports (default 250). */
  progressIntervalMs?: number;
}

export interface BurnResult {
  strategy: WriteStrategyKind;
  profile: string;
  start: number;
  blocks: number;
  finalized: boolean;
  dryRun: boolean;
  /** SHA-256 of the session's bytes as sent (with verify or a dry run; hashing costs ~0.5 s a GB of CPU). */
  sha256: string | null;
  /** true: read back and equal; null: not asked. */
  verified: boolean | null;
  durationMs: number;
  /** Average kB/s of the writing phase. */
  averageKBps: number;
  /** How sleep was held off, commands a drive refused harmlessly, and the like. */
  notes: string[];
}

const ONE_X_KBPS: Record<string, number> = { CD: 176.4, DVD: 1385, BD: 4495.5 };

function oneX(media: MediaInfo): number {
  return ONE_X_KBPS[media.family ?? "CD"] ?? ONE_X_KBPS.CD!;
}

function aborted(signal?: AbortSignal): boolean {
  return signal?.aborted === true;
}

/** The checks before anything is written (IMAPI2's validation): throws BurnError with what to do. */
export async function checkMedium(
  drive: Drive,
  session: Pick<SessionData, "start" | "blocks" | "label" | "growth">,
  options: { format?: boolean } = {},
): Promise<{
  media: MediaInfo;
  strategy: WriteStrategy;
  needsFormat: boolean;
  track: number;
  /** The drive offers buffer underrun protection: the BUF bit of its current write feature (CD Track at Once,
   * DVD-R/-RW Write, Incremental Streaming Writable). */
  underrunFree: boolean;
}> {
  const media = await drive.mediaInfo();
  const where = drive.device;
  if (!media.present) throw new BurnError("no-medium", `no disc in ${where}: insert a writable disc`);
  if (!strategyFor(media.profile)) {
    throw new BurnError(
      "not-writable",
      `the ${media.profileName} disc in ${where} cannot be written: use a CD-R/RW, DVD±R, DVD±RW, BD-R or BD-RE`,
    );
  }
  const config = await drive.configuration();
  // CD: Track At Once, or Session At Once on a drive that offers only that (the features decide).
  const strategy = strategyFor(media.profile, config.features)!;
  if (!writableProfiles(config).some((p) => p.number === media.profile)) {
    throw new BurnError("not-writable", `${where} reads ${media.profileName} discs but cannot write them`);
  }
  const label = session.label ?? "the session";
  const needsFormat = strategy.formattable && media.status === "blank";
  if (needsFormat && options.format === false) {
    throw new BurnError("format", `the ${media.profileName} disc in ${where} is not formatted: run discburn format`);
  }
  let track = 1;
  if (strategy.sequential) {
    assertAppendable(media, where);
    if (strategy.kind === "cd-sao" && session.start !== 0) {
      // libburn reports SAO on appendable CDs failing on real drives (cdrskin writes later sessions TAO only); how a
      // drive takes a later session's cue sheet times is not settled, so discburn does not try it.
      throw new BurnError(
        "not-writable",
        `${where} writes CDs only Session At Once, which discburn uses for a blank disc's first session; ` +
          "a later session needs a drive with Track At Once",
      );
    }
    const nwa = media.nextWritableAddress;
    if (nwa === null) throw new BurnError("closed", `${where} reports no next writable address: the disc is closed`);
    if (session.start !== nwa) {
      throw new BurnError(
        "wrong-start",
        `${label} was made to start at block ${session.start}, but the disc's next writable address is ${nwa}: ` +
          (nwa === 0
            ? "the disc is blank; write an image made for block 0"
            : `add to the disc with discburn burn --append, or make a session image with --session-start ${nwa}`),
      );
    }
    const needed = Math.max(session.blocks, strategy.minimumTrackBlocks);
    if (needed > media.freeBlocks) {
      throw new BurnError(
        "full",
        `${label} needs ${needed} blocks; the disc in ${where} has ${media.freeBlocks} free ` +
          `(${(((needed - media.freeBlocks) * BLOCK_SIZE) / 1e6).toFixed(1)} MB too many)`,
      );
    }
    // The open (invisible) track holds the next writable address; when the drive named it only through track
    // FFh, it is the one after the last recorded track.
    track = media.tracks.find((t) => t.nextWritableAddress === nwa)?.number ?? (media.tracks.at(-1)?.number ?? 0) + 1;
  } else {
    if (session.start !== 0 && !("growth" in session && session.growth)) {
      throw new BurnError(
        "wrong-start",
        `${label} was made to start at block ${session.start}; on the ${media.profileName} disc in ${where} an ` +
          "image goes to block 0, and a later session needs its head rewritten: use discburn burn --append",
      );
    }
  }
  if (!strategy.sequential && !needsFormat) {
    const capacity = media.readableBlocks > 0 ? media.readableBlocks : media.totalBlocks;
    if (session.start + session.blocks > capacity) {
      throw new BurnError(
        "full",
        `${label} ends at block ${session.start + session.blocks}; the disc in ${where} holds ${capacity} blocks`,
      );
    }
  }
  const underrunFree = config.features.some(
    (f) => f.current && "bufferUnderrunFree" in f && (f as { bufferUnderrunFree: boolean }).bufferUnderrunFree,
  );
  return { media, strategy, needsFormat, track, underrunFree };
}

/** Throws BurnError unless a write-once medium can take another session: not closed, no interrupted session. */
export function assertAppendable(media: MediaInfo, where: string): void {
  if (strategyFor(media.profile)?.sequential !== true) return;
  if (media.status === "complete") {
    throw new BurnError(
      "closed",
      `the ${media.profileName} disc in ${where} is closed: nothing more can be written to it` +
        (media.erasable ? " (blank it first with discburn blank)" : "; use a blank or appendable disc"),
    );
  }
  const incomplete = media.sessions.find((s) => !s.complete);
  if (incomplete) {
    throw new BurnError(
      "incomplete-session",
      `the disc in ${where} ends with an incomplete session at block ${incomplete.start} (an interrupted burn): ` +
        "readers see the sessions before it. Close it with discburn close, then --append builds on the last " +
        "complete session and writes after it",
    );
  }
}

/** Writes `session` to the disc in `drive`. Throws BurnError (nothing written when it is thrown before writing). */
export async function burn(drive: Drive, session: SessionData, options: BurnOptions = {}): Promise<BurnResult> {
  const started = Date.now();
  const notes: string[] = [];
  // The caller's signal, and ours: a failed write stops the source too, even one blocked in a read.
  const stop = new AbortController();
  const signal = stop.signal;
  const onCallerAbort = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) stop.abort(options.signal.reason);
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const writeBlocks = options.writeBlocks ?? 32;
  const progressEvery = options.progressIntervalMs ?? 250;
  const totalBytes = session.blocks * BLOCK_SIZE;
  let ring: RingBuffer | null = null;
  let action: BurnAction = "validating";
  let lastWrittenLba = session.start - 1;
  let bytesWritten = 0;
  let driveBuffer: BurnProgress["driveBuffer"] = null;
  const samples: Array<[number, number]> = [[Date.now(), 0]];
  let writeStarted = 0;
  let multiple = 1385;

  const report = (percent: number) => {
    if (!options.onProgress) return;
    const now = Date.now();
    while (samples.length > 1 && now - samples[0]![0] > 3000) samples.shift();
    const [t0, b0] = samples[0]!;
    const kBps = now > t0 ? (bytesWritten - b0) / (now - t0) : 0;
    const elapsedWriting = writeStarted ? now - writeStarted : 0;
    const rate = elapsedWriting > 0 ? bytesWritten / elapsedWriting : 0;
    options.onProgress({
      action,
      startLba: session.start,
      sectorCount: session.blocks,
      lastWrittenLba,
      bytesWritten,
      totalBytes,
      percent,
      speedKBps: Math.round(kBps),
      speedX: Math.round((kBps / multiple) * 10) / 10,
      megabytesPerSecond: Math.round(kBps) / 1000,
      driveBuffer,
      ringBuffer: { size: ring?.capacity ?? 0, used: ring?.filled ?? 0 },
      elapsedMs: now - started,
      remainingMs: action === "writing" && rate > 0 ? Math.round((totalBytes - bytesWritten) / rate) : null,
    });
  };

  if (!Number.isSafeInteger(session.blocks) || session.blocks <= 0) {
    throw new BurnError("source", `${session.label ?? "the session"} is empty: nothing to write`);
  }
  report(0);
  let { media, strategy, needsFormat, track, underrunFree } = await checkMedium(drive, session, {
    format: options.format,
  });
  multiple = oneX(media);
  const finalize = options.finalize === true;
  const hash = createHash("sha256");

  if (options.dryRun) {
    // Read the whole image through the pipeline (sources are checked, throughput measured), write nothing.
    action = "writing";
    writeStarted = Date.now();
    let lastReport = 0;
    for await (const chunk of session.chunks(signal)) {
      if (aborted(signal)) throw new BurnError("cancelled", "dry run cancelled");
      hash.update(chunk);
      bytesWritten += chunk.length;
      const now = Date.now();
      if (now - lastReport >= progressEvery) {
        lastReport = now;
        samples.push([now, bytesWritten]);
        report(Math.floor((bytesWritten / totalBytes) * 100));
      }
    }
    if (bytesWritten !== totalBytes) {
      throw new BurnError("source", `${session.label ?? "the session"} gave ${bytesWritten} bytes, not ${totalBytes}`);
    }
    action = "done";
    report(100);
    notes.push(`dry run: ${strategy.description} at block ${session.start} would be used`);
    if (needsFormat) notes.push("dry run: the disc would be formatted first");
    return {
      strategy: strategy.kind,
      profile: media.profileName,
      start: session.start,
      blocks: session.blocks,
      finalized: false,
      dryRun: true,
      sha256: hash.digest("hex"),
      verified: null,
      durationMs: Date.now() - started,
      averageKBps: Math.round(bytesWritten / Math.max(1, Date.now() - writeStarted)),
      notes,
    };
  }

  const inhibitor = options.inhibitSleep === false ? null : await inhibitSleep("burning a disc");
  if (inhibitor) notes.push(`sleep: ${inhibitor.how}`);
  let locked = false;
  try {
    try {
      await drive.lock();
      locked = true;
    } catch (e) {
      if (!(e instanceof ScsiError)) throw e;
      notes.push(`the tray could not be locked: ${e.message}`);
    }
    if (needsFormat) {
      action = "formatting";
      report(0);
      await formatMedium(drive, { onProgress: (p) => report(Math.round((p ?? 0) * 100)), pollMs: 200 });
      ({ media, strategy, needsFormat, track, underrunFree } = await checkMedium(drive, session, { format: false }));
    }
    await prepare(drive, media, strategy, session, { finalize, underrunFree, speed: options.speed }, notes);
    // Session At Once: the whole session's layout goes to the drive before the first WRITE (MMC-6 SEND CUE SHEET).
    const cue = strategy.cueSheet?.({
      start: session.start,
      blocks: Math.max(session.blocks, strategy.minimumTrackBlocks),
      trackNumber: track,
    });
    if (cue) {
      await drive.run(buildSendCueSheet(encodeCueSheet(cue)));
      notes.push(`cue sheet sent: track ${track} at block ${session.start}, lead-out at ${cue.at(-1)!.lba}`);
    }

    // Writing: the producer fills the ring while the drive drains it.
    action = "writing";
    writeStarted = Date.now();
    samples.splice(0, samples.length, [writeStarted, 0]);
    ring = new RingBuffer(options.ringBufferBytes ?? 32 * 1024 * 1024, writeBlocks * BLOCK_SIZE);
    const pump = ring.pump(session.chunks(signal));
    let lastReport = 0;
    let lastBufferQuery = 0;
    let lba = session.start;
    try {
      // SAO: the pregap before the track, zero blocks from the host (its cue sheet DATA FORM says host data).
      if (strategy.pregapBlocks > 0) {
        await writeBlocksAt(
          drive,
          session.start - strategy.pregapBlocks,
          new Uint8Array(strategy.pregapBlocks * BLOCK_SIZE),
        );
      }
      for (;;) {
        if (aborted(signal)) throw new BurnError("cancelled", "the burn was cancelled", { lba });
        const unit = await ring.take();
        if (unit === null) break;
        let data = unit;
        if (unit.length % BLOCK_SIZE !== 0) {
          data = new Uint8Array(Math.ceil(unit.length / BLOCK_SIZE) * BLOCK_SIZE);
          data.set(unit);
        }
        const blocks = data.length / BLOCK_SIZE;
        if (lba + blocks > session.start + session.blocks) {
          throw new BurnError(
            "source",
            `${session.label ?? "the session"} gave more than the ${session.blocks} blocks it announced`,
            { lba },
          );
        }
        session.growth?.observe(data, lba * BLOCK_SIZE);
        if (options.verify) hash.update(data);
        await writeBlocksAt(drive, lba, data);
        ring.release(unit.length);
        lba += blocks;
        lastWrittenLba = lba - 1;
        bytesWritten += data.length;
        const now = Date.now();
        if (now - lastBufferQuery >= 1000) {
          lastBufferQuery = now;
          driveBuffer = await bufferState(drive);
        }
        if (now - lastReport >= progressEvery) {
          lastReport = now;
          samples.push([now, bytesWritten]);
          report(Math.floor((bytesWritten / totalBytes) * 100));
        }
      }
      if (lba !== session.start + session.blocks) {
        throw new BurnError(
          "source",
          `${session.label ?? "the session"} ended after ${lba - session.start} of its ${session.blocks} blocks`,
          { lba },
        );
      }
      // A CD track shorter than 4 seconds is padded (readers need the minimum track length).
      const pad = Math.max(0, strategy.minimumTrackBlocks - session.blocks);
      if (pad > 0) {
        await writeBlocksAt(drive, lba, new Uint8Array(pad * BLOCK_SIZE));
        lba += pad;
        notes.push(`the track was padded with ${pad} zero blocks to the ${strategy.minimumTrackBlocks}-block minimum`);
      }
    } catch (e) {
      stop.abort(e);
      ring.abort(e);
      // A source blocked in a read that ignores the signal must not hang the burn: wait a little, then go on.
      await Promise.race([pump, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (lba > session.start) await stopCleanly(drive, strategy, track, notes);
      throw asBurnError(e, drive, lba, session, strategy);
    }
    await pump;

    action = "finalizing";
    report(0);
    let stage = "flushing the drive's cache";
    const patches = session.growth?.patches() ?? [];
    try {
      const flushed = await flush(drive);
      if (flushed) notes.push(flushed);
      for (const step of strategy.closing({ finalize })) {
        stage = step.what;
        await close(drive, step.closeFunction, step.track ? track : 0, step.what);
      }
      // Grown medium: the head (volume descriptors at 16, UDF anchor) goes last, once the session is on the disc.
      for (const p of patches) {
        stage = `writing the ${p.what} at block ${p.lba}`;
        await writeBlocksAt(drive, p.lba, p.data);
      }
      if (patches.length > 0) await flush(drive);
      stage = "stopping background formatting";
      await stopBackgroundFormat(drive, media, notes);
    } catch (e) {
      if (!(e instanceof ScsiError || e instanceof DeviceError)) throw e;
      throw new BurnError(
        "write-failed",
        `the session's data is on the disc in ${drive.device}, but ${stage} failed: ${e.message}`,
        { cause: e, lba: session.start + session.blocks },
      );
    }
    const writingMs = Date.now() - writeStarted;
    const sha256 = options.verify ? hash.digest("hex") : null;

    let verified: boolean | null = null;
    if (options.verify) {
      action = "verifying";
      report(0);
      await verifySession(drive, session, sha256!, patches, (p) => report(p));
      verified = true;
    }
    if (locked) {
      await drive.unlock().catch(() => {});
      locked = false;
    }
    if (options.eject) {
      await drive.eject().catch((e: unknown) => {
        if (!(e instanceof ScsiError || e instanceof DeviceError)) throw e;
        notes.push(`the disc was written but could not be ejected: ${e.message}`);
      });
    }
    action = "done";
    report(100);
    return {
      strategy: strategy.kind,
      profile: media.profileName,
      start: session.start,
      blocks: session.blocks,
      finalized: strategy.sequential && finalize,
      dryRun: false,
      sha256,
      verified,
      durationMs: Date.now() - started,
      averageKBps: Math.round(bytesWritten / Math.max(1, writingMs)),
      notes,
    };
  } finally {
    options.signal?.removeEventListener("abort", onCallerAbort);
    if (locked) await drive.unlock().catch(() => {});
    await inhibitor?.release();
  }
}

/** The fields of page 05h that choose how the medium is written (MMC-6 7.5.4); the rest stays as the drive has it. */
const WRITE_METHOD_FIELDS = [
  "writeType",
  "testWrite",
  "multiSession",
  "fixedPacket",
  "trackMode",
  "dataBlockType",
  "sessionFormat",
  "bufferUnderrunFree",
] as const satisfies ReadonlyArray<keyof WriteParameters>;

/**
 * MODE SELECT of page 05h, read-modify-write (as wodim and growisofs do): the drive's page keeps its length, link
 * size, vendor bytes and whatever else it holds; only the fields that choose the write method change.
 */
async function selectWriteParameters(drive: Drive, wanted: WriteParameters, notes: string[]): Promise<void> {
  let page: WriteParameters = wanted;
  try {
    const r = await drive.run(buildModeSense10({ pageCode: MODE_PAGE.WRITE_PARAMETERS, allocationLength: 256 }));
    const current = findModePage(parseModeSense10(r.data), MODE_PAGE.WRITE_PARAMETERS);
    if (current) {
      page = { ...parseWriteParametersPage(current.bytes) };
      for (const key of WRITE_METHOD_FIELDS) Object.assign(page, { [key]: wanted[key] });
    }
  } catch (e) {
    if (!(e instanceof ScsiError)) throw e;
    notes.push(`MODE SENSE of the write parameters page refused (${e.message}); sending discburn's page`);
  }
  await drive.run(buildModeSelectWriteParameters(page));
}

/** Write parameters (CD, DVD-R) and speed, before the first WRITE. */
async function prepare(
  drive: Drive,
  media: MediaInfo,
  strategy: WriteStrategy,
  session: SessionData,
  choices: { finalize: boolean; underrunFree: boolean; speed: number | undefined },
  notes: string[],
): Promise<void> {
  const { finalize, underrunFree, speed } = choices;
  const wanted = strategy.writeParameters({ multisession: !finalize, underrunFree });
  if (wanted) {
    await selectWriteParameters(drive, wanted, notes);
    notes.push(`buffer underrun protection: ${underrunFree ? "on" : "not offered by the drive"}`);
  }
  if (speed === undefined) return;
  const kBps = Math.round(speed * oneX(media));
  try {
    if (media.family === "CD")
      await drive.run(buildSetCdSpeed({ readSpeed: MAX_SPEED, writeSpeed: Math.min(kBps, 0xfffe) }));
    else {
      const end = Math.max(session.start + session.blocks - 1, media.totalBlocks - 1);
      await drive.run(
        buildSetStreaming(performanceDescriptorForSpeed({ endLba: end, readKBps: kBps, writeKBps: kBps })),
      );
    }
    notes.push(`write speed requested: ${speed}x (${kBps} kB/s)`);
  } catch (e) {
    if (!(e instanceof ScsiError)) throw e;
    notes.push(`the drive refused the speed ${speed}x (${e.message}); it writes at its own speed`);
  }
}

async function writeBlocksAt(drive: Drive, lba: number, data: Uint8Array): Promise<void> {
  // WRITE(10) moves at most 65535 blocks; callers send units of a few dozen.
  for (let done = 0; done < data.length; ) {
    const n = Math.min(data.length - done, 32 * BLOCK_SIZE);
    const blocks = n / BLOCK_SIZE;
    const at = lba + done / BLOCK_SIZE;
    // A CD's pregap before LBA 0 has negative addresses: the LBA field is 32-bit two's complement (-150 = FFFFFF6Ah).
    await drive.run(
      { ...buildWrite10({ lba: at < 0 ? at + 2 ** 32 : at, blocks }), data: data.subarray(done, done + n) },
      { timeoutMs: 120_000 },
    );
    done += n;
  }
}

async function bufferState(drive: Drive): Promise<BurnProgress["driveBuffer"]> {
  try {
    const b = parseBufferCapacity((await drive.run(buildReadBufferCapacity(), { retry: false })).data);
    return b.unit === "bytes" ? { size: b.bufferLength, free: b.blankLength } : null;
  } catch (e) {
    if (e instanceof ScsiError) return null;
    throw e;
  }
}

/**
 * SYNCHRONIZE CACHE with IMMED, then TEST UNIT READY until the drive has written its buffer (as growisofs and
 * libburn do: a flush at the end of a disc can outlast what a USB bridge tolerates for one command). A drive that
 * refuses IMMED gets the plain command; one that has no cache to flush may refuse it (a note then).
 */
async function flush(drive: Drive): Promise<string | null> {
  try {
    await drive.run(buildSynchronizeCache10({ immediate: true }), { timeoutMs: 120_000 });
  } catch (e) {
    if (!(e instanceof ScsiError && e.senseKey === 0x05)) throw e;
    try {
      await drive.run(buildSynchronizeCache10(), { timeoutMs: 15 * 60_000 });
      return null;
    } catch (e2) {
      if (e2 instanceof ScsiError && e2.senseKey === 0x05) return `SYNCHRONIZE CACHE refused: ${e2.message}`;
      throw e2;
    }
  }
  await waitUntilReady(drive, "flushing its buffer", { pollMs: 1000, timeoutMs: 15 * 60_000 });
  return null;
}

/** CLOSE TRACK/SESSION with IMMED, then TEST UNIT READY until the drive is done (a finalisation takes minutes). */
async function close(drive: Drive, closeFunction: number, track: number, what: string): Promise<void> {
  await drive.run(buildCloseTrackSession({ closeFunction, track, immediate: true }), { timeoutMs: 120_000 });
  await waitUntilReady(drive, what, { pollMs: 1000, timeoutMs: 30 * 60_000 });
}

/**
 * DVD+RW formats in the background after a quick format; the host ends it with CLOSE function 010b, which writes
 * a lead-out so that other drives read the disc (MMC-6 6.3.2.2; growisofs does the same).
 */
async function stopBackgroundFormat(drive: Drive, media: MediaInfo, notes: string[]): Promise<void> {
  if (media.profile !== PROFILE.DVD_PLUS_RW && media.profile !== PROFILE.DVD_PLUS_RW_DL) return;
  let status: number;
  try {
    status = parseDiscInformation((await drive.run(buildReadDiscInformation())).data).backgroundFormatStatus;
  } catch (e) {
    if (e instanceof ScsiError) return;
    throw e;
  }
  if (status !== BACKGROUND_FORMAT.STARTED && status !== BACKGROUND_FORMAT.IN_PROGRESS) return;
  await close(drive, CLOSE_FUNCTION.CLOSE_SESSION, 0, "stopping background formatting");
  notes.push("background formatting stopped with a compatible lead-out");
}

/** After a failure or a cancellation: flush and close the track (not the session), best effort. */
async function stopCleanly(drive: Drive, strategy: WriteStrategy, track: number, notes: string[]): Promise<void> {
  try {
    await flush(drive);
    if (strategy.sequential) {
      await close(drive, CLOSE_FUNCTION.CLOSE_TRACK, track, "closing the track");
      notes.push(`track ${track} was closed after the interruption`);
    }
  } catch (e) {
    notes.push(`could not close the track after the interruption: ${(e as Error).message}`);
  }
}

/** What an interruption at `lba` left readable, in words. */
function whatIsIntact(lba: number, session: SessionData, strategy: WriteStrategy): string {
  if (lba === session.start) return "nothing was written";
  if (session.growth !== undefined) return "the disc's previous tree is intact (its head was not rewritten)";
  if (!strategy.sequential) return "the disc holds an incomplete image: burn it again";
  if (session.start === 0) return "the disc holds an incomplete session; nothing more can be added to it";
  return (
    `the sessions before block ${session.start} are intact and are what readers see; the new session is ` +
    "incomplete (close it with discburn close before appending again)"
  );
}

function asBurnError(e: unknown, drive: Drive, lba: number, session: SessionData, strategy: WriteStrategy): BurnError {
  const kept = whatIsIntact(lba, session, strategy);
  if (e instanceof BurnError) {
    if (e.kind === "cancelled")
      return new BurnError("cancelled", `the burn was cancelled at block ${lba}: ${kept}`, { lba });
    if (e.kind === "source") return new BurnError("source", `${e.message}; ${kept}`, { lba, cause: e.cause });
    return e;
  }
  if (e instanceof Error && e.name === "AbortError") {
    return new BurnError("cancelled", `the burn was cancelled at block ${lba}: ${kept}`, { lba, cause: e });
  }
  if (e instanceof ScsiError || e instanceof DeviceError) {
    const where = e instanceof ScsiError && e.sense?.valid ? e.sense.information : lba;
    return new BurnError("write-failed", `writing to ${drive.device} failed at block ${where}: ${e.message}; ${kept}`, {
      lba: where,
      cause: e,
    });
  }
  return new BurnError("source", `reading ${session.label ?? "the image"} failed: ${(e as Error).message}; ${kept}`, {
    lba,
    cause: e,
  });
}

/** Reads the session (and the grown head) back and compares with what was sent. */
async function verifySession(
  drive: Drive,
  session: SessionData,
  sha256: string,
  patches: Array<{ lba: number; data: Uint8Array; what: string }>,
  onProgress: (percent: number) => void,
): Promise<void> {
  await drive.readCapacity();
  const hash = createHash("sha256");
  const step = 512;
  for (let done = 0; done < session.blocks; done += step) {
    const n = Math.min(step, session.blocks - done);
    const data = await drive.read(session.start + done, n);
    for (const p of patches) {
      // The grown head was written over blocks of an earlier session, never inside this one; nothing to mask.
      if (p.lba >= session.start + done && p.lba < session.start + done + n) {
        throw new BurnError("verify-failed", `${p.what} at block ${p.lba} lies inside the new session`);
      }
    }
    hash.update(data);
    onProgress(Math.floor(((done + n) / session.blocks) * 100));
  }
  const read = hash.digest("hex");
  if (read !== sha256) {
    throw new BurnError(
      "verify-failed",
      `the session read back from ${drive.device} differs from what was written (SHA-256 ${read} vs ${sha256})`,
    );
  }
  for (const p of patches) {
    const back = await drive.read(p.lba, p.data.length / BLOCK_SIZE);
    if (Buffer.compare(Buffer.from(back), Buffer.from(p.data)) !== 0) {
      throw new BurnError("verify-failed", `the ${p.what} at block ${p.lba} read back differs from what was written`);
    }
  }
}

/** True for the profiles burn() grows in place (a new session plus a rewritten head) rather than appends to. */
export function isOverwritable(profile: number): boolean {
  return strategyFor(profile)?.sequential === false;
}

/** What closeMedium() did. */
export interface CloseResult {
  /** The track that was open and is now closed, or null. */
  closedTrack: number | null;
  /** The session that was closed (its start block). */
  closedSession: number;
  finalized: boolean;
}

/**
 * Closes the open session of a write-once disc after an interrupted burn (as `cdrecord -fix` does): the track
 * holding data is closed if it is still open, then the session, leaving the disc appendable (or finalised). The
 * interrupted session stays unreadable; a later append builds on the session before it and is written after it.
 */
export async function closeMedium(drive: Drive, options: { finalize?: boolean } = {}): Promise<CloseResult> {
  const media = await drive.mediaInfo();
  if (!media.present) throw new BurnError("no-medium", `no disc in ${drive.device}`);
  const strategy = strategyFor(media.profile, (await drive.configuration()).features);
  if (!strategy?.sequential) {
    throw new BurnError(
      "not-writable",
      `the ${media.profileName} disc in ${drive.device} has no sessions to close (only write-once media do)`,
    );
  }
  if (media.status === "complete") throw new BurnError("closed", `the disc in ${drive.device} is already closed`);
  const open = media.sessions.find((s) => !s.complete);
  if (!open) {
    throw new BurnError(
      "nothing-to-close",
      `every session on the disc in ${drive.device} is closed; to close the disc for good, burn its last session with --close`,
    );
  }
  const finalize = options.finalize === true;
  const wanted = strategy.writeParameters({ multisession: !finalize, underrunFree: false });
  const notes: string[] = [];
  if (wanted) await selectWriteParameters(drive, wanted, notes);
  const openTrack = media.tracks.find(
    (t) => t.session === open.number && !t.blank && t.nextWritableAddress !== undefined,
  );
  // A session the drive closes by itself (SAO) was left open by an interruption: closed as in TAO.
  const steps = strategy.closesItself
    ? strategyFor(media.profile)!.closing({ finalize })
    : strategy.closing({ finalize });
  for (const step of steps) {
    if (step.track && !openTrack) continue;
    await close(drive, step.closeFunction, step.track ? openTrack!.number : 0, step.what);
  }
  return { closedTrack: openTrack?.number ?? null, closedSession: open.start, finalized: finalize };
}
