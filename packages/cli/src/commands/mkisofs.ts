// `discburn mkisofs`: the common subset of `xorriso -as mkisofs` / genisoimage arguments, for build scripts
// written for those tools. mkisofs options are single-dash long options (-joliet-long, -boot-load-size) that
// commander cannot parse, so the command takes its arguments raw and parses them with the table below.
// Where xorriso and genisoimage differ, discburn follows `xorriso -as mkisofs` (Rock Ridge always on, no
// deep-directory relocation unless asked, volume ID "ISOIMAGE", later pathspecs replace earlier files).
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, posix, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  attributesOf,
  type BootImageOptions,
  type BootOptions,
  CancelledError,
  DirectoryItem,
  DiscburnError,
  FileItem,
  type FileSource,
  FileSystemImage,
  type FileSystemKind,
  HostFileSource,
  type ImageItem,
  type ImageOptions,
  type InterchangeLevel,
  InvalidArgumentError,
  type ItemAttributes,
  OutputError,
  type Progress,
  SourceError,
  SpecialItem,
  SymlinkItem,
  specialKind,
} from "@discburn/fsimage";
import { Command } from "commander";
import { createProgressDisplay } from "../progress.js";

/** One El Torito catalog entry as the options describe it (-b/-e and the options that follow, up to -eltorito-alt-boot). */
export interface MkisofsBootEntry {
  /** Image path of the boot image (from -b or -e); null while only entry options were given. */
  path: string | null;
  platform: "x86" | "efi";
  /** mkisofs default: floppy emulation unless -no-emul-boot or -hard-disk-boot. */
  emulation: "floppy" | "none" | "hard-disk";
  /** 512-byte sectors; "full" (or null with no emulation) = the whole image rounded up to 4 sectors, as xorriso. */
  loadSize: number | "full" | null;
  loadSegment: number | null;
  bootInfoTable: boolean;
  bootable: boolean;
  /** -isohybrid-gpt-basdat was given for this entry. */
  gpt: boolean;
}

export interface MkisofsSettings {
  /** Image file; "-" or null = standard output (null only when it is not a terminal). */
  output: string | null;
  volumeName: string;
  applicationIdentifier?: string;
  dataPreparerIdentifier?: string;
  publisherIdentifier?: string;
  systemIdentifier?: string;
  volumeSetIdentifier?: string;
  copyrightFileIdentifier?: string;
  abstractFileIdentifier?: string;
  bibliographicFileIdentifier?: string;
  rockRidge: boolean;
  normalizeAttributes: boolean;
  joliet: boolean;
  jolietLong: boolean;
  /** -iso-level N; null = mkisofs's default level 1. */
  isoLevel: number | null;
  /** -l: 31-character ISO 9660 names (level 2 at least). */
  longNames: boolean;
  /** -D given explicitly: overrides -rr_reloc_dir and -hide-rr-moved. */
  noRelocation: boolean;
  /** -rr_reloc_dir NAME / -hide-rr-moved; null = no relocation (xorriso's default, -D). */
  relocationDirectory: string | null;
  followLinks: boolean;
  graftPoints: boolean;
  /** Pathspecs in order (command line and -path-list lines). */
  pathspecs: string[];
  /** -m / -x / -exclude-list patterns. */
  excludes: string[];
  boot: MkisofsBootEntry[];
  catalogPath: string | null;
  hideCatalog: boolean;
  /** -isohybrid-mbr file (host path). */
  isohybridMbr: string | null;
  /** -efi-boot-part --efi-boot-image: expose the EFI boot image as a GPT partition. */
  efiBootPart: boolean;
  printSize: boolean;
  quiet: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
  /** What discburn does differently for an accepted option (printed unless -quiet). */
  notes: string[];
}

interface ParseState extends MkisofsSettings {
  /** The entry -no-emul-boot, -boot-load-size … apply to; null after -eltorito-alt-boot. */
  current: MkisofsBootEntry | null;
}

interface Flag {
  names: readonly string[];
  /** Placeholder of the value that follows, for flags that take one. */
  value?: string;
  help: string;
  apply(s: ParseState, value: string, flag: string): void;
}

function usage(message: string): InvalidArgumentError {
  return new InvalidArgumentError(`mkisofs: ${message}`);
}

function newEntry(): MkisofsBootEntry {
  return {
    path: null,
    platform: "x86",
    emulation: "floppy",
    loadSize: null,
    loadSegment: null,
    bootInfoTable: false,
    bootable: true,
    gpt: false,
  };
}

/** The entry being described; created by the first boot option after -eltorito-alt-boot. */
function entry(s: ParseState): MkisofsBootEntry {
  if (!s.current) {
    s.current = newEntry();
    s.boot.push(s.current);
  }
  return s.current;
}

function altBoot(s: ParseState): void {
  s.current = null;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^0x[0-9a-f]+$/i.test(value)
    ? Number.parseInt(value, 16)
    : /^\d+$/.test(value)
      ? Number(value)
      : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw usage(`${flag} ${value}: give a whole number from ${min} to ${max}`);
  return n;
}

/** Lines of a list file (-path-list, -exclude-list); "-" reads standard input. Empty lines are skipped. */
function readListFile(flag: string, path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (e) {
    throw new SourceError(`${flag} ${path}: cannot read it: ${(e as Error).message}`, resolve(path), { cause: e });
  }
  return text
    .split("\n")
    .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l))
    .filter((l) => l !== "");
}

type TextSetting =
  | "volumeName"
  | "applicationIdentifier"
  | "dataPreparerIdentifier"
  | "publisherIdentifier"
  | "systemIdentifier"
  | "volumeSetIdentifier"
  | "copyrightFileIdentifier"
  | "abstractFileIdentifier"
  | "bibliographicFileIdentifier";
