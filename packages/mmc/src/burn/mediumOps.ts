// Long operations on a medium: blanking (CD-RW, DVD-RW), formatting (DVD+RW, BD-RE, DVD-RW restricted overwrite)
// and waiting for the drive to finish one that runs in the background (IMMED), with its progress.
import { BLANKING_TYPE, buildBlank } from "../commands/blank.js";
import {
  BD_FORMAT_SUBTYPE,
  bdReFormatDescriptor,
  buildFormatUnitImmediate,
  dvdPlusRwFormatDescriptor,
  FORMAT_TYPE,
  type FormatDescriptor,
} from "../commands/formatUnit.js";
import { PROFILE, profileInfo } from "../commands/profiles.js";
import { buildReadFormatCapacities, parseFormatCapacities } from "../commands/readFormatCapacities.js";
import { buildTestUnitReady } from "../commands/testUnitReady.js";
import type { Drive } from "../drive.js";
import { ScsiError, SENSE_KEY } from "../sense.js";
import { BurnError } from "./errors.js";

export interface LongOperationOptions {
  /** 0..1 as the drive reports it (sense-key-specific progress), null while it says nothing. */
  onProgress?: (progress: number | null, elapsedMs: number) => void;
  /** How often the drive is asked (default 1 s; drives answer at once). */
  pollMs?: number;
  /** Give up after this long (default 2 h: a full blank of a DVD-RW takes about an hour at 1x). */
  timeoutMs?: number;
  /** Stop waiting (the drive cannot be stopped: it finishes the operation by itself). */
  signal?: AbortSignal;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls TEST UNIT READY until the drive is ready again after a background operation (MMC-6 4.1.7: NOT READY with
 * ASC 04h "in progress" meanwhile, its progress in the sense-key-specific bytes).
 */
export async function waitUntilReady(drive: Drive, what: string, options: LongOperationOptions = {}): Promise<void> {
  const started = Date.now();
  const limit = options.timeoutMs ?? 2 * 3600_000;
  let attentions = 0;
  let polls = 0;
  for (;;) {
    try {
      await drive.run(buildTestUnitReady(), { retry: false });
      options.onProgress?.(1, Date.now() - started);
      return;
    } catch (e) {
      if (!(e instanceof ScsiError)) throw e;
      // UNIT ATTENTION: the medium changed state (a format that ends may change the profile); ask again.
      if (e.sense?.key === SENSE_KEY.UNIT_ATTENTION) {
        attentions++;
        if (attentions > 10) throw e;
      } else {
        if (e.sense?.key !== SENSE_KEY.NOT_READY || e.sense.asc !== 0x04) throw e;
        const ks = e.sense.senseKeySpecific;
        options.onProgress?.(ks?.kind === "progress" ? ks.progress : null, Date.now() - started);
      }
    }
    if (options.signal?.aborted) {
      throw new BurnError(
        "cancelled",
        `stopped waiting for ${what}: the drive goes on by itself, and the disc is unusable until it has finished`,
      );
    }
    if (Date.now() - started > limit) {
      throw new BurnError("timeout", `${drive.device} was still busy with ${what} after ${Math.round(limit / 1000)} s`);
    }
    // Short operations end within a poll or two; long ones are asked at most every pollMs.
    await sleep(Math.min(options.pollMs ?? 1000, 25 * 2 ** Math.min(polls++, 10)));
  }
}

/** The format a blank (unformatted) overwritable medium gets: the quick formats growisofs and dvd+rw-format use. */
async function formatDescriptorFor(drive: Drive, profile: number): Promise<FormatDescriptor> {
  const capacities = parseFormatCapacities((await drive.run(buildReadFormatCapacities())).data);
  const offered = (type: number) => capacities.formattable.find((c) => c.formatType === type);
  switch (profile) {
    case PROFILE.DVD_PLUS_RW:
    case PROFILE.DVD_PLUS_RW_DL: {
      // MMC-6 6.5.4.2.14: format type 26h over the capacity the drive offers.
      const c = offered(FORMAT_TYPE.DVD_PLUS_RW_BASIC);
      return dvdPlusRwFormatDescriptor(c?.numberOfBlocks ?? 0xffffffff);
    }
    case PROFILE.BD_RE: {
      // MMC-6 6.5.4.2.15: format type 30h with the drive's default spare area, quick certification.
      const c = offered(FORMAT_TYPE.BD_RE_FULL_WITH_SPARE);
      if (!c) throw new BurnError("format", `${drive.device} offers no BD-RE format (type 30h) for this disc`);
      return bdReFormatDescriptor(c.numberOfBlocks, c.typeDependent, BD_FORMAT_SUBTYPE.QUICK_CERTIFICATION);
    }
    case PROFILE.DVD_RW_SEQUENTIAL:
    case PROFILE.DVD_RW_RESTRICTED_OVERWRITE: {
      // MMC-6 6.5.4.2.10: quick format to restricted overwrite.
      const c = offered(FORMAT_TYPE.DVD_RW_QUICK) ?? offered(FORMAT_TYPE.CD_DVD_RW_FULL);
      if (!c) throw new BurnError("format", `${drive.device} offers no DVD-RW format for this disc`);
      return { numberOfBlocks: c.numberOfBlocks, formatType: c.formatType, formatSubType: 0, typeDependent: 0 };
    }
    default:
      throw new BurnError(
        "not-writable",
        `${profileInfo(profile)?.name ?? `profile ${profile}`} discs cannot be formatted; DVD+RW, BD-RE and DVD-RW can`,
      );
  }
}

/** Formats the medium in the drive (FORMAT UNIT with IMMED, then waits). */
export async function formatMedium(drive: Drive, options: LongOperationOptions = {}): Promise<void> {
  const media = await drive.mediaInfo();
  if (!media.present) throw new BurnError("no-medium", `no disc in ${drive.device}: insert a DVD+RW, BD-RE or DVD-RW`);
  const descriptor = await formatDescriptorFor(drive, media.profile);
  await drive.run(buildFormatUnitImmediate(descriptor), { timeoutMs: 120_000 });
  await waitUntilReady(drive, "formatting", options);
}

/** Blanks a rewritable sequential medium (CD-RW, DVD-RW): minimal (quick) or the whole disc. */
export async function blankMedium(
  drive: Drive,
  options: LongOperationOptions & { full?: boolean } = {},
): Promise<void> {
  const media = await drive.mediaInfo();
  if (!media.present) throw new BurnError("no-medium", `no disc in ${drive.device}: insert a CD-RW or DVD-RW`);
  const p = media.profile;
  if (p !== PROFILE.CD_RW && p !== PROFILE.DVD_RW_SEQUENTIAL && p !== PROFILE.DVD_RW_RESTRICTED_OVERWRITE) {
    const name = media.profileName;
    const hint =
      p === PROFILE.DVD_PLUS_RW || p === PROFILE.BD_RE
        ? `; ${name} is overwritten in place: burn over it, or reformat it with discburn format`
        : "; only CD-RW and DVD-RW can be blanked";
    throw new BurnError("not-writable", `the ${name} disc in ${drive.device} cannot be blanked${hint}`);
  }
  try {
    await drive.run(
      buildBlank({ blankingType: options.full ? BLANKING_TYPE.DISC : BLANKING_TYPE.MINIMAL, immediate: true }),
      { timeoutMs: 120_000 },
    );
  } catch (e) {
    if (e instanceof ScsiError && e.sense?.key === SENSE_KEY.ILLEGAL_REQUEST) {
      throw new BurnError("not-writable", `${drive.device} refused to blank the disc: ${e.message}`, { cause: e });
    }
    throw e;
  }
  await waitUntilReady(drive, "blanking", options);
}
