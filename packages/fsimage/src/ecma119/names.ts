// ECMA-119 7.5 / 7.6 (file and directory identifiers) and 10.1-10.3 (interchange levels 1-3).
import { isDCharacter } from "../encoding/characters.js";
import { assignUniqueIdentifiers, type NameParts } from "../layout/nameCollisions.js";

export type InterchangeLevel = 1 | 2 | 3;

/** 10.1: 8.3 names, directories up to 8; 10.2/10.3: name + extension up to 30, directories up to 31. */
export function identifierLimits(level: InterchangeLevel): { fileTotal: number; extMax: number; dirMax: number } {
  return level === 1 ? { fileTotal: 11, extMax: 3, dirMax: 8 } : { fileTotal: 30, extMax: 14, dirMax: 31 };
}

/** Maps host text to d-characters: ASCII letters upper-cased, anything else that is not a d-character to "_". */
export function toDCharacters(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const upper = code >= 0x61 && code <= 0x7a ? code - 0x20 : code;
    out += isDCharacter(upper) ? String.fromCharCode(upper) : "_";
  }
  return out;
}

/** The natural (pre-collision) parts of a file's ISO 9660 identifier. */
export function isoFileParts(name: string, level: InterchangeLevel): NameParts {
  const limits = identifierLimits(level);
  const dot = name.lastIndexOf(".");
  // A leading dot (".profile") is not an extension separator: the whole name is the base.
  const rawBase = dot > 0 ? name.slice(0, dot) : name;
  const rawExt = dot > 0 ? name.slice(dot + 1) : "";
  const ext = toDCharacters(rawExt).slice(0, limits.extMax);
  const baseMax = limits.fileTotal - ext.length;
  const base = toDCharacters(rawBase).slice(0, level === 1 ? 8 : baseMax) || "_";
  return { base, ext, baseMax: level === 1 ? 8 : baseMax };
}

/** The natural parts of a directory's ISO 9660 identifier (no extension, no version). */
export function isoDirectoryParts(name: string, level: InterchangeLevel): NameParts {
  const max = identifierLimits(level).dirMax;
  return { base: toDCharacters(name).slice(0, max) || "_", ext: null, baseMax: max };
}

/** 7.5.1: FileName "." Extension ";" Version; directories are the bare name. */
export function composeIsoIdentifier(base: string, ext: string | null): string {
  return ext === null ? base : `${base}.${ext};1`;
}

/** ECMA-119 9.3: records ordered by name then extension (space-padded), version descending. */
export function compareIsoIdentifiers(a: string, b: string): number {
  const [an, ae] = splitIso(a);
  const [bn, be] = splitIso(b);
  const byName = padCompare(an, bn) || padCompare(ae, be);
  // Equal up to padding (a directory "A" and a file "A."): fall back to the raw text, so order is total.
  return byName || (a < b ? -1 : a > b ? 1 : 0);
}

function splitIso(id: string): [string, string] {
  const semi = id.indexOf(";");
  const bare = semi >= 0 ? id.slice(0, semi) : id;
  const dot = bare.indexOf(".");
  return dot >= 0 ? [bare.slice(0, dot), bare.slice(dot + 1)] : [bare, ""];
}

function padCompare(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = i < a.length ? a.charCodeAt(i) : 0x20;
    const cb = i < b.length ? b.charCodeAt(i) : 0x20;
    if (ca !== cb) return ca - cb;
  }
  return 0;
}

/** Maps the children of one directory to unique ISO 9660 identifiers (see assignUniqueIdentifiers). */
export function mapIsoIdentifiers<T>(
  children: readonly T[],
  nameOf: (c: T) => string,
  isDirectory: (c: T) => boolean,
  level: InterchangeLevel,
): Map<T, string> {
  return assignUniqueIdentifiers(
    children,
    (c) => (isDirectory(c) ? isoDirectoryParts(nameOf(c), level) : isoFileParts(nameOf(c), level)),
    composeIsoIdentifier,
  );
}