type SwitchSetting =
  | "joliet"
  | "jolietLong"
  | "rockRidge"
  | "longNames"
  | "noRelocation"
  | "followLinks"
  | "graftPoints";
type EntrySwitch = "bootInfoTable" | "gpt";

/** Flag names given as one space-separated string. */
function names(list: string): string[] {
  return list.split(" ");
}

/** Sets a text field; xorriso upper-cases the a-character fields (ECMA-119 8.4.13-8.4.15, 8.4.5). */
function text(key: TextSetting, upper = false): Flag["apply"] {
  return (s, v) => {
    s[key] = upper ? v.toUpperCase() : v;
  };
}

function on(key: SwitchSetting): Flag["apply"] {
  return (s) => {
    s[key] = true;
  };
}

function entryOn(key: EntrySwitch): Flag["apply"] {
  return (s) => {
    entry(s)[key] = true;
  };
}

/** -b / -e: the boot image of the current entry (a second one replaces the first, as in xorriso). */
function bootImage(platform: "x86" | "efi"): Flag["apply"] {
  return (s, v) => {
    const e = entry(s);
    e.path = v;
    e.platform = platform;
  };
}

const FLAGS: readonly Flag[] = [
  // Output and volume descriptor fields.
  {
    names: names("-o -output"),
    value: "FILE",
    help: "image file to write (- = standard output)",
    apply: (s, v) => {
      s.output = v;
    },
  },
  {
    names: names("-V -volid"),
    value: "ID",
    help: 'volume ID, up to 32 characters (default "ISOIMAGE")',
    apply: text("volumeName"),
  },
  {
    names: names("-A -appid"),
    value: "ID",
    help: "application ID (upper-cased, as by xorriso)",
    apply: text("applicationIdentifier", true),
  },
  {
    names: names("-p -preparer"),
    value: "ID",
    help: "data preparer ID (upper-cased)",
    apply: text("dataPreparerIdentifier", true),
  },
  {
    names: names("-publisher -P"),
    value: "ID",
    help: "publisher ID (upper-cased)",
    apply: text("publisherIdentifier", true),
  },
  { names: names("-sysid"), value: "ID", help: "system ID (upper-cased)", apply: text("systemIdentifier", true) },
  { names: names("-volset"), value: "ID", help: "volume set ID", apply: text("volumeSetIdentifier") },
  {
    names: names("-copyright"),
    value: "NAME",
    help: "copyright file identifier",
    apply: text("copyrightFileIdentifier"),
  },
  { names: names("-abstract"), value: "NAME", help: "abstract file identifier", apply: text("abstractFileIdentifier") },
  {
    names: names("-biblio"),
    value: "NAME",
    help: "bibliographic file identifier",
    apply: text("bibliographicFileIdentifier"),
  },
  // File systems and names.
  { names: names("-J -joliet"), help: "add a Joliet tree", apply: on("joliet") },
  {
    names: names("-joliet-long"),
    help: "Joliet names up to 103 characters instead of 64 (with -J)",
    apply: on("jolietLong"),
  },
  {
    names: names("-R -rock"),
    help: "Rock Ridge keeping owners and modes (always written, as by xorriso)",
    apply: on("rockRidge"),
  },
  {
    names: names("-r -rational-rock"),
    help: "Rock Ridge with owner root, everything readable, no write bits",
    apply: (s) => {
      s.rockRidge = true;
      s.normalizeAttributes = true;
    },
  },
  {
    names: names("--norock"),
    help: "no Rock Ridge (revokes -r; -R after it turns Rock Ridge on again)",
    apply: (s) => {
      s.rockRidge = false;
      s.normalizeAttributes = false;
    },
  },
  {
    names: names("-l -full-iso9660-filenames"),
    help: "ISO 9660 names of up to 31 characters (level 2)",
    apply: on("longNames"),
  },
  {
    names: names("-iso-level"),
    value: "N",
    help: "ISO 9660 level 1 (8.3 names, the default), 2 (31 characters) or 3 (2 + files of 4 GiB and more)",
    apply: (s, v, flag) => {
      if (v === "4") {
        throw usage(
          `${flag} 4 (an ISO 9660:1999 tree) is not supported: use -iso-level 3; Rock Ridge and Joliet carry the long names`,
        );
      }
      s.isoLevel = integer(flag, v, 1, 3);
    },
  },
  {
    names: names("-U -untranslated-filenames"),
    help: "accepted: ISO 9660 names stay standard (31 characters, as -l); Rock Ridge/Joliet keep the real ones",
    apply: (s, _v, flag) => {
      s.longNames = true;
      s.notes.push(
        `${flag}: discburn writes standard ISO 9660 names (31 characters, as with -l) instead of untranslated ones; ` +
          "Rock Ridge and Joliet readers see the real names",
      );
    },
  },
  {
    names: names("-D -disable-deep-relocation"),
    help: "no relocation of directories deeper than 8 levels (the default, as by xorriso)",
    apply: on("noRelocation"),
  },
  {
    names: names("-rr_reloc_dir"),
    value: "NAME",
    help: "relocate directories deeper than 8 levels into /NAME (Rock Ridge shows them in place)",
    apply: (s, v, flag) => {
      const name = v.replace(/^\/+/, "");
      if (name === "" || name.includes("/"))
        throw usage(`${flag} ${v}: give a directory name in the root, such as rr_moved`);
      s.relocationDirectory = name;
    },
  },
  {
    names: names("-hide-rr-moved"),
    help: "same as -rr_reloc_dir .rr_moved",
    apply: (s) => {
      s.relocationDirectory = ".rr_moved";
    },
  },
  {
    names: names("-input-charset -output-charset"),
    value: "CHARSET",
    help: "utf-8 only: host names are read as UTF-8",
    apply: (_s, v, flag) => {
      if (!/^utf-?8$/i.test(v)) {
        throw usage(
          `${flag} ${v} is not supported: discburn reads host file names as UTF-8 only; ` +
            "convert the names (for example with convmv) and give -input-charset utf-8 or leave it out",
        );
      }
    },
  },
  // Inserting files.
  {
    names: names("-graft-points"),
    help: "pathspecs may be IMAGE_PATH=HOST_PATH (escape = as \\=)",
    apply: on("graftPoints"),
  },
  {
    names: names("-path-list"),
    value: "FILE",
    help: "read pathspecs from FILE, one per line (- = standard input)",
    apply: (s, v, flag) => {
      s.pathspecs.push(...readListFile(flag, v));
    },
  },
  {
    names: names("-m -exclude -x -old-exclude"),
    value: "PATTERN",
    help: "leave out host files whose name (or, with a /, whose path) matches the shell pattern",
    apply: (s, v) => {
      s.excludes.push(v);
    },
  },
  {
    names: names("-exclude-list"),
    value: "FILE",
    help: "-m for each line of FILE",
    apply: (s, v, flag) => {
      s.excludes.push(...readListFile(flag, v));
    },
  },
  {
    names: names("-f -follow-links"),
    help: "store what symbolic links point to instead of the links",
    apply: on("followLinks"),
  },
  {
    names: names("-cache-inodes -no-cache-inodes"),
    help: "accepted: hard-linked files are always stored once",
    apply: (s, _v, flag) => {
      if (flag === "-no-cache-inodes") s.notes.push(`${flag}: discburn always stores hard-linked files once`);
    },
  },
  // El Torito.
  {
    names: names("-b -eltorito-boot"),
    value: "PATH",
    help: "BIOS boot image (image path) of the current catalog entry",
    apply: bootImage("x86"),
  },
  {
    names: names("-e"),
    value: "PATH",
    help: "EFI boot image (a FAT image; image path) of the current entry",
    apply: bootImage("efi"),
  },
  {
    names: names("--efi-boot"),
    value: "PATH",
    help: "same as -eltorito-alt-boot -e PATH -no-emul-boot -eltorito-alt-boot",
    apply: (s, v, flag) => {
      altBoot(s);
      bootImage("efi")(s, v, flag);
      entry(s).emulation = "none";
      altBoot(s);
    },
  },
  { names: names("-eltorito-alt-boot"), help: "start the next boot catalog entry", apply: altBoot },
  {
    names: names("-no-emul-boot"),
    help: "boot image without emulation (the default is a 1.2/1.44/2.88 MB floppy image)",
    apply: (s) => {
      entry(s).emulation = "none";
    },
  },
  {
    names: names("-hard-disk-boot"),
    help: "boot image emulating a hard disk (an image with one MBR partition)",
    apply: (s) => {
      entry(s).emulation = "hard-disk";
    },
  },
  {
    names: names("-no-boot"),
    help: "mark the entry as not bootable",
    apply: (s) => {
      entry(s).bootable = false;
    },
  },
  {
    names: names("-boot-load-size"),
    value: "N|full",
    help: "512-byte sectors to load (default: the whole image, rounded up to 4 sectors)",
    apply: (s, v, flag) => {
      entry(s).loadSize = v === "full" ? "full" : integer(flag, v, 1, 65535);
    },
  },
  {
    names: names("-boot-load-seg"),
    value: "SEGMENT",
    help: "real-mode load segment (default 0x7C0)",
    apply: (s, v, flag) => {
      entry(s).loadSegment = integer(flag, v, 0, 0xffff);
    },
  },
  {
    names: names("-boot-info-table"),
    help: "patch a boot info table into bytes 8-63 of the boot image (isolinux)",
    apply: entryOn("bootInfoTable"),
  },
  {
    names: names("-c -eltorito-catalog"),
    value: "PATH",
    help: "image path of the boot catalog (default /boot.catalog)",
    apply: (s, v) => {
      s.catalogPath = v;
    },
  },
  {
    names: names("--boot-catalog-hide"),
    help: "keep the boot catalog out of the directory trees",
    apply: (s) => {
      s.hideCatalog = true;
    },
  },
  {
    names: names("-isohybrid-mbr"),
    value: "FILE",
    help: "isohybrid MBR boot code (syslinux isohdpfx.bin): the image also boots from a USB stick",
    apply: (s, v) => {
      s.isohybridMbr = v;
    },
  },
  {
    names: names("-isohybrid-gpt-basdat"),
    help: "with -isohybrid-mbr: a GPT whose partition 2 is the EFI boot image of the current entry",
    apply: entryOn("gpt"),
  },
  {
    names: names("-efi-boot-part"),
    value: "--efi-boot-image",
    help: "only --efi-boot-image: expose the EFI boot image as a GPT partition",
    apply: (s, v, flag) => {
      if (v !== "--efi-boot-image") {
        throw usage(
          `${flag} ${v}: discburn cannot append a partition from a disk file; put the FAT image in the tree, ` +
            `give it with -e PATH -no-emul-boot and use ${flag} --efi-boot-image (or -isohybrid-mbr FILE -isohybrid-gpt-basdat)`,
        );
      }
      s.efiBootPart = true;
      s.notes.push(
        `${flag} --efi-boot-image: discburn writes an MBR (partition 2 of type 0xEF) and a GPT whose EFI System ` +
          "Partition is the EFI boot image, rather than xorriso's protective MBR",
      );
    },
  },
  {
    names: names("-partition_offset"),
    value: "BLOCKS",
    help: "only 0 (partition offsets are not supported)",
    apply: (_s, v, flag) => {
      if (v !== "0") {
        throw usage(
          `${flag} ${v} is not supported: discburn cannot write a second superblock at a partition offset; leave it out (or give 0)`,
        );
      }
    },
  },
  // Miscellaneous.
  {
    names: names("-checksum_algorithm_iso -checksum_algorithm_template"),
    value: "LIST",
    help: "accepted: only used for jigdo output, which discburn does not write",
    apply: () => {},
  },
  { names: names("-pad -no-pad"), help: "accepted: discburn adds no padding after the image", apply: () => {} },
  {
    names: names("-print-size"),
    help: "print the image size in 2048-byte blocks and write nothing",
    apply: (s) => {
      s.printSize = true;
    },
  },
  {
    names: names("-quiet"),
    help: "print nothing but errors",
    apply: (s) => {
      s.quiet = true;
      s.verbose = false;
    },
  },
  {
    names: names("-v -verbose"),
    help: "also print each pathspec as it is added and each excluded file",
    apply: (s) => {
      s.verbose = true;
      s.quiet = false;
    },
  },
  {
    names: names("-help --help"),
    help: "list these options",
    apply: (s) => {
      s.help = true;
    },
  },
  {
    names: names("-version"),
    help: "print the version",
    apply: (s) => {
      s.version = true;
    },
  },
];

