// UDF (ECMA-167 3rd edition, OSTA UDF 1.02 to 2.60) for bridge and UDF-only images: volume recognition,
// anchors, main and reserve volume descriptor sequences, integrity descriptor, file set, (extended) file
// entries, directories of file identifiers; the metadata partition for 2.50 and 2.60. File data extents are
// the ones every other file system of the image points at.
import { createHash } from "node:crypto";
import { LayoutError } from "../errors.js";
import { blocksFor, SECTOR_SIZE, type SectorAllocator, type SectorClaim } from "../layout/allocator.js";
import { assignUniqueIdentifiers } from "../layout/nameCollisions.js";
import type { DirectoryItem, ImageItem } from "../tree/items.js";
import type { FileSource } from "../tree/sources.js";
import {
  EXTENDED_FILE_ENTRY_BASE,
  encodeDeviceAttributes,
  encodeFileEntry,
  encodeFileIdentifier,
  encodeFileSet,
  encodePathComponents,
  FILE_ENTRY_BASE,
  FileCharacteristics,
  fileIdentifierLength,
  IcbFileType,
  IcbFlags,
  udfPermissions,
} from "../udf/file.js";
import {
  domainSuffix,
  type EntityId,
  encodeCs0,
  implementationSuffix,
  type LongAd,
  MAX_EXTENT_BYTES,
  truncateCs0,
  type UdfTime,
  udfSuffix,
  writeLongAd,
  writeShortAd,
} from "../udf/primitives.js";
import {
  encodeAnchor,
  encodeImplementationUse,
  encodeIntegrity,
  encodeLogicalVolume,
  encodePartition,
  encodePrimaryVolume,
  encodeTerminating,
  encodeUnallocatedSpace,
  encodeVolumeStructure,
  type PartitionMap,
} from "../udf/volume.js";
import type { FileDataLayout } from "./fileData.js";

export type UdfRevision = "1.02" | "1.50" | "2.01" | "2.50" | "2.60";
export const UDF_REVISIONS: readonly UdfRevision[] = ["1.02", "1.50", "2.01", "2.50", "2.60"];

const REVISION_CODES: Record<UdfRevision, number> = {
  "1.02": 0x0102,
  "1.50": 0x0150,
  "2.01": 0x0201,
  "2.50": 0x0250,
  "2.60": 0x0260,
};

export interface UdfOptions {
  revision: UdfRevision;
  volumeName: string;
  creationTimeMs: number;
  /** Record access and attribute times as the modification time. */
  reproducible: boolean;
  /** No ISO 9660 tree shares the data: tiny files may live inside their file entries. */
  embedSmallFiles: boolean;
  /** Items shown without being part of the caller's tree (the El Torito catalog). */
  extraChildren: ReadonlyMap<DirectoryItem, readonly ImageItem[]>;
  /** An appended session's partition starts where the earlier sessions' did (null: after this session's anchor). */
  partitionStart: number | null;
}

const VDS_BLOCKS = 16;
const INTEGRITY_BLOCKS = 2;
/** UDF 2.2.3: an anchor at 256 and one at the last block. */
export const ANCHOR_OFFSET = 256;
/** The partition starts after the first anchor, so no volume structure lies inside it (as genisoimage does). */
const PARTITION_OFFSET = ANCHOR_OFFSET + 1;
/** UDF 2.2.13.1 metadata partition map: allocation unit (blocks) and alignment (16: a DVD/BD ECC block). */
const META_ALLOCATION_UNIT = 32;
const META_ALIGNMENT = 16;

interface UdfNode {
  item: ImageItem;
  uniqueId: bigint;
  links: number;
  /** Directory: its projection; null for other nodes. */
  dir: UdfDirectory | null;
  /** Block of the node's file entry within its group (index), and the group. */
  group: Group | null;
  index: number;
  /** Bytes stored inside the file entry (embedded file data or symlink components), if any. */
  embedded: boolean;
}

interface UdfDirectory {
  item: DirectoryItem;
  node: UdfNode;
  parent: UdfDirectory | null;
  /** Each name with the tree item it stands for (hard links: several items, one node). */
  entries: Array<{ name: string; node: UdfNode; item: ImageItem }>;
  streamLength: number;
}

