// Appending a session to an image file and growing it in place (issue 5): import the newest tree, edit it,
// write a new session after the old data whose records point at the old extents, then rewrite the head of
// the file (the volume descriptors at 16) so every reader opening the file sees the new tree.
//
// Layout and order (as xorriso grows images and growisofs grows overwritable media): the new session starts
// at the first 32-block boundary after the image; its bytes are written and flushed first, and only then are
// its volume descriptors copied over the first session's (blocks 16..), and flushed. An interruption before
// that copy leaves the previous tree intact: the old head still describes it. The first 16 blocks (system
// area: MBR, GPT) are never touched. The head copy must not overwrite anything the old image uses: images
// from other tools may keep path tables or data right after their descriptors, so the blocks the new set
// needs beyond the old one are checked against every structure and extent of the old tree, and the append
// is refused when they overlap. UDF grows the same way: one partition from the old start to the
// new end, and the anchor at 256 repointed last (UDF 2.2.3), so UDF readers see the new tree as well.
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { EmitOptions } from "./emit/sectorStream.js";
import { CancelledError, DiscburnError, InvalidArgumentError, OutputError } from "./errors.js";
import { FileSystemImage } from "./image.js";
import { SECTOR_SIZE } from "./layout/allocator.js";
import type { FileSystemKind, ImageOptions } from "./options.js";
import { type BlockSource, ImageFileSource } from "./read/blockSource.js";
import { ImageReadError } from "./read/errors.js";
import { ExtentSource } from "./read/extentSource.js";
import { type IdentifiedFileSystems, identify } from "./read/identify.js";
import { importFileSystem } from "./read/importer.js";
import { readPathTableExtents } from "./read/pathTables.js";
import type { UdfVolume } from "./read/udfReader.js";
import type { ResultImage } from "./result.js";
import type { DirectoryItem, ImageItem } from "./tree/items.js";
import { readTag, TagId, writeTag } from "./udf/primitives.js";
import { ANCHOR_OFFSET, type UdfRevision } from "./writers/udf.js";

/** A block range a grown medium receives after its new session is on stable storage. */
export interface HeadPatch {
  lba: number;
  data: Uint8Array;
  what: string;
}

/** A session planned for growing a medium in place (see AppendSession.growth). */
export interface Growth {
  image: ResultImage;
  /** Every chunk of image.stream(), with its byte position on the medium. */
  observe(chunk: Uint8Array, position: number): void;
  /** What to write, in order, once the session is flushed. */
  patches(): HeadPatch[];
}

/** New sessions start on a 32-block (64 KiB) boundary, like a session head. */
const SESSION_ALIGNMENT = 32;
const HEAD_START = 16;

export interface AppendOptions {
  /** Image options for the new session (file systems default to those of the newest session). */
  image?: Omit<ImageOptions, "sessionStart" | "medium">;
  /** Blocks the medium holds: commit() refuses, before writing anything, a session that would not fit. */
  capacityBlocks?: number;
  /**
   * Block where the new session starts (a write-once medium's next writable address); at least the image's
   * size. Default: the next 32-block boundary after the image.
   */
  sessionStart?: number;
  /**
   * First block of the session to import and append to (default 0: an image file's head, which a grown image
   * keeps pointing at its newest session). A write-once disc's last session starts elsewhere (MediaInfo's
   * lastSessionStart).
   */
  lastSessionStart?: number;
  /** Test hook: fail after this many bytes of the new session, or just before the head is rewritten. */
  faultInjection?: { afterSessionBytes?: number; beforeHead?: boolean };
}

/** An image file opened for appending: edit `image` (its tree is the newest one), then `commit()`. */
export class AppendSession {
  private committed = false;

  private constructor(
    /** The image file, or how the medium describes itself ("drive /dev/sr0"). */
    readonly path: string,
    private readonly source: BlockSource,
    readonly image: FileSystemImage,
    readonly sessionStart: number,
    readonly previous: IdentifiedFileSystems,
    private readonly oldHeadBlocks: number,
    private readonly options: AppendOptions,
    /** The block of a UDF file set descriptor opening the partition (partition block 0), or null. */
    private readonly oldFileSetLba: number | null,
  ) {}

