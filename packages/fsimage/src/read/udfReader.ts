// Reads a UDF volume (ECMA-167 3rd edition, OSTA UDF 1.02-2.60) into the tree model: recognition sequence,
// anchors, main volume descriptor sequence (reserve on failure), partition maps (type 1, the type 2
// metadata partition with its mirror, the virtual partition of write-once media through its allocation table,
// sparable partitions as physical ones), the file set, and directories
// of file identifiers down to (extended) file entries. Every tag is checked (checksum, CRC), every extent
// bounds-checked, allocation descriptor chains and directory walks bounded and checked for loops.
import { readU16LE, readU32LE } from "../encoding/bothEndian.js";
import {
  DirectoryItem,
  FileItem,
  type ItemAttributes,
  SpecialItem,
  type SpecialKind,
  SymlinkItem,
} from "../tree/items.js";
import { BytesSource, type FileSource } from "../tree/sources.js";
import {
  decodeDeviceAttributes,
  decodeFileEntry,
  decodeFileIdentifier,
  decodeFileSet,
  decodePathComponents,
  FileCharacteristics,
  type FileEntry,
  IcbFileType,
  posixPermissions,
} from "../udf/file.js";
import { type ExtentAd, type LongAd, readExtentAd, readTag, TagId, type UdfTime } from "../udf/primitives.js";
import {
  type Anchor,
  decodeIntegrity,
  decodeLogicalVolume,
  decodePartition,
  decodePrimaryVolume,
  type Integrity,
  type LogicalVolume,
  type Partition,
  type PartitionMap,
  type PrimaryVolume,
} from "../udf/volume.js";
import { BLOCK_SIZE, type ReadContext } from "./blockSource.js";
import { decoding, ImageReadError } from "./errors.js";
import { type Extent, ExtentSource } from "./extentSource.js";

/** ECMA-167 3/8.4.2.1 and UDF 2.2.3: the first anchor is 256 blocks into the session. */
export const ANCHOR_OFFSET = 256;

/** The Volume Recognition Sequence (ECMA-167 2/8.3): which NSR descriptor the extended area holds. */
export interface UdfRecognition {
  nsr: "NSR02" | "NSR03";
  lba: number;
}

const VSD_IDENTIFIERS = new Set(["CD001", "CDW02", "BOOT2", "BEA01", "NSR02", "NSR03", "TEA01"]);

/** Scans the recognition sequence from sessionStart + 16 for BEA01 ... NSR02/NSR03 ... TEA01. */
export async function readUdfRecognition(ctx: ReadContext, sessionStart: number): Promise<UdfRecognition | null> {
  let extended = false;
  let found: UdfRecognition | null = null;
  for (let i = 0; i < ctx.limits.maxVolumeDescriptors; i++) {
    const lba = sessionStart + 16 + i;
    if (lba >= ctx.blockCount) break;
    const b = await ctx.read("volume recognition sequence", lba, 1);
    if (b.every((x) => x === 0)) continue; // unrecorded, or a larger block size's padding
    const id = Buffer.from(b.subarray(1, 6)).toString("latin1");
    if (!VSD_IDENTIFIERS.has(id)) break;
    if (id === "BEA01") extended = true;
    else if (id === "TEA01") break;
    else if ((id === "NSR02" || id === "NSR03") && extended && !found) found = { nsr: id, lba };
  }
  return found;
}

/** "2.01" for 0x0201. */
export function udfRevisionString(code: number): string {
  return `${(code >> 8).toString(16)}.${(code & 0xff).toString(16).padStart(2, "0")}`;
}

export interface UdfPhysicalPartition {
  number: number;
  /** Absolute LBA of the partition's first block, and its length in blocks. */
  start: number;
  length: number;
}