/**
 * A run of metadata blocks written together: a directory's file entry, its file identifiers, then the file
 * entries of the files first seen in it (and symlink targets too long to embed).
 */
interface Group {
  dir: UdfDirectory;
  blocks: number;
  /** Block offsets inside the group. */
  dataOffset: number;
  dataBlocks: number;
  members: UdfNode[];
  /** Long symlink targets: node → [offset in group, blocks]. */
  spill: Map<UdfNode, [number, number]>;
  claim: SectorClaim | null;
  mirrorClaim: SectorClaim | null;
  /** Logical block of the group's first block in the partition that holds metadata. */
  logical: number;
}

export class UdfWriter {
  readonly warnings: string[] = [];
  private readonly revision: number;
  private readonly tagVersion: number;
  private readonly useMetadataPartition: boolean;
  private readonly nodes: UdfNode[] = [];
  private readonly directories: UdfDirectory[] = [];
  private readonly groups: Group[] = [];
  private readonly bySource = new Map<FileSource, UdfNode>();
  private nextUniqueId = 16n;
  private vdsClaim: SectorClaim | null = null;
  private integrityClaim: SectorClaim | null = null;
  private fileSetClaim: SectorClaim | null = null;
  private metadataFilesClaim: SectorClaim | null = null;
  private reserveClaim: SectorClaim | null = null;
  private partitionStart = 0;
  private partitionEnd = 0;
  /** Metadata partition: its blocks (FSD + groups) and where its copies lie. */
  private metadataBlocks = 0;
  private metadataExtents: Array<[number, number]> = [];
  private mirrorExtents: Array<[number, number]> = [];
  private files = 0;
  private dirs = 0;
  /** Sources kept inside their file entries: the data layout writes no extent for them. */
  readonly embeddedSources = new Set<FileSource>();

  constructor(
    root: DirectoryItem,
    private readonly options: UdfOptions,
    private readonly data: FileDataLayout,
  ) {
    this.revision = REVISION_CODES[options.revision];
    this.tagVersion = this.revision >= 0x0200 ? 3 : 2;
    this.useMetadataPartition = this.revision >= 0x0250;
    this.project(root);
  }

  private get entryBase(): number {
    return this.revision >= 0x0200 ? EXTENDED_FILE_ENTRY_BASE : FILE_ENTRY_BASE;
  }

  /** Space for embedded data in a file entry (4/14.6.8 allocation type 3). */
  private get embedRoom(): number {
    return SECTOR_SIZE - this.entryBase;
  }

  private newNode(item: ImageItem, uniqueId?: bigint): UdfNode {
    const node: UdfNode = {
      item,
      uniqueId: uniqueId ?? this.nextUniqueId++,
      links: 0,
      dir: null,
      group: null,
      index: 0,
      embedded: false,
    };
    this.nodes.push(node);
    return node;
  }

  private project(root: DirectoryItem): void {
    const rootNode = this.newNode(root, 0n); // UDF 3.2.1.1: the root directory has unique ID 0
    const rootDir: UdfDirectory = { item: root, node: rootNode, parent: null, entries: [], streamLength: 0 };
    rootNode.dir = rootDir;
    rootNode.links = 1; // its own parent entry
    this.directories.push(rootDir);
    let unrecorded = 0;
    const special = (i: ImageItem) => i.kind === "fifo" || i.kind === "socket" || i.kind.endsWith("device");
    for (let i = 0; i < this.directories.length; i++) {
      const dir = this.directories[i];
      const children = dir.item.children();
      const extra = this.options.extraChildren.get(dir.item);
      if (extra) children.push(...extra);
      const kept = children.filter((c) => !(special(c) && this.revision < 0x0200));
      unrecorded += children.length - kept.length;
      const names = this.fileIdentifiers(kept);
      for (const child of kept) {
        let node: UdfNode;
        if (child.kind === "directory") {
          node = this.newNode(child);
          const sub: UdfDirectory = { item: child, node, parent: dir, entries: [], streamLength: 0 };
          node.dir = sub;
          dir.node.links++; // ECMA-167 4/14.9.6: the subdirectory's parent entry points at this directory too
          this.directories.push(sub);
          this.dirs++;
        } else if (child.kind === "file") {
          const existing = this.bySource.get(child.source);
          node = existing ?? this.newNode(child);
          if (!existing) {
            this.bySource.set(child.source, node);
            this.files++;
          }
        } else {
          node = this.newNode(child);
          this.files++;
        }
        node.links++;
        dir.entries.push({ name: names.get(child)!, node, item: child });
      }
      dir.streamLength = fileIdentifierLength("") + dir.entries.reduce((n, e) => n + fileIdentifierLength(e.name), 0);
    }
    this.dirs++; // the root
    if (unrecorded > 0) {
      this.warnings.push(
        `${unrecorded} FIFOs, sockets or device files are not in the UDF ${this.options.revision} tree (UDF 2.00 and later record them)`,
      );
    }
    this.decideEmbedding();
    this.formGroups();
  }