/** Known mkisofs/xorriso options discburn refuses, with the reason and what to do instead. */
const REFUSED: readonly { names: readonly string[]; why: string }[] = [
  {
    names: names("-hfs -apple -hfsplus -mac-name -map -magic -hfs-creator -hfs-type -probe"),
    why: "discburn writes no HFS or HFS+ (only ISO 9660, Rock Ridge, Joliet and El Torito); leave it out",
  },
  {
    names: names("-isohybrid-apm-hfsplus -isohybrid-gpt-hfsplus -hfsplus-file-creator-type -hfs-bless"),
    why: "discburn writes no Apple partition map or HFS+ partition; leave it out (-isohybrid-gpt-basdat makes the GPT)",
  },
  { names: names("-udf -dvd-video"), why: "discburn does not write UDF yet; leave it out" },
  {
    names: names("-M -prev-session -dev -C -cdrecord-params -old-root -multi"),
    why: "discburn mkisofs builds new images only (no appended sessions)",
  },
  {
    names: names(
      "-N -omit-version-number -d -omit-period -allow-lowercase -relaxed-filenames -allow-leading-dots -L " +
        "-allow-multidot -max-iso9660-filenames -untranslated_name_len -no-iso-translate -disallow_dir_id_ext " +
        "-file_name_limit",
    ),
    why:
      "discburn writes only standard ISO 9660 names (with ;1 versions) and lets Rock Ridge and Joliet carry the real " +
      "names; leave it out (`discburn create --show-names` lists the names discburn writes)",
  },
  {
    names: names("-uid -gid -dir-mode -file-mode -new-dir-mode"),
    why:
      "owners and modes cannot be set one by one; -r (`discburn create -r`) gives every file owner root and " +
      "readable modes without write bits",
  },
  {
    names: names("--modification-date -volume_date --set_all_file_dates -creation-date"),
    why: "set the volume date with SOURCE_DATE_EPOCH=SECONDS in the environment or `discburn create --date`",
  },
  {
    names: names(
      "-hide -hide-list -hide-joliet -hide-joliet-list -hidden -hidden-list -hide-udf -hide-udf-list " +
        "-hide-hfsplus -hide_iso_only -hide-joliet-trans-tbl",
    ),
    why: "items cannot be hidden from one tree only; leave them out of the image with -m or -x",
  },
  {
    names: names("-T -translation-table -table-name"),
    why: "no TRANS.TBL files are written: Rock Ridge and Joliet carry the real names; leave it out",
  },
  {
    names: names("-sort --sort-weight --sort-weight-list --sort-weight-patterns"),
    why: "the data order cannot be chosen (discburn writes file data in depth-first name order)",
  },
  { names: names("-z -transparent-compression --zisofs-version-2"), why: "zisofs compression is not supported" },
  {
    names: names(
      "-jigdo-jigdo -jigdo-template -jigdo-min-file-size -jigdo-force-md5 -jigdo-exclude -jigdo-map -md5-list " +
        "--md5 --for_backup --acl --xattr --xattr-any " +
        "--hardlinks --scdbackup_tag",
    ),
    why: "jigdo files, MD5 checksums, ACLs and extended attributes are not recorded",
  },
  {
    names: names(
      "-G -generic-boot --embedded-boot --grub2-mbr --grub2-boot-info -B -sparc-boot -sparc-label -mips-boot " +
        "-mipsel-boot -hppa-cmdline -alpha-boot -chrp-boot -chrp-boot-part -prep-boot-part -append_partition " +
        "-appended_part_as_gpt -appended_part_as_apm -iso_mbr_part_type --protective-msdos-label " +
        "--mbr-force-bootable -part_like_isohybrid --gpt_disk_guid -eltorito-id -eltorito-selcrit -eltorito-platform",
    ),
    why:
      "this boot setup is not supported: discburn writes El Torito entries (-b for BIOS, -e for EFI) and an " +
      "isohybrid MBR (-isohybrid-mbr) with an optional GPT (-isohybrid-gpt-basdat)",
  },
  {
    names: names("-rrip110"),
    why: "`discburn create --rock-ridge-version 1.09` writes the older RRIP_1991A Rock Ridge that -rrip110 asks for",
  },
  {
    names: names("-root -joliet-utf16 -log-file -gui -stream-media-size --emul-toc"),
    why: "this option is not supported by discburn mkisofs; leave it out",
  },
];