/** The volume structure of a UDF volume, as far as a reader needs it. */
export interface UdfVolume {
  anchorLba: number;
  anchor: Anchor;
  /** Which sequence was used: the main one, or the reserve when the main one is damaged. */
  sequence: "main" | "reserve";
  primary: PrimaryVolume | null;
  logicalVolume: LogicalVolume;
  logicalVolumeLba: number;
  partitions: Map<number, UdfPhysicalPartition & { lba: number }>;
  integrity: Integrity | null;
  /** The UDF revision as a code (0x0201) and as text ("2.01"). */
  revisionCode: number;
  revision: string;
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Finds the anchor at sessionStart + 256, else at the last block or 256 before it (ECMA-167 3/8.4.2.1). */
async function readAnchor(ctx: ReadContext, sessionStart: number): Promise<{ lba: number; anchor: Anchor }> {
  const last = ctx.blockCount - 1;
  const candidates = [...new Set([sessionStart + ANCHOR_OFFSET, last, last - ANCHOR_OFFSET])].filter(
    (l) => l >= sessionStart && l < ctx.blockCount,
  );
  let firstError: ImageReadError | null = null;
  for (const lba of candidates) {
    try {
      const b = await ctx.read("UDF anchor volume descriptor pointer", lba, 1);
      const tag = decoding("UDF anchor volume descriptor pointer", lba, () => readTag(b, { identifier: TagId.anchor }));
      if (tag.location !== lba) ctx.warn(`UDF anchor at LBA ${lba} says it is at ${tag.location}`);
      if (lba !== sessionStart + ANCHOR_OFFSET)
        ctx.warn(`no UDF anchor at LBA ${sessionStart + ANCHOR_OFFSET}; the one at ${lba} is used`);
      return { lba, anchor: { main: readExtentAd(b, 16), reserve: readExtentAd(b, 24) } };
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      firstError ??= e;
    }
  }
  throw (
    firstError ??
    new ImageReadError(
      "UDF anchor volume descriptor pointer",
      sessionStart + ANCHOR_OFFSET,
      "lies past the end of the image",
    )
  );
}

interface Sequence {
  primary: PrimaryVolume | null;
  logicalVolume: LogicalVolume | null;
  logicalVolumeLba: number;
  partitions: Map<number, Partition & { lba: number }>;
}

/** Reads one volume descriptor sequence (ECMA-167 3/8.4.2), following pointers, up to its terminator. */
async function readSequence(ctx: ReadContext, extent: ExtentAd, which: string): Promise<Sequence> {
  const seq: Sequence = { primary: null, logicalVolume: null, logicalVolumeLba: 0, partitions: new Map() };
  const structure = `UDF ${which} volume descriptor sequence`;
  let seqNumbers = { primary: -1, logical: -1 };
  let location = extent.location;
  let blocks = Math.floor(extent.length / BLOCK_SIZE);
  let read = 0;
  const seen = new Set<number>();
  outer: for (let i = 0; i < blocks; i++) {
    const lba = location + i;
    if (++read > ctx.limits.maxVolumeDescriptors) {
      throw new ImageReadError(structure, lba, `has more than ${ctx.limits.maxVolumeDescriptors} descriptors`);
    }
    ctx.checkExtent(structure, lba, 1);
    const b = await ctx.read(structure, lba, 1);
    if (allZero(b)) break;
    const tag = decoding(structure, lba, () => readTag(b));
    switch (tag.identifier) {
      case TagId.primaryVolume: {
        const pvd = decoding("UDF primary volume descriptor", lba, () => decodePrimaryVolume(b));
        if (pvd.sequenceNumber > seqNumbers.primary) {
          seq.primary = pvd;
          seqNumbers = { ...seqNumbers, primary: pvd.sequenceNumber };
        }
        break;
      }
      case TagId.volumePointer: {
        // 3/10.3: continue in the next extent of the sequence.
        const next = readExtentAd(b, 20);
        if (seen.has(next.location)) throw new ImageReadError(structure, lba, "volume descriptor pointers loop");
        seen.add(next.location);
        location = next.location;
        blocks = Math.floor(next.length / BLOCK_SIZE);
        i = -1;
        break;
      }
      case TagId.partition: {
        const pd = decoding("UDF partition descriptor", lba, () => decodePartition(b));
        const old = seq.partitions.get(pd.number);
        if (!old || pd.sequenceNumber > old.sequenceNumber) seq.partitions.set(pd.number, { ...pd, lba });
        break;
      }
      case TagId.logicalVolume: {
        const lvd = decoding("UDF logical volume descriptor", lba, () => decodeLogicalVolume(b));
        if (lvd.sequenceNumber > seqNumbers.logical) {
          seq.logicalVolume = lvd;
          seq.logicalVolumeLba = lba;
          seqNumbers = { ...seqNumbers, logical: lvd.sequenceNumber };
        }
        break;
      }
      case TagId.implementationUse:
      case TagId.unallocatedSpace:
        break;
      case TagId.terminating:
        break outer;
      default:
        throw new ImageReadError(structure, lba, `holds a descriptor with tag identifier ${tag.identifier}`);
    }
  }
  if (!seq.logicalVolume) {
    throw new ImageReadError(structure, extent.location, "has no logical volume descriptor");
  }
  if (seq.partitions.size === 0) throw new ImageReadError(structure, extent.location, "has no partition descriptor");
  return seq;
}

/** Anchor, volume descriptor sequence (the reserve if the main one fails) and integrity descriptor. */
export async function readUdfVolume(
  ctx: ReadContext,
  sessionStart: number,
  recognition: UdfRecognition | null,
): Promise<UdfVolume> {
  const { lba: anchorLba, anchor } = await readAnchor(ctx, sessionStart);
  let seq: Sequence;
  let sequence: UdfVolume["sequence"] = "main";
  try {
    seq = await readSequence(ctx, anchor.main, "main");
  } catch (e) {
    if (!(e instanceof ImageReadError)) throw e;
    try {
      seq = await readSequence(ctx, anchor.reserve, "reserve");
    } catch {
      throw e;
    }
    ctx.warn(`the UDF main volume descriptor sequence is unreadable (${e.message}); the reserve sequence is used`);
    sequence = "reserve";
  }
  const lvd = seq.logicalVolume!;
  let integrity: Integrity | null = null;
  const lvidLba = lvd.integritySequence.location;
  if (lvd.integritySequence.length >= BLOCK_SIZE && lvidLba < ctx.blockCount) {
    try {
      const b = await ctx.read("UDF logical volume integrity descriptor", lvidLba, 1);
      integrity = decoding("UDF logical volume integrity descriptor", lvidLba, () => decodeIntegrity(b));
    } catch (e) {
      if (!(e instanceof ImageReadError)) throw e;
      ctx.warn(`UDF integrity descriptor at LBA ${lvidLba} is unreadable (${e.message})`);
    }
  }
  let revisionCode = lvd.domain.suffix[0] | (lvd.domain.suffix[1] << 8);
  if (revisionCode < 0x0100 || revisionCode > 0x0300) {
    revisionCode = integrity && integrity.maximumWriteRevision >= 0x0100 ? integrity.maximumWriteRevision : 0;
  }
  if (revisionCode < 0x0100 || revisionCode > 0x0300) revisionCode = recognition?.nsr === "NSR03" ? 0x0200 : 0x0102;
  const partitions = new Map<number, UdfPhysicalPartition & { lba: number }>();
  for (const [number, pd] of seq.partitions)
    partitions.set(number, { number, start: pd.start, length: pd.length, lba: pd.lba });
  return {
    anchorLba,
    anchor,
    sequence,
    primary: seq.primary,
    logicalVolume: lvd,
    logicalVolumeLba: seq.logicalVolumeLba,
    partitions,
    integrity,
    revisionCode,
    revision: udfRevisionString(revisionCode),
  };
}

/** A logical block range of one partition reference, mapped to absolute blocks. */
interface Run {
  logical: number;
  lba: number;
  blocks: number;
}

type Mapping =
  | { kind: "physical"; partition: UdfPhysicalPartition }
  | { kind: "metadata"; partition: UdfPhysicalPartition; runs: Run[] }
  | { kind: "virtual"; partition: UdfPhysicalPartition; table: Uint32Array };

/** UDF 2.2.11: how far back from the end of the image the last recorded block (the VAT's ICB) is looked for. */
const VAT_SCAN_BLOCKS = 16384;
/** The largest virtual allocation table read (4 bytes per virtual block). */
const MAX_VAT_BYTES = 64 * 1024 * 1024;
/** 4/14.6.6 file type 248: the Virtual Allocation Table of UDF 2.00 and later. */
const VAT_FILE_TYPE = 248;

/** Partition-relative extent before mapping (4/14.14). */
interface RawExtent {
  ref: number;
  block: number;
  bytes: number;
  recorded: boolean;
}

const AD_SIZES = [8, 16, 20] as const;

/** Attributes shared by every item (4/14.9: permissions, owners, times; 4/14.6.8 setuid/setgid/sticky). */
function attributesOf(fe: FileEntry): ItemAttributes {
  const ms = (t: UdfTime) => (Number.isFinite(t.epochMs) ? t.epochMs : undefined);
  const flags = fe.icbFlags;
  const mode =
    posixPermissions(fe.permissions) |
    (flags & 0x40 ? 0o4000 : 0) |
    (flags & 0x80 ? 0o2000 : 0) |
    (flags & 0x100 ? 0o1000 : 0);
  return {
    mtimeMs: ms(fe.modificationTime),
    atimeMs: ms(fe.accessTime),
    ctimeMs: ms(fe.attributeTime),
    mode,
    uid: fe.uid === 0xffffffff ? undefined : fe.uid,
    gid: fe.gid === 0xffffffff ? undefined : fe.gid,
  };
}

interface NodeInfo {
  kind: "file" | "symlink" | SpecialKind;
  attrs: ItemAttributes;
  source: FileSource | null;
  target: string;
  device: { major: number; minor: number } | null;
}

interface PendingDirectory {
  item: DirectoryItem;
  fe: FileEntry;
  lba: number;
  ref: number;
}

class UdfWalker {
  private readonly mappings: Mapping[] = [];
  private readonly defaultTimeMs: number;
  private readonly directories = new Set<string>();
  private readonly nodes = new Map<string, NodeInfo>();
  private partitionWarned = false;