  /** File identifiers are the names themselves, shortened (keeping the extension) when over 255 CS0 bytes. */
  private fileIdentifiers(children: readonly ImageItem[]): Map<ImageItem, string> {
    return assignUniqueIdentifiers(
      children,
      (c) => {
        if (encodeCs0(c.name).length <= 255) return { base: c.name, ext: null, baseMax: c.name.length };
        const dot = c.name.lastIndexOf(".");
        const ext = dot > 0 && c.name.length - dot <= 16 ? c.name.slice(dot) : "";
        const base = truncateCs0(c.name.slice(0, c.name.length - ext.length), 255 - encodeCs0(ext).length);
        return { base, ext: ext === "" ? null : ext.slice(1), baseMax: base.length };
      },
      (base, ext) => (ext === null ? base : `${base}.${ext}`),
    );
  }

  private symlinkBytes(item: ImageItem): Uint8Array {
    return item.kind === "symlink" ? encodePathComponents(item.target) : new Uint8Array(0);
  }

  private decideEmbedding(): void {
    const room = this.embedRoom;
    for (const node of this.nodes) {
      const item = node.item;
      // Symlink targets go in a block of their own in bridge images (pycdlib reads no embedded data); a
      // UDF-only image keeps them, like tiny files, inside the file entry.
      if (item.kind === "symlink") {
        node.embedded = this.options.embedSmallFiles && this.symlinkBytes(item).length <= this.embedRoom;
      } else if (item.kind === "file" && this.options.embedSmallFiles && item.size > 0 && item.size <= room) {
        if (item.source.openSync) {
          node.embedded = true;
          this.embeddedSources.add(item.source);
        }
      }
    }
  }

  private formGroups(): void {
    for (const dir of this.directories) {
      const group: Group = {
        dir,
        blocks: 0,
        dataOffset: 1,
        dataBlocks: blocksFor(dir.streamLength),
        members: [],
        spill: new Map(),
        claim: null,
        mirrorClaim: null,
        logical: 0,
      };
      dir.node.group = group;
      dir.node.index = 0;
      let next = 1 + group.dataBlocks;
      for (const e of dir.entries) {
        const node = e.node;
        if (node.dir || node.group) continue;
        node.group = group;
        node.index = next++;
        group.members.push(node);
      }
      for (const node of group.members) {
        if (node.item.kind === "symlink" && !node.embedded) {
          const blocks = blocksFor(this.symlinkBytes(node.item).length);
          group.spill.set(node, [next, blocks]);
          next += blocks;
        }
      }
      group.blocks = next;
      this.groups.push(group);
    }
  }

  // --- planning -------------------------------------------------------------------------------------------

