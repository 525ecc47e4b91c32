// Which file systems a session holds (IMAPI2's IdentifyFileSystemsOnDisc): ISO 9660 (PVD), Joliet (an SVD
// with UCS-2 escapes), Rock Ridge (SP and ER in the root's "." record), UDF (recognition sequence and
// anchor, revision from the logical volume's domain) and El Torito (boot record and catalog).

import { decodeBootEntry, decodeSectionHeader, decodeValidationEntry, ENTRY_SIZE } from "../eltorito/bootCatalog.js";
import { InvalidArgumentError } from "../errors.js";
import { readTag, TagId } from "../udf/primitives.js";
import { BLOCK_SIZE, type BlockSource, ReadContext, type ReadLimits } from "./blockSource.js";
import { ImageReadError } from "./errors.js";
import {
  detectRockRidge,
  type RockRidgeInfo,
  readVolumeDescriptorSet,
  VOLUME_DESCRIPTOR_OFFSET,
  type VolumeDescriptorSet,
} from "./iso9660Reader.js";
import { ANCHOR_OFFSET, readUdfRecognition, readUdfVolume, type UdfVolume } from "./udfReader.js";

export type ElToritoPlatform = "x86" | "powerpc" | "mac" | "efi" | "unknown";
export type ElToritoEmulation = "none" | "floppy-1.2" | "floppy-1.44" | "floppy-2.88" | "hard-disk" | "unknown";

/** One boot entry of the catalog (El Torito 2.2 initial/default entry, 2.4 section entries). */
export interface ElToritoEntry {
  platform: ElToritoPlatform;
  platformId: number;
  bootable: boolean;
  emulation: ElToritoEmulation;
  loadSegment: number;
  systemType: number;
  /** 512-byte virtual sectors loaded. */
  sectorCount: number;
  /** LBA of the boot image. */
  loadRba: number;
}

export interface IdentifiedFileSystems {
  iso9660: boolean;
  joliet: boolean;
  rockRidge: { version: RockRidgeInfo["version"] } | null;
  udf: { revision: string } | null;
  elTorito: { catalogLba: number; entries: ElToritoEntry[] } | null;
  /** The volume name of the most capable file system present (UDF, Joliet, ISO 9660); "" if none. */
  volumeName: string;
  /** Blocks of the volume: the PVD's Volume Space Size, or for UDF alone the blocks from the session start. */
  volumeSpaceSize: number;
  /** Structures that were damaged or unusual but did not hide a file system. */
  warnings: string[];
}

export interface IdentifyOptions {
  /** First LBA of the session to look at (default 0). */
  sessionStart?: number;
  limits?: Partial<ReadLimits>;
}

/** What identification found, with the decoded structures the importer reuses. */
export interface Identification {
  identified: IdentifiedFileSystems;
  set: VolumeDescriptorSet;
  rockRidge: RockRidgeInfo | null;
  udf: UdfVolume | null;
  /** Why a file system that is announced could not be opened. */
  errors: { rockRidge: ImageReadError | null; udf: ImageReadError | null };
}

const PLATFORMS: Record<number, ElToritoPlatform> = { 0: "x86", 1: "powerpc", 2: "mac", 239: "efi" };
const EMULATIONS: ElToritoEmulation[] = ["none", "floppy-1.2", "floppy-1.44", "floppy-2.88", "hard-disk"];

/** Up to this many catalog blocks are read (El Torito leaves the catalog's length open). */
const CATALOG_BLOCKS = 4;