  static async open(path: string, options: AppendOptions = {}): Promise<AppendSession> {
    const source = await ImageFileSource.open(path);
    try {
      return await AppendSession.start(path, source, options, source.blockCount);
    } catch (e) {
      await source.close();
      throw e;
    }
  }

  /**
   * Opens a medium (a drive as a BlockSource) for appending. The caller keeps ownership of `source`. The new
   * session goes to `options.sessionStart` (a write-once medium's next writable address); by default to the
   * first 32-block boundary after the last session's volume (an overwritable medium, grown like a file).
   * Use sessionImage() for write-once media, growth() for overwritable ones.
   *
   * `earlierSessions` (newest first, with where each ends on the medium) are tried when the last session holds
   * no readable file system, or one whose volume ends past `lastSessionEnd` (an interrupted burn, closed
   * afterwards): the new session then builds on the newest complete one, and `skippedSessions` names the sessions
   * passed over.
   */
  static async fromMedium(
    source: BlockSource,
    options: AppendOptions & {
      lastSessionEnd?: number;
      earlierSessions?: ReadonlyArray<{ start: number; end: number }>;
    } = {},
  ): Promise<AppendSession> {
    const label = source.describe?.() ?? "the medium";
    const candidates = [
      { start: options.lastSessionStart ?? 0, end: options.lastSessionEnd },
      ...(options.earlierSessions ?? []),
    ];
    const skipped: number[] = [];
    for (let i = 0; ; i++) {
      try {
        const { start, end } = candidates[i]!;
        const session = await AppendSession.start(
          label,
          borrowed(source),
          { ...options, lastSessionStart: start },
          null,
          end,
        );
        session.skippedSessions = skipped;
        return session;
      } catch (e) {
        const unreadable =
          e instanceof ImageReadError ||
          (e instanceof InvalidArgumentError && /no ISO 9660 or UDF volume|is incomplete/.test(e.message));
        if (!unreadable || i + 1 >= candidates.length) throw e;
        skipped.push(candidates[i]!.start);
      }
    }
  }

  /** Sessions (their start blocks) that fromMedium passed over: no readable file system, or an incomplete one. */
  skippedSessions: readonly number[] = [];

  /** Where the session whose tree was imported starts. */
  get previousSessionStart(): number {
    return this.options.lastSessionStart ?? 0;
  }

  private static async start(
    path: string,
    source: BlockSource,
    options: AppendOptions,
    fileBlocks: number | null,
    /** Where the session's recorded blocks end on the medium, when known: a volume claiming more is incomplete. */
    recordedEnd?: number,
  ): Promise<AppendSession> {
    const lastSessionStart = options.lastSessionStart ?? 0;
    const { identified, udf } = await identify(source, { sessionStart: lastSessionStart });
    if (!identified.iso9660 && !udf) {
      throw new InvalidArgumentError(
        `${path} has no ISO 9660 or UDF volume${lastSessionStart ? ` in the session at block ${lastSessionStart}` : ""} to append to`,
      );
    }
    const udfPartitionStart = udf ? udfPartitionOf(path, udf, lastSessionStart) : undefined;
    // The tree comes from the richest ISO 9660 view; a UDF-only image (mkudffs) from UDF.
    const imported = await importFileSystem(source, {
      sessionStart: lastSessionStart,
      fileSystem: identified.rockRidge
        ? "rockridge"
        : identified.joliet
          ? "joliet"
          : identified.iso9660
            ? "iso9660"
            : "udf",
    });
    const fileSystems: FileSystemKind[] = [];
    if (identified.iso9660) fileSystems.push("iso9660");
    if (identified.rockRidge) fileSystems.push("rockridge");
    if (identified.joliet) fileSystems.push("joliet");
    if (udf) fileSystems.push("udf");
    // An image file ends where its bytes end; on a medium the last session's volume says where it ends.
    // (An ISO 9660 volume space counts from block 0, even in a later session; UDF's from the session start.)
    const end =
      fileBlocks ?? (identified.iso9660 ? identified.volumeSpaceSize : lastSessionStart + identified.volumeSpaceSize);
    if (recordedEnd !== undefined && end > recordedEnd) {
      throw new InvalidArgumentError(
        `the session at block ${lastSessionStart} of ${path} is incomplete: its volume ends at block ${end}, ` +
          `the recorded blocks at ${recordedEnd}`,
      );
    }
    const sessionStart = options.sessionStart ?? Math.ceil(end / SESSION_ALIGNMENT) * SESSION_ALIGNMENT;
    if (!Number.isSafeInteger(sessionStart) || sessionStart < end) {
      throw new InvalidArgumentError(
        `session start ${sessionStart} is inside ${path} (which ends at block ${end}); give a block at or after its end`,
      );
    }
    const image = new FileSystemImage({
      fileSystems,
      volumeName: identified.volumeName || undefined,
      rockRidgeVersion: identified.rockRidge?.version === "1.12" ? "1.12" : identified.rockRidge ? "1.09" : undefined,
      udfRevision: udf ? (udf.revision as UdfRevision) : undefined,
      udfPartitionStart,
      ...options.image,
      sessionStart,
      medium: source,
    });
    adoptTree(image.root, imported.root);
    const oldHeadBlocks = await descriptorAreaBlocks(source);
    const oldFileSetLba =
      udfPartitionStart !== undefined && (await isFileSetAt(source, udfPartitionStart)) ? udfPartitionStart : null;
    return new AppendSession(path, source, image, sessionStart, identified, oldHeadBlocks, options, oldFileSetLba);
  }