const FLAG_BY_NAME = new Map<string, Flag>(FLAGS.flatMap((f) => f.names.map((n) => [n, f] as const)));
const REFUSED_BY_NAME = new Map<string, string>(REFUSED.flatMap((r) => r.names.map((n) => [n, r.why] as const)));

/** mkisofs accepts long options with one or two dashes (-joliet-long, --joliet-long). */
function lookup<T>(table: Map<string, T>, arg: string): T | undefined {
  const name = arg.includes("=") && arg.startsWith("--") ? arg.slice(0, arg.indexOf("=")) : arg;
  return (
    table.get(name) ??
    (name.startsWith("--") && name.length > 3 ? table.get(name.slice(1)) : undefined) ??
    (!name.startsWith("--") && name.length > 2 ? table.get(`-${name}`) : undefined)
  );
}

/** -JR, -rJ …: several one-letter flags without values in one argument, as genisoimage and xorriso accept. */
function cluster(arg: string): Flag[] | null {
  if (!/^-[A-Za-z]{2,}$/.test(arg)) return null;
  const flags: Flag[] = [];
  for (const letter of arg.slice(1)) {
    const f = FLAG_BY_NAME.get(`-${letter}`);
    if (!f || f.value !== undefined) return null;
    flags.push(f);
  }
  return flags;
}

