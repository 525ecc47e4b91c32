// The recording state of a simulated disc and the rules that change it: where a WRITE may go, what closing a track or
// a session does, reservations, blanking and formatting. Pure logic over plain data (the state file's content); the
// recorder does the file I/O. Refusals are thrown as SimCheck with the sense the drive answers.

import { BACKGROUND_FORMAT } from "../commands/readDiscInformation.js";
import {
  CUE_ADR,
  CUE_CONTROL,
  CUE_DATA_FORM,
  CUE_FIRST_PREGAP_BLOCKS,
  CUE_SCMS,
  CUE_TNO,
  type CueSheetEntry,
} from "../commands/sendCueSheet.js";
import { defaultWriteParameters, encodeWriteParametersPage, MULTISESSION } from "../commands/writeParametersPage.js";
import type { SenseFields } from "../sense.js";
import { alignUp, type CloseAction, type SimMedium, type SimProfileName } from "./media.js";

export const SIM_STATE_VERSION = 1;

export interface SimTrack {
  /** Track numbers run from 1 over the whole disc. */
  number: number;
  session: number;
  start: number;
  /** Blocks recorded from the start (a closed track includes the padding the drive added). */
  recorded: number;
  /** Size fixed by RESERVE TRACK; null for a track that grows with each write until it is closed. */
  reserved: number | null;
  closed: boolean;
}

export interface SimSession {
  number: number;
  start: number;
  closed: boolean;
  tracks: SimTrack[];
}

export type SimDiscStatus = "blank" | "appendable" | "complete" | "random-access";

/** What the state file holds (`${discPath}.state.json`). */
export interface SimState {
  version: number;
  profile: SimProfileName;
  capacityBlocks: number;
  /** DVD+RW / BD-RE: FORMAT UNIT has run. */
  formatted: boolean;
  /** Blocks of the formatted area (READ CAPACITY of a formatted disc). */
  formattedBlocks: number;
  /** Derived from the sessions; stored for people reading the file. */
  discStatus: SimDiscStatus;
  /** Closed sessions, then the open one (absent on a complete disc). Sequential media only. */
  sessions: SimSession[];
  /** Where the next WRITE goes (the invisible or incomplete track), null when nothing can be appended; derived. */
  nextWritableAddress: number | null;
  /** Write parameters mode page 05h as MODE SELECT left it, hex. */
  writeParameters: string;
  mediumPresent: boolean;
  trayOpen: boolean;
  /** DVD+RW background format status as READ DISC INFORMATION reports it (BACKGROUND_FORMAT: 0 none, 1 started and
   * stopped, 2 in progress, 3 completed); 0 on every other medium. */
  backgroundFormat: number;
}

export type SimStateSnapshot = SimState;

/** A refusal: CHECK CONDITION with this sense. */
export class SimCheck extends Error {
  constructor(readonly sense: SenseFields) {
    super(`sense ${sense.key.toString(16)}/${sense.asc.toString(16)}/${sense.ascq.toString(16)}`);
    this.name = new.target.name;
  }
}

export function check(key: number, asc: number, ascq: number, more: Partial<SenseFields> = {}): SimCheck {
  return new SimCheck({ key, asc, ascq, ...more });
}

/** ILLEGAL REQUEST, INVALID FIELD IN CDB (5/24/00), pointing at a CDB byte. */
export function invalidCdbField(byte: number, bit?: number): SimCheck {
  return check(5, 0x24, 0x00, {
    senseKeySpecific: { kind: "field-pointer", commandData: true, fieldPointer: byte, bitPointer: bit },
  });
}

/** ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST (5/26/00), pointing at a parameter byte. */
export function invalidParameter(byte: number, ascq = 0x00): SimCheck {
  return check(5, 0x26, ascq, {
    senseKeySpecific: { kind: "field-pointer", commandData: false, fieldPointer: byte },
  });
}

