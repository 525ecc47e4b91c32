// El Torito boot (catalog, boot record, boot info table) and the isohybrid system area (MBR, optional GPT),
// so that one image boots from a disc and from a USB stick, BIOS and UEFI.
import { createHash } from "node:crypto";
import {
  Emulation,
  ENTRY_SIZE,
  encodeBootEntry,
  encodeSectionHeader,
  encodeValidationEntry,
  Platform,
} from "../eltorito/bootCatalog.js";
import { bootFileChecksum, patchBootInfoTable } from "../eltorito/bootInfoTable.js";
import { InvalidArgumentError, LayoutError } from "../errors.js";
import {
  crc32,
  encodeGptEntries,
  encodeGptHeader,
  GPT_ENTRY_SECTORS,
  type GptPartition,
  GptType,
  makeGuid,
} from "../hybrid/gpt.js";
import { decodeMbrPartitions, encodeMbr, type MbrPartition } from "../hybrid/mbr.js";
import { blocksFor, SECTOR_SIZE, type SectorAllocator, type SectorClaim } from "../layout/allocator.js";
import { type DirectoryItem, FileItem, type ImageItem, splitImagePath } from "../tree/items.js";
import { type FileSource, PlacedSource, type SyncReader } from "../tree/sources.js";
import type { FileDataLayout } from "./fileData.js";

export type BootPlatform = "x86" | "efi" | "powerpc" | "mac";
export type BootEmulation = "none" | "floppy" | "hard-disk";

/** One boot image (IMAPI2's IBootOptions, one per entry; the first is the catalog's default entry). */
export interface BootImageOptions {
  /** Path of the boot image in the image tree, e.g. "/isolinux/isolinux.bin" (add the file first). */
  path: string;
  /** Default "x86" (BIOS). "efi" for a UEFI boot image (a FAT file system image). */
  platform?: BootPlatform;
  /** Default "none". "floppy" needs a 1.2, 1.44 or 2.88 MB image; "hard-disk" an image with one MBR partition. */
  emulation?: BootEmulation;
  /** Real-mode load segment; 0 (default) means 0x7C0. */
  loadSegment?: number;
  /** 512-byte sectors to load (no emulation); default: the whole image, at most 65535. isolinux wants 4. */
  loadSize?: number;
  /** Patch a boot information table into bytes 8-63 (isolinux needs it). */
  bootInfoTable?: boolean;
  /** Default true; false records a non-bootable entry. */
  bootable?: boolean;
}

export interface BootOptions {
  images: readonly BootImageOptions[];
  /** Where the catalog appears in the tree; default "/boot.catalog". */
  catalogPath?: string;
  /** Keep the catalog out of the directory trees (it stays reachable through the boot record). */
  hideCatalog?: boolean;
  /** isohybrid: an MBR (and optionally a GPT) in the system area, so the image boots as a disk too. */
  hybrid?: {
    /** MBR boot code for BIOS disk boot (syslinux's isohdpfx.bin, 432 bytes used); omit for UEFI-only. */
    mbrBootCode?: Uint8Array;
    /** Add a GPT with a partition over the EFI boot image (as xorriso -isohybrid-gpt-basdat does). */
    gpt?: boolean;
    /**
     * Type of that GPT partition: "efi-system" (default; the EFI System Partition GUID) or "basic-data" (what
     * xorriso's -isohybrid-gpt-basdat writes, named "ISOHybrid1").
     */
    gptEfiPartition?: "efi-system" | "basic-data";
  };
}

const PLATFORM_IDS: Record<BootPlatform, number> = {
  x86: Platform.x86,
  efi: Platform.efi,
  powerpc: Platform.powerPc,
  mac: Platform.mac,
};

const FLOPPY_SIZES = new Map<number, number>([
  [1_228_800, Emulation.floppy12],
  [1_474_560, Emulation.floppy144],
  [2_949_120, Emulation.floppy288],
]);

interface ResolvedBootImage {
  options: BootImageOptions;
  item: FileItem;
  platform: number;
  emulation: number;
  systemType: number;
  sectorCount: number;
}

/** GPT backup: entries and header at the end of the disk, in whole ISO blocks. */
const GPT_TAIL_BLOCKS = blocksFor((GPT_ENTRY_SECTORS + 1) * 512);