function refusal(arg: string): InvalidArgumentError {
  const why = lookup(REFUSED_BY_NAME, arg);
  const more = '"discburn mkisofs -help" lists the supported options';
  if (why !== undefined) return usage(`option ${arg} is not supported: ${why} (${more})`);
  return usage(
    `unknown option ${arg}: discburn mkisofs accepts the common subset of xorriso -as mkisofs and genisoimage ` +
      `options (${more}; "discburn create --help" shows discburn's own options)`,
  );
}

/** Parses mkisofs arguments (options and pathspecs, in any order). List files are read here. */
export function parseMkisofsArgs(args: readonly string[]): MkisofsSettings {
  const s: ParseState = {
    output: null,
    volumeName: "ISOIMAGE",
    rockRidge: true,
    normalizeAttributes: false,
    joliet: false,
    jolietLong: false,
    isoLevel: null,
    longNames: false,
    noRelocation: false,
    relocationDirectory: null,
    followLinks: false,
    graftPoints: false,
    pathspecs: [],
    excludes: [],
    boot: [],
    catalogPath: null,
    hideCatalog: false,
    isohybridMbr: null,
    efiBootPart: false,
    printSize: false,
    quiet: false,
    verbose: false,
    help: false,
    version: false,
    notes: [],
    current: null,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      s.pathspecs.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      s.pathspecs.push(arg);
      continue;
    }
    const flag = lookup(FLAG_BY_NAME, arg);
    if (flag) {
      let value = "";
      if (flag.value !== undefined) {
        if (i + 1 >= args.length) throw usage(`${arg} needs a value: ${arg} ${flag.value}`);
        value = args[++i];
      }
      flag.apply(s, value, arg);
      continue;
    }
    const flags = cluster(arg);
    if (!flags) throw refusal(arg);
    flags.forEach((f, k) => {
      f.apply(s, "", `-${arg[k + 1]}`);
    });
  }
  const { current: _current, ...settings } = s;
  if (settings.help || settings.version) return settings;
  checkBootEntries(settings);
  if (settings.pathspecs.length === 0) {
    throw usage("no files to put in the image: give directories or files after the options (or -path-list FILE)");
  }
  return settings;
}

function checkBootEntries(s: MkisofsSettings): void {
  s.boot.forEach((e, i) => {
    if (e.path === null) {
      throw usage(
        `boot catalog entry ${i + 1} has options (-no-emul-boot, -boot-load-size …) but no boot image: give -b PATH or -e PATH ` +
          "before -eltorito-alt-boot",
      );
    }
  });
  const images = s.boot.length;
  if (images === 0) {
    if (s.catalogPath !== null) throw usage(`-c ${s.catalogPath} needs a boot image: give -b PATH or -e PATH`);
    if (s.isohybridMbr !== null) throw usage("-isohybrid-mbr needs a BIOS boot image: give -b PATH (isolinux.bin)");
    if (s.efiBootPart) throw usage("-efi-boot-part --efi-boot-image needs an EFI boot image: give -e PATH");
    return;
  }
  if (s.isohybridMbr !== null && !s.boot.some((e) => e.platform === "x86")) {
    throw usage("-isohybrid-mbr needs a BIOS boot image for its boot code to load: give -b PATH (isolinux.bin)");
  }
  const marked = s.boot.filter((e) => e.gpt);
  if (marked.some((e) => e.platform !== "efi")) {
    throw usage(
      "-isohybrid-gpt-basdat after a BIOS boot image (-b) is not supported: discburn's GPT exposes the EFI boot image; " +
        "give it after -e PATH",
    );
  }
  const firstEfi = s.boot.find((e) => e.platform === "efi");
  if (marked.length > 0 && marked[0] !== firstEfi) {
    throw usage(
      "-isohybrid-gpt-basdat must follow the first EFI boot image (-e): discburn's GPT exposes only that one",
    );
  }
  if (s.efiBootPart && !firstEfi) throw usage("-efi-boot-part --efi-boot-image needs an EFI boot image: give -e PATH");
  if (marked.length > 0 && s.isohybridMbr === null) {
    s.notes.push("-isohybrid-gpt-basdat has no effect without -isohybrid-mbr (as with xorriso)");
  }
}

