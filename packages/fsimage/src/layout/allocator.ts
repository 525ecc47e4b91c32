// Phase 2 of the design: every writer claims sectors here; after planning every LBA is fixed.
import { LayoutError } from "../errors.js";
import type { FileSource } from "../tree/sources.js";

export const SECTOR_SIZE = 2048;

/** What fills a claimed range when the image is emitted. */
export type ClaimContent =
  /** Metadata encoded on demand (after planning, when every LBA is known); shorter output is zero-padded. */
  | { kind: "metadata"; encode(): Uint8Array }
  /** A file's data streamed from its source, zero-padded to the end of the range. */
  | { kind: "file"; source: FileSource };

export interface SectorClaim {
  /** Absolute LBA (the session start is already included). */
  start: number;
  blocks: number;
  /** What the range holds, for errors and for `discburn info`-style maps. */
  label: string;
  content: ClaimContent;
}

/**
 * Hands out sectors in increasing order from `firstFree`, stepping around fixed ranges (volume
 * descriptors, later UDF anchors). All positions are absolute LBAs, so a session can start anywhere.
 */
export class SectorAllocator {
  private readonly claims: SectorClaim[] = [];
  private readonly fixed: SectorClaim[] = [];
  private cursor: number;

  constructor(
    readonly sessionStart: number,
    firstFreeOffset: number,
  ) {
    if (!Number.isInteger(sessionStart) || sessionStart < 0) {
      throw new LayoutError(`session start ${sessionStart} must be a non-negative whole number of blocks`);
    }
    this.cursor = sessionStart + firstFreeOffset;
  }

  /** Claims `blocks` sectors at a position fixed by a standard, relative to the session start. */
  claimAt(offset: number, blocks: number, label: string, content: ClaimContent): SectorClaim {
    const start = this.sessionStart + offset;
    const claim: SectorClaim = { start, blocks, label, content };
    for (const c of [...this.fixed, ...this.claims]) {
      if (overlaps(c, claim)) throw new LayoutError(`${label} at LBA ${start} overlaps ${c.label} at LBA ${c.start}`);
    }
    this.fixed.push(claim);
    return claim;
  }

  /** Claims the next `blocks` free sectors (a zero-length claim gets the current position and no sectors). */
  claim(blocks: number, label: string, content: ClaimContent): SectorClaim {
    let start = this.cursor;
    for (;;) {
      const clash = this.fixed.find((f) => overlaps(f, { start, blocks: Math.max(blocks, 1) }));
      if (!clash) break;
      start = clash.start + clash.blocks;
    }
    const claim: SectorClaim = { start, blocks, label, content };
    if (blocks > 0) {
      this.claims.push(claim);
      this.cursor = start + blocks;
    }
    return claim;
  }

  /** Moves the next sequential claim to at least session start + `offset` (the blocks skipped stay zero). */
  advanceTo(offset: number): void {
    this.cursor = Math.max(this.cursor, this.sessionStart + offset);
  }

  /** First sector after everything claimed so far. */
  get end(): number {
    let end = this.cursor;
    for (const f of this.fixed) end = Math.max(end, f.start + f.blocks);
    return end;
  }

  /** All claims in LBA order. */
  ordered(): SectorClaim[] {
    return [...this.fixed, ...this.claims].filter((c) => c.blocks > 0).sort((a, b) => a.start - b.start);
  }
}

function overlaps(a: { start: number; blocks: number }, b: { start: number; blocks: number }): boolean {
  return a.start < b.start + b.blocks && b.start < a.start + a.blocks;
}

export function blocksFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE);
}