  constructor(
    private readonly ctx: ReadContext,
    private readonly volume: UdfVolume,
    private readonly useMirror: boolean,
  ) {
    const t = volume.primary?.recordingTime.epochMs;
    this.defaultTimeMs = t !== undefined && Number.isFinite(t) ? t : 0;
  }

  /** Builds the partition reference → mapping table (UDF 2.2.8-2.2.10). */
  async mapPartitions(): Promise<void> {
    const lvd = this.volume.logicalVolume;
    const at = this.volume.logicalVolumeLba;
    const physical = (m: PartitionMap): UdfPhysicalPartition => {
      const p = this.volume.partitions.get(m.partitionNumber);
      if (!p) {
        throw new ImageReadError(
          "UDF logical volume descriptor",
          at,
          `maps partition ${m.partitionNumber}, which has no partition descriptor`,
        );
      }
      this.ctx.checkExtent("UDF partition", p.start, 0, p.lba);
      return p;
    };
    for (const m of lvd.maps) {
      if (m.type === 1) {
        this.mappings.push({ kind: "physical", partition: physical(m) });
        continue;
      }
      const id = m.identifier.identifier;
      if (id === "*UDF Metadata Partition") {
        this.mappings.push({ kind: "physical", partition: physical(m) }); // placeholder until the runs are read
      } else if (id === "*UDF Sparable Partition") {
        this.ctx.warn("the UDF volume uses a sparable partition; it is read without its sparing table");
        this.mappings.push({ kind: "physical", partition: physical(m) });
      } else if (id === "*UDF Virtual Partition") {
        this.mappings.push({ kind: "physical", partition: physical(m) }); // placeholder until the VAT is read
      } else {
        throw new ImageReadError(
          "UDF logical volume descriptor",
          at,
          `uses a partition map "${id}", which this reader does not support`,
        );
      }
    }
    for (let ref = 0; ref < lvd.maps.length; ref++) {
      const m = lvd.maps[ref];
      if (m.type !== 2 || m.identifier.identifier !== "*UDF Virtual Partition") continue;
      const partition = physical(m);
      this.mappings[ref] = { kind: "virtual", partition, table: await this.readVat(partition) };
    }
    for (let ref = 0; ref < lvd.maps.length; ref++) {
      const m = lvd.maps[ref];
      if (m.type !== 2 || m.identifier.identifier !== "*UDF Metadata Partition") continue;
      const partition = physical(m);
      const physicalRef = this.mappings.findIndex((x) => x.kind === "physical" && x.partition === partition);
      const location = this.useMirror ? m.metadataMirrorFileLocation : m.metadataFileLocation;
      const what = this.useMirror ? "UDF metadata mirror file entry" : "UDF metadata file entry";
      const { fe, lba } = await this.readEntry(physicalRef < 0 ? ref : physicalRef, location, what, at, partition);
      const expected = this.useMirror ? IcbFileType.metadataMirror : IcbFileType.metadata;
      if (fe.fileType !== expected) {
        throw new ImageReadError(what, lba, `has file type ${fe.fileType}, not ${expected}`);
      }
      const raw = await this.allocation(fe, -1, lba, what, partition);
      const runs: Run[] = [];
      let logical = 0;
      for (const r of raw) {
        const blocks = Math.ceil(r.bytes / BLOCK_SIZE);
        if (r.recorded) {
          const abs = partition.start + r.block;
          this.ctx.checkExtent(what, abs, blocks, lba);
          runs.push({ logical, lba: abs, blocks });
        }
        logical += blocks;
      }
      this.mappings[ref] = { kind: "metadata", partition, runs };
    }
  }