  /**
   * Plans the new session for growing the medium in place (an image file, an overwritable disc): the session's
   * bytes go to sessionStart..; `observe()` every chunk as it is written, then, once the session is on stable
   * storage, write `patches()` in order: the new volume descriptors over the old ones at 16 (the rest of the old
   * descriptor area zeroed), the UDF anchor at 256, the file set descriptor opening the partition. Refuses
   * (before anything is written) a session that does not fit or whose head would overwrite old data.
   */
  async growth(): Promise<Growth> {
    const lastSessionStart = this.options.lastSessionStart ?? 0;
    if (lastSessionStart !== 0) {
      throw new InvalidArgumentError(
        `growing in place rewrites the head at block 16, which describes the session at 0, not the one at ${lastSessionStart}`,
      );
    }
    this.claim();
    const result = this.image.createResultImage();
    if (this.options.capacityBlocks !== undefined) result.assertFits(this.options.capacityBlocks);
    await this.checkHeadRoom(result.volumeDescriptorBlocks);
    const head = new Uint8Array(result.volumeDescriptorBlocks * SECTOR_SIZE);
    const headStart = (this.sessionStart + HEAD_START) * SECTOR_SIZE;
    const anchor = this.previous.udf ? new Uint8Array(SECTOR_SIZE) : null;
    const anchorStart = (this.sessionStart + ANCHOR_OFFSET) * SECTOR_SIZE;
    const fileSetBlock = this.oldFileSetLba !== null ? result.udfFileSetBlock : null;
    const fileSet = fileSetBlock !== null ? new Uint8Array(SECTOR_SIZE) : null;
    const oldHeadBlocks = this.oldHeadBlocks;
    const oldFileSetLba = this.oldFileSetLba;
    return {
      image: result,
      observe(chunk: Uint8Array, position: number): void {
        // Keep the session's own descriptors (and UDF anchor, file set): they become the new head.
        keep(chunk, position, head, headStart);
        if (anchor) keep(chunk, position, anchor, anchorStart);
        if (fileSet && fileSetBlock !== null) keep(chunk, position, fileSet, fileSetBlock * SECTOR_SIZE);
      },
      patches(): HeadPatch[] {
        const out: HeadPatch[] = [];
        const area = new Uint8Array(Math.max(oldHeadBlocks, result.volumeDescriptorBlocks) * SECTOR_SIZE);
        area.set(head);
        out.push({ lba: HEAD_START, data: area, what: "volume descriptors" });
        // UDF: the anchor at 256 now points at the new session's descriptor sequences (UDF 2.2.3).
        if (anchor) {
          const copy = anchor.slice();
          const tag = readTag(copy, { identifier: TagId.anchor });
          writeTag(copy, { ...tag, location: ANCHOR_OFFSET }, copy[10]! | (copy[11]! << 8));
          out.push({ lba: ANCHOR_OFFSET, data: copy, what: "UDF anchor" });
        }
        // A copy of the new file set descriptor over the old one, for readers that take the file set from the
        // partition's first block instead of the logical volume descriptor (pycdlib).
        if (fileSet && oldFileSetLba !== null) {
          const copy = fileSet.slice();
          const tag = readTag(copy, { identifier: TagId.fileSet });
          writeTag(copy, { ...tag, location: 0 }, copy[10]! | (copy[11]! << 8));
          out.push({ lba: oldFileSetLba, data: copy, what: "UDF file set descriptor" });
        }
        return out;
      },
    };
  }

