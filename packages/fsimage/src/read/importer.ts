// Imports the tree of a session (IMAPI2's ImportFileSystem / ImportSpecificFileSystem): the most capable
// file system present (UDF, then Rock Ridge, then Joliet, then plain ISO 9660) unless the caller names one.
// Files come back as ExtentSources over the block source: nothing is copied.
import type { DirectoryItem } from "../tree/items.js";
import type { BlockSource, ReadLimits } from "./blockSource.js";
import { ReadContext } from "./blockSource.js";
import { ImageReadError } from "./errors.js";
import { type IdentifiedFileSystems, identify } from "./identify.js";
import { readEcma119Hierarchy, VOLUME_DESCRIPTOR_OFFSET } from "./iso9660Reader.js";
import { ANCHOR_OFFSET, readUdfTree } from "./udfReader.js";

export type ImportableFileSystem = "udf" | "rockridge" | "joliet" | "iso9660";

/** The order in which an import without a named file system tries them. */
export const IMPORT_PREFERENCE: readonly ImportableFileSystem[] = ["udf", "rockridge", "joliet", "iso9660"];

export interface ImportOptions {
  /** First LBA of the session to import (default 0). */
  sessionStart?: number;
  /** Import this file system, or fail; default: the most capable one present. */
  fileSystem?: ImportableFileSystem;
  /** Budgets against hostile images (see ReadLimits; the defaults suit any real medium). */
  limits?: Partial<ReadLimits>;
}

export interface ImportResult {
  root: DirectoryItem;
  fileSystem: ImportableFileSystem;
  identified: IdentifiedFileSystems;
  /** What was damaged, unusual or left out, and file systems tried before the one imported. */
  warnings: string[];
}

/** Reads the tree of one session of `source`. Throws ImageReadError when the image cannot be read safely. */
export async function importFileSystem(source: BlockSource, options: ImportOptions = {}): Promise<ImportResult> {
  const sessionStart = options.sessionStart ?? 0;
  const found = await identify(source, { sessionStart, limits: options.limits });
  const { identified, set, rockRidge, udf } = found;
  const warnings = [...identified.warnings];
  const present = (fs: ImportableFileSystem): boolean =>
    fs === "udf"
      ? udf !== null
      : fs === "rockridge"
        ? rockRidge !== null && set.primary !== null
        : fs === "joliet"
          ? set.joliet !== null
          : set.primary !== null;
  /** Why a file system that the session announces cannot be opened (null: fine, or not announced). */
  const broken = (fs: ImportableFileSystem): ImageReadError | null =>
    fs === "udf"
      ? found.errors.udf
      : fs === "rockridge"
        ? (found.errors.rockRidge ?? (rockRidge ? set.errors.primary : null))
        : fs === "joliet"
          ? set.errors.joliet
          : set.errors.primary;
  const others = (fs: ImportableFileSystem): ImportableFileSystem[] =>
    IMPORT_PREFERENCE.filter((x) => x !== fs && present(x));

  /** The error of a file system that cannot be imported, with the ones that could be named instead. */
  const refusal = (fs: ImportableFileSystem, e: ImageReadError): ImageReadError => {
    const alternatives = others(fs);
    if (alternatives.length === 0 || options.fileSystem) return e;
    return new ImageReadError(
      e.structure,
      e.lba,
      `${e.problem} (the ${fs} tree cannot be imported; the session also holds ${alternatives.join(", ")}: name one to import it)`,
      { cause: e },
    );
  };

  const absent = (fs: ImportableFileSystem): ImageReadError => {
    const have = IMPORT_PREFERENCE.filter(present);
    const where = fs === "udf" ? sessionStart + ANCHOR_OFFSET : sessionStart + VOLUME_DESCRIPTOR_OFFSET;
    const what =
      fs === "udf"
        ? "UDF volume"
        : fs === "rockridge"
          ? "Rock Ridge root directory"
          : fs === "joliet"
            ? "Joliet supplementary volume descriptor"
            : "primary volume descriptor";
    return new ImageReadError(
      what,
      where,
      `is not present in this session${have.length > 0 ? ` (it holds ${have.join(", ")})` : " (no ISO 9660 or UDF file system was found)"}`,
    );
  };

  const read = async (fs: ImportableFileSystem): Promise<ImportResult> => {
    const known = broken(fs);
    if (known) throw refusal(fs, known);
    if (!present(fs)) throw absent(fs);
    const ctx = new ReadContext(source, options.limits);
    let root: DirectoryItem;
    try {
      if (fs === "udf") root = await readUdfTree(ctx, udf!);
      else {
        const located = fs === "joliet" ? set.joliet! : set.primary!;
        root = await readEcma119Hierarchy(ctx, {
          descriptor: located.descriptor,
          descriptorLba: located.lba,
          joliet: fs === "joliet",
          rockRidge: fs === "rockridge" ? rockRidge : null,
        });
      }
    } catch (e) {
      if (e instanceof ImageReadError) throw refusal(fs, e);
      throw e;
    }
    return { root, fileSystem: fs, identified, warnings: [...warnings, ...ctx.allWarnings()] };
  };

  if (options.fileSystem) return read(options.fileSystem);
  // The most capable file system the session announces; a damaged one is refused, not silently skipped.
  const chosen = IMPORT_PREFERENCE.find((fs) => present(fs) || broken(fs) !== null);
  if (!chosen) throw absent("iso9660");
  return read(chosen);
}