async function readCatalog(ctx: ReadContext, catalogLba: number): Promise<ElToritoEntry[]> {
  const blocks = Math.min(CATALOG_BLOCKS, ctx.blockCount - catalogLba);
  if (blocks <= 0) {
    throw new ImageReadError("El Torito boot catalog", catalogLba, "lies past the end of the image");
  }
  const b = await ctx.read("El Torito boot catalog", catalogLba, blocks);
  const entryAt = (i: number) => b.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
  let validation: { platform: number };
  try {
    validation = decodeValidationEntry(entryAt(0));
  } catch (e) {
    throw new ImageReadError("El Torito validation entry", catalogLba, (e as Error).message, { cause: e });
  }
  const entries: ElToritoEntry[] = [];
  const push = (raw: Uint8Array, platformId: number, i: number) => {
    let e: ReturnType<typeof decodeBootEntry>;
    try {
      e = decodeBootEntry(raw);
    } catch (err) {
      throw new ImageReadError(
        "El Torito boot entry",
        catalogLba + Math.floor((i * ENTRY_SIZE) / BLOCK_SIZE),
        `${i}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    entries.push({
      platform: PLATFORMS[platformId] ?? "unknown",
      platformId,
      bootable: e.bootable,
      emulation: EMULATIONS[e.emulation] ?? "unknown",
      loadSegment: e.loadSegment,
      systemType: e.systemType,
      sectorCount: e.sectorCount,
      loadRba: e.loadRba,
    });
  };
  push(entryAt(1), validation.platform, 1);
  const total = (blocks * BLOCK_SIZE) / ENTRY_SIZE;
  for (let i = 2; i < total; ) {
    const raw = entryAt(i);
    if (raw[0] !== 0x90 && raw[0] !== 0x91) break; // 2.3: no further section header
    const header = decodeSectionHeader(raw);
    i++;
    for (let k = 0; k < header.entries && i < total; i++) {
      const entry = entryAt(i);
      if (entry[0] === 0x44) continue; // 2.5: an extension of the previous entry
      push(entry, header.platform, i);
      k++;
    }
    if (header.last) break;
  }
  return entries;
}

/** A valid anchor (tag 2, recorded location right) at sessionStart + 256, for volumes without a recognition sequence. */
async function anchorWithoutRecognition(ctx: ReadContext, sessionStart: number): Promise<boolean> {
  const lba = sessionStart + ANCHOR_OFFSET;
  if (lba >= ctx.blockCount) return false;
  const b = await ctx.read("UDF anchor volume descriptor pointer", lba, 1);
  try {
    return readTag(b, { identifier: TagId.anchor, location: lba }).identifier === TagId.anchor;
  } catch {
    return false;
  }
}

/** Identifies the file systems of a session, keeping the structures found for the importer. */
export async function identify(source: BlockSource, options: IdentifyOptions = {}): Promise<Identification> {
  const sessionStart = options.sessionStart ?? 0;
  if (!Number.isSafeInteger(sessionStart) || sessionStart < 0) {
    throw new InvalidArgumentError(`session start ${sessionStart} is not a block number`);
  }
  const ctx = new ReadContext(source, options.limits);
  if (sessionStart + VOLUME_DESCRIPTOR_OFFSET >= source.blockCount) {
    throw new ImageReadError(
      "volume descriptor set",
      sessionStart + VOLUME_DESCRIPTOR_OFFSET,
      `lies past the end of the image (${source.blockCount} blocks)`,
    );
  }
  const set = await readVolumeDescriptorSet(ctx, sessionStart);
  const errors: Identification["errors"] = { rockRidge: null, udf: null };
  let rockRidge: RockRidgeInfo | null = null;
  if (set.primary) {
    try {
      rockRidge = await detectRockRidge(ctx, set.primary.descriptor.rootDirectoryRecord);
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      errors.rockRidge = e;
      ctx.warn(`Rock Ridge could not be detected: ${e.message}`);
    }
  }
  let udf: UdfVolume | null = null;
  const recognition = await readUdfRecognition(ctx, sessionStart);
  if (recognition) {
    try {
      udf = await readUdfVolume(ctx, sessionStart, recognition);
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      errors.udf = e;
      ctx.warn(`the image announces UDF (${recognition.nsr}) but its volume structure is unreadable: ${e.message}`);
    }
  } else if (await anchorWithoutRecognition(ctx, sessionStart)) {
    // Some writers leave out the recognition sequence (Linux mounts such volumes with "novrs").
    try {
      udf = await readUdfVolume(ctx, sessionStart, null);
      ctx.warn("the UDF volume has no recognition sequence (BEA01, NSR02/NSR03); it was found by its anchor at 256");
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
    }
  }
  let elTorito: IdentifiedFileSystems["elTorito"] = null;
  if (set.bootRecord) {
    const catalogLba = set.bootRecord.catalogLba;
    elTorito = { catalogLba, entries: [] };
    try {
      elTorito.entries = await readCatalog(ctx, catalogLba);
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      ctx.warn(`El Torito boot catalog: ${e.message}`);
    }
  }
  const volumeName =
    udf?.logicalVolume.identifier ||
    set.joliet?.descriptor.volumeIdentifier ||
    set.primary?.descriptor.volumeIdentifier ||
    udf?.primary?.volumeIdentifier ||
    "";
  const volumeSpaceSize = set.primary?.descriptor.volumeSpaceSize ?? (udf ? source.blockCount - sessionStart : 0);
  return {
    identified: {
      iso9660: set.primary !== null,
      joliet: set.joliet !== null,
      rockRidge: rockRidge ? { version: rockRidge.version } : null,
      udf: udf ? { revision: udf.revision } : null,
      elTorito,
      volumeName,
      volumeSpaceSize,
      warnings: ctx.allWarnings(),
    },
    set,
    rockRidge,
    udf,
    errors,
  };
}

/** Which file systems a session holds (IMAPI2's IdentifyFileSystemsOnDisc). */
export async function identifyFileSystems(
  source: BlockSource,
  options: IdentifyOptions = {},
): Promise<IdentifiedFileSystems> {
  return (await identify(source, options)).identified;
}