/** A boot image whose bytes 8-63 carry the boot info table; read whole (boot images are small). */
class BootInfoTableSource implements FileSource {
  static readonly MAX_BYTES = 32 << 20;
  constructor(
    private readonly original: FileSource,
    private readonly table: () => { pvdLba: number; fileLba: number },
  ) {}
  get size(): number {
    return this.original.size;
  }
  describe(): string {
    return this.original.describe();
  }
  private patched(): Buffer {
    if (!this.original.openSync)
      throw new LayoutError(`boot image ${this.describe()} must be a host file or bytes to carry a boot info table`);
    const data = Buffer.alloc(this.size);
    const reader = this.original.openSync();
    try {
      for (let pos = 0; pos < this.size; ) {
        const n = reader.read(data, pos, this.size - pos, pos);
        if (n === 0) break;
        pos += n;
      }
    } finally {
      reader.close();
    }
    const { pvdLba, fileLba } = this.table();
    patchBootInfoTable(data, { pvdLba, fileLba, fileLength: this.size, checksum: bootFileChecksum(data) });
    return data;
  }
  openSync(): SyncReader {
    const data = this.patched();
    return {
      read: (target, offset, length, position) => {
        const piece = data.subarray(position, position + length);
        target.set(piece, offset);
        return piece.length;
      },
      close: () => {},
    };
  }
  async *chunks(): AsyncIterable<Uint8Array> {
    yield this.patched();
  }
}

export class ElToritoWriter {
  private readonly images: ResolvedBootImage[];
  private catalogClaim: SectorClaim | null = null;
  private tailClaim: SectorClaim | null = null;
  /** The visible catalog, as a file placed by this writer, and the directory that shows it. */
  readonly catalogItem: FileItem | null;
  readonly catalogDirectory: DirectoryItem | null;

  constructor(
    root: DirectoryItem,
    private readonly options: BootOptions,
    private readonly data: FileDataLayout,
    private readonly session: { start: number; pvdLba: number; seed: string; creationTimeMs: number },
  ) {
    if (options.images.length === 0) throw new InvalidArgumentError("boot options need at least one boot image");
    this.images = options.images.map((o) => this.resolve(root, o));
    const catalogBytes = this.catalogEntries() * ENTRY_SIZE;
    if (options.hideCatalog) {
      this.catalogItem = null;
      this.catalogDirectory = null;
    } else {
      const path = options.catalogPath ?? "/boot.catalog";
      const parts = splitImagePath(path);
      if (parts.length === 0) throw new InvalidArgumentError(`boot catalog path ${path} needs a file name`);
      const dir = lookupDirectory(root, parts.slice(0, -1));
      if (!dir)
        throw new InvalidArgumentError(`the directory of the boot catalog ${path} is not in the image; add it first`);
      const name = parts[parts.length - 1];
      if (dir.get(name)) throw new InvalidArgumentError(`boot catalog path ${path} is already taken by another item`);
      const source = new PlacedSource(
        blocksFor(catalogBytes) * SECTOR_SIZE,
        () => this.catalogClaim!.start,
        "El Torito boot catalog",
      );
      this.catalogItem = new FileItem(name, source, { mode: 0o444 }, session.creationTimeMs);
      this.catalogItem.parent = dir; // shown in the trees, but not part of the caller's tree
      this.catalogDirectory = dir;
    }
    for (const img of this.images) {
      if (img.options.bootInfoTable) {
        const source = img.item.source;
        data.substitutes.set(
          source,
          new BootInfoTableSource(source, () => ({ pvdLba: this.session.pvdLba, fileLba: data.locationOf(source) })),
        );
      }
    }
  }

  private resolve(root: DirectoryItem, o: BootImageOptions): ResolvedBootImage {
    let item: ImageItem | undefined = root;
    for (const part of splitImagePath(o.path)) item = item?.kind === "directory" ? item.get(part) : undefined;
    if (!item || item.kind !== "file") {
      throw new InvalidArgumentError(`boot image ${o.path} is not a file in the image; add it to the tree first`);
    }
    const platform = PLATFORM_IDS[o.platform ?? "x86"];
    if (platform === undefined)
      throw new InvalidArgumentError(`boot platform ${o.platform} must be x86, efi, powerpc or mac`);
    let emulation: number = Emulation.none;
    let systemType = 0;
    const size = item.size;
    let sectorCount = Math.min(0xffff, Math.max(1, Math.ceil(size / 512)));
    if (o.emulation === "floppy") {
      const e = FLOPPY_SIZES.get(size);
      if (e === undefined) {
        throw new InvalidArgumentError(
          `floppy emulation needs a 1,228,800, 1,474,560 or 2,949,120 byte image; ${o.path} has ${size} bytes`,
        );
      }
      emulation = e;
      sectorCount = 1;
    } else if (o.emulation === "hard-disk") {
      emulation = Emulation.hardDisk;
      systemType = hardDiskPartitionType(item, o.path);
      sectorCount = 1;
    } else if (o.emulation !== undefined && o.emulation !== "none") {
      throw new InvalidArgumentError(`boot emulation ${o.emulation} must be none, floppy or hard-disk`);
    }
    if (o.loadSize !== undefined) {
      if (!Number.isInteger(o.loadSize) || o.loadSize < 1 || o.loadSize > 0xffff) {
        throw new InvalidArgumentError(`boot load size ${o.loadSize} must be 1 to 65535 sectors`);
      }
      sectorCount = o.loadSize;
    }
    const loadSegment = o.loadSegment ?? 0;
    if (!Number.isInteger(loadSegment) || loadSegment < 0 || loadSegment > 0xffff) {
      throw new InvalidArgumentError(`boot load segment ${o.loadSegment} must be 0 to 0xFFFF`);
    }
    return { options: o, item, platform, emulation, systemType, sectorCount };
  }