  /** Main and reserve volume descriptor sequences and the integrity sequence, right after the session head. */
  planVolumeStructures(alloc: SectorAllocator): void {
    this.vdsClaim = alloc.claim(VDS_BLOCKS, "UDF main volume descriptor sequence", {
      kind: "metadata",
      encode: () => this.encodeVds(this.vdsClaim!.start),
    });
    this.reserveClaim = alloc.claim(VDS_BLOCKS, "UDF reserve volume descriptor sequence", {
      kind: "metadata",
      encode: () => this.encodeVds(this.reserveClaim!.start),
    });
    this.integrityClaim = alloc.claim(INTEGRITY_BLOCKS, "UDF logical volume integrity sequence", {
      kind: "metadata",
      encode: () => this.encodeIntegritySequence(),
    });
    this.partitionStart = this.options.partitionStart ?? alloc.sessionStart + PARTITION_OFFSET;
    alloc.claimAt(ANCHOR_OFFSET, 1, "UDF anchor volume descriptor pointer (256)", {
      kind: "metadata",
      encode: () => this.encodeAnchor(alloc.sessionStart + ANCHOR_OFFSET),
    });
  }

  /** File set, file entries and directories (inside the metadata file for 2.50+, with its mirror). */
  planFileStructures(alloc: SectorAllocator): void {
    // Everything UDF reaches lies in the partition, which starts after the anchor at 256.
    alloc.advanceTo(PARTITION_OFFSET);
    if (this.useMetadataPartition) {
      this.metadataFilesClaim = alloc.claim(2, "UDF metadata file entries", {
        kind: "metadata",
        encode: () => this.encodeMetadataFileEntries(),
      });
      this.placeMetadata(alloc, false);
      this.placeMetadata(alloc, true);
      return;
    }
    this.fileSetClaim = alloc.claim(2, "UDF file set descriptor", {
      kind: "metadata",
      encode: () => this.encodeFileSetSequence(),
    });
    for (const g of this.groups) {
      g.claim = alloc.claim(g.blocks, "UDF file entries and directory", {
        kind: "metadata",
        encode: () => this.encodeGroup(g),
      });
      g.logical = g.claim.start - this.partitionStart;
    }
  }

  /** Lays out the metadata file (or its mirror): file set first, then every group, padded to allocation units. */
  private placeMetadata(alloc: SectorAllocator, mirror: boolean): void {
    // Align the start to the alignment unit, as UDF 2.2.13.1 asks of metadata extents.
    const misalign = (alloc.end - alloc.sessionStart) % META_ALIGNMENT;
    if (misalign)
      alloc.claim(META_ALIGNMENT - misalign, "UDF metadata alignment", {
        kind: "metadata",
        encode: () => new Uint8Array(0),
      });
    const extents: Array<[number, number]> = [];
    const note = (c: SectorClaim) => {
      const last = extents[extents.length - 1];
      if (last && last[0] + last[1] === c.start) last[1] += c.blocks;
      else extents.push([c.start, c.blocks]);
    };
    const fsd = alloc.claim(2, mirror ? "UDF metadata mirror: file set" : "UDF file set descriptor", {
      kind: "metadata",
      encode: () => this.encodeFileSetSequence(),
    });
    note(fsd);
    let logical = 2;
    for (const g of this.groups) {
      const c = alloc.claim(g.blocks, mirror ? "UDF metadata mirror" : "UDF file entries and directory", {
        kind: "metadata",
        encode: () => this.encodeGroup(g),
      });
      note(c);
      if (mirror) g.mirrorClaim = c;
      else {
        g.claim = c;
        g.logical = logical;
      }
      logical += g.blocks;
    }
    const padded = Math.ceil(logical / META_ALLOCATION_UNIT) * META_ALLOCATION_UNIT;
    if (padded > logical) {
      note(
        alloc.claim(padded - logical, "UDF metadata allocation unit padding", {
          kind: "metadata",
          encode: () => new Uint8Array(0),
        }),
      );
    }
    this.metadataBlocks = padded;
    if (mirror) this.mirrorExtents = extents;
    else this.metadataExtents = extents;
  }

  /** The closing anchor ends the session (before a GPT backup, if any); the partition ends before it. */
  planTail(alloc: SectorAllocator): void {
    this.partitionEnd = alloc.end;
    const last = alloc.claim(1, "UDF anchor volume descriptor pointer (last block)", {
      kind: "metadata",
      encode: () => this.encodeAnchor(last.start),
    });
  }

  // --- addresses ------------------------------------------------------------------------------------------

  /** Partition reference of the partition that holds metadata: 1 (the metadata partition) or 0. */
  private get metaRef(): number {
    return this.useMetadataPartition ? 1 : 0;
  }

