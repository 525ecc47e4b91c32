// `discburn burn`, `discburn blank`, `discburn format`: write an image (a file, or one built on the fly from paths)
// to a disc, append a session to an appendable disc, blank a rewritable disc, format an overwritable one.
import { open, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import {
  AppendSession,
  FileSystemImage,
  type FileSystemKind,
  InvalidArgumentError,
  type ResultImage,
  SourceError,
  UDF_REVISIONS,
  type UdfRevision,
} from "@discburn/fsimage";
import {
  assertAppendable,
  BurnError,
  type BurnProgress,
  type BurnResult,
  blankMedium,
  burn,
  closeMedium,
  type Drive,
  formatMedium,
  isOverwritable,
  type SessionData,
} from "@discburn/mmc";
import { Command } from "commander";
import { DRIVE_HELP, withDrive } from "../driveSpec.js";
import { parseDate } from "./create.js";

export interface BurnCommandOptions {
  drive: string;
  append?: boolean;
  remove?: string[];
  close?: boolean;
  speed?: string;
  verify?: boolean;
  eject?: boolean;
  dryRun?: boolean;
  buffer?: string;
  volumeName?: string;
  udf?: boolean | string;
  joliet: boolean;
  rock: boolean;
  graftPoints?: boolean;
  date?: string;
  json?: boolean;
  quiet?: boolean;
}

const SECTOR = 2048;

/** Whether a host file is a disc image: an ISO 9660 or UDF volume recognised at block 16. */
async function isDiscImage(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const b = Buffer.alloc(6);
    const { bytesRead } = await fh.read(b, 0, 6, 16 * SECTOR);
    const id = b.subarray(1, 6).toString("latin1");
    return bytesRead === 6 && ["CD001", "BEA01"].includes(id);
  } finally {
    await fh.close();
  }
}

/** Whether `b` holds a valid UDF descriptor tag (ECMA-167 3/7.2: identifier, checksum of bytes 0-15 but 4). */
function udfTag(b: Buffer, identifier: number): { location: number } | null {
  if (b.readUInt16LE(0) !== identifier) return null;
  let sum = 0;
  for (let i = 0; i < 16; i++) if (i !== 4) sum = (sum + b[i]!) & 0xff;
  return sum === b[4] ? { location: b.readUInt32LE(12) } : null;
}

/**
 * The block an image file was made to start at. A session image's UDF anchor at 256 records its own absolute
 * location (ECMA-167 3/10.2, tag location), trusted only when the image announces UDF (NSR02/NSR03 in the volume
 * recognition sequence from block 16) and the tag's checksum holds. Otherwise the PVD: its volume space size
 * (ECMA-119 8.4.8) counts the blocks before the session too, and its root directory (8.4.18) lies inside the
 * session. A complete image starts at 0.
 */
