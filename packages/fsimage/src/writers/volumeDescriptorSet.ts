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
  iso9660: Ecma119Hierarchy | null;
  joliet: Ecma119Hierarchy | null;
  /** Volume Space Size (8.4.8): blocks from LBA 0 to the end of this session. */
  volumeSpaceSize: () => number;
  /** El Torito: the boot catalog's LBA for the Boot Record, or null without boot images. */
  bootCatalogLba: (() => number) | null;
  /** UDF's Volume Recognition Sequence (BEA01, NSR02/NSR03, TEA01), after the ISO 9660 set; null without UDF. */
  udfRecognition: Uint8Array[] | null;
}

export function volumeDescriptorCount(has: { iso9660: boolean; joliet: boolean; boot: boolean; udf: boolean }): number {
  return (has.iso9660 ? 2 : 0) + (has.joliet ? 1 : 0) + (has.boot ? 1 : 0) + (has.udf ? 3 : 0);
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
  const sectors: Uint8Array[] = [];
  if (inputs.iso9660) {
    sectors.push(encodeVolumeDescriptor(descriptor(inputs, inputs.iso9660, "primary")));
    // El Torito 2.0: the Boot Record follows the PVD.
    if (inputs.bootCatalogLba) sectors.push(encodeBootRecord(inputs.bootCatalogLba()));
    if (inputs.joliet) sectors.push(encodeVolumeDescriptor(descriptor(inputs, inputs.joliet, "joliet")));
    sectors.push(encodeVolumeDescriptorSetTerminator());
  }
  // ECMA-167 2/8.3: the recognition sequence follows the ISO 9660 set (or starts at 16 without one).
  if (inputs.udfRecognition) sectors.push(...inputs.udfRecognition);
  const out = new Uint8Array(sectors.length * SECTOR_SIZE);
  for (const [i, s] of sectors.entries()) out.set(s, i * SECTOR_SIZE);
  return out;
}
