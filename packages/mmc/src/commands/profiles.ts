// MMC-6 profile numbers (Profile List feature 0000h): the kinds of medium a drive says it holds.

export type MediaFamily = "CD" | "DDCD" | "DVD" | "BD" | "HD DVD" | "disk" | "other";

export interface Profile {
  readonly number: number;
  readonly name: string;
  readonly family: MediaFamily;
  /** Pressed or finalised medium: nothing can be written. */
  readonly readOnly: boolean;
  /** Recorded once per block (-R, +R): data cannot be replaced in place. */
  readonly writeOnce: boolean;
  /** Written in order at a next writable address, in tracks and sessions (CD-R/RW, DVD-R/RW, +R, BD-R SRM). */
  readonly sequential: boolean;
  /** Written anywhere, any number of times, in place (DVD+RW, DVD-RAM, DVD-RW restricted overwrite, BD-RE). */
  readonly overwritable: boolean;
  /** Can be blanked or reformatted back to empty (the rewritable media). */
  readonly erasable: boolean;
  readonly dualLayer: boolean;
}

function p(
  number: number,
  name: string,
  family: MediaFamily,
  kind: "ro" | "seq-wo" | "seq-rw" | "random-wo" | "overwrite" | "none",
  dualLayer = false,
): Profile {
  return {
    number,
    name,
    family,
    readOnly: kind === "ro",
    writeOnce: kind === "seq-wo" || kind === "random-wo",
    sequential: kind === "seq-wo" || kind === "seq-rw",
    overwritable: kind === "overwrite",
    erasable: kind === "seq-rw" || kind === "overwrite",
    dualLayer,
  };
}

export const PROFILE = {
  NON_REMOVABLE_DISK: 0x0001,
  REMOVABLE_DISK: 0x0002,
  MO_ERASABLE: 0x0003,
  OPTICAL_WRITE_ONCE: 0x0004,
  AS_MO: 0x0005,
  CD_ROM: 0x0008,
  CD_R: 0x0009,
  CD_RW: 0x000a,
  DVD_ROM: 0x0010,
  DVD_R_SEQUENTIAL: 0x0011,
  DVD_RAM: 0x0012,
  DVD_RW_RESTRICTED_OVERWRITE: 0x0013,
  DVD_RW_SEQUENTIAL: 0x0014,
  DVD_R_DL_SEQUENTIAL: 0x0015,
  DVD_R_DL_LAYER_JUMP: 0x0016,
  DVD_RW_DL: 0x0017,
  DVD_DOWNLOAD: 0x0018,
  DVD_PLUS_RW: 0x001a,
  DVD_PLUS_R: 0x001b,
  DDCD_ROM: 0x0020,
  DDCD_R: 0x0021,
  DDCD_RW: 0x0022,
  DVD_PLUS_RW_DL: 0x002a,
  DVD_PLUS_R_DL: 0x002b,
  BD_ROM: 0x0040,
  BD_R_SRM: 0x0041,
  BD_R_RRM: 0x0042,
  BD_RE: 0x0043,
  HD_DVD_ROM: 0x0050,
  HD_DVD_R: 0x0051,
  HD_DVD_RAM: 0x0052,
  HD_DVD_RW: 0x0053,
  HD_DVD_R_DL: 0x0058,
  HD_DVD_RW_DL: 0x005a,
  NON_CONFORMING: 0xffff,
} as const;

const PROFILES: readonly Profile[] = [
  p(0x0001, "Non-removable disk", "disk", "overwrite"),
  p(0x0002, "Removable disk", "disk", "overwrite"),
  p(0x0003, "MO erasable", "other", "overwrite"),
  p(0x0004, "Optical write once", "other", "random-wo"),
  p(0x0005, "AS-MO", "other", "overwrite"),
  p(0x0008, "CD-ROM", "CD", "ro"),
  p(0x0009, "CD-R", "CD", "seq-wo"),
  p(0x000a, "CD-RW", "CD", "seq-rw"),
  p(0x0010, "DVD-ROM", "DVD", "ro"),
  p(0x0011, "DVD-R sequential recording", "DVD", "seq-wo"),
  p(0x0012, "DVD-RAM", "DVD", "overwrite"),
  p(0x0013, "DVD-RW restricted overwrite", "DVD", "overwrite"),
  p(0x0014, "DVD-RW sequential recording", "DVD", "seq-rw"),
  p(0x0015, "DVD-R DL sequential recording", "DVD", "seq-wo", true),
  p(0x0016, "DVD-R DL layer jump recording", "DVD", "seq-wo", true),
  p(0x0017, "DVD-RW DL", "DVD", "seq-rw", true),
  p(0x0018, "DVD-Download disc recording", "DVD", "seq-wo"),
  p(0x001a, "DVD+RW", "DVD", "overwrite"),
  p(0x001b, "DVD+R", "DVD", "seq-wo"),
  p(0x0020, "DDCD-ROM", "DDCD", "ro"),
  p(0x0021, "DDCD-R", "DDCD", "seq-wo"),
  p(0x0022, "DDCD-RW", "DDCD", "seq-rw"),
  p(0x002a, "DVD+RW DL", "DVD", "overwrite", true),
  p(0x002b, "DVD+R DL", "DVD", "seq-wo", true),
  p(0x0040, "BD-ROM", "BD", "ro"),
  p(0x0041, "BD-R SRM", "BD", "seq-wo"),
  p(0x0042, "BD-R RRM", "BD", "random-wo"),
  p(0x0043, "BD-RE", "BD", "overwrite"),
  p(0x0050, "HD DVD-ROM", "HD DVD", "ro"),
  p(0x0051, "HD DVD-R", "HD DVD", "seq-wo"),
  p(0x0052, "HD DVD-RAM", "HD DVD", "overwrite"),
  p(0x0053, "HD DVD-RW", "HD DVD", "seq-rw"),
  p(0x0058, "HD DVD-R DL", "HD DVD", "seq-wo", true),
  p(0x005a, "HD DVD-RW DL", "HD DVD", "seq-rw", true),
  p(0xffff, "Non-conforming profile", "other", "none"),
];

const BY_NUMBER: ReadonlyMap<number, Profile> = new Map(PROFILES.map((x) => [x.number, x]));

/** Every profile MMC-6 defines, in number order. */
export function allProfiles(): readonly Profile[] {
  return PROFILES;
}

/** The profile with this number; 0x0000 (no current profile: no medium) and unknown numbers give undefined. */
export function profileInfo(number: number): Profile | undefined {
  return BY_NUMBER.get(number);
}

/** "DVD+R (0x001B)", "no medium (0x0000)" or "unknown profile 0x0099". */
export function profileName(number: number): string {
  const hex = `0x${number.toString(16).toUpperCase().padStart(4, "0")}`;
  if (number === 0) return `no medium (${hex})`;
  const info = BY_NUMBER.get(number);
  return info ? `${info.name} (${hex})` : `unknown profile ${hex}`;
}
