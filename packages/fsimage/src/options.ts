// Image options (IMAPI2's IFileSystemImage properties, as a plain object) and their validation.
import os from "node:os";
import type { InterchangeLevel } from "./ecma119/names.js";
import { isSurrogate } from "./encoding/ucs2.js";
import { InvalidArgumentError } from "./errors.js";
import type { BlockSource } from "./read/blockSource.js";
import type { BootOptions } from "./writers/elTorito.js";
import { UDF_REVISIONS, type UdfRevision } from "./writers/udf.js";

/** The file systems an image can carry (IMAPI2's FileSystemsToCreate); Rock Ridge extends the ISO 9660 tree. */
export type FileSystemKind = "iso9660" | "rockridge" | "joliet" | "udf";

export const FILE_SYSTEMS: readonly FileSystemKind[] = ["iso9660", "rockridge", "joliet", "udf"];
/** What an image carries when the caller does not say: ISO 9660 with Rock Ridge and Joliet. */
export const DEFAULT_FILE_SYSTEMS: readonly FileSystemKind[] = ["iso9660", "rockridge", "joliet"];

export interface ImageOptions {
  /** Volume label. Up to 32 characters; the PVD keeps its ASCII form, Joliet its first 16 characters. */
  volumeName?: string;
  /**
   * Default: ISO 9660 + Rock Ridge + Joliet. Add "udf" for a bridge image (all trees share the file data);
   * ["udf"] alone makes a UDF-only image. Rock Ridge and Joliet need ISO 9660.
   */
  fileSystems?: readonly FileSystemKind[];
  /** UDF revision: "1.02" (default, widest compatibility), "1.50", "2.01", "2.50" or "2.60" (metadata partition). */
  udfRevision?: UdfRevision;
  /** Rock Ridge version: "1.12" (default; IEEE P1282) or "1.09" (RRIP_1991A, for old readers). */
  rockRidgeVersion?: "1.12" | "1.09";
  /**
   * Rock Ridge attributes as mkisofs -r writes them: owner root, everything readable, execute for all if
   * any, no write or special bits. Default false: the tree's own modes, owners and groups.
   */
  normalizeAttributes?: boolean;
  /**
   * With Rock Ridge, directories deeper than ECMA-119's 8 levels move into this root directory (hidden from
   * Rock Ridge readers) and are linked back with CL/PL/RE (RRIP 4.1.5). Default "rr_moved"; null writes
   * deep trees as they are (most readers accept them).
   */
  relocationDirectory?: string | null;
  /** ISO 9660 interchange level (ECMA-119 10): 1 = 8.3 names, 2 = 30-character names, 3 (default) = 2 + multi-extent files. */
  isoLevel?: InterchangeLevel;
  /** Joliet names up to 103 characters instead of the specification's 64. */
  jolietLongNames?: boolean;
  /** Refuse trees deeper than 8 levels or with over-long paths instead of writing them. */
  strict?: boolean;
  systemIdentifier?: string;
  volumeSetIdentifier?: string;
  publisherIdentifier?: string;
  dataPreparerIdentifier?: string;
  applicationIdentifier?: string;
  copyrightFileIdentifier?: string;
  abstractFileIdentifier?: string;
  bibliographicFileIdentifier?: string;
  /**
   * Volume creation/modification time, also the default time of items added without one. Default: the
   * SOURCE_DATE_EPOCH environment variable when set (reproducible builds), otherwise now.
   */
  creationTime?: Date;
  /** LBA where this session starts (0 for a new disc or image file). */
  sessionStart?: number;
  /**
   * Byte-identical output for identical input: Rock Ridge records each file's access and attribute-change
   * times as its modification time (reading a tree changes access times), as xorriso does under
   * SOURCE_DATE_EPOCH. Default: true when SOURCE_DATE_EPOCH is set or creationTime is given.
   */
  reproducible?: boolean;
  /**
   * The medium (an image file or a disc) this session is appended to. Files imported from it keep their data
   * where it is: the new session's records point at the old extents. Use with `sessionStart` (its next
   * writable block). UDF in an appended session needs `udfPartitionStart`
   * (AppendSession sets it).
   */
  medium?: BlockSource;
  /**
   * For UDF in a session appended to `medium`: the first block of the earlier sessions' UDF partition. The new
   * partition starts there too and runs to the end of this session, so imported files' extents stay
   * addressable (ECMA-167 3/10.5: one partition, grown).
   */
  udfPartitionStart?: number;
  /** El Torito boot images (BIOS and UEFI side by side) and an optional isohybrid MBR/GPT (IMAPI2's BootImageOptions, as a list). */
  boot?: BootOptions;
}