  /** Logical block of a node's file entry in the metadata-holding partition. */
  private feBlock(node: UdfNode): number {
    return node.group!.logical + node.index;
  }

  private icb(node: UdfNode): LongAd {
    const impl = new Uint8Array(6);
    // UDF 2.3.4.3 ADImpUse: flags (0) then the low 32 bits of the unique ID.
    new DataView(impl.buffer).setUint32(2, Number(node.uniqueId & 0xffffffffn), true);
    return {
      length: SECTOR_SIZE,
      type: 0,
      block: this.feBlock(node),
      partition: this.metaRef,
      implementationUse: impl,
    };
  }

  private tag(location: number): { version: number; location: number; serial: number } {
    return { version: this.tagVersion, location, serial: 1 };
  }

  // --- encoding -------------------------------------------------------------------------------------------

  private time(ms: number): UdfTime {
    return { epochMs: ms, utcOffsetMinutes: 0 };
  }

  private get implementationId(): EntityId {
    return { flags: 0, identifier: "*discburn", suffix: implementationSuffix() };
  }

  private get domainId(): EntityId {
    return { flags: 0, identifier: "*OSTA UDF Compliant", suffix: domainSuffix(this.revision) };
  }

  private volumeSetIdentifier(): string {
    // UDF 2.2.2.5: the first 16 characters are a unique hexadecimal string.
    const h = createHash("sha256").update(`${this.options.volumeName}\0${this.options.creationTimeMs}`).digest("hex");
    return `${h.slice(0, 16)}${this.options.volumeName}`;
  }

  private maps(): PartitionMap[] {
    const maps: PartitionMap[] = [{ type: 1, partitionNumber: 0 }];
    if (this.useMetadataPartition) {
      maps.push({
        type: 2,
        identifier: { flags: 0, identifier: "*UDF Metadata Partition", suffix: udfSuffix(this.revision) },
        partitionNumber: 0,
        metadataFileLocation: this.metadataFilesClaim!.start - this.partitionStart,
        metadataMirrorFileLocation: this.metadataFilesClaim!.start + 1 - this.partitionStart,
        metadataBitmapFileLocation: 0xffffffff,
        allocationUnitSize: META_ALLOCATION_UNIT,
        alignmentUnitSize: META_ALIGNMENT,
        flags: 1, // duplicate metadata: the mirror holds its own copy
      });
    }
    return maps;
  }

  private encodeVds(start: number): Uint8Array {
    const out = new Uint8Array(VDS_BLOCKS * SECTOR_SIZE);
    const created = this.time(this.options.creationTimeMs);
    const name = this.options.volumeName;
    const put = (k: number, block: Uint8Array) => out.set(block, k * SECTOR_SIZE);
    put(
      0,
      encodePrimaryVolume(
        {
          sequenceNumber: 0,
          volumeIdentifier: name,
          volumeSetIdentifier: this.volumeSetIdentifier(),
          applicationIdentifier: { flags: 0, identifier: "*discburn", suffix: new Uint8Array(8) },
          recordingTime: created,
          implementationIdentifier: this.implementationId,
        },
        this.tag(start),
      ),
    );
    put(
      1,
      encodeImplementationUse(
        {
          sequenceNumber: 1,
          identifier: { flags: 0, identifier: "*UDF LV Info", suffix: udfSuffix(this.revision) },
          logicalVolumeIdentifier: name,
          info: ["", "", ""],
          implementationIdentifier: this.implementationId,
        },
        this.tag(start + 1),
      ),
    );
    put(
      2,
      encodePartition(
        {
          sequenceNumber: 2,
          number: 0,
          contents: { flags: 0, identifier: this.revision >= 0x0200 ? "+NSR03" : "+NSR02", suffix: new Uint8Array(8) },
          accessType: 1, // read-only
          start: this.partitionStart,
          length: this.partitionEnd - this.partitionStart,
          implementationIdentifier: this.implementationId,
        },
        this.tag(start + 2),
      ),
    );
    put(
      3,
      encodeLogicalVolume(
        {
          sequenceNumber: 3,
          identifier: name,
          domain: this.domainId,
          fileSetLocation: {
            length: SECTOR_SIZE,
            type: 0,
            // The file set opens the partition (or the metadata file); in an appended session it follows the old data.
            block: this.useMetadataPartition ? 0 : this.fileSetClaim!.start - this.partitionStart,
            partition: this.metaRef,
            implementationUse: new Uint8Array(6),
          },
          implementationIdentifier: this.implementationId,
          integritySequence: { length: INTEGRITY_BLOCKS * SECTOR_SIZE, location: this.integrityClaim!.start },
          maps: this.maps(),
        },
        this.tag(start + 3),
      ),
    );
    put(4, encodeUnallocatedSpace(4, this.tag(start + 4)));
    put(5, encodeTerminating(this.tag(start + 5)));
    return out;
  }