  /**
   * UDF 2.2.11 and 6.10: the Virtual Allocation Table of write-once media, whose file entry is the last block
   * recorded: for UDF 2.00+ a file of type 248 (header, then one 32-bit physical block per virtual block),
   * for 1.50 a file of unspecified type ending in the "*UDF Virtual Alloc Tbl" identifier.
   */
  private async readVat(partition: UdfPhysicalPartition): Promise<Uint32Array> {
    const structure = "UDF virtual allocation table";
    let lba = this.ctx.blockCount - 1;
    let block: Uint8Array | null = null;
    for (let scanned = 0; lba >= partition.start && scanned < VAT_SCAN_BLOCKS; lba--, scanned++) {
      const b = await this.ctx.read(structure, lba, 1);
      if (!allZero(b)) {
        block = b;
        break;
      }
    }
    if (!block) {
      throw new ImageReadError(structure, this.ctx.blockCount - 1, "has no recorded block near the end of the image");
    }
    const b = block;
    const fe = decoding(`${structure} file entry`, lba, () => decodeFileEntry(b));
    const data = await this.bytesOf(fe, -1, lba, structure, MAX_VAT_BYTES, partition);
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let first: number;
    let end = data.length;
    if (fe.fileType === VAT_FILE_TYPE) {
      first = data.length >= 4 ? v.getUint16(0, true) : 0; // L_HD: the header's length
      if (first < 152 || first > data.length) {
        throw new ImageReadError(structure, lba, `has a header of ${first} bytes in ${data.length}`);
      }
    } else {
      const id = Buffer.from(data.subarray(Math.max(0, end - 36 + 1), end - 4)).toString("latin1");
      if (fe.fileType !== 0 || !id.startsWith("*UDF Virtual Alloc Tbl")) {
        throw new ImageReadError(structure, lba, `is not a virtual allocation table (file type ${fe.fileType})`);
      }
      first = 0;
      end -= 36;
    }
    const table = new Uint32Array(Math.floor((end - first) / 4));
    for (let i = 0; i < table.length; i++) table[i] = v.getUint32(first + 4 * i, true);
    return table;
  }

