// --capacity: a medium's size as a named medium, 2048-byte blocks, or bytes with a K/M/G suffix.
import { InvalidArgumentError } from "@discburn/fsimage";

/** Recordable capacities in 2048-byte blocks (nominal blank media as drives report them in READ CAPACITY / READ DISC INFORMATION). */
export const NAMED_MEDIA: Readonly<Record<string, number>> = {
  cd74: 333_000, // 74-minute CD-R: 74 × 60 × 75 sectors
  cd80: 360_000, // 80-minute CD-R: 80 × 60 × 75 sectors
  dvd: 2_295_104, // single-layer DVD±R, 4.7 GB
  dvddl: 4_173_824, // dual-layer DVD+R, 8.5 GB
  bd25: 12_219_392, // single-layer BD-R, 25 GB
  bd50: 24_438_784, // dual-layer BD-R, 50 GB
};

const UNITS: Readonly<Record<string, number>> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parses a capacity argument into 2048-byte blocks (sizes round down to whole blocks). */
export function parseCapacity(text: string): number {
  const t = text.trim().toLowerCase();
  const named = NAMED_MEDIA[t];
  if (named !== undefined) return named;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/.exec(t);
  if (m?.[1] !== undefined) {
    const value = Number(m[1]);
    const unit = m[2] ?? "";
    if (unit === "" && m[3] === "" && Number.isInteger(value)) return value; // bare integer: blocks
    if (unit !== "") return Math.floor((value * (UNITS[unit] ?? 1)) / 2048);
    if (m[3] === "b" && Number.isInteger(value)) return Math.floor(value / 2048);
  }
  throw new InvalidArgumentError(
    `--capacity ${text}: give 2048-byte blocks (e.g. 359847), a size (700M, 4.4G), or a medium: ${Object.keys(NAMED_MEDIA).join(", ")}`,
  );
}