  /**
   * The new session alone, for a write-once medium: blocks sessionStart.. of the disc, to be written at the
   * next writable address. Refuses (before anything is written) a session that does not fit.
   */
  sessionImage(): ResultImage {
    this.claim();
    const result = this.image.createResultImage();
    if (this.options.capacityBlocks !== undefined) result.assertFits(this.options.capacityBlocks);
    return result;
  }

  private claim(): void {
    if (this.committed) throw new InvalidArgumentError("this append session was already committed");
    this.committed = true;
  }

  /**
   * Writes the new session after the old data of the image file, flushes it, then rewrites the head and flushes
   * again. Removed files' data stays in the image, unreachable from the new tree.
   */
  async commit(options: EmitOptions = {}): Promise<{ sessionStart: number; sessionBlocks: number }> {
    let growth: Growth;
    let fd: number;
    try {
      growth = await this.growth();
      try {
        fd = openSync(this.path, "r+");
      } catch (e) {
        throw new OutputError(`cannot open ${this.path} for writing: ${(e as Error).message}`, this.path, { cause: e });
      }
    } catch (e) {
      await this.source.close();
      throw e;
    }
    try {
      // 1. The session, written after the old data.
      let position = this.sessionStart * SECTOR_SIZE;
      let written = 0;
      for await (const chunk of growth.image.stream(options)) {
        const limit = this.options.faultInjection?.afterSessionBytes;
        if (limit !== undefined && written + chunk.length > limit) {
          writeSync(fd, chunk, 0, limit - written, position);
          throw new OutputError(`injected fault after ${limit} bytes of the new session`, this.path);
        }
        writeSync(fd, chunk, 0, chunk.length, position);
        growth.observe(chunk, position);
        position += chunk.length;
        written += chunk.length;
      }
      fsyncSync(fd);
      if (this.options.faultInjection?.beforeHead) {
        throw new OutputError("injected fault before the head was rewritten", this.path);
      }
      // 2. The head, the UDF anchor and file set, flushed.
      for (const patch of growth.patches()) writeSync(fd, patch.data, 0, patch.data.length, patch.lba * SECTOR_SIZE);
      fsyncSync(fd);
      return { sessionStart: this.sessionStart, sessionBlocks: growth.image.totalBlocks };
    } catch (e) {
      if (e instanceof DiscburnError) throw e;
      if (e instanceof Error && e.name === "AbortError") throw new CancelledError("append was cancelled");
      throw new OutputError(`error appending to ${this.path}: ${(e as Error).message}`, this.path, { cause: e });
    } finally {
      closeSync(fd);
      await this.source.close();
    }
  }

  /**
   * Writes only the new session, for a write-once medium: `output` holds blocks sessionStart.. of the disc
   * (write it at the next writable address). The image at `path` is left as it was.
   */
  async writeSessionImage(
    output: string,
    options: EmitOptions = {},
  ): Promise<{ sessionStart: number; sessionBlocks: number }> {
    if (resolve(output) === resolve(this.path)) {
      throw new InvalidArgumentError(`the session image must not overwrite ${this.path}; name another file`);
    }
    try {
      const result = this.sessionImage();
      await result.writeTo(output, options);
      return { sessionStart: this.sessionStart, sessionBlocks: result.totalBlocks };
    } finally {
      await this.source.close();
    }
  }

  async close(): Promise<void> {
    if (!this.committed) await this.source.close();
  }

