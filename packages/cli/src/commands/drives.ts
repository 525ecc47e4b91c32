// `discburn drives`, `discburn info [IMG | --drive DEV]`, `discburn eject --drive DEV`, `discburn load --drive DEV`.
import { InvalidArgumentError } from "@discburn/fsimage";
import {
  DeviceError,
  type DriveCapabilities,
  type DriveIdentity,
  type DriveListing,
  enumerateDrives,
  type MediaInfo,
  ScsiError,
  type SpeedEntry,
} from "@discburn/mmc";
import { Command } from "commander";
import { DRIVE_HELP, withDrive } from "../driveSpec.js";
import { runInfoImage } from "./inspect.js";

/** No drive found: `discburn drives` with an empty list. */
export class NoDriveError extends DeviceError {
  constructor() {
    super(
      "no-device",
      "",
      process.platform === "linux"
        ? "no optical drives found (none under /sys/class/block/sr*; is the drive connected and the sr_mod module loaded?)"
        : process.platform === "win32"
          ? "no optical drives found (no \\\\.\\CdRom0 … \\\\.\\CdRom31)"
          : `no optical drives: burning on macOS/BSD is not supported yet; image building works everywhere (this is ${process.platform})`,
    );
  }
}

function errorJson(e: unknown): { kind: string; message: string } {
  if (e instanceof DeviceError) return { kind: e.kind, message: e.message };
  if (e instanceof ScsiError) return { kind: "scsi", message: e.message };
  return { kind: "failure", message: e instanceof Error ? e.message : String(e) };
}

function mediaSummary(m: MediaInfo): string {
  if (!m.present) return "no medium";
  const sessions = m.sessions.length === 1 ? "1 session" : `${m.sessions.length} sessions`;
  const parts = [m.profileName, m.status ?? "state unknown", sessions];
  if (m.nextWritableAddress !== null) parts.push(`${m.freeBlocks} blocks free`);
  else parts.push(`${m.readableBlocks} blocks`);
  return parts.join(", ");
}

/** Blocks as megabytes (2048-byte blocks, MB = 10^6 bytes as on disc labels). */
function mb(blocks: number): string {
  return `${((blocks * 2048) / 1e6).toFixed(1)} MB`;
}

interface DriveReport {
  path: string;
  sgPath: string | null;
  vendor: string;
  product: string;
  revision: string;
  identitySource: DriveListing["identitySource"];
  error: { kind: string; message: string } | null;
  media: MediaInfo | null;
}

export function drivesCommand(): Command {
  return new Command("drives")
    .description("list the optical drives with their identity and the medium in each")
    .option("--json", "machine-readable list on stdout")
    .option("--no-media", "do not ask each drive about its medium (faster)")
    .addHelpText(
      "after",
      `
Examples:
  discburn drives                 every drive: path, vendor, product, what is in it
  discburn drives --json          the same as JSON`,
    )
    .action(async (o: { json?: boolean; media: boolean }) => {
      const listing = await enumerateDrives();
      const reports: DriveReport[] = [];
      for (const d of listing) {
        const report: DriveReport = {
          path: d.path,
          sgPath: d.sgPath ?? null,
          vendor: d.vendor,
          product: d.product,
          revision: d.revision,
          identitySource: d.identitySource,
          error: d.error ? errorJson(d.error) : null,
          media: null,
        };
        if (!d.error && o.media) {
          try {
            report.media = await withDrive(d.path, (drive) => drive.mediaInfo(), { readOnly: true });
          } catch (e) {
            report.error = errorJson(e);
          }
        }
        reports.push(report);
      }
      if (o.json) process.stdout.write(`${JSON.stringify({ drives: reports }, null, 2)}\n`);
      else
        for (const r of reports) {
          const name = [r.vendor, r.product, r.revision].filter((s) => s !== "").join(" ") || "unknown drive";
          const sg = r.sgPath ? ` (${r.sgPath})` : "";
          const state = r.error ? r.error.message : r.media ? mediaSummary(r.media) : "";
          process.stdout.write(`${r.path}${sg}\t${name}${state ? `\t${state}` : ""}\n`);
        }
      if (reports.length === 0) throw new NoDriveError();
    });
}

interface InfoReport {
  device: string;
  identity: DriveIdentity;
  capabilities: Pick<
    DriveCapabilities,
    "currentProfile" | "profiles" | "writableProfiles" | "loadingMechanism" | "canEject" | "canLoad" | "canLock"
  > | null;
  media: MediaInfo;
  writeSpeeds: SpeedEntry[];
}