export const SENSE = {
  /** 5/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE. */
  lbaOutOfRange: (lba: number) => check(5, 0x21, 0x00, { valid: true, information: lba }),
  /** 5/21/02 INVALID ADDRESS FOR WRITE. */
  invalidAddressForWrite: (lba: number) => check(5, 0x21, 0x02, { valid: true, information: lba }),
  /** 5/2C/00 COMMAND SEQUENCE ERROR. */
  commandSequence: () => check(5, 0x2c, 0x00),
  /** 5/30/00 INCOMPATIBLE MEDIUM INSTALLED: the command does not apply to this kind of medium. */
  incompatibleMedium: () => check(5, 0x30, 0x00),
  /** 5/30/05 CANNOT WRITE MEDIUM - INCOMPATIBLE FORMAT: the disc is complete (finalised). */
  cannotWrite: () => check(5, 0x30, 0x05),
  /** 5/30/06 CANNOT FORMAT MEDIUM - INCOMPATIBLE MEDIUM. */
  cannotFormat: () => check(5, 0x30, 0x06),
  /** 5/30/10 MEDIUM NOT FORMATTED. */
  notFormatted: () => check(5, 0x30, 0x10),
  /** 5/64/00 ILLEGAL MODE FOR THIS TRACK: the write parameters do not fit. */
  illegalMode: () => check(5, 0x64, 0x00),
  /** 5/72/04 EMPTY OR PARTIALLY WRITTEN RESERVED TRACK. */
  partialReservedTrack: () => check(5, 0x72, 0x04),
  /** 2/3A/00 MEDIUM NOT PRESENT. */
  noMedium: () => check(2, 0x3a, 0x00),
} as const;