  /** The new set may only grow into blocks that no structure or file of the old image uses. */
  private async checkHeadRoom(vdBlocks: number): Promise<void> {
    if (vdBlocks > 32 - HEAD_START) {
      throw new InvalidArgumentError(
        `the new session needs ${vdBlocks} descriptor blocks; the head holds ${32 - HEAD_START}`,
      );
    }
    if (vdBlocks <= this.oldHeadBlocks) return;
    const first = HEAD_START + this.oldHeadBlocks;
    const last = HEAD_START + vdBlocks; // exclusive
    const used: Array<[number, number, string]> = [];
    for (const [lba, blocks, what] of await readPathTableExtents(this.source)) used.push([lba, blocks, what]);
    const walk = (dir: DirectoryItem) => {
      for (const c of dir.unsortedChildren()) {
        if (c.kind === "directory") walk(c);
        else if (c.kind === "file" && c.source instanceof ExtentSource) {
          for (const e of c.source.extents) used.push([e.lba, Math.ceil(e.bytes / SECTOR_SIZE), c.path]);
        }
      }
    };
    walk(this.image.root);
    const clash = used.find(([lba, blocks]) => lba < last && lba + blocks > first);
    if (clash) {
      throw new InvalidArgumentError(
        `cannot grow ${this.path} in place: the new volume descriptors need blocks ${first}-${last - 1}, ` +
          `where the old image keeps ${clash[2]} (block ${clash[0]}); write a session image instead, or rebuild the image`,
      );
    }
  }
}

/** Whether a UDF file set descriptor is recorded at `lba` (the first block of the partition, in most images). */
async function isFileSetAt(source: BlockSource, lba: number): Promise<boolean> {
  try {
    readTag(await source.read(lba, 1), { identifier: TagId.fileSet, location: 0 });
    return true;
  } catch {
    return false;
  }
}

/** Copies the part of a streamed chunk (at byte `position`) that falls inside `target` (at byte `targetStart`). */
function keep(chunk: Uint8Array, position: number, target: Uint8Array, targetStart: number): void {
  const from = Math.max(position, targetStart);
  const to = Math.min(position + chunk.length, targetStart + target.length);
  if (from < to) target.set(chunk.subarray(from - position, to - position), from - targetStart);
}

/** The start of the old UDF partition, which the new session's partition extends; refuses what it cannot grow. */
function udfPartitionOf(path: string, udf: UdfVolume, sessionStart: number): number {
  const partitions = [...udf.partitions.values()];
  if (partitions.length !== 1 || udf.anchorLba !== sessionStart + ANCHOR_OFFSET) {
    throw new InvalidArgumentError(
      `${path}: its UDF volume has ${partitions.length} partitions and an anchor at block ${udf.anchorLba}; ` +
        `only one partition with the anchor at ${sessionStart + ANCHOR_OFFSET} can be grown`,
    );
  }
  return partitions[0]!.start;
}

/** Moves the imported tree's children (and the root's attributes) into the new image's root. */
function adoptTree(into: DirectoryItem, from: DirectoryItem): void {
  Object.assign(into, { mtimeMs: from.mtimeMs, atimeMs: from.atimeMs, ctimeMs: from.ctimeMs, mode: from.mode });
  const children: ImageItem[] = [...from.unsortedChildren()];
  for (const c of children) into.add(c, true);
}

/** Blocks of the old image's descriptor area from 16: volume descriptors up to the terminator, then BEA/NSR/TEA. */
async function descriptorAreaBlocks(source: BlockSource): Promise<number> {
  let n = 0;
  for (let lba = HEAD_START; lba < 32 && lba < source.blockCount; lba++) {
    const b = await source.read(lba, 1);
    const id = Buffer.from(b.subarray(1, 6)).toString("latin1");
    if (!["CD001", "BEA01", "NSR02", "NSR03", "TEA01", "BOOT2", "CDW02"].includes(id)) break;
    n = lba - HEAD_START + 1;
  }
  return n;
}

/** A caller's source, which the session reads but does not close. */
function borrowed(source: BlockSource): BlockSource {
  return {
    get blockCount() {
      return source.blockCount;
    },
    read: (lba, count) => source.read(lba, count),
    ...(source.readSync ? { readSync: (lba: number, count: number) => source.readSync!(lba, count) } : {}),
    describe: () => source.describe?.() ?? "the medium",
    close: async () => {},
  };
}