  /** Validation + default entry, then a header per run of one platform and an entry per further image. */
  private catalogEntries(): number {
    return 2 + this.sections().reduce((n, s) => n + 1 + s.length, 0);
  }

  private sections(): ResolvedBootImage[][] {
    const out: ResolvedBootImage[][] = [];
    for (const img of this.images.slice(1)) {
      const last = out[out.length - 1];
      if (last && last[0].platform === img.platform) last.push(img);
      else out.push([img]);
    }
    return out;
  }

  /** 2.0-2.4: the catalog sector(s). */
  encodeCatalog(): Uint8Array {
    const entry = (img: ResolvedBootImage) =>
      encodeBootEntry({
        bootable: img.options.bootable ?? true,
        emulation: img.emulation,
        loadSegment: img.options.loadSegment ?? 0,
        systemType: img.systemType,
        sectorCount: img.sectorCount,
        loadRba: this.data.locationOf(img.item.source),
        selectionCriteria: 0,
      });
    const parts: Uint8Array[] = [encodeValidationEntry(this.images[0].platform), entry(this.images[0])];
    const sections = this.sections();
    sections.forEach((s, i) => {
      parts.push(encodeSectionHeader(i === sections.length - 1, s[0].platform, s.length));
      for (const img of s) parts.push(entry(img));
    });
    const out = new Uint8Array(blocksFor(parts.length * ENTRY_SIZE) * SECTOR_SIZE);
    parts.forEach((p, i) => {
      out.set(p, i * ENTRY_SIZE);
    });
    return out;
  }

  /** Claims the catalog right after the session head. */
  planCatalog(alloc: SectorAllocator): void {
    this.catalogClaim = alloc.claim(blocksFor(this.catalogEntries() * ENTRY_SIZE), "El Torito boot catalog", {
      kind: "metadata",
      encode: () => this.encodeCatalog(),
    });
  }

  get catalogLba(): number {
    return this.catalogClaim!.start;
  }

  /** Claims the system area (MBR, GPT) and, with a GPT, its backup at the end; after all other claims. */
  planHybrid(alloc: SectorAllocator): void {
    const hybrid = this.options.hybrid;
    if (!hybrid) return;
    if (hybrid.gpt) {
      this.tailClaim = alloc.claim(GPT_TAIL_BLOCKS, "GPT backup", {
        kind: "metadata",
        encode: () => this.encodeGptTail(),
      });
    }
    const end = alloc.end;
    alloc.claimAt(0, 16, "system area (isohybrid MBR)", { kind: "metadata", encode: () => this.encodeSystemArea(end) });
  }

  private efiImage(): ResolvedBootImage | undefined {
    return this.images.find((i) => i.platform === Platform.efi);
  }

  private ids(): { diskSignature: number; diskGuid: string; isoGuid: string; efiGuid: string } {
    // Derived from the volume and its date, so reproducible builds stay byte-identical.
    const h = (tag: string) => createHash("sha256").update(`${this.session.seed}\0${tag}`).digest();
    return {
      diskSignature: h("mbr").readUInt32LE(0),
      diskGuid: makeGuid(h("disk")),
      isoGuid: makeGuid(h("iso")),
      efiGuid: makeGuid(h("efi")),
    };
  }

  /** 512-byte sectors from the start of the disc to the end of this session. */
  private sectors512(end: number): number {
    return end * 4;
  }

