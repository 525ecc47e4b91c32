// The media a software recorder can hold: one entry per simulated profile with the numbers that shape its behaviour
// (capacity, alignment, gaps between sessions, what each CLOSE TRACK/SESSION close function does, write speeds).
import { PROFILE } from "../commands/profiles.js";

export type SimProfileName = "cd-r" | "cd-rw" | "dvd-r" | "dvd+r" | "dvd+r-dl" | "dvd+rw" | "bd-r" | "bd-re";

export const SIM_PROFILES: readonly SimProfileName[] = [
  "cd-r",
  "cd-rw",
  "dvd-r",
  "dvd+r",
  "dvd+r-dl",
  "dvd+rw",
  "bd-r",
  "bd-re",
];

/** What a close function does on a medium (MMC-6 6.3 CLOSE TRACK/SESSION, per media type). */
export type CloseAction =
  /** Close the logical track named in the CDB. */
  | "track"
  /** Close the session: appendable afterwards (for CD and DVD-R only when page 05 Multi-session is 11b). */
  | "session"
  /** Close the session and finalise the disc: complete afterwards. */
  | "finalize"
  /** Accepted, nothing to do (BD-RE: formatting here is never in the background). */
  | "noop"
  /** DVD+RW 000b: quick stop of a background format (BG format status 10b -> 01b). */
  | "bg-quick-stop"
  /** DVD+RW 010b, 011b: stop the background format with a compatible lead-out (status -> 11b completed). */
  | "bg-compatible-stop";

export interface SimMedium {
  readonly name: SimProfileName;
  /** MMC-6 profile number (Profile List feature). */
  readonly profile: number;
  readonly family: "CD" | "DVD" | "BD";
  /** For the INQUIRY product field ("SOFTWARE DVD+R"). */
  readonly label: string;
  /** Written at next writable addresses in tracks and sessions (CD-R/RW, DVD-R, DVD+R, BD-R SRM). */
  readonly sequential: boolean;
  /** BLANK returns it to blank (CD-RW). */
  readonly blankable: boolean;
  /** FORMAT UNIT makes it random-writable (DVD+RW, BD-RE). */
  readonly formattable: boolean;
  /** Default capacity in 2048-byte blocks. */
  readonly capacity: number;
  /** Blocks a track or session start is aligned to and a closed track is padded to: DVD ECC block 16, BD cluster 32. */
  readonly align: number;
  /** Blocks between the end of the first session and the start of the second (lead-out, lead-in, pregap). */
  readonly firstSessionGap: number;
  /** The same for every later session. */
  readonly laterSessionGap: number;
  /** Whether closing a session leaves the disc appendable only when page 05 Multi-session is 11b (CD, DVD-R). */
  readonly multisessionFromPage05: boolean;
  readonly closeFunctions: ReadonlyMap<number, CloseAction>;
  /** Write speeds offered (GET PERFORMANCE type 03h, page 2Ah), as multiples of the family's 1x. */
  readonly writeSpeeds: readonly number[];
}

/** 1x in kB/s (1000 bytes a second): CD 176.4, DVD 1385, BD 4495.5. */
export const ONE_X_KBPS: Record<SimMedium["family"], number> = { CD: 176.4, DVD: 1385, BD: 4495.5 };

// CD session gaps (Orange Book multisession): lead-out 6750 blocks (1:30) after the first session, 2250 (0:30) after
// later ones, then the next session's lead-in 4500 (1:00) and the first track's pregap 150 (0:02):
// 6750 + 4500 + 150 = 11400 and 2250 + 4500 + 150 = 6900. A TAO CD-R read by udisks shows the same spacing
// (session 1 ending at 608, session 2 starting at 12010, 2 run-out blocks more, which this model leaves out).
const CD_GAPS = { firstSessionGap: 11_400, laterSessionGap: 6_900 };
// DVD-R border zones: a Border-out and the next Border-in sit between sessions, the first one larger than the later
// ones. The model uses 16384 blocks (32 MiB) after the first session and 4096 (8 MiB) after later ones: plausible
// magnitudes, not measurements of a particular drive.
const DVD_MINUS_GAPS = { firstSessionGap: 16_384, laterSessionGap: 4_096 };
// DVD+R session closure (closure zone + the next intro zone): 2048 blocks (4 MiB) each time, a plausible magnitude.
const DVD_PLUS_GAPS = { firstSessionGap: 2_048, laterSessionGap: 2_048 };
// BD-R SRM: a closed session needs no lead-out in the data zone; the next session starts at the next cluster.
const BD_GAPS = { firstSessionGap: 0, laterSessionGap: 0 };

