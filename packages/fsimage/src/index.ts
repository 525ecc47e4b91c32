// @discburn/fsimage: build ISO 9660 + Joliet images from a tree of files, streamed forward-only.

export type { AppendOptions, Growth, HeadPatch } from "./append.js";
export { AppendSession } from "./append.js";
export type { RecordedTime } from "./ecma119/dates.js";
export { decodeDirectoryDate, decodeVolumeDate, encodeDirectoryDate, encodeVolumeDate } from "./ecma119/dates.js";
export type { DirectoryRecord } from "./ecma119/directoryRecord.js";
export { decodeDirectoryRecord, encodeDirectoryRecord, FileFlags } from "./ecma119/directoryRecord.js";
export type { InterchangeLevel } from "./ecma119/names.js";
export type { PathTableRecord } from "./ecma119/pathTable.js";
export { decodePathTable, decodePathTableRecord, encodePathTableRecord } from "./ecma119/pathTable.js";
export type { VolumeDescriptor } from "./ecma119/volumeDescriptor.js";
export { decodeVolumeDescriptor, encodeVolumeDescriptor, SECTOR_SIZE } from "./ecma119/volumeDescriptor.js";
export type { EmitOptions, Progress } from "./emit/sectorStream.js";
export {
  CancelledError,
  DecodeError,
  DiscburnError,
  InvalidArgumentError,
  LayoutError,
  MediumFullError,
  OutputError,
  SourceChangedError,
  SourceError,
  TreeError,
} from "./errors.js";
export type { AddFileOptions, AddTreeOptions, FileData } from "./image.js";
export { FileSystemImage } from "./image.js";
export type { FileSystemKind, ImageOptions } from "./options.js";
export type { BlockSource, ReadLimits } from "./read/blockSource.js";
export { BLOCK_SIZE, DEFAULT_READ_LIMITS, ImageFileSource, MemorySource } from "./read/blockSource.js";
export { ImageReadError } from "./read/errors.js";
export type { Extent } from "./read/extentSource.js";
export { ExtentSource } from "./read/extentSource.js";
export type {
  ElToritoEmulation,
  ElToritoEntry,
  ElToritoPlatform,
  IdentifiedFileSystems,
  IdentifyOptions,
} from "./read/identify.js";
export { identifyFileSystems } from "./read/identify.js";
export type { ImportableFileSystem, ImportOptions, ImportResult } from "./read/importer.js";
export { IMPORT_PREFERENCE, importFileSystem } from "./read/importer.js";
export type { NameMapping, WriteOptions } from "./result.js";
export { ResultImage } from "./result.js";
export type { AddTreeReport, SkippedHostEntry } from "./tree/hostTree.js";
export { attributesOf, specialKind } from "./tree/hostTree.js";
export type { ImageItem, ItemAttributes, SpecialKind } from "./tree/items.js";
export { DirectoryItem, FileItem, SpecialItem, SymlinkItem } from "./tree/items.js";
export type { FileSource } from "./tree/sources.js";
export { BytesSource, HostFileSource, StreamSource } from "./tree/sources.js";
export type { BootEmulation, BootImageOptions, BootOptions, BootPlatform } from "./writers/elTorito.js";
export type { UdfRevision } from "./writers/udf.js";
export { UDF_REVISIONS } from "./writers/udf.js";