  private gptPartitions(end: number): GptPartition[] {
    const ids = this.ids();
    const lastUsable = this.sectors512(end) - GPT_ENTRY_SECTORS - 2;
    const parts: GptPartition[] = [
      {
        type: GptType.basicData,
        guid: ids.isoGuid,
        firstLba: 0,
        lastLba: lastUsable,
        attributes: 1n | (1n << 60n),
        name: "ISOHybrid",
      },
    ];
    const efi = this.efiImage();
    if (efi) {
      const start = this.data.locationOf(efi.item.source) * 4;
      const basic = this.options.hybrid?.gptEfiPartition === "basic-data";
      parts.push({
        type: basic ? GptType.basicData : GptType.efiSystem,
        guid: ids.efiGuid,
        firstLba: start,
        lastLba: start + Math.ceil(efi.item.size / 512) - 1,
        attributes: basic ? 1n | (1n << 60n) : 0n,
        name: basic ? "ISOHybrid1" : "EFI System Partition",
      });
    }
    return parts;
  }

  private encodeSystemArea(end: number): Uint8Array {
    const hybrid = this.options.hybrid!;
    const out = new Uint8Array(16 * SECTOR_SIZE);
    const ids = this.ids();
    const total = this.sectors512(end);
    const efi = this.efiImage();
    const bios = this.images.find((i) => i.platform === Platform.x86);
    const partitions: MbrPartition[] = [
      // With an EFI partition xorriso types the whole-image partition 0x00; isohybrid alone uses 0x17.
      { bootable: true, type: efi ? 0x00 : 0x17, start: 0, sectors: total },
    ];
    if (efi) {
      partitions.push({
        bootable: false,
        type: 0xef,
        start: this.data.locationOf(efi.item.source) * 4,
        sectors: Math.ceil(efi.item.size / 512),
      });
    }
    out.set(
      encodeMbr({
        bootCode: hybrid.mbrBootCode ?? new Uint8Array(0),
        bootImageBlock512: bios ? this.data.locationOf(bios.item.source) * 4 : 0,
        diskSignature: ids.diskSignature,
        partitions,
      }),
    );
    if (hybrid.gpt) {
      const entries = encodeGptEntries(this.gptPartitions(end));
      const header = encodeGptHeader({
        currentLba: 1,
        backupLba: total - 1,
        firstUsableLba: 64,
        lastUsableLba: total - GPT_ENTRY_SECTORS - 2,
        diskGuid: ids.diskGuid,
        entriesLba: 2,
        entriesCrc: crc32(entries),
      });
      out.set(header, 512);
      out.set(entries, 1024);
    }
    return out;
  }

  /** Backup entries then backup header, ending at the last 512-byte sector of the session. */
  private encodeGptTail(): Uint8Array {
    const claim = this.tailClaim!;
    const end = claim.start + claim.blocks;
    const total = this.sectors512(end);
    const entries = encodeGptEntries(this.gptPartitions(end));
    const header = encodeGptHeader({
      currentLba: total - 1,
      backupLba: 1,
      firstUsableLba: 64,
      lastUsableLba: total - GPT_ENTRY_SECTORS - 2,
      diskGuid: this.ids().diskGuid,
      entriesLba: total - 1 - GPT_ENTRY_SECTORS,
      entriesCrc: crc32(entries),
    });
    const out = new Uint8Array(claim.blocks * SECTOR_SIZE);
    out.set(entries, out.length - 512 - entries.length);
    out.set(header, out.length - 512);
    return out;
  }
}

function lookupDirectory(root: DirectoryItem, parts: string[]): DirectoryItem | null {
  let dir: DirectoryItem = root;
  for (const p of parts) {
    const next = dir.get(p);
    if (!next || next.kind !== "directory") return null;
    dir = next;
  }
  return dir;
}

/** Hard-disk emulation: the image's MBR must hold exactly one partition, whose type the entry repeats. */
function hardDiskPartitionType(item: FileItem, path: string): number {
  const source = item.source;
  if (!source.openSync) throw new InvalidArgumentError(`hard-disk boot image ${path} must be a host file or bytes`);
  const mbr = new Uint8Array(512);
  const reader = source.openSync();
  try {
    reader.read(mbr, 0, 512, 0);
  } finally {
    reader.close();
  }
  let parts: MbrPartition[];
  try {
    parts = decodeMbrPartitions(mbr);
  } catch {
    throw new InvalidArgumentError(`hard-disk boot image ${path} has no MBR (55 AA at offset 510)`);
  }
  if (parts.length !== 1) {
    throw new InvalidArgumentError(
      `hard-disk boot image ${path} must have exactly one partition, it has ${parts.length}`,
    );
  }
  return parts[0].type;
}