const CD_SPEEDS = [48, 40, 32, 24, 16, 8, 4];
const DVD_SPEEDS = [16, 12, 8, 6, 4];
const BD_SPEEDS = [12, 8, 6, 4, 2];

function closes(entries: [number, CloseAction][]): ReadonlyMap<number, CloseAction> {
  return new Map(entries);
}

const MEDIA: Record<SimProfileName, SimMedium> = {
  "cd-r": {
    name: "cd-r",
    profile: PROFILE.CD_R,
    family: "CD",
    label: "CD-R",
    sequential: true,
    blankable: false,
    formattable: false,
    capacity: 359_849,
    align: 1,
    ...CD_GAPS,
    multisessionFromPage05: true,
    closeFunctions: closes([
      [1, "track"],
      [2, "session"],
    ]),
    writeSpeeds: CD_SPEEDS,
  },
  "cd-rw": {
    name: "cd-rw",
    profile: PROFILE.CD_RW,
    family: "CD",
    label: "CD-RW",
    sequential: true,
    blankable: true,
    formattable: false,
    capacity: 359_849,
    align: 1,
    ...CD_GAPS,
    multisessionFromPage05: true,
    closeFunctions: closes([
      [1, "track"],
      [2, "session"],
    ]),
    writeSpeeds: [24, 16, 10, 4],
  },
  "dvd-r": {
    name: "dvd-r",
    profile: PROFILE.DVD_R_SEQUENTIAL,
    family: "DVD",
    label: "DVD-R",
    sequential: true,
    blankable: false,
    formattable: false,
    capacity: 2_295_104,
    align: 16,
    ...DVD_MINUS_GAPS,
    multisessionFromPage05: true,
    closeFunctions: closes([
      [1, "track"],
      [2, "session"],
    ]),
    writeSpeeds: DVD_SPEEDS,
  },
  "dvd+r": {
    name: "dvd+r",
    profile: PROFILE.DVD_PLUS_R,
    family: "DVD",
    label: "DVD+R",
    sequential: true,
    blankable: false,
    formattable: false,
    capacity: 2_295_104,
    align: 16,
    ...DVD_PLUS_GAPS,
    multisessionFromPage05: false,
    closeFunctions: closes([
      [1, "track"],
      [2, "session"],
      [5, "finalize"],
      [6, "finalize"],
    ]),
    writeSpeeds: DVD_SPEEDS,
  },
  "dvd+r-dl": {
    name: "dvd+r-dl",
    profile: PROFILE.DVD_PLUS_R_DL,
    family: "DVD",
    label: "DVD+RDL",
    sequential: true,
    blankable: false,
    formattable: false,
    capacity: 4_173_824,
    align: 16,
    ...DVD_PLUS_GAPS,
    multisessionFromPage05: false,
    closeFunctions: closes([
      [1, "track"],
      [2, "session"],
      [4, "session"],
      [5, "finalize"],
      [6, "finalize"],
    ]),
    writeSpeeds: [8, 6, 4, 2.4],
  },
  "dvd+rw": {
    name: "dvd+rw",
    profile: PROFILE.DVD_PLUS_RW,
    family: "DVD",
    label: "DVD+RW",
    sequential: false,
    blankable: false,
    formattable: true,
    capacity: 2_295_104,
    align: 16,
    ...DVD_PLUS_GAPS,
    multisessionFromPage05: false,
    closeFunctions: closes([
      [0, "bg-quick-stop"],
      [2, "bg-compatible-stop"],
      [3, "bg-compatible-stop"],
    ]),
    writeSpeeds: [8, 4, 2.4],
  },
  "bd-r": {
    name: "bd-r",
    profile: PROFILE.BD_R_SRM,
    family: "BD",
    label: "BD-R",
    sequential: true,
    blankable: false,
    formattable: false,
    capacity: 12_219_392,
    align: 32,
    ...BD_GAPS,
    multisessionFromPage05: false,
    closeFunctions: closes([
      [1, "track"],
      [2, "session"],
      [6, "finalize"],
    ]),
    writeSpeeds: BD_SPEEDS,
  },
  "bd-re": {
    name: "bd-re",
    profile: PROFILE.BD_RE,
    family: "BD",
    label: "BD-RE",
    sequential: false,
    blankable: false,
    formattable: true,
    capacity: 12_219_392,
    align: 32,
    ...BD_GAPS,
    multisessionFromPage05: false,
    closeFunctions: closes([
      [0, "noop"],
      [2, "noop"],
    ]),
    writeSpeeds: [2],
  },
};

export function simMedium(name: SimProfileName): SimMedium {
  return MEDIA[name];
}

export function isSimProfileName(s: string): s is SimProfileName {
  return (SIM_PROFILES as readonly string[]).includes(s);
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
