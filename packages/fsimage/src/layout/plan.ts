// Phase 2: project the tree through every format writer and fix every sector of the session.
import { InvalidArgumentError } from "../errors.js";
import type { ResolvedOptions } from "../options.js";
import type { DirectoryItem, ImageItem } from "../tree/items.js";
import { Ecma119Hierarchy } from "../writers/ecma119Hierarchy.js";
import { ElToritoWriter } from "../writers/elTorito.js";
import { FileDataLayout } from "../writers/fileData.js";
import { iso9660Naming } from "../writers/iso9660.js";
import { jolietNaming } from "../writers/joliet.js";
import { RockRidgeWriter } from "../writers/rockRidge.js";
import { UdfWriter } from "../writers/udf.js";
import { encodeVolumeDescriptorSet, volumeDescriptorCount } from "../writers/volumeDescriptorSet.js";
import { SectorAllocator, type SectorClaim } from "./allocator.js";

/**
 * ECMA-119 6.2.1 reserves blocks 0-15 of a session for the system area; the descriptor set follows at 16.
 * Like libisofs we keep blocks 16-31 for descriptors only (with UDF's recognition sequence after them), so
 * that growing an image later can rewrite this 64 KiB head without touching anything else.
 */
export const SYSTEM_AREA_BLOCKS = 16;
export const SESSION_HEAD_BLOCKS = 32;

export interface ImagePlan {
  sessionStart: number;
  /** Blocks of the volume descriptor set (and UDF recognition sequence) at session start + 16. */
  descriptorBlocks: number;
  /** Blocks of this session, from sessionStart to its end. */
  totalBlocks: number;
  claims: SectorClaim[];
  iso9660: Ecma119Hierarchy | null;
  joliet: Ecma119Hierarchy | null;
  udf: UdfWriter | null;
  elTorito: ElToritoWriter | null;
  data: FileDataLayout;
  warnings: string[];
}

interface PlanStep {
  name: string;
  /** Why this writer comes at this point in the order. */
  reason: string;
  run(ctx: PlanContext): void;
}

interface PlanContext {
  root: DirectoryItem;
  alloc: SectorAllocator;
  plan: Omit<ImagePlan, "totalBlocks" | "claims">;
  options: ResolvedOptions;
  volumeName: string;
}

/** Writer order, declared in code: each entry says why it stands where it does. */
const PLAN_STEPS: readonly PlanStep[] = [
  {
    name: "volume descriptor set and UDF recognition sequence",
    reason:
      "fixed at session start + 16 (ECMA-119 6.7.1, ECMA-167 2/8.3); encoded last, when every LBA and the volume size are known",
    run: ({ alloc, plan, options, volumeName }) => {
      const count = volumeDescriptorCount({
        iso9660: plan.iso9660 !== null,
        joliet: plan.joliet !== null,
        boot: plan.elTorito !== null,
        udf: plan.udf !== null,
      });
      plan.descriptorBlocks = count;
      alloc.claimAt(SYSTEM_AREA_BLOCKS, count, "volume descriptor set", {
        kind: "metadata",
        encode: () =>
          encodeVolumeDescriptorSet({
            options,
            volumeName,
            iso9660: plan.iso9660,
            joliet: plan.joliet,
            volumeSpaceSize: () => alloc.end,
            bootCatalogLba: plan.elTorito ? () => plan.elTorito!.catalogLba : null,
            udfRecognition: plan.udf?.recognitionSequence() ?? null,
          }),
      });
    },
  },
  {
    name: "UDF volume descriptor sequence, integrity sequence, anchor at 256",
    reason: "before the partition, which starts right after them and holds everything else of the session",
    run: ({ alloc, plan }) => plan.udf?.planVolumeStructures(alloc),
  },
  {
    name: "El Torito boot catalog",
    reason: "right after the head, where other mastering tools put it; the Boot Record (LBA 17) points at it",
    run: ({ alloc, plan }) => plan.elTorito?.planCatalog(alloc),
  },
  {
    name: "ISO 9660 hierarchy (with Rock Ridge)",
    reason:
      "path tables and directories (each followed by its Rock Ridge continuation area) first after the head, so readers find all metadata near the session start",
    run: ({ alloc, plan }) => plan.iso9660?.plan(alloc),
  },
  {
    name: "Joliet hierarchy",
    reason: "after ISO 9660: same kind of metadata, read by Joliet-aware systems instead of the ISO 9660 tree",
    run: ({ alloc, plan }) => plan.joliet?.plan(alloc),
  },
  {
    name: "UDF file set, file entries and directories",
    reason: "with the other metadata, before the file data they point at (2.50+: the metadata file, then its mirror)",
    run: ({ alloc, plan }) => plan.udf?.planFileStructures(alloc),
  },
  {
    name: "file data",
    reason: "after the metadata: every file system points into it, and one extent per source serves all of them",
    run: ({ alloc, plan, root }) => plan.data.plan(root, alloc, (s) => plan.udf?.embeddedSources.has(s) ?? false),
  },
  {
    name: "UDF reserve sequence and closing anchor",
    reason: "the partition ends before them; ECMA-167 wants an anchor at the end of the volume",
    run: ({ alloc, plan }) => plan.udf?.planTail(alloc),
  },
  {
    name: "isohybrid system area and GPT backup",
    reason: "after everything: the MBR and GPT describe the whole image, and the GPT backup must end it",
    run: ({ alloc, plan }) => plan.elTorito?.planHybrid(alloc),
  },
];

