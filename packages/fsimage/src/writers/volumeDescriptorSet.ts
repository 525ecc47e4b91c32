// ECMA-119 6.7.1 / 8: the Volume Descriptor Set at session start + 16 (PVD, Joliet SVD, terminator).
import {
  encodeVolumeDescriptor,
  encodeVolumeDescriptorSetTerminator,
  JOLIET_ESCAPES,
  SECTOR_SIZE,
  type VolumeDescriptor,
} from "../ecma119/volumeDescriptor.js";
import { encodeBootRecord } from "../eltorito/bootCatalog.js";
import { asciiForm, type ResolvedOptions, ucs2Form } from "../options.js";
import type { Ecma119Hierarchy } from "./ecma119Hierarchy.js";

/** Everything the descriptors need once the layout is complete. */
export interface VolumeDescriptorInputs {
  options: ResolvedOptions;
  volumeName: string;
  iso9660: Ecma119Hierarchy;
  joliet: Ecma119Hierarchy | null;
  /** Volume Space Size (8.4.8): blocks from LBA 0 to the end of this session. */
  volumeSpaceSize: () => number;
  /** El Torito: the boot catalog's LBA for the Boot Record, or null without boot images. */
  bootCatalogLba: (() => number) | null;
}

export function volumeDescriptorCount(joliet: boolean, boot: boolean): number {
  return 2 + (joliet ? 1 : 0) + (boot ? 1 : 0);
}

function descriptor(
  inputs: VolumeDescriptorInputs,
  hierarchy: Ecma119Hierarchy,
  kind: "primary" | "joliet",
): VolumeDescriptor {
  const ids = inputs.options.identifiers;
  const text = kind === "primary" ? asciiForm : (t: string) => ucs2Form(t, 64);
  const shortText = kind === "primary" ? asciiForm : (t: string) => ucs2Form(t, 16);
  const shortFile = kind === "primary" ? asciiForm : (t: string) => ucs2Form(t, 18);
  const time = { epochMs: inputs.options.creationTimeMs, utcOffsetMinutes: 0 };
  return {
    type: kind === "primary" ? 1 : 2,
    volumeFlags: 0,
    systemIdentifier: shortText(ids.system),
    volumeIdentifier: shortText(inputs.volumeName),
    volumeSpaceSize: inputs.volumeSpaceSize(),
    escapeSequences: kind === "primary" ? "" : JOLIET_ESCAPES.level3,
    volumeSetSize: 1,
    volumeSequenceNumber: 1,
    logicalBlockSize: SECTOR_SIZE,
    pathTableSize: hierarchy.pathTableSize,
    typeLPathTable: hierarchy.typeLPathTableLocation,
    optionalTypeLPathTable: 0,
    typeMPathTable: hierarchy.typeMPathTableLocation,
    optionalTypeMPathTable: 0,
    rootDirectoryRecord: hierarchy.rootRecord(),
    volumeSetIdentifier: text(ids.volumeSet),
    publisherIdentifier: text(ids.publisher),
    dataPreparerIdentifier: text(ids.dataPreparer),
    applicationIdentifier: text(ids.application),
    copyrightFileIdentifier: shortFile(ids.copyrightFile),
    abstractFileIdentifier: shortFile(ids.abstractFile),
    bibliographicFileIdentifier: shortFile(ids.bibliographicFile),
    creation: time,
    modification: time,
    expiration: null,
    effective: time,
    fileStructureVersion: 1,
    applicationUse: new Uint8Array(0),
  };
}

/** Encodes the whole set: PVD, then the Joliet SVD if any, then the terminator (6.7.1.1). */
export function encodeVolumeDescriptorSet(inputs: VolumeDescriptorInputs): Uint8Array {
  const sectors = [encodeVolumeDescriptor(descriptor(inputs, inputs.iso9660, "primary"))];
  // El Torito 2.0: the Boot Record follows the PVD.
  if (inputs.bootCatalogLba) sectors.push(encodeBootRecord(inputs.bootCatalogLba()));
  if (inputs.joliet) sectors.push(encodeVolumeDescriptor(descriptor(inputs, inputs.joliet, "joliet")));
  sectors.push(encodeVolumeDescriptorSetTerminator());
  const out = new Uint8Array(sectors.length * SECTOR_SIZE);
  for (const [i, s] of sectors.entries()) out.set(s, i * SECTOR_SIZE);
  return out;
}
