// `discburn create`: build an ISO 9660 + Rock Ridge + Joliet image from host files and directories.
import { readFile, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import {
  type AddTreeReport,
  type BootEmulation,
  type BootImageOptions,
  type BootOptions,
  FileSystemImage,
  type FileSystemKind,
  type ImageOptions,
  type InterchangeLevel,
  InvalidArgumentError,
  SourceError,
  UDF_REVISIONS,
  type UdfRevision,
} from "@discburn/fsimage";
import { Command, Option } from "commander";
import { parseCapacity } from "../capacity.js";
import { createProgressDisplay } from "../progress.js";

export interface CreateOptions {
  output: string;
  volumeName?: string;
  isoLevel: string;
  fs?: string;
  udf?: boolean | string;
  joliet: boolean;
  rock: boolean;
  normalizeAttributes?: boolean;
  rockRidgeVersion: string;
  relocationDir?: string;
  relocation: boolean;
  boot?: string;
  bootLoadSize?: string;
  bootLoadSegment?: string;
  bootInfoTable?: boolean;
  bootEmulation: string;
  efiBoot?: string;
  bootCatalog?: string;
  hideBootCatalog?: boolean;
  isohybridMbr?: string;
  gpt?: boolean;
  jolietLong?: boolean;
  strict?: boolean;
  date?: string;
  publisher?: string;
  preparer?: string;
  application?: string;
  systemId?: string;
  volumeSet?: string;
  graftPoints?: boolean;
  showNames?: boolean;
  printSize?: boolean;
  capacity?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Parses --date: an ISO 8601 date-time or whole seconds since the epoch. */
export function parseDate(text: string): Date {
  const d = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError(
      `--date ${text}: use seconds since 1970 or an ISO 8601 date such as 2024-01-31T12:00:00Z`,
    );
  }
  return d;
}

function parseNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} ${text}: expected a whole number`);
  return n;
}

/** El Torito and isohybrid options from --boot, --efi-boot and friends. */
async function bootOptions(o: CreateOptions): Promise<BootOptions | undefined> {
  if (!o.boot && !o.efiBoot) {
    if (o.isohybridMbr || o.gpt) throw new InvalidArgumentError("--isohybrid-mbr and --gpt need --boot or --efi-boot");
    return undefined;
  }
  const images: BootImageOptions[] = [];
  if (o.boot) {
    images.push({
      path: o.boot,
      platform: "x86",
      emulation: o.bootEmulation as BootEmulation,
      loadSize: parseNumber("--boot-load-size", o.bootLoadSize),
      loadSegment: parseNumber("--boot-load-segment", o.bootLoadSegment),
      bootInfoTable: o.bootInfoTable ?? false,
    });
  }
  if (o.efiBoot) images.push({ path: o.efiBoot, platform: "efi" });
  let mbrBootCode: Uint8Array | undefined;
  if (o.isohybridMbr) {
    mbrBootCode = await readFile(o.isohybridMbr).catch((e: Error) => {
      throw new SourceError(`cannot read --isohybrid-mbr ${o.isohybridMbr}: ${e.message}`, o.isohybridMbr!, {
        cause: e,
      });
    });
    if (mbrBootCode.length < 432) {
      throw new InvalidArgumentError(
        `--isohybrid-mbr ${o.isohybridMbr} is ${mbrBootCode.length} bytes; an MBR template has 432 or more`,
      );
    }
  }
  return {
    images,
    catalogPath: o.bootCatalog,
    hideCatalog: o.hideBootCatalog ?? false,
    hybrid: mbrBootCode || o.gpt ? { mbrBootCode, gpt: o.gpt ?? false } : undefined,
  };
}

/** Parses --fs: a comma-separated list of file systems; ISO 9660 is always written. */
export function parseFileSystems(text: string): FileSystemKind[] {
  const known: readonly string[] = ["iso9660", "rockridge", "joliet", "udf"];
  const list = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  for (const f of list) {
    if (!known.includes(f))
      throw new InvalidArgumentError(`--fs ${text}: unknown file system "${f}" (use ${known.join(", ")})`);
  }
  // ISO 9660 is written unless the list asks for a UDF-only image.
  if (!list.includes("iso9660") && !(list.length === 1 && list[0] === "udf")) list.unshift("iso9660");
  return [...new Set(list)] as FileSystemKind[];
}

/** Splits a path argument: with --graft-points, "image/path=host/path" puts host/path at image/path. */
function graft(arg: string, graftPoints: boolean): { target: string | null; host: string } {
  if (graftPoints) {
    const eq = arg.search(/(?<!\\)=/);
    if (eq >= 0) return { target: arg.slice(0, eq).replace(/\\=/g, "="), host: arg.slice(eq + 1).replace(/\\=/g, "=") };
  }
  return { target: null, host: arg };
}

export async function runCreate(paths: string[], o: CreateOptions, signal: AbortSignal): Promise<void> {
  const level = Number(o.isoLevel);
  if (level !== 1 && level !== 2 && level !== 3)
    throw new InvalidArgumentError(`--iso-level ${o.isoLevel}: use 1, 2 or 3`);
  const fileSystems = parseFileSystems(o.fs ?? "iso9660,rockridge,joliet").filter(
    (f) => (f !== "joliet" || o.joliet) && (f !== "rockridge" || o.rock),
  );
  if (o.udf !== undefined && o.udf !== false && !fileSystems.includes("udf")) fileSystems.push("udf");
  const udfRevision = typeof o.udf === "string" ? o.udf : undefined;
  if (udfRevision !== undefined && !UDF_REVISIONS.includes(udfRevision as UdfRevision)) {
    throw new InvalidArgumentError(`--udf=${udfRevision}: use one of ${UDF_REVISIONS.join(", ")}`);
  }
  const options: ImageOptions = {
    fileSystems,
    udfRevision: udfRevision as UdfRevision | undefined,
    rockRidgeVersion: o.rockRidgeVersion === "1.09" ? "1.09" : "1.12",
    normalizeAttributes: o.normalizeAttributes ?? false,
    relocationDirectory: o.relocation ? (o.relocationDir ?? "rr_moved") : null,
    isoLevel: level as InterchangeLevel,
    jolietLongNames: o.jolietLong ?? false,
    strict: o.strict ?? false,
    volumeName: o.volumeName,
    publisherIdentifier: o.publisher,
    dataPreparerIdentifier: o.preparer,
    applicationIdentifier: o.application,
    systemIdentifier: o.systemId,
    volumeSetIdentifier: o.volumeSet,
    creationTime: o.date === undefined ? undefined : parseDate(o.date),
    boot: await bootOptions(o),
  };
  const image = new FileSystemImage(options);
  const reports: AddTreeReport[] = [];
  for (const arg of paths) {
    const { target, host } = graft(arg, o.graftPoints ?? false);
    const abs = resolve(host);
    const st = await stat(abs).catch((e: Error) => {
      throw new SourceError(`cannot read ${host}: ${e.message}`, abs, { cause: e });
    });
    if (st.isDirectory()) reports.push(await image.addTree(abs, { target: target ?? "/" }));
    else if (st.isFile()) await image.addFile(target ?? basename(abs), abs);
    else throw new SourceError(`${host} is neither a file nor a directory`, abs);
  }
  const skipped = reports.flatMap((r) => r.skipped);
  const result = image.createResultImage();
  const log = (line: string) => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  for (const s of skipped) log(`discburn: skipped ${s.hostPath}: not a file, directory, symbolic link or special file`);
  for (const w of result.warnings) log(`discburn: warning: ${w}`);
  if (o.showNames) {
    for (const n of result.names()) {
      process.stdout.write(`${n.path}\t${n.iso9660 ?? ""}\t${n.joliet ?? ""}\t${n.udf ?? ""}\n`);
    }
  }
  if (o.printSize) {
    process.stdout.write(
      o.json ? `${JSON.stringify({ totalBlocks: result.totalBlocks })}\n` : `${result.totalBlocks}\n`,
    );
    return;
  }
  if (o.capacity !== undefined) result.assertFits(parseCapacity(o.capacity));
  const started = Date.now();
  const display = !o.quiet && !o.json ? createProgressDisplay(process.stderr) : null;
  try {
    await result.writeTo(resolve(o.output), { signal, onProgress: display ? (p) => display.update(p) : undefined });
  } finally {
    display?.done();
  }
  const seconds = (Date.now() - started) / 1000;
  const counts = image.stats();
  if (o.json) {
    const summary = {
      output: resolve(o.output),
      volumeName: result.volumeName,
      totalBlocks: result.totalBlocks,
      bytes: result.totalBytes,
      files: counts.files,
      directories: counts.directories,
      dataExtents: result.dataExtents,
      fileSystems,
      isoLevel: level,
      seconds,
      skipped,
      warnings: result.warnings,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    log(
      `discburn: wrote ${o.output}: ${result.totalBlocks} blocks (${(result.totalBytes / 1048576).toFixed(1)} MiB), ` +
        `${counts.files} files, ${counts.directories} directories, volume "${result.volumeName}" in ${seconds.toFixed(1)} s`,
    );
  }
}

export function createCommand(signal: AbortSignal): Command {
  return new Command("create")
    .description("build an ISO 9660 + Rock Ridge + Joliet image from files and directories")
    .argument("<paths...>", "files and directories to put in the image (a directory's contents go to the image root)")
    .requiredOption("-o, --output <file>", "image file to write")
    .option("-V, --volume-name <name>", "volume label, up to 32 characters (default: the first directory's name)")
    .addOption(new Option("--iso-level <level>", "ISO 9660 interchange level").choices(["1", "2", "3"]).default("3"))
    .option(
      "--fs <list>",
      "file systems, comma-separated: iso9660,rockridge,joliet,udf (default: the first three; udf alone: UDF only)",
    )
    .option(
      "--udf [revision]",
      "add UDF (a bridge image sharing the file data): 1.02 (default), 1.50, 2.01, 2.50 or 2.60",
    )
    .option("--no-rock", "leave out Rock Ridge (POSIX names, modes, owners, symlinks, devices)")
    .option(
      "-r, --normalize-attributes",
      "Rock Ridge attributes as mkisofs -r: owner root, all readable, no write bits",
    )
    .addOption(
      new Option("--rock-ridge-version <v>", "Rock Ridge version to announce")
        .choices(["1.12", "1.09"])
        .default("1.12"),
    )
    .option("--relocation-dir <name>", "where Rock Ridge moves directories deeper than 8 levels (default rr_moved)")
    .option("--no-relocation", "write directories deeper than 8 levels in place instead of relocating them")
    .option("--boot <path>", "El Torito BIOS boot image: its path in the image (e.g. isolinux/isolinux.bin)")
    .option("--boot-load-size <sectors>", "512-byte sectors the BIOS loads from --boot (isolinux: 4)")
    .option("--boot-load-segment <segment>", "real-mode load segment of --boot (default 0x7C0)")
    .option("--boot-info-table", "patch a boot information table into --boot (isolinux needs it)")
    .addOption(
      new Option("--boot-emulation <mode>", "emulation of --boot")
        .choices(["none", "floppy", "hard-disk"])
        .default("none"),
    )
    .option(
      "--efi-boot <path>",
      "El Torito UEFI boot image: path in the image of a FAT image with EFI/BOOT/BOOTX64.EFI",
    )
    .option("--boot-catalog <path>", "where the boot catalog appears in the image (default /boot.catalog)")
    .option("--hide-boot-catalog", "keep the boot catalog out of the directory trees")
    .option(
      "--isohybrid-mbr <file>",
      "host file with MBR boot code (syslinux isohdpfx.bin): the image also boots as a disk",
    )
    .option("--gpt", "add a GPT whose EFI System Partition is the --efi-boot image (UEFI disk boot)")
    .option("--no-joliet", "leave out the Joliet tree")
    .option("--joliet-long", "allow Joliet names up to 103 characters instead of 64")
    .option("--strict", "refuse directories deeper than 8 levels and over-long paths instead of writing them")
    .option("--date <when>", "volume date (ISO 8601 or seconds since 1970); SOURCE_DATE_EPOCH is used when set")
    .option("--publisher <text>", "publisher identifier")
    .option("--preparer <text>", "data preparer identifier")
    .option("--application <text>", "application identifier")
    .option("--system-id <text>", "system identifier")
    .option("--volume-set <text>", "volume set identifier")
    .option("--graft-points", "accept IMAGE_PATH=HOST_PATH arguments (escape a literal = as \\=)")
    .option("--show-names", "print each item's path and its ISO 9660, Joliet and UDF paths (tab-separated) to stdout")
    .option(
      "--capacity <size>",
      "refuse an image larger than the medium: blocks, 700M, 4.4G or cd74/cd80/dvd/dvddl/bd25/bd50",
    )
    .option("--print-size", "print the image size in 2048-byte blocks and write nothing")
    .option("--json", "print a machine-readable summary to stdout instead of progress")
    .option("-q, --quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
Examples:
  discburn create ./photos -o photos.iso
  discburn create ./site -o site.iso -V "My Site" --joliet-long
  discburn create --graft-points docs=./manual README.txt=./notes.txt -o docs.iso
  SOURCE_DATE_EPOCH=1700000000 discburn create ./dist -o dist.iso     # byte-identical rebuilds
  discburn create ./tree -o tree.iso --iso-level 1 --no-joliet --no-rock --strict --json
  discburn create -r ./rootfs -o rootfs.iso          # Rock Ridge with mkisofs -r style attributes
  discburn create ./video -o video.iso --udf=2.50    # ISO 9660 + Rock Ridge + Joliet + UDF 2.50 bridge
  discburn create ./archive -o archive.udf --fs udf  # UDF-only image
  discburn create ./cd -o boot.iso --boot isolinux/isolinux.bin --boot-load-size 4 --boot-info-table \
      --boot-catalog isolinux/boot.cat --efi-boot boot/efi.img \
      --isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin --gpt      # BIOS + UEFI, disc and USB stick`,
    )
    .action((paths: string[], opts: CreateOptions) => runCreate(paths, opts, signal));
}