export function planImage(root: DirectoryItem, options: ResolvedOptions, volumeName: string): ImagePlan {
  const alloc = new SectorAllocator(options.sessionStart, SESSION_HEAD_BLOCKS);
  const data = new FileDataLayout(options.medium);
  if (options.boot && !options.iso9660) {
    throw new InvalidArgumentError("El Torito boot needs ISO 9660: add iso9660 to the file systems");
  }
  // El Torito first: it adds the visible boot catalog to the trees and the boot info table to the data.
  const elTorito = options.boot
    ? new ElToritoWriter(root, options.boot, data, {
        start: options.sessionStart,
        pvdLba: options.sessionStart + SYSTEM_AREA_BLOCKS,
        seed: `${volumeName}\0${options.creationTimeMs}`,
        creationTimeMs: options.creationTimeMs,
      })
    : null;
  const extraChildren = new Map<DirectoryItem, ImageItem[]>();
  if (elTorito?.catalogItem && elTorito.catalogDirectory) {
    extraChildren.set(elTorito.catalogDirectory, [elTorito.catalogItem]);
  }
  const common = {
    strict: options.strict,
    multiExtent: options.isoLevel === 3,
    defaultTimeMs: options.creationTimeMs,
    extraChildren,
  };
  const plan: PlanContext["plan"] = {
    sessionStart: options.sessionStart,
    iso9660: options.iso9660
      ? new Ecma119Hierarchy(root, iso9660Naming(options.isoLevel), data, {
          ...common,
          rockRidge: options.rockRidge ? new RockRidgeWriter(options.rockRidge) : null,
          relocationDirectory: options.relocationDirectory,
        })
      : null,
    joliet: options.joliet
      ? new Ecma119Hierarchy(root, jolietNaming(options.jolietMaxName), data, {
          ...common,
          rockRidge: null,
          relocationDirectory: null,
        })
      : null,
    udf: options.udf
      ? new UdfWriter(
          root,
          {
            revision: options.udf,
            volumeName,
            creationTimeMs: options.creationTimeMs,
            reproducible: options.reproducible,
            embedSmallFiles: !options.iso9660,
            extraChildren,
            partitionStart: options.udfPartitionStart,
          },
          data,
        )
      : null,
    elTorito,
    data,
    warnings: [],
    descriptorBlocks: 0,
  };
  const ctx: PlanContext = { root, alloc, plan, options, volumeName };
  for (const step of PLAN_STEPS) step.run(ctx);
  plan.warnings.push(
    ...(plan.iso9660?.warnings ?? []),
    ...(plan.joliet?.warnings ?? []),
    ...(plan.udf?.warnings ?? []),
  );
  return { ...plan, totalBlocks: alloc.end - options.sessionStart, claims: alloc.ordered() };
}
