// The image a caller builds (IMAPI2's MsftFileSystemImage): a tree, its options, and the planned result.
import { lstat, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { Readable } from "node:stream";
import { InvalidArgumentError, SourceError, TreeError } from "./errors.js";
import { planImage } from "./layout/plan.js";
import { checkVolumeName, type ImageOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { ResultImage } from "./result.js";
import { type AddTreeReport, addHostTree, attributesOf } from "./tree/hostTree.js";
import {
  DirectoryItem,
  FileItem,
  type ImageItem,
  type ItemAttributes,
  splitImagePath,
  validateItemName,
} from "./tree/items.js";
import { BytesSource, type FileSource, HostFileSource, StreamSource } from "./tree/sources.js";

export interface AddTreeOptions {
  /** Put the host directory itself (by its name) into the target, not just its contents. IMAPI2's includeBaseDirectory. */
  includeBaseDirectory?: boolean;
  /** Directory in the image to add to (created if missing). Default "/". */
  target?: string;
  /** Replace existing files of the same name instead of failing. */
  replace?: boolean;
}

export interface AddFileOptions extends ItemAttributes {
  replace?: boolean;
}

/** What a file's data can be given as: a host path, bytes, or any FileSource. */
export type FileData = string | Uint8Array | FileSource;

export class FileSystemImage {
  readonly root: DirectoryItem;
  private readonly options: ResolvedOptions;
  private readonly linkTable = new Map<string, FileSource>();
  private defaultVolumeName: string | undefined;

  constructor(options: ImageOptions = {}) {
    this.options = resolveOptions(options);
    this.root = new DirectoryItem("", {}, this.options.creationTimeMs);
  }

  /** Default time for items added without one (the volume creation time). */
  get creationTimeMs(): number {
    return this.options.creationTimeMs;
  }

  /** The volume name: the one given in the options, else the first added tree's directory name, else "CDROM". */
  get volumeName(): string {
    return this.options.volumeName ?? this.defaultVolumeName ?? "CDROM";
  }

  /** Looks up an item by image path ("/" is the root). */
  lookup(path: string): ImageItem | undefined {
    let item: ImageItem = this.root;
    for (const part of splitImagePath(path)) {
      if (item.kind !== "directory") return undefined;
      const next = item.get(part);
      if (!next) return undefined;
      item = next;
    }
    return item;
  }

  /** Returns the directory at `path`, creating missing directories on the way (like mkdir -p). */
  addDirectory(path: string, attrs: ItemAttributes = {}): DirectoryItem {
    let dir = this.root;
    const parts = splitImagePath(path);
    parts.forEach((part, i) => {
      const existing = dir.get(part);
      if (existing?.kind === "directory") {
        dir = existing;
        return;
      }
      if (existing) {
        throw new TreeError(`${existing.path} is a file, so it cannot hold ${path}`, path);
      }
      const created = new DirectoryItem(part, i === parts.length - 1 ? attrs : {}, this.options.creationTimeMs);
      dir.add(created);
      dir = created;
    });
    return dir;
  }

  /**
   * Adds a file at `path` (parent directories are created). `data` is a host path (read when the image is
   * written; its size and times are taken now), bytes, or any FileSource.
   */
  async addFile(path: string, data: FileData, options: AddFileOptions = {}): Promise<FileItem> {
    const parts = splitImagePath(path);
    if (parts.length === 0) throw new TreeError("a file needs a name; the root is a directory", path);
    let source: FileSource;
    let attrs: ItemAttributes = options;
    if (typeof data === "string") {
      const hostPath = resolve(data);
      const st = await stat(hostPath).catch((e: Error) => {
        throw new SourceError(`cannot read source file ${hostPath}: ${e.message}`, hostPath, { cause: e });
      });
      if (!st.isFile()) throw new SourceError(`source ${hostPath} is not a regular file`, hostPath);
      source = new HostFileSource(hostPath, st.size);
      attrs = { ...attributesOf(st), ...options };
    } else if (data instanceof Uint8Array) {
      source = new BytesSource(data, `<${data.length} bytes for ${path}>`);
    } else {
      source = data;
    }
    const dir = this.addDirectory(parts.slice(0, -1).join("/"));
    const name = parts[parts.length - 1];
    const existing = dir.get(name);
    if (existing?.kind === "directory") throw new TreeError(`${existing.path} is a directory; remove it first`, path);
    const item = new FileItem(name, source, attrs, this.options.creationTimeMs);
    dir.add(item, options.replace ?? false);
    return item;
  }

  /** Adds a file whose data comes from a stream opened by `factory` each time the image is written. */
  addStream(
    path: string,
    size: number,
    factory: () => Readable | AsyncIterable<Uint8Array> | Promise<Readable | AsyncIterable<Uint8Array>>,
    options: AddFileOptions = {},
  ): Promise<FileItem> {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new InvalidArgumentError(`stream size ${size} for ${path} is not valid`);
    return this.addFile(path, new StreamSource(size, factory, `<stream for ${path}>`), options);
  }

  /** Adds the contents of a host directory (IMAPI2's AddTree). Symlinks and special files are reported, not added. */
  async addTree(hostPath: string, options: AddTreeOptions = {}): Promise<AddTreeReport> {
    const abs = resolve(hostPath);
    const st = await lstat(abs).catch((e: Error) => {
      throw new SourceError(`cannot read source directory ${abs}: ${e.message}`, abs, { cause: e });
    });
    if (!st.isDirectory()) {
      throw new SourceError(`${abs} is not a directory (add single files with addFile)`, abs);
    }
    let target = this.addDirectory(options.target ?? "/");
    const base = basename(abs);
    if (options.includeBaseDirectory) {
      validateItemName(base, abs);
      const existing = target.get(base);
      if (existing && existing.kind !== "directory") {
        throw new TreeError(`${existing.path} is a file, so directory ${abs} cannot be added there`, existing.path);
      }
      if (!existing) {
        const created = new DirectoryItem(base, attributesOf(st), this.options.creationTimeMs);
        target.add(created);
        target = created;
      } else target = existing;
    } else if (target === this.root) {
      // The root takes the times of the directory whose contents it becomes.
      Object.assign(this.root, attributesOf(st));
    }
    if (this.defaultVolumeName === undefined && base !== "") {
      try {
        this.defaultVolumeName = checkVolumeName(base.slice(0, 32));
      } catch {
        // A directory name that cannot be a volume name just leaves the default.
      }
    }
    return addHostTree(abs, target, {
      replace: options.replace ?? false,
      defaultTimeMs: this.options.creationTimeMs,
      linkTable: this.linkTable,
    });
  }

  /** Removes a file or an empty directory (IMAPI2's Remove). */
  remove(path: string): void {
    const item = this.lookup(path);
    if (!item || !item.parent) throw new TreeError(`${path} is not in the image`, path);
    if (item.kind === "directory" && item.size > 0) {
      throw new TreeError(`${item.path} is a directory that is not empty; use removeTree`, path);
    }
    item.parent.delete(item.name);
  }

  /** Removes an item and everything below it (IMAPI2's RemoveTree). */
  removeTree(path: string): void {
    const item = this.lookup(path);
    if (!item || !item.parent) throw new TreeError(`${path} is not in the image (the root cannot be removed)`, path);
    item.parent.delete(item.name);
  }

  /** Moves or renames an item (with everything below it) to `to`; parent directories are created. */
  rename(from: string, to: string): void {
    const item = this.lookup(from);
    if (!item || !item.parent) throw new TreeError(`${from} is not in the image (the root cannot be moved)`, from);
    const parts = splitImagePath(to);
    if (parts.length === 0) throw new TreeError("the root cannot be a rename target", to);
    const dir = this.addDirectory(parts.slice(0, -1).join("/"));
    for (let d: DirectoryItem | null = dir; d; d = d.parent) {
      if (d === item) throw new TreeError(`cannot move ${from} into itself (${to})`, to);
    }
    const name = parts[parts.length - 1];
    if (dir.get(name)) throw new TreeError(`${to} already exists in the image; remove it first`, to);
    item.parent.delete(item.name);
    item.name = name;
    dir.add(item);
  }

  /** Counts of what the tree holds ("other" counts symlinks and special files). */
  stats(): { files: number; directories: number; other: number; bytes: number } {
    let files = 0;
    let directories = 0;
    let other = 0;
    let bytes = 0;
    const seen = new Set<FileSource>();
    const stack: DirectoryItem[] = [this.root];
    while (stack.length) {
      const d = stack.pop()!;
      for (const c of d.unsortedChildren()) {
        if (c.kind === "directory") {
          directories++;
          stack.push(c);
        } else if (c.kind === "file") {
          files++;
          if (!seen.has(c.source)) bytes += c.size;
          seen.add(c.source);
        } else other++;
      }
    }
    return { files, directories, other, bytes };
  }

  /** Plans every sector (IMAPI2's CreateResultImage). The tree must not change while the result is written. */
  createResultImage(): ResultImage {
    const name = this.volumeName;
    return new ResultImage(planImage(this.root, this.options, name), name);
  }
}