  private encodeIntegritySequence(): Uint8Array {
    const start = this.integrityClaim!.start;
    const partitionBlocks = this.partitionEnd - this.partitionStart;
    const sizes = this.useMetadataPartition ? [partitionBlocks, this.metadataBlocks] : [partitionBlocks];
    // UDF 2.2.6.4: the revision a reader needs. Below 2.00 nothing here needs more than 1.02; 2.60 adds
    // nothing used here to 2.50 (pseudo-overwrite is for BD-R), so 2.50 readers such as Linux can mount it.
    const minRead = this.revision < 0x0200 ? 0x0102 : Math.min(this.revision, 0x0250);
    const lvid = encodeIntegrity(
      {
        recordingTime: this.time(this.options.creationTimeMs),
        nextUniqueId: this.nextUniqueId,
        freeSpace: sizes.map(() => 0),
        size: sizes,
        implementationIdentifier: this.implementationId,
        files: this.files,
        directories: this.dirs,
        minimumReadRevision: minRead,
        minimumWriteRevision: this.revision,
        maximumWriteRevision: this.revision,
      },
      this.tag(start),
    );
    const out = new Uint8Array(INTEGRITY_BLOCKS * SECTOR_SIZE);
    out.set(lvid);
    out.set(encodeTerminating(this.tag(start + 1)), SECTOR_SIZE);
    return out;
  }

  private encodeAnchor(location: number): Uint8Array {
    return encodeAnchor(
      {
        main: { length: VDS_BLOCKS * SECTOR_SIZE, location: this.vdsClaim!.start },
        reserve: { length: VDS_BLOCKS * SECTOR_SIZE, location: this.reserveClaim!.start },
      },
      this.tag(location),
    );
  }

  /** File Set Descriptor and its Terminating Descriptor: blocks 0 and 1 of the metadata-holding partition. */
  private encodeFileSetSequence(): Uint8Array {
    const base = this.useMetadataPartition ? 0 : this.fileSetClaim!.start - this.partitionStart;
    const out = new Uint8Array(2 * SECTOR_SIZE);
    out.set(
      encodeFileSet(
        {
          recordingTime: this.time(this.options.creationTimeMs),
          logicalVolumeIdentifier: this.options.volumeName,
          fileSetIdentifier: this.options.volumeName,
          rootDirectory: this.icb(this.directories[0].node),
          domain: this.domainId,
          systemStreamDirectory: null,
        },
        this.tag(base),
      ),
    );
    out.set(encodeTerminating(this.tag(base + 1)), SECTOR_SIZE);
    return out;
  }

  /** The metadata file's and the mirror's extended file entries, in the physical partition (UDF 2.2.13). */
  private encodeMetadataFileEntries(): Uint8Array {
    const out = new Uint8Array(2 * SECTOR_SIZE);
    const at = this.metadataFilesClaim!.start - this.partitionStart;
    [this.metadataExtents, this.mirrorExtents].forEach((extents, k) => {
      const ads = new Uint8Array(extents.length * 8);
      extents.forEach(([start, blocks], i) => {
        writeShortAd(ads, i * 8, { length: blocks * SECTOR_SIZE, type: 0, position: start - this.partitionStart });
      });
      const fe = encodeFileEntry(
        {
          extended: true,
          fileType: k === 0 ? IcbFileType.metadata : IcbFileType.metadataMirror,
          icbFlags: IcbFlags.short,
          uid: 0xffffffff,
          gid: 0xffffffff,
          permissions: 0,
          linkCount: 1,
          informationLength: BigInt(this.metadataBlocks * SECTOR_SIZE),
          logicalBlocksRecorded: BigInt(this.metadataBlocks),
          accessTime: this.time(this.options.creationTimeMs),
          modificationTime: this.time(this.options.creationTimeMs),
          creationTime: this.time(this.options.creationTimeMs),
          attributeTime: this.time(this.options.creationTimeMs),
          implementationIdentifier: this.implementationId,
          uniqueId: 0n,
          extendedAttributes: new Uint8Array(0),
          allocationDescriptors: ads,
        },
        this.tag(at + k),
      );
      out.set(fe, k * SECTOR_SIZE);
    });
    return out;
  }