  private mapping(ref: number, at: number, structure: string): Mapping {
    const m = this.mappings[ref];
    if (!m) {
      throw new ImageReadError(structure, at, `refers to partition reference ${ref}, which the logical volume lacks`);
    }
    return m;
  }

  /** Maps a partition-relative extent to absolute extents, bounds-checked. */
  private resolve(raw: RawExtent, structure: string, at: number, physicalOverride?: UdfPhysicalPartition): Extent[] {
    if (!raw.recorded) return [{ lba: 0, bytes: raw.bytes, sparse: true }];
    const blocks = Math.ceil(raw.bytes / BLOCK_SIZE);
    const m: Mapping = physicalOverride
      ? { kind: "physical", partition: physicalOverride }
      : this.mapping(raw.ref, at, structure);
    if (m.kind === "physical") {
      if (raw.block + blocks > m.partition.length && !this.partitionWarned) {
        this.partitionWarned = true;
        this.ctx.warn(`${structure} at LBA ${at} reaches past the end of partition ${m.partition.number}`);
      }
      const lba = m.partition.start + raw.block;
      this.ctx.checkExtent(structure, lba, blocks, at);
      return [{ lba, bytes: raw.bytes }];
    }
    const out: Extent[] = [];
    let block = raw.block;
    let left = raw.bytes;
    if (m.kind === "virtual") {
      // Each virtual block has its own physical place; neighbours that stay neighbours form one extent.
      for (; left > 0; block++) {
        this.ctx.countPieces(structure, at, 1);
        const physical = block < m.table.length ? m.table[block] : 0xffffffff;
        if (physical === 0xffffffff) {
          throw new ImageReadError(structure, at, `refers to virtual block ${block}, which the VAT does not map`);
        }
        const lba = m.partition.start + physical;
        this.ctx.checkExtent(structure, lba, 1, at);
        const n = Math.min(left, BLOCK_SIZE);
        const last = out[out.length - 1];
        if (last && last.bytes % BLOCK_SIZE === 0 && last.lba + last.bytes / BLOCK_SIZE === lba) {
          out[out.length - 1] = { lba: last.lba, bytes: last.bytes + n };
        } else {
          if (out.length >= this.ctx.limits.maxExtentsPerFile) {
            throw new ImageReadError(structure, at, `maps to more than ${this.ctx.limits.maxExtentsPerFile} extents`);
          }
          out.push({ lba, bytes: n });
        }
        left -= n;
      }
      return out;
    }
    while (left > 0) {
      const run = findRun(m.runs, block);
      if (!run) {
        throw new ImageReadError(
          structure,
          at,
          `refers to block ${block} of the metadata partition, outside the metadata file`,
        );
      }
      const n = Math.min(left, (run.logical + run.blocks - block) * BLOCK_SIZE);
      out.push({ lba: run.lba + block - run.logical, bytes: n });
      left -= n;
      block += Math.ceil(n / BLOCK_SIZE);
    }
    return out;
  }

  /** The absolute LBA of one block of a partition reference. */
  private blockLba(ref: number, block: number, structure: string, at: number, physical?: UdfPhysicalPartition): number {
    return this.resolve({ ref, block, bytes: BLOCK_SIZE, recorded: true }, structure, at, physical)[0].lba;
  }

  /** Reads a (extended) file entry; strategy 4096 ICBs are followed to their newest entry (4/14.6.2). */
  private async readEntry(
    ref: number,
    block: number,
    structure: string,
    at: number,
    physical?: UdfPhysicalPartition,
  ): Promise<{ fe: FileEntry; lba: number }> {
    let lba = this.blockLba(ref, block, structure, at, physical);
    const b = await this.ctx.read(structure, lba, 1);
    let fe = decoding(structure, lba, () => decodeFileEntry(b));
    const location = readU32LE(b, 12); // 3/7.2.8 Tag Location
    if (location !== block) this.ctx.warn(`${structure} at LBA ${lba} says it is at block ${location}`);
    if (readU16LE(b, 20) === 4096) {
      // An indirect entry after the direct one points at a newer ICB (ECMA-167 4/14.7).
      let nextRef = ref;
      let next = block + 1;
      for (let hops = 0; hops < 64; hops++) {
        let ie: Uint8Array;
        try {
          ie = await this.ctx.read(structure, this.blockLba(nextRef, next, structure, at, physical), 1);
          const t = readTag(ie);
          if (t.identifier !== TagId.indirectEntry) break;
        } catch {
          break;
        }
        const target = readU32LE(ie, 40);
        const targetRef = readU16LE(ie, 44);
        const newLba = this.blockLba(targetRef, target, structure, at, physical);
        const nb = await this.ctx.read(structure, newLba, 1);
        fe = decoding(structure, newLba, () => decodeFileEntry(nb));
        lba = newLba;
        nextRef = targetRef;
        next = target + 1;
      }
    }
    return { fe, lba };
  }