/** -help text, from the option table. */
export function mkisofsHelp(): string {
  const rows = FLAGS.map((f) => [f.names.map((n) => (f.value ? `${n} ${f.value}` : n)).join(", "), f.help] as const);
  const width = Math.min(40, Math.max(...rows.map(([n]) => n.length)) + 2);
  const lines = rows.map(([n, h]) =>
    n.length + 2 > width ? `  ${n}\n  ${" ".repeat(width)}${h}` : `  ${n.padEnd(width)}${h}`,
  );
  return `Usage: discburn mkisofs [options] pathspec...

Builds an image from the common subset of \`xorriso -as mkisofs\` / genisoimage options, with the same
meaning; where those two differ, discburn follows xorriso. A directory's contents go to the image root, a
file goes to the root by its name; with -graft-points, IMAGE_PATH=HOST_PATH puts it anywhere. Later
pathspecs replace earlier files of the same image path. Other options are refused with exit code 2.

Options:
${lines.join("\n")}
`;
}

// ---- Building the tree ---------------------------------------------------------------------------------

/** Linux dev_t (glibc gnu_dev_major/minor). */
function deviceNumbers(rdev: number): { major: number; minor: number } {
  const big = BigInt(rdev);
  return {
    major: Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn)),
    minor: Number((big & 0xffn) | ((big >> 12n) & ~0xffn)),
  };
}

/** A shell pattern as a regular expression; * and ? do not match "/" (fnmatch with FNM_PATHNAME). */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) re += escapeRegExp(glob[++i]);
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) {
        re += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, close);
      let negate = false;
      if (body.startsWith("!") || body.startsWith("^")) {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = close;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, "s");
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** -m/-x: a pattern without "/" matches a leaf name, one with "/" the absolute host path (as xorriso). */
class Exclusions {
  private readonly leaf: RegExp[] = [];
  private readonly path: RegExp[] = [];
  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      if (p.includes("/")) this.path.push(globToRegExp(resolve(p)));
      else this.leaf.push(globToRegExp(p));
    }
  }
  get empty(): boolean {
    return this.leaf.length === 0 && this.path.length === 0;
  }
  matches(name: string, absPath: string): boolean {
    return this.leaf.some((r) => r.test(name)) || this.path.some((r) => r.test(absPath));
  }
}

/** Splits a pathspec: with -graft-points, the first unescaped "=" separates image path and host path. */
export function splitPathspec(spec: string, graftPoints: boolean): { target: string | null; host: string } {
  const unescapeSpec = (t: string) => t.replace(/\\([=\\])/g, "$1");
  if (graftPoints) {
    for (let i = 0; i < spec.length; i++) {
      if (spec[i] === "\\") i++;
      else if (spec[i] === "=")
        return { target: unescapeSpec(spec.slice(0, i)), host: unescapeSpec(spec.slice(i + 1)) };
    }
  }
  return { target: null, host: graftPoints ? unescapeSpec(spec) : spec };
}

const ENTRIES_PER_YIELD = 2000;

/** Puts host files into the tree as xorriso -as mkisofs does: later items replace earlier ones. */
class TreeBuilder {
  private readonly linkTable = new Map<string, FileSource>();
  private readonly exclusions: Exclusions;
  readonly skipped: string[] = [];

  constructor(
    private readonly image: FileSystemImage,
    private readonly settings: MkisofsSettings,
    private readonly log: (line: string) => void,
  ) {
    this.exclusions = new Exclusions(settings.excludes);
  }

  async add(spec: string): Promise<void> {
    const { target, host } = splitPathspec(spec, this.settings.graftPoints);
    if (host === "") throw new InvalidArgumentError(`mkisofs: pathspec "${spec}" names no host file`);
    const abs = resolve(host);
    let st: Stats;
    try {
      st = lstatSync(abs);
      if (st.isSymbolicLink() && this.settings.followLinks) st = statSync(abs);
    } catch (e) {
      throw new SourceError(`cannot read ${host}: ${(e as Error).message}`, abs, { cause: e });
    }
    const targetPath = target === null ? "/" : posix.normalize(`/${target}`).replace(/(.)\/+$/, "$1");
    if (st.isDirectory()) {
      if (this.settings.verbose) this.log(`adding directory ${abs} at ${targetPath}`);
      const dir = this.directoryAt(targetPath, abs);
      Object.assign(dir, attributesOf(st));
      await this.walk(abs, dir, st);
      return;
    }
    const imagePath = targetPath === "/" ? `/${basename(abs)}` : targetPath;
    if (this.settings.verbose) this.log(`adding ${abs} at ${imagePath}`);
    const item = this.itemFor(posix.basename(imagePath), abs, st);
    if (!item) throw new SourceError(`${host} is not a file, directory, symbolic link or special file`, abs);
    this.directoryAt(posix.dirname(imagePath), dirname(abs)).add(item, true);
  }

  /**
   * The directory at an image path, created (or replacing a file) as needed. As xorriso does, a directory
   * created on the way takes the attributes of the host directory at the same distance above `hostPath`
   * (the host directory that corresponds to `path`): a/b=/x/y/dir gives /a the attributes of /x/y.
   */
  private directoryAt(path: string, hostPath: string): DirectoryItem {
    const parts = path.split("/").filter((p) => p !== "");
    let dir = this.image.root;
    parts.forEach((part, i) => {
      const existing = dir.get(part);
      if (existing?.kind === "directory") {
        dir = existing;
        return;
      }
      let host: string | null = hostPath;
      for (let up = parts.length - 1 - i; up > 0 && host !== null; up--) host = host === "/" ? null : dirname(host);
      let attrs: ItemAttributes = {};
      try {
        const st = host === null ? null : statSync(host);
        if (st?.isDirectory()) attrs = attributesOf(st);
      } catch {
        // A host directory that cannot be read leaves the defaults.
      }
      const created = new DirectoryItem(part, attrs, this.image.creationTimeMs);
      dir.add(created, true);
      dir = created;
    });
    return dir;
  }