function printInfo(r: InfoReport): void {
  const w = (s: string) => process.stdout.write(`${s}\n`);
  const m = r.media;
  w(`Drive:             ${r.device}  ${[r.identity.vendor, r.identity.product, r.identity.revision].join(" ")}`);
  if (r.capabilities) {
    const writes = r.capabilities.writableProfiles.map((p) => p.name);
    w(`Writes:            ${writes.length > 0 ? writes.join(", ") : "nothing (a reader)"}`);
  }
  if (!m.present) {
    w("Medium:            none (the tray is empty or open)");
    return;
  }
  w(`Medium:            ${m.profileName}, ${m.status ?? "state unknown"}${m.erasable ? ", erasable" : ""}`);
  w(`Sessions:          ${m.sessions.length}`);
  if (m.tracks.length > 0) {
    w("  session  track  type   start LBA      blocks  state");
    for (const t of m.tracks) {
      w(
        `  ${String(t.session).padStart(7)}  ${String(t.number).padStart(5)}  ${t.isData ? "data " : "audio"}  ` +
          `${String(t.start).padStart(9)}  ${String(t.size).padStart(10)}  ${t.blank ? "blank" : "recorded"}`,
      );
    }
  }
  w(`Last session at:   ${m.lastSessionStart === null ? "none" : `LBA ${m.lastSessionStart}`}`);
  w(
    `Next writable:     ${m.nextWritableAddress === null ? `none (${m.status === "complete" ? "the medium is closed" : "not writable"})` : `LBA ${m.nextWritableAddress}`}`,
  );
  w(`Free:              ${m.freeBlocks} blocks (${mb(m.freeBlocks)}) of ${m.totalBlocks} (${mb(m.totalBlocks)})`);
  w(`Readable:          ${m.readableBlocks} blocks of ${m.blockLength} bytes`);
  w(
    `Write speeds:      ${r.writeSpeeds.length > 0 ? r.writeSpeeds.map((s) => `${s.multiple}x (${s.kBps} kB/s)`).join(", ") : "none reported"}`,
  );
  for (const n of m.notes) w(`Note:              ${n}`);
}

export function infoCommand(): Command {
  return new Command("info")
    .description(
      "what an image holds (file systems, volume, El Torito, UDF revision), or what a drive is and what is in it",
    )
    .argument("[image]", "an image file (or use --drive)")
    .option("--drive <device>", DRIVE_HELP)
    .option("--session-start <lba>", "with an image: the session to describe (default 0)")
    .option("--json", "machine-readable report on stdout")
    .addHelpText(
      "after",
      `
Examples:
  discburn info backup.iso
  discburn info --drive /dev/sr0
  discburn info --drive /dev/sr0 --json`,
    )
    .action(async (image: string | undefined, o: { drive?: string; json?: boolean; sessionStart?: string }) => {
      if (image !== undefined && o.drive !== undefined) {
        throw new InvalidArgumentError("give an image or --drive, not both");
      }
      if (o.drive === undefined) {
        if (image === undefined) throw new InvalidArgumentError("give an image file or --drive DEV");
        await runInfoImage(image, { json: o.json, sessionStart: o.sessionStart });
        return;
      }
      const drivePath = o.drive;
      const report = await withDrive(drivePath, async (drive): Promise<InfoReport> => {
        const identity = await drive.identity();
        let capabilities: InfoReport["capabilities"] = null;
        try {
          const c = await drive.capabilities();
          capabilities = {
            currentProfile: c.currentProfile,
            profiles: c.profiles,
            writableProfiles: c.writableProfiles,
            loadingMechanism: c.loadingMechanism,
            canEject: c.canEject,
            canLoad: c.canLoad,
            canLock: c.canLock,
          };
        } catch (e) {
          if (!(e instanceof ScsiError)) throw e;
        }
        const media = await drive.mediaInfo();
        const writeSpeeds =
          media.present && capabilities && capabilities.writableProfiles.length > 0
            ? await drive.writeSpeeds(media.family)
            : [];
        return { device: drive.device, identity, capabilities, media, writeSpeeds };
      });
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printInfo(report);
    });
}

function trayCommand(name: "eject" | "load"): Command {
  const what = name === "eject" ? "open the tray / eject the disc" : "close the tray / load the disc";
  return new Command(name)
    .description(what)
    .requiredOption("--drive <device>", DRIVE_HELP)
    .addHelpText("after", `\nExample:\n  discburn ${name} --drive /dev/sr0`)
    .action(async (o: { drive: string }) => {
      await withDrive(o.drive, (drive) => (name === "eject" ? drive.eject() : drive.load()));
    });
}

export function driveCommands(): Command[] {
  return [drivesCommand(), infoCommand(), trayCommand("eject"), trayCommand("load")];
}