export interface ResolvedOptions {
  volumeName: string | undefined;
  iso9660: boolean;
  udf: UdfRevision | null;
  joliet: boolean;
  rockRidge: { version: "1.12" | "1.09"; normalizeAttributes: boolean; reproducible: boolean } | null;
  relocationDirectory: string | null;
  isoLevel: InterchangeLevel;
  jolietMaxName: number;
  strict: boolean;
  identifiers: {
    system: string;
    volumeSet: string;
    publisher: string;
    dataPreparer: string;
    application: string;
    copyrightFile: string;
    abstractFile: string;
    bibliographicFile: string;
  };
  creationTimeMs: number;
  sessionStart: number;
  reproducible: boolean;
  boot: BootOptions | null;
  medium: BlockSource | null;
  udfPartitionStart: number | null;
}

export const DEFAULT_APPLICATION_ID = "DISCBURN - DISC MASTERING AND BURNING ENGINE";

/** SOURCE_DATE_EPOCH (reproducible-builds.org): whole seconds since the epoch. */
export function sourceDateEpochMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new InvalidArgumentError(`SOURCE_DATE_EPOCH=${raw} is not a whole number of seconds since 1970-01-01`);
  }
  return Number(raw) * 1000;
}

function checkText(field: string, value: string, max: number): string {
  if (value.length > max) {
    throw new InvalidArgumentError(`${field} "${value}" is ${value.length} characters; ISO 9660 stores at most ${max}`);
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f)
      throw new InvalidArgumentError(`${field} ${JSON.stringify(value)} contains a control character`);
  }
  return value;
}

/** Checks a volume name: 1-32 characters, no control characters, no characters outside UCS-2. */
export function checkVolumeName(name: string): string {
  if (name.length === 0) throw new InvalidArgumentError("the volume name must not be empty");
  checkText("volume name", name, 32);
  for (let i = 0; i < name.length; i++) {
    if (isSurrogate(name.charCodeAt(i))) {
      throw new InvalidArgumentError(
        `volume name ${JSON.stringify(name)} has characters outside UCS-2 (such as emoji) that Joliet cannot store`,
      );
    }
  }
  return name;
}