  private itemFor(name: string, hostPath: string, st: Stats, dirPath?: string): ImageItem | null {
    const time = this.image.creationTimeMs;
    if (st.isFile()) {
      const key = st.nlink > 1 ? `${st.dev}:${st.ino}` : "";
      let source = key ? this.linkTable.get(key) : undefined;
      if (!source) {
        source =
          dirPath === undefined ? new HostFileSource(hostPath, st.size) : new HostFileSource(dirPath, st.size, name);
        if (key) this.linkTable.set(key, source);
      }
      return new FileItem(name, source, attributesOf(st), time);
    }
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = readlinkSync(hostPath);
      } catch (e) {
        throw new SourceError(`cannot read symbolic link ${hostPath}: ${(e as Error).message}`, hostPath, { cause: e });
      }
      return new SymlinkItem(name, target, attributesOf(st), time);
    }
    const kind = specialKind(st);
    if (!kind) return null;
    const device = kind.endsWith("device") ? deviceNumbers(st.rdev) : null;
    return new SpecialItem(name, kind, device, attributesOf(st), time);
  }

  private async walk(hostDir: string, into: DirectoryItem, top: Stats): Promise<void> {
    const follow = this.settings.followLinks;
    const queue: Array<[string, DirectoryItem, ReadonlySet<string> | null]> = [
      [hostDir, into, follow ? new Set([`${top.dev}:${top.ino}`]) : null],
    ];
    let sinceYield = 0;
    while (queue.length > 0) {
      const [dirPath, dirItem, ancestors] = queue.pop()!;
      let names: string[];
      try {
        names = readdirSync(dirPath);
      } catch (e) {
        throw new SourceError(`cannot list source directory ${dirPath}: ${(e as Error).message}`, dirPath, {
          cause: e,
        });
      }
      for (const name of names) {
        const hostPath = join(dirPath, name);
        if (!this.exclusions.empty && this.exclusions.matches(name, hostPath)) {
          if (this.settings.verbose) this.log(`excluded ${hostPath}`);
          continue;
        }
        let st: Stats;
        try {
          st = lstatSync(hostPath);
        } catch (e) {
          throw new SourceError(`cannot read source ${hostPath}: ${(e as Error).message}`, hostPath, { cause: e });
        }
        if (follow && st.isSymbolicLink()) {
          try {
            st = statSync(hostPath);
          } catch {
            this.log(`warning: ${hostPath} is a dangling symbolic link; it is stored as a link`);
          }
        }
        if (st.isDirectory()) {
          const key = `${st.dev}:${st.ino}`;
          if (ancestors?.has(key)) {
            this.log(`warning: skipped ${hostPath}: a symbolic link loop back to one of its parent directories`);
            continue;
          }
          let sub = dirItem.get(name);
          if (sub?.kind === "directory") Object.assign(sub, attributesOf(st));
          else {
            sub = new DirectoryItem(name, attributesOf(st), this.image.creationTimeMs);
            dirItem.add(sub, true);
          }
          queue.push([hostPath, sub, ancestors ? new Set(ancestors).add(key) : null]);
          continue;
        }
        const item = this.itemFor(name, hostPath, st, dirPath);
        if (item) dirItem.add(item, true);
        else this.skipped.push(hostPath);
      }
      sinceYield += names.length;
      if (sinceYield >= ENTRIES_PER_YIELD) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
  }
}

// ---- El Torito -----------------------------------------------------------------------------------------

function imagePathOf(path: string): string {
  return posix.normalize(`/${path}`);
}

const FLOPPY_BYTES: readonly number[] = [1_228_800, 1_474_560, 2_949_120];

/** The boot options for the library, from the entries and the tree (load sizes depend on the image sizes). */
function bootOptions(s: MkisofsSettings, image: FileSystemImage): BootOptions | undefined {
  if (s.boot.length === 0) return undefined;
  const images: BootImageOptions[] = s.boot.map((e) => {
    const path = imagePathOf(e.path!);
    const flag = e.platform === "efi" ? "-e" : "-b";
    const item = image.lookup(path);
    if (!item || item.kind !== "file") {
      throw new InvalidArgumentError(
        `mkisofs: ${flag} ${e.path}: ${path} is not a file in the image (boot image paths are image paths, ` +
          "relative to the image root; check the pathspecs)",
      );
    }
    if (e.emulation === "floppy" && !FLOPPY_BYTES.includes(item.size)) {
      throw new InvalidArgumentError(
        `mkisofs: ${flag} ${e.path}: without -no-emul-boot the boot image must be a 1.2, 1.44 or 2.88 MB floppy ` +
          `image, and ${path} has ${item.size} bytes; add -no-emul-boot after ${flag} (isolinux.bin and EFI images need it)`,
      );
    }
    let loadSize: number | undefined = typeof e.loadSize === "number" ? e.loadSize : undefined;
    // xorriso's default (and "full"): the whole image rounded up to a multiple of 4 sectors.
    if (e.loadSize === "full" || (e.loadSize === null && e.emulation === "none")) {
      loadSize = Math.min(0xffff, Math.max(4, Math.ceil(item.size / 2048) * 4));
    }
    return {
      path,
      platform: e.platform,
      emulation: e.emulation,
      loadSize,
      loadSegment: e.loadSegment ?? undefined,
      bootInfoTable: e.bootInfoTable,
      bootable: e.bootable,
    };
  });
  let hybrid: BootOptions["hybrid"];
  if (s.isohybridMbr !== null) {
    let code: Buffer;
    try {
      code = readFileSync(s.isohybridMbr);
    } catch (e) {
      const why = (e as Error).message;
      throw new SourceError(`-isohybrid-mbr ${s.isohybridMbr}: cannot read it: ${why}`, s.isohybridMbr, { cause: e });
    }
    if (code.length < 432 || code.length > 32768) {
      throw new InvalidArgumentError(
        `mkisofs: -isohybrid-mbr ${s.isohybridMbr} has ${code.length} bytes; give syslinux's isohdpfx.bin (432 or 512 bytes)`,
      );
    }
    // -isohybrid-gpt-basdat: the EFI image's GPT partition has the Basic Data type, as xorriso writes it.
    hybrid = {
      mbrBootCode: new Uint8Array(code),
      gpt: s.boot.some((e) => e.gpt) || s.efiBootPart,
      gptEfiPartition: s.boot.some((e) => e.gpt) ? "basic-data" : "efi-system",
    };
  } else if (s.efiBootPart) {
    hybrid = { gpt: true };
  }
  const catalogPath = s.catalogPath === null ? undefined : imagePathOf(s.catalogPath);
  if (catalogPath !== undefined && !s.hideCatalog) {
    // xorriso replaces a file that is already at the catalog path (a stale boot.cat copied from another image).
    const existing = image.lookup(catalogPath);
    if (existing && existing.kind !== "directory") image.remove(catalogPath);
  }
  return { images, catalogPath, hideCatalog: s.hideCatalog, hybrid };
}