  /** Allocation descriptors for `blocks` of data starting at partition block `position` (split at 2^30). */
  private dataAds(position: number, bytes: number, partition: number): Uint8Array {
    const count = Math.max(1, Math.ceil(bytes / MAX_EXTENT_BYTES));
    const long = partition !== this.metaRef || this.useMetadataPartition;
    const size = long ? 16 : 8;
    const out = new Uint8Array(bytes === 0 ? 0 : count * size);
    for (let i = 0; bytes > 0 && i < count; i++) {
      const length = Math.min(MAX_EXTENT_BYTES, bytes - i * MAX_EXTENT_BYTES);
      const at = position + (i * MAX_EXTENT_BYTES) / SECTOR_SIZE;
      if (long)
        writeLongAd(out, i * 16, { length, type: 0, block: at, partition, implementationUse: new Uint8Array(6) });
      else writeShortAd(out, i * 8, { length, type: 0, position: at });
    }
    return out;
  }

  /** Absolute block of the file set descriptor, or null when it lies in the metadata partition (2.50+). */
  get fileSetBlock(): number | null {
    return this.useMetadataPartition ? null : this.fileSetClaim!.start;
  }

  /** Allocation descriptors for a file's data: one run per extent (several for data kept in place). */
  private fileDataAds(source: FileSource): Uint8Array {
    const parts = this.data.extentsOf(source).map((e) => {
      if (e.lba < this.partitionStart) {
        throw new LayoutError(
          `${source.describe()} lies at block ${e.lba}, before the UDF partition (block ${this.partitionStart})`,
        );
      }
      return this.dataAds(e.lba - this.partitionStart, e.bytes, 0);
    });
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    if (out.length > SECTOR_SIZE - 216) {
      throw new LayoutError(`${source.describe()} has too many extents for one UDF file entry`);
    }
    return out;
  }