export function resolveOptions(o: ImageOptions): ResolvedOptions {
  const fs = o.fileSystems ?? DEFAULT_FILE_SYSTEMS;
  for (const f of fs) {
    if (!FILE_SYSTEMS.includes(f)) {
      throw new InvalidArgumentError(`unknown file system "${f}" (use ${FILE_SYSTEMS.join(", ")})`);
    }
  }
  if (!fs.includes("iso9660") && (fs.includes("joliet") || fs.includes("rockridge"))) {
    throw new InvalidArgumentError("Joliet and Rock Ridge extend ISO 9660: add iso9660 to the file systems");
  }

  if (!fs.includes("iso9660") && !fs.includes("udf")) {
    throw new InvalidArgumentError("an image needs ISO 9660 or UDF (or both)");
  }
  const udfRevision = o.udfRevision ?? "1.02";
  if (!UDF_REVISIONS.includes(udfRevision)) {
    throw new InvalidArgumentError(`UDF revision ${udfRevision} must be one of ${UDF_REVISIONS.join(", ")}`);
  }
  const udfPartitionStart = fs.includes("udf") && o.medium ? (o.udfPartitionStart ?? null) : null;
  if (o.medium && fs.includes("udf")) {
    if (udfPartitionStart === null || !Number.isSafeInteger(udfPartitionStart) || udfPartitionStart < 0) {
      throw new InvalidArgumentError(
        "UDF in an appended session needs udfPartitionStart, the earlier partition's start",
      );
    }
  }
  const version = o.rockRidgeVersion ?? "1.12";
  if (version !== "1.12" && version !== "1.09") {
    throw new InvalidArgumentError(`Rock Ridge version ${version} must be "1.12" or "1.09"`);
  }
  const relocation = o.relocationDirectory === undefined ? "rr_moved" : o.relocationDirectory;
  if (
    relocation !== null &&
    (relocation === "" || /[/\0]/.test(relocation) || relocation === "." || relocation === "..")
  ) {
    throw new InvalidArgumentError(`relocation directory name ${JSON.stringify(relocation)} is not a valid name`);
  }
  const level = o.isoLevel ?? 3;
  if (level !== 1 && level !== 2 && level !== 3) throw new InvalidArgumentError(`ISO level ${level} must be 1, 2 or 3`);
  const start = o.sessionStart ?? 0;
  if (!Number.isInteger(start) || start < 0)
    throw new InvalidArgumentError(`session start ${start} must be a whole number >= 0`);
  const epoch = sourceDateEpochMs();
  const time = o.creationTime?.getTime() ?? epoch ?? Date.now();
  if (!Number.isFinite(time)) throw new InvalidArgumentError("creationTime is not a valid date");
  return {
    volumeName: o.volumeName === undefined ? undefined : checkVolumeName(o.volumeName),
    iso9660: fs.includes("iso9660"),
    udf: fs.includes("udf") ? udfRevision : null,
    joliet: fs.includes("joliet"),
    rockRidge: fs.includes("rockridge")
      ? {
          version,
          normalizeAttributes: o.normalizeAttributes ?? false,
          reproducible: o.reproducible ?? (o.creationTime !== undefined || epoch !== undefined),
        }
      : null,
    relocationDirectory: fs.includes("rockridge") ? relocation : null,
    isoLevel: level,
    jolietMaxName: o.jolietLongNames ? 103 : 64,
    strict: o.strict ?? false,
    identifiers: {
      system: checkText("system identifier", o.systemIdentifier ?? os.type().toUpperCase(), 32),
      volumeSet: checkText("volume set identifier", o.volumeSetIdentifier ?? "", 128),
      publisher: checkText("publisher identifier", o.publisherIdentifier ?? "", 128),
      dataPreparer: checkText("data preparer identifier", o.dataPreparerIdentifier ?? "", 128),
      application: checkText("application identifier", o.applicationIdentifier ?? DEFAULT_APPLICATION_ID, 128),
      copyrightFile: checkText("copyright file identifier", o.copyrightFileIdentifier ?? "", 37),
      abstractFile: checkText("abstract file identifier", o.abstractFileIdentifier ?? "", 37),
      bibliographicFile: checkText("bibliographic file identifier", o.bibliographicFileIdentifier ?? "", 37),
    },
    creationTimeMs: Math.floor(time),
    sessionStart: start,
    reproducible: o.reproducible ?? (o.creationTime !== undefined || epoch !== undefined),
    boot: o.boot ?? null,
    medium: o.medium ?? null,
    udfPartitionStart,
  };
}

/** ASCII form of a text for the PVD: anything outside printable ASCII becomes "_". */
export function asciiForm(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += c >= 0x20 && c <= 0x7e ? ch : "_";
  }
  return out;
}

/** Joliet form: characters outside UCS-2 become "_", then the field's character limit applies. */
export function ucs2Form(text: string, maxChars: number): string {
  let out = "";
  for (const ch of text) out += ch.codePointAt(0)! > 0xffff ? "_" : ch;
  return out.slice(0, maxChars);
}