// ---- The command ---------------------------------------------------------------------------------------

function imageOptions(s: MkisofsSettings): ImageOptions {
  let level = s.isoLevel ?? 1;
  if (s.longNames && level < 2) level = 2;
  const fileSystems: FileSystemKind[] = ["iso9660"];
  if (s.rockRidge) fileSystems.push("rockridge");
  if (s.joliet) fileSystems.push("joliet");
  return {
    fileSystems,
    volumeName: s.volumeName,
    isoLevel: level as InterchangeLevel,
    jolietLongNames: s.jolietLong,
    normalizeAttributes: s.normalizeAttributes,
    relocationDirectory: s.noRelocation ? null : s.relocationDirectory,
    applicationIdentifier: s.applicationIdentifier,
    dataPreparerIdentifier: s.dataPreparerIdentifier,
    publisherIdentifier: s.publisherIdentifier,
    systemIdentifier: s.systemIdentifier,
    volumeSetIdentifier: s.volumeSetIdentifier,
    copyrightFileIdentifier: s.copyrightFileIdentifier,
    abstractFileIdentifier: s.abstractFileIdentifier,
    bibliographicFileIdentifier: s.bibliographicFileIdentifier,
  };
}

export async function runMkisofs(args: readonly string[], signal: AbortSignal): Promise<void> {
  const s = parseMkisofsArgs(args);
  if (s.help) {
    process.stdout.write(mkisofsHelp());
    return;
  }
  if (s.version) {
    const version = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
    process.stdout.write(`discburn ${version} (mkisofs emulation)\n`);
    return;
  }
  const toStdout = s.output === "-" || s.output === null;
  if (!s.printSize && s.output === null && process.stdout.isTTY) {
    throw new InvalidArgumentError("mkisofs: give -o FILE for the image (or -o - to write it to standard output)");
  }
  const log = (line: string) => {
    if (!s.quiet) process.stderr.write(`discburn mkisofs: ${line}\n`);
  };
  for (const n of s.notes) log(`note: ${n}`);

  const base = imageOptions(s);
  let image = new FileSystemImage(base);
  const builder = new TreeBuilder(image, s, log);
  for (const spec of s.pathspecs) await builder.add(spec);
  for (const p of builder.skipped) log(`skipped ${p}: not a file, directory, symbolic link or special file`);

  const boot = bootOptions(s, image);
  if (boot) {
    // Boot options are image options, and their load sizes depend on the tree: build the image that boots
    // with the same date and move the tree into it.
    const epoch = (process.env.SOURCE_DATE_EPOCH ?? "") !== "";
    const booted = new FileSystemImage({
      ...base,
      boot,
      creationTime: new Date(image.creationTimeMs),
      reproducible: epoch,
    });
    const { mtimeMs, atimeMs, ctimeMs, mode, uid, gid } = image.root;
    Object.assign(booted.root, { mtimeMs, atimeMs, ctimeMs, mode, uid, gid });
    for (const child of [...image.root.unsortedChildren()]) booted.root.add(child);
    image = booted;
  }

  const result = image.createResultImage();
  for (const w of result.warnings) log(`warning: ${w}`);
  if (s.printSize) {
    process.stdout.write(`${result.totalBlocks}\n`);
    return;
  }
  const started = Date.now();
  const display = !s.quiet ? createProgressDisplay(process.stderr) : null;
  const onProgress = display ? (p: Progress) => display.update(p) : undefined;
  try {
    if (toStdout) {
      await pipeline(result.toReadable({ signal, onProgress }), process.stdout).catch((e: Error) => {
        if (e instanceof CancelledError || e.name === "AbortError")
          throw new CancelledError("image writing was cancelled");
        if (e instanceof DiscburnError) throw e;
        throw new OutputError(`cannot write the image to standard output: ${e.message}`, "-", { cause: e });
      });
    } else {
      await result.writeTo(resolve(s.output!), { signal, onProgress });
    }
  } finally {
    display?.done();
  }
  const seconds = (Date.now() - started) / 1000;
  const counts = image.stats();
  log(
    `wrote ${toStdout ? "standard output" : s.output}: ${result.totalBlocks} blocks ` +
      `(${(result.totalBytes / 1048576).toFixed(1)} MiB), ${counts.files} files, ${counts.directories} directories, ` +
      `volume "${result.volumeName}" in ${seconds.toFixed(1)} s`,
  );
}

export function mkisofsCommand(signal: AbortSignal): Command {
  return new Command("mkisofs")
    .description("build an image from xorriso -as mkisofs / genisoimage style options (discburn mkisofs -help)")
    .allowUnknownOption()
    .helpOption(false)
    .argument("[args...]", "mkisofs options and pathspecs")
    .action((args: string[]) => runMkisofs(args, signal));
}