  /** The allocation descriptors of a file entry, through allocation extent descriptors (4/14.5), bounded. */
  private async allocation(
    fe: FileEntry,
    feRef: number,
    feLba: number,
    structure: string,
    physical?: UdfPhysicalPartition,
  ): Promise<RawExtent[]> {
    const adType = fe.icbFlags & 7;
    if (adType > 2) throw new ImageReadError(structure, feLba, `uses allocation descriptor type ${adType}`);
    const size = AD_SIZES[adType];
    const out: RawExtent[] = [];
    let area = fe.allocationDescriptors;
    const seen = new Set<number>();
    let chained = 0;
    for (let off = 0; off + size <= area.length; off += size) {
      const raw = readU32LE(area, off);
      const bytes = raw & 0x3fffffff;
      const type = raw >>> 30;
      if (bytes === 0) break; // 4/12.1: a zero length ends the descriptors
      let block: number;
      let ref = feRef;
      if (adType === 0) block = readU32LE(area, off + 4);
      else if (adType === 1) {
        block = readU32LE(area, off + 4);
        ref = readU16LE(area, off + 8);
      } else {
        block = readU32LE(area, off + 12);
        ref = readU16LE(area, off + 16);
      }
      if (type === 3) {
        // The next extent of allocation descriptors.
        if (++chained > this.ctx.limits.maxAllocationExtents) {
          throw new ImageReadError(
            structure,
            feLba,
            `chains more than ${this.ctx.limits.maxAllocationExtents} allocation extents`,
          );
        }
        const lba = this.blockLba(ref, block, "UDF allocation extent descriptor", feLba, physical);
        if (seen.has(lba)) {
          throw new ImageReadError(
            "UDF allocation extent descriptor",
            lba,
            `is chained twice from the file entry at LBA ${feLba} (a loop)`,
          );
        }
        seen.add(lba);
        const b = await this.ctx.read("UDF allocation extent descriptor", lba, 1);
        decoding("UDF allocation extent descriptor", lba, () => readTag(b, { identifier: TagId.allocationExtent }));
        const length = readU32LE(b, 20);
        if (24 + length > BLOCK_SIZE) {
          throw new ImageReadError("UDF allocation extent descriptor", lba, `claims ${length} bytes of descriptors`);
        }
        area = b.subarray(24, 24 + length);
        off = -size;
        continue;
      }
      if (out.length >= this.ctx.limits.maxExtentsPerFile) {
        throw new ImageReadError(
          structure,
          feLba,
          `has more than ${this.ctx.limits.maxExtentsPerFile} allocation descriptors`,
        );
      }
      out.push({ ref, block, bytes, recorded: type === 0 });
    }
    return out;
  }

  /** A file entry's data: embedded bytes, or extents of exactly its information length. */
  private async data(
    fe: FileEntry,
    ref: number,
    lba: number,
    structure: string,
    physical?: UdfPhysicalPartition,
  ): Promise<{ embedded: Uint8Array } | { extents: Extent[] }> {
    if (fe.informationLength > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ImageReadError(structure, lba, `has an information length of ${fe.informationLength} bytes`);
    }
    const size = Number(fe.informationLength);
    if ((fe.icbFlags & 7) === 3) {
      if (size > fe.allocationDescriptors.length) {
        throw new ImageReadError(
          structure,
          lba,
          `has ${size} bytes of data but embeds only ${fe.allocationDescriptors.length}`,
        );
      }
      return { embedded: fe.allocationDescriptors.subarray(0, size) };
    }
    const raw = await this.allocation(fe, ref, lba, structure, physical);
    const extents: Extent[] = [];
    let left = size;
    for (const r of raw) {
      if (left === 0) break;
      const piece = { ...r, bytes: Math.min(r.bytes, left) };
      extents.push(...this.resolve(piece, structure, lba, physical));
      left -= piece.bytes;
    }
    if (left > 0) {
      throw new ImageReadError(
        structure,
        lba,
        `has an information length of ${size} bytes but allocation descriptors for only ${size - left}`,
      );
    }
    return { extents };
  }