async function plannedStart(path: string, fileBlocks: number): Promise<number> {
  const fh = await open(path, "r");
  const block = async (lba: number): Promise<Buffer | null> => {
    const b = Buffer.alloc(SECTOR);
    const r = await fh.read(b, 0, SECTOR, lba * SECTOR);
    return r.bytesRead === SECTOR ? b : null;
  };
  try {
    let udf = false;
    for (let lba = 16; lba < 32; lba++) {
      const id = (await block(lba))?.subarray(1, 6).toString("latin1");
      if (id === "NSR02" || id === "NSR03") udf = true;
      if (id === undefined || id === "TEA01") break;
    }
    const anchor = udf ? await block(256) : null;
    const tag = anchor ? udfTag(anchor, 2) : null;
    if (tag && tag.location >= 256) return tag.location - 256;
    const pvd = await block(16);
    if (pvd && pvd[0] === 1 && pvd.subarray(1, 6).toString("latin1") === "CD001") {
      const volumeSpace = pvd.readUInt32LE(80);
      const rootExtent = pvd.readUInt32LE(156 + 2);
      const start = volumeSpace > fileBlocks ? volumeSpace - fileBlocks : 0;
      // A truncated image also claims more blocks than it has: its root directory then lies before "its start".
      return rootExtent >= start + 16 ? start : 0;
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/** An image file as a session: read in 1 MiB pieces, its last block padded. */
async function imageFileSession(path: string): Promise<SessionData> {
  const size = (await stat(path)).size;
  const blocks = Math.ceil(size / SECTOR);
  const start = await plannedStart(path, blocks);
  return {
    start,
    blocks,
    label: path,
    async *chunks(signal?: AbortSignal) {
      const fh = await open(path, "r");
      try {
        const buffer = Buffer.alloc(1024 * 1024);
        let position = 0;
        while (position < size) {
          signal?.throwIfAborted();
          const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
          if (bytesRead === 0) throw new SourceError(`${path} became shorter while it was burned`, path);
          position += bytesRead;
          if (position >= size && size % SECTOR !== 0) {
            // The last block of an image that is not a whole number of blocks, padded with zeros.
            const padded = Buffer.alloc(Math.ceil(bytesRead / SECTOR) * SECTOR);
            buffer.copy(padded, 0, 0, bytesRead);
            yield padded;
          } else yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
    },
  };
}

function resultSession(result: ResultImage, label: string): SessionData {
  return {
    start: result.sessionStart,
    blocks: result.totalBlocks,
    label,
    chunks: (signal?: AbortSignal) => result.stream({ signal }),
  };
}

function fileSystemsFrom(o: BurnCommandOptions): { fileSystems: FileSystemKind[]; udfRevision?: UdfRevision } {
  const fileSystems: FileSystemKind[] = ["iso9660"];
  if (o.rock) fileSystems.push("rockridge");
  if (o.joliet) fileSystems.push("joliet");
  if (o.udf !== false) fileSystems.push("udf");
  const udfRevision = typeof o.udf === "string" ? o.udf : undefined;
  if (udfRevision !== undefined && !UDF_REVISIONS.includes(udfRevision as UdfRevision)) {
    throw new InvalidArgumentError(`--udf=${udfRevision}: use one of ${UDF_REVISIONS.join(", ")}`);
  }
  return { fileSystems, udfRevision: udfRevision as UdfRevision | undefined };
}

/** Adds host paths (or IMAGE_PATH=HOST_PATH grafts) to an image, replacing what is there. */
async function addPaths(
  image: FileSystemImage,
  paths: string[],
  graftPoints: boolean,
  replace: boolean,
): Promise<void> {
  for (const arg of paths) {
    const eq = graftPoints ? arg.indexOf("=") : -1;
    const target = eq > 0 ? arg.slice(0, eq) : null;
    const host = resolve(eq > 0 ? arg.slice(eq + 1) : arg);
    const st = await stat(host).catch((e: Error) => {
      throw new SourceError(`cannot read ${host}: ${e.message}`, host, { cause: e });
    });
    if (st.isDirectory()) await image.addTree(host, { target: target ?? "/", replace });
    else if (st.isFile()) await image.addFile(target ?? basename(host), host, { replace });
    else throw new SourceError(`${host} is neither a file nor a directory`, host);
  }
}

/** What goes on the disc: an image file, a new image of paths, or a new session of the disc's tree edited. */
async function sessionFor(
  drive: Drive,
  paths: string[],
  o: BurnCommandOptions,
  warn: (line: string) => void,
): Promise<SessionData> {
  const media = await drive.mediaInfo();
  if (!media.present) throw new BurnError("no-medium", `no disc in ${drive.device}: insert a writable disc`);
  const overwritable = isOverwritable(media.profile);
  assertAppendable(media, drive.device);
  if (o.append) {
    if (media.status === "blank" || (overwritable && media.readableBlocks === 0)) {
      throw new BurnError("no-medium", `the disc in ${drive.device} is blank: burn without --append`);
    }
    const lastSessionStart = overwritable ? 0 : media.lastSessionStart;
    if (lastSessionStart === null) {
      throw new BurnError("closed", `the disc in ${drive.device} has no complete session to append to`);
    }
    // Write-once media: the newest complete session, or (after an interrupted burn was closed) an earlier one.
    const complete = overwritable ? [] : media.sessions.filter((s) => s.complete && s.start <= lastSessionStart);
    // The new session keeps the file systems (and UDF revision) of the last one.
    const session = await AppendSession.fromMedium(drive, {
      lastSessionStart,
      lastSessionEnd: complete.at(-1)?.end,
      earlierSessions: complete
        .slice(0, -1)
        .reverse()
        .map((s) => ({ start: s.start, end: s.end })),
      sessionStart: overwritable ? undefined : (media.nextWritableAddress ?? undefined),
      capacityBlocks: media.totalBlocks > 0 ? media.totalBlocks : undefined,
      image: {
        ...(o.volumeName !== undefined ? { volumeName: o.volumeName } : {}),
        ...(o.date !== undefined ? { creationTime: parseDate(o.date) } : {}),
      },
    }).catch((e: unknown) => {
      if (e instanceof InvalidArgumentError && /no ISO 9660 or UDF volume/.test(e.message)) {
        throw new BurnError(
          "nothing-to-append",
          `the disc in ${drive.device} holds no ISO 9660 or UDF file system to append to: burn without --append`,
          { cause: e },
        );
      }
      throw e;
    });
    for (const skipped of session.skippedSessions) {
      warn(
        `the session at block ${skipped} holds no complete file system (an interrupted burn?): ` +
          `the new session builds on the one at block ${session.previousSessionStart}`,
      );
    }
    for (const p of o.remove ?? []) session.image.removeTree(p);
    await addPaths(session.image, paths, o.graftPoints ?? false, true);
    if (overwritable) {
      const growth = await session.growth();
      return { ...resultSession(growth.image, "the new session"), growth };
    }
    return resultSession(session.sessionImage(), "the new session");
  }
  if ((o.remove ?? []).length > 0) throw new InvalidArgumentError("--remove needs --append");
  if (paths.length === 1 && (await stat(paths[0]!).catch(() => null))?.isFile() && (await isDiscImage(paths[0]!))) {
    return imageFileSession(resolve(paths[0]!));
  }
  if (!overwritable && media.status === "appendable") {
    throw new BurnError(
      "wrong-start",
      `the disc in ${drive.device} already holds ${media.sessions.length} session(s): add to it with --append`,
    );
  }
  const { fileSystems, udfRevision } = fileSystemsFrom(o);
  const image = new FileSystemImage({
    fileSystems,
    udfRevision,
    volumeName: o.volumeName,
    creationTime: o.date === undefined ? undefined : parseDate(o.date),
  });
  await addPaths(image, paths, o.graftPoints ?? false, false);
  return resultSession(image.createResultImage(), "the image");
}

/** Progress on stderr: a redrawn line on a terminal, a line per 10% otherwise. */
function burnDisplay(out: NodeJS.WriteStream): { update(p: BurnProgress): void; done(): void } {
  const tty = out.isTTY === true;
  let last = 0;
  let lastKey = "";
  let drawn = false;
  const clock = (ms: number | null) => {
    if (ms === null) return "--:--";
    const s = Math.round(ms / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  const text = (p: BurnProgress) => {
    const parts = [`${p.action.padEnd(10)} ${String(p.percent).padStart(3)}%`];
    if (p.action === "writing") {
      parts.push(
        `${(p.bytesWritten / 1048576).toFixed(0)}/${(p.totalBytes / 1048576).toFixed(0)} MiB`,
        `${p.megabytesPerSecond.toFixed(1)} MB/s (${p.speedX}x)`,
        `ring ${Math.round((p.ringBuffer.used / p.ringBuffer.size) * 100)}%`,
      );
      if (p.driveBuffer && p.driveBuffer.size > 0) {
        parts.push(`drive ${Math.round(((p.driveBuffer.size - p.driveBuffer.free) / p.driveBuffer.size) * 100)}%`);
      }
      parts.push(`ETA ${clock(p.remainingMs)}`);
    }
    return parts.join("  ");
  };
  return {
    update(p) {
      if (tty) {
        const now = Date.now();
        if (now - last < 100 && p.percent < 100) return;
        last = now;
        out.write(`\r\x1b[2K${text(p).slice(0, (out.columns ?? 100) - 1)}`);
        drawn = true;
      } else {
        const key = `${p.action}:${Math.floor(p.percent / 10)}`;
        if (key === lastKey) return;
        lastKey = key;
        out.write(`${text(p)}\n`);
      }
    },
    done() {
      if (tty && drawn) out.write("\r\x1b[2K");
    },
  };
}

function parseSize(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text);
  if (!m) throw new InvalidArgumentError(`${flag} ${text}: give a size like 32M`);
  const unit = { "": 1, k: 1024, m: 1048576, g: 1073741824 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * unit);
}

export async function runBurn(paths: string[], o: BurnCommandOptions, signal: AbortSignal): Promise<void> {
  if (paths.length === 0 && !o.append) throw new InvalidArgumentError("name an image file or the paths to burn");
  let speed: number | undefined;
  if (o.speed !== undefined && o.speed !== "max") {
    speed = Number(o.speed.replace(/x$/i, ""));
    if (!Number.isFinite(speed) || speed <= 0) throw new InvalidArgumentError(`--speed ${o.speed}: give e.g. 8 or 8x`);
  }
  const ringBufferBytes = o.buffer === undefined ? undefined : parseSize("--buffer", o.buffer);
  const display = !o.quiet && !o.json ? burnDisplay(process.stderr) : null;
  const result: BurnResult = await withDrive(o.drive, async (drive) => {
    const session = await sessionFor(drive, paths, o, (line) => {
      if (o.json) process.stdout.write(`${JSON.stringify({ event: "warning", message: line })}\n`);
      else if (!o.quiet) process.stderr.write(`discburn: warning: ${line}\n`);
    });
    try {
      return await burn(drive, session, {
        finalize: o.close ?? false,
        speed,
        verify: o.verify ?? false,
        eject: o.eject ?? false,
        dryRun: o.dryRun ?? false,
        ringBufferBytes,
        signal,
        onProgress: (p) => {
          if (o.json) process.stdout.write(`${JSON.stringify({ event: "progress", ...p })}\n`);
          else display?.update(p);
        },
      });
    } finally {
      display?.done();
    }
  });
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ event: "done", drive: o.drive, ...result })}\n`);
  } else if (!o.quiet) {
    const mb = ((result.blocks * SECTOR) / 1e6).toFixed(1);
    const what = result.dryRun ? "would write" : "wrote";
    process.stderr.write(
      `discburn: ${what} ${result.blocks} blocks (${mb} MB) at block ${result.start} of the ${result.profile} disc ` +
        `in ${o.drive} (${result.strategy}, ${(result.averageKBps / 1000).toFixed(1)} MB/s)` +
        `${result.verified ? ", verified" : ""}${result.finalized ? ", disc closed" : ""}\n`,
    );
    for (const n of result.notes) process.stderr.write(`discburn: ${n}\n`);
  }
}

export function burnCommand(signal: AbortSignal): Command {
  return new Command("burn")
    .description("write an image, or files and directories, to a disc; --append adds a session")
    .argument("[paths...]", "an image file (.iso), or files and directories to put on the disc")
    .requiredOption("--drive <device>", DRIVE_HELP)
    .option("--append", "import the disc's last session, add PATHS (and --remove), write a new session")
    .option("--remove <path...>", "with --append: remove an item (and everything below it) from the new tree")
    .option("--close", "close (finalise) the disc: no further sessions")
    .option("--speed <x>", "write speed as a multiple of 1x (CD 176 kB/s, DVD 1385, BD 4496), or max")
    .option("--verify", "read the session back and compare it with what was written")
    .option("--eject", "eject the disc when done")
    .option("--dry-run", "check the disc and read the whole image, but write nothing")
    .option("--buffer <size>", "ring buffer between the image and the drive (default 32M)")
    .option("-V, --volume-name <name>", "volume label of a new image")
    .option("--udf [revision]", "UDF revision of a new image: 1.02 (default), 1.50, 2.01, 2.50, 2.60")
    .option("--no-udf", "leave UDF out of a new image (ISO 9660, Rock Ridge and Joliet only)")
    .option("--no-joliet", "leave Joliet out of a new image")
    .option("--no-rock", "leave Rock Ridge out of a new image")
    .option("--graft-points", "accept IMAGE_PATH=HOST_PATH arguments")
    .option("--date <when>", "volume date (ISO 8601 or seconds since 1970)")
    .option("--json", "progress and the result as JSON lines on stdout")
    .option("-q, --quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
A single argument holding an ISO 9660 or UDF volume is burned as it is (it must have been made for the
disc's next writable address: 0 on a blank disc). Anything else is built into an image on the fly (ISO 9660 +
Rock Ridge + Joliet + UDF 1.02 bridge). With --append the disc's last session is imported and the new session
points at its files; on DVD+RW and BD-RE the new session follows the old one and the volume descriptors at
block 16 are rewritten last. Write-once discs stay appendable unless --close is given.

Examples:
  discburn burn --drive /dev/sr0 backup.iso --verify
  discburn burn --drive /dev/sr0 ./photos -V PHOTOS
  discburn burn --drive /dev/sr0 --append ./more-photos --remove /old
  discburn burn --drive sim:dvd+r:disc.img ./photos      rehearse on the software recorder (a disc file)`,
    )
    .action((paths: string[], opts: BurnCommandOptions) => runBurn(paths, opts, signal));
}

function longOperationDisplay(o: { json?: boolean; quiet?: boolean }, what: string) {
  let lastDecile = -1;
  return (progress: number | null, elapsedMs: number) => {
    const percent = progress === null ? null : Math.round(progress * 100);
    if (o.json) process.stdout.write(`${JSON.stringify({ event: "progress", action: what, percent, elapsedMs })}\n`);
    else if (!o.quiet && percent !== null && Math.floor(percent / 10) !== lastDecile) {
      lastDecile = Math.floor(percent / 10);
      process.stderr.write(`${what} ${percent}%\n`);
    }
  };
}

export function blankCommand(signal: AbortSignal): Command {
  return new Command("blank")
    .description("blank a CD-RW or DVD-RW (quick: the table of contents; --full: every block)")
    .requiredOption("--drive <device>", DRIVE_HELP)
    .option("--full", "erase the whole disc (slow: about as long as writing it)")
    .option("--json", "progress and the result as JSON lines on stdout")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (o: { drive: string; full?: boolean; json?: boolean; quiet?: boolean }) => {
      await withDrive(o.drive, (drive) =>
        blankMedium(drive, { full: o.full ?? false, onProgress: longOperationDisplay(o, "blanking"), signal }),
      );
      if (o.json) process.stdout.write(`${JSON.stringify({ event: "done", drive: o.drive, blanked: true })}\n`);
      else if (!o.quiet) process.stderr.write(`discburn: the disc in ${o.drive} is blank\n`);
    });
}

export function formatCommand(signal: AbortSignal): Command {
  return new Command("format")
    .description("format a DVD+RW, BD-RE or DVD-RW for writing in place (quick format)")
    .requiredOption("--drive <device>", DRIVE_HELP)
    .option("--json", "progress and the result as JSON lines on stdout")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (o: { drive: string; json?: boolean; quiet?: boolean }) => {
      await withDrive(o.drive, (drive) =>
        formatMedium(drive, { onProgress: longOperationDisplay(o, "formatting"), signal }),
      );
      if (o.json) process.stdout.write(`${JSON.stringify({ event: "done", drive: o.drive, formatted: true })}\n`);
      else if (!o.quiet) process.stderr.write(`discburn: the disc in ${o.drive} is formatted\n`);
    });
}

export function closeCommand(): Command {
  return new Command("close")
    .description("close the open session of a write-once disc left by an interrupted burn (like cdrecord -fix)")
    .requiredOption("--drive <device>", DRIVE_HELP)
    .option("--finalize", "close the disc for good instead of leaving it appendable")
    .option("--json", "the result as JSON on stdout")
    .option("-q, --quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
The interrupted session stays unreadable; the sessions before it are what readers see, and a later
discburn burn --append builds on the newest complete one and is written after the closed session.`,
    )
    .action(async (o: { drive: string; finalize?: boolean; json?: boolean; quiet?: boolean }) => {
      const r = await withDrive(o.drive, (drive) => closeMedium(drive, { finalize: o.finalize ?? false }));
      if (o.json) process.stdout.write(`${JSON.stringify({ event: "done", drive: o.drive, ...r })}\n`);
      else if (!o.quiet) {
        process.stderr.write(
          `discburn: closed ${r.closedTrack !== null ? `track ${r.closedTrack} and ` : ""}the session at block ` +
            `${r.closedSession}${r.finalized ? "; the disc is finalised" : "; the disc stays appendable"}\n`,
        );
      }
    });
}
