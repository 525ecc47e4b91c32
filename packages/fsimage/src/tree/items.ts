// The tree a caller edits (in the spirit of IMAPI2's IFsiDirectoryItem / IFsiFileItem): true names and
// attributes only. Each format writer projects it into its own on-disc names when the image is planned.
import { TreeError } from "../errors.js";
import type { FileSource } from "./sources.js";

/** POSIX-style attributes kept with every item (times in milliseconds since the Unix epoch). */
export interface ItemAttributes {
  mtimeMs?: number;
  atimeMs?: number;
  ctimeMs?: number;
  /** Permission bits (e.g. 0o644); the file type is implied by the item's kind. */
  mode?: number;
  uid?: number;
  gid?: number;
}

abstract class BaseItem {
  parent: DirectoryItem | null = null;
  mtimeMs: number;
  atimeMs: number;
  ctimeMs: number;
  mode: number;
  uid: number;
  gid: number;

  constructor(
    public name: string,
    attrs: ItemAttributes,
    defaultTimeMs: number,
    defaultMode: number,
  ) {
    this.mtimeMs = attrs.mtimeMs ?? defaultTimeMs;
    this.atimeMs = attrs.atimeMs ?? this.mtimeMs;
    this.ctimeMs = attrs.ctimeMs ?? this.mtimeMs;
    this.mode = attrs.mode ?? defaultMode;
    this.uid = attrs.uid ?? 0;
    this.gid = attrs.gid ?? 0;
  }

  /** Absolute path in the image, "/" for the root. */
  get path(): string {
    if (!this.parent) return "/";
    const parts: string[] = [];
    for (let it: BaseItem | null = this; it?.parent; it = it.parent) parts.push(it.name);
    return `/${parts.reverse().join("/")}`;
  }
}

export class FileItem extends BaseItem {
  readonly kind = "file" as const;
  constructor(
    name: string,
    /** The data; one source shared by several items is recorded once (hard links). */
    public source: FileSource,
    attrs: ItemAttributes,
    defaultTimeMs: number,
  ) {
    super(name, attrs, defaultTimeMs, 0o644);
  }
  get size(): number {
    return this.source.size;
  }
}

export class DirectoryItem extends BaseItem {
  readonly kind = "directory" as const;
  private readonly entries = new Map<string, ImageItem>();

  constructor(name: string, attrs: ItemAttributes, defaultTimeMs: number) {
    super(name, attrs, defaultTimeMs, 0o755);
  }

  get(name: string): ImageItem | undefined {
    return this.entries.get(name);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Children in a stable order (by name, UTF-16 code units). */
  children(): ImageItem[] {
    return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Children in insertion order, without sorting (for walks that do not care about order). */
  unsortedChildren(): IterableIterator<ImageItem> {
    return this.entries.values();
  }

  /** Adds `item` under its name; an existing item of that name is an error unless `replace`. */
  add(item: ImageItem, replace = false): void {
    const existing = this.entries.get(item.name);
    if (existing && !replace) {
      throw new TreeError(
        `${joinPath(this.path, item.name)} already exists in the image; remove it first or ask to replace it`,
        joinPath(this.path, item.name),
      );
    }
    if (existing) existing.parent = null;
    item.parent = this;
    this.entries.set(item.name, item);
  }

  delete(name: string): boolean {
    const it = this.entries.get(name);
    if (!it) return false;
    it.parent = null;
    return this.entries.delete(name);
  }
}

/** A symbolic link; only Rock Ridge (and later UDF) can record it. */
export class SymlinkItem extends BaseItem {
  readonly kind = "symlink" as const;
  constructor(
    name: string,
    /** The link's target, as given (relative or absolute, may dangle). */
    public target: string,
    attrs: ItemAttributes,
    defaultTimeMs: number,
  ) {
    super(name, attrs, defaultTimeMs, 0o777);
  }
}

export type SpecialKind = "fifo" | "socket" | "character-device" | "block-device";

/** A FIFO, socket or device node; only Rock Ridge (and later UDF) can record it. */
export class SpecialItem extends BaseItem {
  readonly kind: SpecialKind;
  constructor(
    name: string,
    kind: SpecialKind,
    /** Device numbers, for character and block devices. */
    public device: { major: number; minor: number } | null,
    attrs: ItemAttributes,
    defaultTimeMs: number,
  ) {
    super(name, attrs, defaultTimeMs, 0o644);
    this.kind = kind;
  }
}

export type ImageItem = FileItem | DirectoryItem | SymlinkItem | SpecialItem;

/** POSIX file type bits (S_IFMT) of an item, for Rock Ridge PX and UDF. */
export function fileTypeBits(item: ImageItem): number {
  switch (item.kind) {
    case "directory":
      return 0o040000;
    case "file":
      return 0o100000;
    case "symlink":
      return 0o120000;
    case "fifo":
      return 0o010000;
    case "socket":
      return 0o140000;
    case "character-device":
      return 0o020000;
    case "block-device":
      return 0o060000;
  }
}

export function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** Checks one name for the tree: non-empty, not "." or "..", no "/" or NUL. */
export function validateItemName(name: string, where: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new TreeError(`invalid name ${JSON.stringify(name)} for an image item at ${where}`, where);
  }
}

/** Splits an image path ("/a/b", "a/b/") into validated components. */
export function splitImagePath(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  for (const p of parts) {
    if (p === "..") throw new TreeError(`image path ${path} must not contain ".."`, path);
    validateItemName(p, path);
  }
  return parts;
}