  private async bytesOf(
    fe: FileEntry,
    ref: number,
    lba: number,
    structure: string,
    max: number,
    physical?: UdfPhysicalPartition,
  ): Promise<Uint8Array> {
    if (fe.informationLength > BigInt(max)) {
      throw new ImageReadError(structure, lba, `holds ${fe.informationLength} bytes (limit ${max})`);
    }
    const d = await this.data(fe, ref, lba, structure, physical);
    if ("embedded" in d) return d.embedded;
    const out = new Uint8Array(Number(fe.informationLength));
    let at = 0;
    for (const e of d.extents) {
      if (!e.sparse) {
        const b = await this.ctx.read(structure, e.lba, Math.ceil(e.bytes / BLOCK_SIZE));
        out.set(b.subarray(0, e.bytes), at);
      }
      at += e.bytes;
    }
    return out;
  }

  async walk(): Promise<DirectoryItem> {
    await this.mapPartitions();
    const lvd = this.volume.logicalVolume;
    const fsdLba = this.blockLba(
      lvd.fileSetLocation.partition,
      lvd.fileSetLocation.block,
      "UDF file set descriptor",
      this.volume.logicalVolumeLba,
    );
    const fsdBlock = await this.ctx.read("UDF file set descriptor", fsdLba, 1);
    const fsd = decoding("UDF file set descriptor", fsdLba, () => decodeFileSet(fsdBlock));
    const rootIcb = fsd.rootDirectory;
    const { fe, lba } = await this.readEntry(rootIcb.partition, rootIcb.block, "UDF root directory file entry", fsdLba);
    if (fe.fileType !== IcbFileType.directory) {
      throw new ImageReadError("UDF root directory file entry", lba, `has file type ${fe.fileType}, not a directory`);
    }
    const root = new DirectoryItem("", attributesOf(fe), this.defaultTimeMs);
    this.directories.add(`${rootIcb.partition}:${rootIcb.block}`);
    this.ctx.countDirectory("UDF root directory file entry", lba);
    const queue: PendingDirectory[] = [{ item: root, fe, lba, ref: rootIcb.partition }];
    while (queue.length > 0) {
      const dir = queue.pop()!;
      await this.readDirectory(dir, queue);
    }
    return root;
  }