  private encodeEntry(node: UdfNode, location: number, group: Group): Uint8Array {
    const item = node.item;
    const reproducible = this.options.reproducible;
    const mtime = item.mtimeMs;
    const extended = this.revision >= 0x0200;
    const longAds = this.useMetadataPartition;
    let fileType: number = IcbFileType.file;
    let flags: number = longAds ? IcbFlags.long : IcbFlags.short;
    let ads: Uint8Array = new Uint8Array(0);
    let ea: Uint8Array = new Uint8Array(0);
    let length = 0;
    let recorded = 0;
    if (item.kind === "directory") {
      fileType = IcbFileType.directory;
      length = node.dir!.streamLength;
      recorded = group.dataBlocks;
      const at = group.logical + group.dataOffset;
      ads = this.dataAds(at, length, this.metaRef);
      flags = longAds ? IcbFlags.long : IcbFlags.short;
    } else if (item.kind === "file") {
      length = item.size;
      if (node.embedded) {
        flags = IcbFlags.embedded;
        ads = new Uint8Array(item.size);
        const reader = item.source.openSync!();
        try {
          for (let pos = 0; pos < item.size; ) {
            const n = reader.read(ads, pos, item.size - pos, pos);
            if (n === 0) throw new LayoutError(`source ${item.source.describe()} shrank while the image was written`);
            pos += n;
          }
        } finally {
          reader.close();
        }
      } else if (item.size > 0) {
        recorded = blocksFor(item.size);
        ads = this.fileDataAds(item.source);
        if (this.useMetadataPartition) flags = IcbFlags.long;
      }
    } else if (item.kind === "symlink") {
      fileType = IcbFileType.symlink;
      const bytes = this.symlinkBytes(item);
      length = bytes.length;
      if (node.embedded) {
        flags = IcbFlags.embedded;
        ads = bytes;
      } else {
        const [offset, blocks] = group.spill.get(node)!;
        recorded = blocks;
        ads = this.dataAds(group.logical + offset, length, this.metaRef);
      }
    } else {
      fileType =
        item.kind === "fifo"
          ? IcbFileType.fifo
          : item.kind === "socket"
            ? IcbFileType.socket
            : item.kind === "block-device"
              ? IcbFileType.blockDevice
              : IcbFileType.characterDevice;
      if (item.device) ea = encodeDeviceAttributes(item.device.major, item.device.minor, this.tag(location));
    }
    const mode = item.mode;
    if (mode & 0o4000) flags |= IcbFlags.setuid;
    if (mode & 0o2000) flags |= IcbFlags.setgid;
    if (mode & 0o1000) flags |= IcbFlags.sticky;
    return encodeFileEntry(
      {
        extended,
        fileType,
        icbFlags: flags,
        uid: item.uid,
        gid: item.gid,
        permissions: udfPermissions(mode),
        linkCount: node.links,
        informationLength: BigInt(length),
        logicalBlocksRecorded: BigInt(recorded),
        accessTime: this.time(reproducible ? mtime : item.atimeMs),
        modificationTime: this.time(mtime),
        creationTime: this.time(mtime),
        attributeTime: this.time(reproducible ? mtime : item.ctimeMs),
        implementationIdentifier: this.implementationId,
        uniqueId: node.uniqueId,
        extendedAttributes: ea,
        allocationDescriptors: ads,
      },
      this.tag(location),
    );
  }

  private encodeGroup(g: Group): Uint8Array {
    const out = new Uint8Array(g.blocks * SECTOR_SIZE);
    const dir = g.dir;
    out.set(this.encodeEntry(dir.node, g.logical, g));
    // The directory's file identifiers: the parent first (4/8.6, UDF 2.3.4), then the children.
    const stream = new Uint8Array(g.dataBlocks * SECTOR_SIZE);
    let off = 0;
    const dataStart = g.logical + g.dataOffset;
    const fid = (characteristics: number, name: string, node: UdfNode) => {
      const b = encodeFileIdentifier(
        { characteristics, name, icb: this.icb(node) },
        this.tag(dataStart + Math.floor(off / SECTOR_SIZE)),
      );
      stream.set(b, off);
      off += b.length;
    };
    fid(FileCharacteristics.directory | FileCharacteristics.parent, "", (dir.parent ?? dir).node);
    for (const e of dir.entries) fid(e.node.dir ? FileCharacteristics.directory : 0, e.name, e.node);
    out.set(stream, g.dataOffset * SECTOR_SIZE);
    for (const node of g.members) out.set(this.encodeEntry(node, g.logical + node.index, g), node.index * SECTOR_SIZE);
    for (const [node, [offset]] of g.spill) out.set(this.symlinkBytes(node.item), offset * SECTOR_SIZE);
    return out;
  }

  /** Every item with its path in the UDF tree, computed on demand. */
  *mappedPaths(): Generator<[ImageItem, string]> {
    const paths = new Map<UdfDirectory, string>([[this.directories[0], ""]]);
    yield [this.directories[0].item, "/"];
    for (const dir of this.directories) {
      const base = paths.get(dir)!;
      for (const e of dir.entries) {
        const path = `${base}/${e.name}`;
        if (e.node.dir) paths.set(e.node.dir, path);
        yield [e.item, path];
      }
    }
  }

  /** The recognition sequence's NSR descriptor for this revision (ECMA-167 2/9.1, 3/9.1). */
  recognitionSequence(): Uint8Array[] {
    return [
      encodeVolumeStructure("BEA01"),
      encodeVolumeStructure(this.revision >= 0x0200 ? "NSR03" : "NSR02"),
      encodeVolumeStructure("TEA01"),
    ];
  }
}