/** The default page 05h for a medium: TAO Mode 1 on CD, incremental on DVD/BD; Multi-session 00b. */
export function defaultWriteParametersPage(medium: SimMedium): Uint8Array {
  return encodeWriteParametersPage(
    medium.family === "CD" ? defaultWriteParameters() : defaultWriteParameters({ writeType: 0, trackMode: 5 }),
  );
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** A new disc of this medium: blank (sequential) or unformatted (DVD+RW, BD-RE), in a closed tray. */
export function blankState(medium: SimMedium, capacityBlocks: number): SimState {
  const state: SimState = {
    version: SIM_STATE_VERSION,
    profile: medium.name,
    capacityBlocks,
    formatted: false,
    formattedBlocks: 0,
    discStatus: "blank",
    sessions: medium.sequential ? [{ number: 1, start: 0, closed: false, tracks: [] }] : [],
    nextWritableAddress: medium.sequential ? 0 : null,
    writeParameters: hex(defaultWriteParametersPage(medium)),
    mediumPresent: true,
    trayOpen: false,
    backgroundFormat: BACKGROUND_FORMAT.NONE,
  };
  return state;
}

/** Where the next track of the open session starts, when it has no growing track. */
interface InvisibleTrack {
  number: number;
  session: number;
  start: number;
}

/** A session announced by SEND CUE SHEET, to be written Session At Once (kept by the drive, not in the state file). */
export interface SaoLayout {
  /** TNO the cue sheet gave the track (the disc numbers it as its next track whatever this says). */
  trackNumber: number;
  /** The pregap's first block (INDEX 00). */
  pregapStart: number;
  /** The first block the host sends: the pregap's (its DATA FORM 10h, host data) or the track's (14h, the drive
   * generates the pregap). */
  hostStart: number;
  /** The track's INDEX 01: the next writable address of the session. */
  start: number;
  /** The lead-out's start: the block after the track's last. */
  leadOut: number;
  /** Where the next WRITE must go. */
  next: number;
}

/** A write the rules allow, to be committed for the blocks that actually reached the disc. */
export interface PlannedWrite {
  /** Records `blocks` blocks (fewer than asked when a fault cut the command short). */
  commit(blocks: number): void;
}

export class SimDisc {
  constructor(
    readonly medium: SimMedium,
    readonly state: SimState,
  ) {}

  get capacity(): number {
    return this.state.capacityBlocks;
  }

  get sequential(): boolean {
    return this.medium.sequential;
  }

  /** The session being written (the last one, while not closed). */
  openSession(): SimSession | undefined {
    const last = this.state.sessions[this.state.sessions.length - 1];
    return last && !last.closed ? last : undefined;
  }

  allTracks(): SimTrack[] {
    return this.state.sessions.flatMap((s) => s.tracks);
  }

  trackCount(): number {
    return this.state.sessions.reduce((n, s) => n + s.tracks.length, 0);
  }

  status(): SimDiscStatus {
    if (!this.sequential) return this.state.formatted ? "random-access" : "blank";
    if (!this.openSession()) return "complete";
    return this.trackCount() === 0 ? "blank" : "appendable";
  }

  /** Blocks a track occupies: its reservation, else what it recorded. */
  trackSize(t: SimTrack): number {
    return t.reserved ?? t.recorded;
  }

  /** The growing track of the open session (written, not reserved, not closed): it is the invisible track. */
  growingTrack(): SimTrack | undefined {
    const s = this.openSession();
    const last = s?.tracks[s.tracks.length - 1];
    return last && !last.closed && last.reserved === null ? last : undefined;
  }

  /** The invisible track (MMC-6: the track after the last one, from the next writable address to the end). */
  invisibleTrack(): InvisibleTrack | null {
    const s = this.openSession();
    if (!s || this.growingTrack()) return null;
    const last = s.tracks[s.tracks.length - 1];
    const start = Math.min(
      this.capacity,
      last ? alignUp(last.start + this.trackSize(last), this.medium.align) : s.start,
    );
    return { number: this.trackCount() + 1, session: s.number, start };
  }

  /** Next writable address of a track still open for writing, or null. */
  trackNwa(t: SimTrack): number | null {
    if (t.closed || !this.openSession() || t.session !== this.openSession()?.number) return null;
    if (t.reserved !== null && t.recorded >= t.reserved) return null;
    return t.start + t.recorded;
  }

  /** Where the next session or track would be written: the growing or invisible track's NWA. */
  nextWritableAddress(): number | null {
    if (!this.sequential) return this.state.formatted ? 0 : null;
    const g = this.growingTrack();
    if (g) return this.trackNwa(g);
    return this.invisibleTrack()?.start ?? null;
  }

  /** Free blocks after the next writable address. */
  freeBlocks(): number {
    const nwa = this.nextWritableAddress();
    return nwa === null ? 0 : this.capacity - nwa;
  }

  /** First LBA after every recorded block (0 when nothing is recorded). */
  recordedEnd(): number {
    if (!this.sequential) return this.state.formatted ? this.state.formattedBlocks : 0;
    let end = 0;
    for (const t of this.allTracks()) if (t.recorded > 0) end = Math.max(end, t.start + t.recorded);
    return end;
  }

  /** The first block of [lba, lba + count) that cannot be read, or -1 when all can. */
  firstUnreadable(lba: number, count: number): number {
    if (!this.sequential) {
      const limit = this.state.formatted ? this.state.formattedBlocks : 0;
      return lba + count <= limit ? -1 : Math.max(lba, limit);
    }
    let at = lba;
    const end = lba + count;
    const tracks = this.allTracks();
    while (at < end) {
      const t = tracks.find((x) => at >= x.start && at < x.start + x.recorded);
      if (!t) return at;
      at = t.start + t.recorded;
    }
    return -1;
  }

  /** Checks a WRITE of `count` blocks at `lba` against the rules of the medium; throws the drive's refusal. */
  planWrite(lba: number, count: number, writeParameters: Uint8Array): PlannedWrite {
    if (!this.sequential) {
      if (!this.state.formatted) throw SENSE.notFormatted();
      if (lba + count > this.state.formattedBlocks)
        throw SENSE.lbaOutOfRange(Math.max(lba, this.state.formattedBlocks));
      return { commit: () => {} };
    }
    const session = this.openSession();
    if (!session) throw SENSE.cannotWrite();
    if (lba + count > this.capacity) throw SENSE.lbaOutOfRange(Math.max(lba, this.capacity));
    this.checkWriteParameters(writeParameters);
    const open = session.tracks.find((t) => this.trackNwa(t) === lba);
    if (open) {
      if (open.reserved !== null && lba + count > open.start + open.reserved) {
        throw SENSE.invalidAddressForWrite(open.start + open.reserved);
      }
      return {
        commit: (blocks) => {
          open.recorded += blocks;
        },
      };
    }
    const invisible = this.invisibleTrack();
    if (!invisible || invisible.start !== lba) throw SENSE.invalidAddressForWrite(lba);
    return {
      commit: (blocks) => {
        if (blocks === 0) return;
        session.tracks.push({
          number: invisible.number,
          session: session.number,
          start: lba,
          recorded: blocks,
          reserved: null,
          closed: false,
        });
      },
    };
  }

  // MMC-6 7.5 Write Parameters page: a CD written track by track needs Track-at-Once with a Mode 1 data track (track
  // mode 4 or 6, data block type 8, 2048-byte blocks); Session-at-Once writes go through planSaoWrite (after SEND
  // CUE SHEET), never here. DVD-R takes incremental (0) or DAO (2); DVD+R and BD-R ignore the page.
  private checkWriteParameters(page: Uint8Array): void {
    const writeType = page[2] & 0x0f;
    if (this.medium.family === "CD") {
      if (writeType === 2) throw SENSE.commandSequence();
      const trackMode = page[3] & 0x0f;
      const dataBlockType = page[4] & 0x0f;
      if (writeType !== 1 || (trackMode & 0x0d) !== 0x04 || dataBlockType !== 8) throw SENSE.illegalMode();
    } else if (this.medium.name === "dvd-r" && writeType !== 0 && writeType !== 2) {
      throw SENSE.illegalMode();
    }
  }

  /**
   * SEND CUE SHEET (MMC-6; values as in the CD-ROM Mode 1 data form table): checks the cue sheet of a Session At
   * Once session against the disc and returns its layout. Accepted: ADR 2/3 entries (catalog number, ISRC; not
   * recorded), then ADR 1 entries with non-decreasing times: the lead-in (TNO 00h, INDEX 00, DATA FORM 14h), one
   * Mode 1 data track (CTL 4 or 6; INDEX 00 at least 150 blocks before INDEX 01, DATA FORM 10h or 14h; INDEX 01 and
   * later ones 10h) and the lead-out (TNO AAh, INDEX 01, 14h), at least 300 blocks after INDEX 01. Times are absolute:
   * INDEX 01 at the next writable address, the pregap the 150 blocks before it (the gap the disc leaves for it).
   * Refusals: 5/26/00 at the offending byte; 5/26/01 for what this recorder does not write (audio, other data forms,
   * CD-TEXT, more than one track); 5/2C/00 when the open session already has a track; 5/30/05 on a complete disc.
   */
  planSao(entries: readonly CueSheetEntry[]): SaoLayout {
    if (!this.sequential) throw SENSE.incompatibleMedium();
    const session = this.openSession();
    if (!session) throw SENSE.cannotWrite();
    const invisible = this.invisibleTrack();
    if (session.tracks.length > 0 || !invisible) throw SENSE.commandSequence();
    const bad = (i: number, field: number, ascq = 0x00) => invalidParameter(i * 8 + field, ascq);
    const pos: Array<{ e: CueSheetEntry; i: number }> = [];
    let previous = Number.NEGATIVE_INFINITY;
    entries.forEach((e, i) => {
      if (e.adr === CUE_ADR.CATALOG || e.adr === CUE_ADR.ISRC) return;
      if (e.adr !== CUE_ADR.POSITION) throw bad(i, 0);
      // Data tracks only (CTL 0100b, copy bit free): audio and four-channel audio are not written here.
      if ((e.control & ~CUE_CONTROL.COPY_PERMITTED) !== CUE_CONTROL.DATA) throw bad(i, 0, 0x01);
      if (e.scms !== CUE_SCMS.NONE && e.scms !== CUE_SCMS.COPY_ONCE_USED) throw bad(i, 4);
      if (e.lba < previous) throw bad(i, 5);
      previous = e.lba;
      pos.push({ e, i });
    });
    const leadIn = pos[0];
    const leadOut = pos[pos.length - 1];
    if (!leadIn || leadIn.e.trackNumber !== CUE_TNO.LEAD_IN || leadIn.e.index !== 0) throw bad(leadIn?.i ?? 0, 1);
    if (leadIn.e.dataForm !== CUE_DATA_FORM.MODE_1_GENERATED) throw bad(leadIn.i, 3, 0x01);
    if (pos.length < 3 || leadOut.e.trackNumber !== CUE_TNO.LEAD_OUT || leadOut.e.index !== 1) throw bad(leadOut.i, 1);
    if (leadOut.e.dataForm !== CUE_DATA_FORM.MODE_1_GENERATED) throw bad(leadOut.i, 3, 0x01);
    const track = pos.slice(1, -1);
    const tno = track[0].e.trackNumber;
    if (tno < 1 || tno > 99) throw bad(track[0].i, 1);
    // The first track of a session needs its pregap (INDEX 00) and INDEX 01; indices count up by one.
    if (track[0].e.index !== 0) throw bad(track[0].i, 2);
    track.forEach((t, k) => {
      if (t.e.trackNumber !== tno) throw bad(t.i, 1, 0x01);
      if (t.e.index !== k) throw bad(t.i, 2);
      const forms: number[] = k === 0 ? [CUE_DATA_FORM.MODE_1, CUE_DATA_FORM.MODE_1_GENERATED] : [CUE_DATA_FORM.MODE_1];
      if (!forms.includes(t.e.dataForm)) throw bad(t.i, 3, 0x01);
    });
    if (track.length < 2) throw bad(leadOut.i, 2);
    const pregap = track[0];
    const index1 = track[1];
    if (index1.e.lba !== invisible.start) throw bad(index1.i, 5);
    if (pregap.e.lba !== invisible.start - CUE_FIRST_PREGAP_BLOCKS) throw bad(pregap.i, 5);
    if (leadOut.e.lba - index1.e.lba < 300 || leadOut.e.lba > this.capacity) throw bad(leadOut.i, 5);
    return {
      trackNumber: tno,
      pregapStart: pregap.e.lba,
      hostStart: pregap.e.dataForm === CUE_DATA_FORM.MODE_1 ? pregap.e.lba : index1.e.lba,
      start: index1.e.lba,
      leadOut: leadOut.e.lba,
      next: pregap.e.dataForm === CUE_DATA_FORM.MODE_1 ? pregap.e.lba : index1.e.lba,
    };
  }

  /**
   * A WRITE of a Session At Once session: continuous from the cue sheet's first host block to the lead-out, in
   * order (5/21/02 with the expected address otherwise, or the lead-out's when it would go past it). Pregap blocks
   * are taken and dropped (they read as nothing, like a TAO pregap); the track's blocks are recorded in a track of
   * the open session, created with the first of them.
   */
  planSaoWrite(cue: SaoLayout, lba: number, count: number): PlannedWrite {
    const session = this.openSession();
    if (!session) throw SENSE.cannotWrite();
    if (lba !== cue.next) throw SENSE.invalidAddressForWrite(lba);
    if (lba + count > cue.leadOut) throw SENSE.invalidAddressForWrite(cue.leadOut);
    return {
      commit: (blocks) => {
        const end = lba + blocks;
        cue.next = end;
        const data = end - Math.max(lba, cue.start);
        if (data <= 0) return;
        let t = session.tracks[0];
        if (!t) {
          t = {
            number: this.trackCount() + 1,
            session: session.number,
            start: cue.start,
            recorded: 0,
            reserved: null,
            closed: false,
          };
          session.tracks.push(t);
        }
        t.recorded += data;
      },
    };
  }

  /** Once every block up to the lead-out is in: the drive writes lead-in and lead-out and the session is closed as
   * CLOSE SESSION would (appendable with Multi-session 11b, else complete). Returns whether it closed. */
  finishSao(cue: SaoLayout, multisession: number): boolean {
    if (cue.next !== cue.leadOut || !this.openSession()) return false;
    this.close(2, 0, multisession);
    return true;
  }

  /** RESERVE TRACK (ARSV 0): a track of `size` blocks at the next writable address. */
  reserveTrack(size: number): void {
    if (!this.sequential) throw SENSE.incompatibleMedium();
    const session = this.openSession();
    if (!session || this.growingTrack()) throw SENSE.commandSequence();
    const invisible = this.invisibleTrack();
    if (!invisible) throw SENSE.commandSequence();
    const blocks = alignUp(size, this.medium.align);
    if (size === 0 || invisible.start + blocks > this.capacity) throw invalidCdbField(5);
    session.tracks.push({
      number: invisible.number,
      session: session.number,
      start: invisible.start,
      recorded: 0,
      reserved: blocks,
      closed: false,
    });
  }

  /** Closes one track: a reserved track is padded to its size, a growing one to the medium's alignment. */
  private closeOneTrack(t: SimTrack): void {
    t.recorded = t.reserved ?? alignUp(t.recorded, this.medium.align);
    t.closed = true;
  }

  /** CLOSE TRACK/SESSION with this close function (and track number for function 1). */
  close(closeFunction: number, trackNumber: number, multisession: number): void {
    const action: CloseAction | undefined = this.medium.closeFunctions.get(closeFunction);
    if (action === undefined) throw invalidCdbField(2);
    if (action === "noop" || action === "bg-quick-stop" || action === "bg-compatible-stop") {
      if (!this.state.formatted) throw SENSE.commandSequence();
      const bg = this.state.backgroundFormat;
      // DVD+RW (MMC-6 6.3): a quick stop leaves the format started but not running (01b); a compatible stop writes
      // the lead-out and the format counts as completed (11b). Either is accepted with nothing to stop.
      if (action === "bg-quick-stop" && bg === BACKGROUND_FORMAT.IN_PROGRESS) {
        this.state.backgroundFormat = BACKGROUND_FORMAT.STARTED;
      } else if (action === "bg-compatible-stop" && bg !== BACKGROUND_FORMAT.NONE) {
        this.state.backgroundFormat = BACKGROUND_FORMAT.COMPLETED;
      }
      return;
    }
    const session = this.openSession();
    if (!session) throw SENSE.commandSequence();
    if (action === "track") {
      const invisible = this.invisibleTrack();
      if (invisible && invisible.number === trackNumber) return; // nothing written to it: nothing to close
      const t = session.tracks.find((x) => x.number === trackNumber);
      if (!t) {
        // A track of an earlier (closed) session is not open: 5/2C/00; a number naming no track: 5/24/00.
        if (this.allTracks().some((x) => x.number === trackNumber)) throw SENSE.commandSequence();
        throw invalidCdbField(4);
      }
      // Already closed: nothing open to close, 5/2C/00 COMMAND SEQUENCE ERROR.
      if (t.closed) throw SENSE.commandSequence();
      this.closeOneTrack(t);
      return;
    }
    const finalize =
      action === "finalize" || (this.medium.multisessionFromPage05 && multisession !== MULTISESSION.OPEN);
    if (session.tracks.length === 0) {
      // An empty open session: finalising drops it (the disc ends with the previous session); nothing else to do.
      if (this.state.sessions.length === 1) throw SENSE.commandSequence();
      if (finalize) this.state.sessions.pop();
      return;
    }
    for (const t of session.tracks) {
      if (t.reserved !== null && !t.closed && t.recorded < t.reserved) throw SENSE.partialReservedTrack();
    }
    for (const t of session.tracks) if (!t.closed) this.closeOneTrack(t);
    session.closed = true;
    if (finalize) return;
    const last = session.tracks[session.tracks.length - 1];
    const end = last.start + this.trackSize(last);
    const gap = session.number === 1 ? this.medium.firstSessionGap : this.medium.laterSessionGap;
    // Closing a session never finalises by itself: with no room left, the next session starts at the capacity with
    // nothing free (the host learns "full" from its next writable address and free blocks, not "complete").
    const next = Math.min(this.capacity, alignUp(end + gap, this.medium.align));
    this.state.sessions.push({ number: session.number + 1, start: next, closed: false, tracks: [] });
  }

  /** BLANK (full or minimal) of an erasable sequential medium: back to blank. */
  blank(): void {
    this.state.sessions = [{ number: 1, start: 0, closed: false, tracks: [] }];
  }

  /** FORMAT UNIT of DVD+RW / BD-RE: `blocks` of random-writable space. DVD+RW goes on formatting in the background
   * (BG format status 10b) while it is already writable everywhere. */
  format(blocks: number): void {
    this.state.formatted = true;
    this.state.formattedBlocks = blocks;
    this.state.backgroundFormat =
      this.medium.name === "dvd+rw" ? BACKGROUND_FORMAT.IN_PROGRESS : BACKGROUND_FORMAT.NONE;
  }

  /** The drive stops a running background format (eject, a drive that powers up with the disc): 10b becomes 01b,
   * to be finished by the host (CLOSE TRACK/SESSION) or restarted by a new FORMAT UNIT. */
  stopBackgroundFormat(): void {
    if (this.state.backgroundFormat === BACKGROUND_FORMAT.IN_PROGRESS) {
      this.state.backgroundFormat = BACKGROUND_FORMAT.STARTED;
    }
  }

  /**
   * What a drive finds when it loads a sequential disc: it locates the last recorded address of the open track by
   * scanning, whatever its recording management data said. The disc file ending at `fileBlocks` beyond the next
   * writable address of the growing or invisible track (data written after the last commit, before a power loss or
   * the medium going away) makes those blocks, up to the medium's alignment, recorded in an incomplete (not closed)
   * track of the open session; the NWA follows them. Returns whether anything was recovered. Reserved tracks and
   * tracks before the last one are not scanned.
   */
  recoverRecorded(fileBlocks: number): boolean {
    if (!this.sequential) return false;
    const session = this.openSession();
    const nwa = this.nextWritableAddress();
    if (!session || nwa === null || fileBlocks <= nwa) return false;
    const end = Math.min(this.capacity, alignUp(fileBlocks, this.medium.align));
    const growing = this.growingTrack();
    if (growing) {
      growing.recorded = end - growing.start;
      return true;
    }
    const invisible = this.invisibleTrack();
    if (!invisible || end <= invisible.start) return false;
    session.tracks.push({
      number: invisible.number,
      session: session.number,
      start: invisible.start,
      recorded: end - invisible.start,
      reserved: null,
      closed: false,
    });
    return true;
  }

  /** Updates the derived fields before the state is saved or shown. */
  refresh(): SimState {
    this.state.discStatus = this.status();
    this.state.nextWritableAddress = this.nextWritableAddress();
    return this.state;
  }
}