  private async readDirectory(dir: PendingDirectory, queue: PendingDirectory[]): Promise<void> {
    const structure = "UDF directory";
    if (dir.fe.informationLength > BigInt(this.ctx.limits.maxDirectoryBytes)) {
      throw new ImageReadError(
        structure,
        dir.lba,
        `${dir.item.path} is ${dir.fe.informationLength} bytes long (limit ${this.ctx.limits.maxDirectoryBytes})`,
      );
    }
    const d = await this.data(dir.fe, dir.ref, dir.lba, "UDF directory file entry");
    const size = Number(dir.fe.informationLength);
    let stream: Uint8Array;
    const pieces: Array<{ offset: number; lba: number }> = [];
    if ("embedded" in d) {
      stream = d.embedded;
      pieces.push({ offset: 0, lba: dir.lba });
    } else {
      stream = new Uint8Array(size);
      let at = 0;
      for (const e of d.extents) {
        pieces.push({ offset: at, lba: e.lba });
        if (!e.sparse) {
          const b = await this.ctx.read(structure, e.lba, Math.ceil(e.bytes / BLOCK_SIZE));
          stream.set(b.subarray(0, e.bytes), at);
        }
        at += e.bytes;
      }
    }
    const lbaAt = (offset: number): number => {
      if ("embedded" in d) return dir.lba;
      let lo = 0;
      let hi = pieces.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pieces[mid].offset <= offset) lo = mid;
        else hi = mid - 1;
      }
      const p = pieces[lo];
      return p.lba + Math.floor((offset - p.offset) / BLOCK_SIZE);
    };
    for (let off = 0; off < size; ) {
      if (size - off < 38 || readU16LE(stream, off) === 0) {
        if (allZero(stream.subarray(off, size))) break;
        throw new ImageReadError("UDF file identifier", lbaAt(off), `at offset ${off} of ${dir.item.path} is damaged`);
      }
      const { fid, length } = decoding("UDF file identifier", lbaAt(off), () => decodeFileIdentifier(stream, off));
      const fidLba = lbaAt(off);
      off += length;
      this.ctx.countEntry("UDF file identifier", fidLba);
      if (fid.characteristics & (FileCharacteristics.deleted | FileCharacteristics.parent)) continue;
      if (fid.icb.length === 0) {
        this.ctx.warn(`UDF file identifier at LBA ${fidLba} (${JSON.stringify(fid.name)}) has no file entry`);
        continue;
      }
      const name = this.ctx.checkName(fid.name, "UDF file identifier", fidLba);
      if (dir.item.get(name)) {
        this.ctx.warn(`${dir.item.path} holds two entries named ${JSON.stringify(name)}; the later one is left out`);
        continue;
      }
      await this.addChild(dir.item, name, fid.icb, fidLba, queue);
    }
  }

  private async addChild(
    parent: DirectoryItem,
    name: string,
    icb: LongAd,
    fidLba: number,
    queue: PendingDirectory[],
  ): Promise<void> {
    const key = `${icb.partition}:${icb.block}`;
    if (this.directories.has(key)) {
      throw new ImageReadError(
        "UDF file identifier",
        fidLba,
        `points ${parent.path === "/" ? "" : parent.path}/${name} at a directory already read (a directory loop)`,
      );
    }
    const known = this.nodes.get(key);
    if (known) {
      parent.add(this.item(name, known));
      return;
    }
    const structure = "UDF file entry";
    const { fe, lba } = await this.readEntry(icb.partition, icb.block, structure, fidLba);
    const attrs = attributesOf(fe);
    switch (fe.fileType) {
      case IcbFileType.directory: {
        this.directories.add(key);
        this.ctx.countDirectory(structure, lba);
        const item = new DirectoryItem(name, attrs, this.defaultTimeMs);
        parent.add(item);
        queue.push({ item, fe, lba, ref: icb.partition });
        return;
      }
      case 0: // 4/14.6.6: unspecified
      case IcbFileType.file:
      case 8: {
        // 8: real-time file
        const d = await this.data(fe, icb.partition, lba, structure);
        const source =
          "embedded" in d
            ? new BytesSource(new Uint8Array(d.embedded), `<${d.embedded.length} bytes embedded at LBA ${lba}>`)
            : new ExtentSource(this.ctx.source, d.extents);
        this.remember(key, parent, name, { kind: "file", attrs, source, target: "", device: null });
        return;
      }
      case IcbFileType.symlink: {
        const limit = this.ctx.limits.maxSymlinkBytes;
        const bytes = await this.bytesOf(fe, icb.partition, lba, "UDF symbolic link", limit * 2 + 64);
        const target = decoding("UDF path components", lba, () => decodePathComponents(bytes));
        if (target.length > limit) {
          throw new ImageReadError("UDF path components", lba, `make a target of more than ${limit} characters`);
        }
        this.remember(key, parent, name, { kind: "symlink", attrs, source: null, target, device: null });
        return;
      }
      case IcbFileType.fifo:
      case IcbFileType.socket:
      case IcbFileType.blockDevice:
      case IcbFileType.characterDevice: {
        const kind: SpecialKind =
          fe.fileType === IcbFileType.fifo
            ? "fifo"
            : fe.fileType === IcbFileType.socket
              ? "socket"
              : fe.fileType === IcbFileType.blockDevice
                ? "block-device"
                : "character-device";
        let device: { major: number; minor: number } | null = null;
        if (kind === "block-device" || kind === "character-device") {
          device = decoding("UDF device specification extended attribute", lba, () =>
            decodeDeviceAttributes(fe.extendedAttributes),
          );
          if (!device) this.ctx.warn(`${parent.path}/${name}: a device without a device specification attribute`);
        }
        this.remember(key, parent, name, { kind, attrs, source: null, target: "", device });
        return;
      }
      default:
        this.ctx.warn(
          `${parent.path}/${name}: file type ${fe.fileType} is not a file, directory, link or device; left out`,
        );
    }
  }

  private remember(key: string, parent: DirectoryItem, name: string, info: NodeInfo): void {
    this.nodes.set(key, info);
    parent.add(this.item(name, info));
  }

  /** A fresh item for one name of a node; file names of one node share its source (hard links). */
  private item(name: string, info: NodeInfo): FileItem | SymlinkItem | SpecialItem {
    if (info.kind === "file") return new FileItem(name, info.source!, info.attrs, this.defaultTimeMs);
    if (info.kind === "symlink") return new SymlinkItem(name, info.target, info.attrs, this.defaultTimeMs);
    return new SpecialItem(name, info.kind, info.device, info.attrs, this.defaultTimeMs);
  }
}

function findRun(runs: Run[], block: number): Run | null {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid];
    if (block < r.logical) hi = mid - 1;
    else if (block >= r.logical + r.blocks) lo = mid + 1;
    else return r;
  }
  return null;
}

/** Walks the file set of a UDF volume into a tree; a damaged metadata file is read again from its mirror. */
export async function readUdfTree(ctx: ReadContext, volume: UdfVolume): Promise<DirectoryItem> {
  try {
    return await new UdfWalker(ctx, volume, false).walk();
  } catch (e) {
    const hasMirror = volume.logicalVolume.maps.some(
      (m) => m.type === 2 && m.identifier.identifier === "*UDF Metadata Partition",
    );
    if (!(e instanceof ImageReadError) || !hasMirror) throw e;
    ctx.warn(`the UDF metadata file is unreadable (${e.message}); its mirror is used`);
    try {
      return await new UdfWalker(ctx, volume, true).walk();
    } catch {
      throw e;
    }
  }
}
