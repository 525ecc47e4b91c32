// Joliet specification section 3.3 (identifier characters and lengths) and common practice (";1" versions).
import { isSurrogate } from "../encoding/ucs2.js";
import { assignUniqueIdentifiers, type NameParts } from "../layout/nameCollisions.js";

/** Joliet allows 64 UCS-2 characters; 103 is the de-facto "long names" limit that fits a 255-byte record. */
export const JOLIET_MAX = 64;
export const JOLIET_LONG_MAX = 103;

/** Characters the Joliet specification forbids in identifiers (besides U+0000-U+001F). */
const FORBIDDEN = new Set(["*", "/", ":", ";", "?", "\\"]);

/**
 * Maps host text to what Joliet can store: characters outside UCS-2 (beyond U+FFFF, e.g. emoji) and
 * forbidden characters become "_" (one "_" per character, not per UTF-16 unit).
 */
export function toJolietCharacters(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code > 0xffff || code < 0x20 || FORBIDDEN.has(ch) || isSurrogate(code)) out += "_";
    else out += ch;
  }
  return out;
}

/** Natural parts of a Joliet identifier: over-long names are shortened in their base, keeping a short extension. */
export function jolietParts(name: string, isDirectory: boolean, max: number): NameParts {
  const text = toJolietCharacters(name);
  const dot = text.lastIndexOf(".");
  if (isDirectory || dot <= 0 || dot === text.length - 1 || text.length - dot > max / 2) {
    return { base: text.slice(0, max), ext: isDirectory ? null : "", baseMax: max };
  }
  const ext = text.slice(dot + 1);
  const baseMax = max - ext.length - 1;
  return { base: text.slice(0, Math.min(dot, baseMax)), ext, baseMax };
}

/** Files carry ";1" as genisoimage and xorriso write it; an empty extension means "no dot". */
export function composeJolietIdentifier(base: string, ext: string | null): string {
  if (ext === null) return base;
  return ext === "" ? `${base};1` : `${base}.${ext};1`;
}

/** Joliet records are ordered by their UCS-2 code units. */
export function compareJolietIdentifiers(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function mapJolietIdentifiers<T>(
  children: readonly T[],
  nameOf: (c: T) => string,
  isDirectory: (c: T) => boolean,
  max: number,
): Map<T, string> {
  return assignUniqueIdentifiers(children, (c) => jolietParts(nameOf(c), isDirectory(c), max), composeJolietIdentifier);
}
