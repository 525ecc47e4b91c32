// @discburn/mmc: SCSI/MMC command builders, response parsers, sense decoding, transports, Drive and burning.

export type { BurnAction, BurnOptions, BurnProgress, BurnResult, CloseResult, SessionData } from "./burn/burn.js";
export { assertAppendable, burn, checkMedium, closeMedium, isOverwritable } from "./burn/burn.js";
export type { BurnErrorKind } from "./burn/errors.js";
export { BurnError } from "./burn/errors.js";
export type { SleepInhibitor } from "./burn/inhibit.js";
export { inhibitSleep } from "./burn/inhibit.js";
export type { LongOperationOptions } from "./burn/mediumOps.js";
export { blankMedium, formatMedium, waitUntilReady } from "./burn/mediumOps.js";
export { RingBuffer } from "./burn/ringBuffer.js";
export type { WriteStrategy, WriteStrategyKind } from "./burn/strategy.js";
export { strategyFor, usesSessionAtOnce } from "./burn/strategy.js";

export type { BlankOptions } from "./commands/blank.js";
export { BLANKING_TYPE, buildBlank } from "./commands/blank.js";
export { fromHex, MalformedResponseError, toHex } from "./commands/bytes.js";
export type { CapabilitiesPage, WriteSpeedDescriptor } from "./commands/capabilitiesPage.js";
export { encodeCapabilitiesPage, parseCapabilitiesPage } from "./commands/capabilitiesPage.js";
export type { DataDirection, ScsiCommand } from "./commands/cdb.js";
export { makeCommand, OPCODE, opcodeName } from "./commands/cdb.js";
export type { CloseTrackSessionOptions } from "./commands/closeTrackSession.js";
export { buildCloseTrackSession, CLOSE_FUNCTION } from "./commands/closeTrackSession.js";
export type { Feature, FeatureCommon, FeatureDescriptor, FeatureKind } from "./commands/features.js";
export { decodeFeature, FEATURE, featureName, LOADING_MECHANISM } from "./commands/features.js";
export type { FormatDescriptor, FormatParameterList, FormatUnitOptions } from "./commands/formatUnit.js";
export {
  BD_FORMAT_SUBTYPE,
  bdReFormatDescriptor,
  buildFormatUnit,
  buildFormatUnitImmediate,
  decodeFormatParameterList,
  dvdPlusRwFormatDescriptor,
  encodeFormatParameterList,
  FORMAT_TYPE,
} from "./commands/formatUnit.js";
export type { Configuration, GetConfigurationOptions, RequestType } from "./commands/getConfiguration.js";
export {
  buildGetConfiguration,
  encodeConfiguration,
  findFeature,
  isFeatureCurrent,
  parseConfiguration,
  REQUEST_TYPE,
} from "./commands/getConfiguration.js";
export type {
  EventStatus,
  GetEventStatusNotificationOptions,
  MediaEvent,
} from "./commands/getEventStatusNotification.js";
export {
  buildGetEventStatusNotification,
  encodeEventStatus,
  MEDIA_EVENT,
  NOTIFICATION_CLASS,
  parseEventStatus,
} from "./commands/getEventStatusNotification.js";
export type {
  GetPerformanceOptions,
  NominalPerformance,
  Performance,
  PerformanceException,
  WriteSpeed,
  WriteSpeeds,
} from "./commands/getPerformance.js";
export {
  buildGetPerformance,
  buildGetWriteSpeeds,
  encodeNominalPerformance,
  encodeWriteSpeeds,
  PERFORMANCE_EXCEPT,
  PERFORMANCE_TYPE,
  parsePerformance,
  parseWriteSpeeds,
} from "./commands/getPerformance.js";
export type { InquiryData, InquiryOptions } from "./commands/inquiry.js";
export { buildInquiry, encodeInquiry, PERIPHERAL_DEVICE_TYPE, parseInquiry } from "./commands/inquiry.js";
export type { MechanismStatus } from "./commands/mechanismStatus.js";
export {
  buildMechanismStatus,
  encodeMechanismStatus,
  MECHANISM_STATE,
  parseMechanismStatus,
} from "./commands/mechanismStatus.js";
export type { ModePage, ModeParameters, ModeSelect10Options, ModeSense10Options } from "./commands/modeParameters.js";
export {
  buildModeSelect10,
  buildModeSense10,
  encodeModeSelectParameterList,
  encodeModeSenseData,
  findModePage,
  MODE_PAGE,
  PAGE_CONTROL,
  parseModeSense10,
} from "./commands/modeParameters.js";
export type { Msf } from "./commands/msf.js";
export { lbaToMsf, msfFieldToLba, msfToLba } from "./commands/msf.js";
export { buildPreventAllowMediumRemoval, PREVENT } from "./commands/preventAllowMediumRemoval.js";
export type { MediaFamily, Profile } from "./commands/profiles.js";
export { allProfiles, PROFILE, profileInfo, profileName } from "./commands/profiles.js";
export type { Read12Options, ReadOptions } from "./commands/read.js";
export { buildRead10, buildRead12 } from "./commands/read.js";
export type { BufferCapacity } from "./commands/readBufferCapacity.js";
export { buildReadBufferCapacity, encodeBufferCapacity, parseBufferCapacity } from "./commands/readBufferCapacity.js";
export type { Capacity } from "./commands/readCapacity.js";
export { buildReadCapacity10, encodeCapacity, parseCapacity } from "./commands/readCapacity.js";
export type {
  DiscInformation,
  DiscInformationFields,
  DiscStatusName,
  ReadDiscInformationOptions,
} from "./commands/readDiscInformation.js";
export {
  BACKGROUND_FORMAT,
  buildReadDiscInformation,
  DISC_STATUS,
  DISC_TYPE,
  encodeDiscInformation,
  parseDiscInformation,
  SESSION_STATE,
} from "./commands/readDiscInformation.js";
export type { FormatCapacities, FormattableCapacity } from "./commands/readFormatCapacities.js";
export {
  buildReadFormatCapacities,
  CAPACITY_DESCRIPTOR_TYPE,
  encodeFormatCapacities,
  parseFormatCapacities,
} from "./commands/readFormatCapacities.js";
export type {
  FormattedToc,
  MultisessionInfo,
  RawToc,
  RawTocEntry,
  ReadTocOptions,
  TocEntry,
  TocFormat,
  TrackDescriptor,
} from "./commands/readTocPmaAtip.js";
export {
  buildReadTocPmaAtip,
  encodeFormattedToc,
  encodeMultisessionInfo,
  parseFormattedToc,
  parseMultisessionInfo,
  parseRawToc,
  TOC_FORMAT,
} from "./commands/readTocPmaAtip.js";
export type {
  ReadTrackInformationOptions,
  TrackInformation,
  TrackInformationFields,
} from "./commands/readTrackInformation.js";
export {
  buildReadTrackInformation,
  buildReadTrackInformationByLba,
  buildReadTrackInformationByTrack,
  encodeTrackInformation,
  INVISIBLE_TRACK,
  parseTrackInformation,
  TRACK_ADDRESS_TYPE,
} from "./commands/readTrackInformation.js";
export type { RequestSenseOptions } from "./commands/requestSense.js";
export { buildRequestSense, parseRequestSense } from "./commands/requestSense.js";
export type { ReserveTrackOptions } from "./commands/reserveTrack.js";
export { buildReserveTrack } from "./commands/reserveTrack.js";
export type { CueSheetEntry, DataTrackCueSheetOptions } from "./commands/sendCueSheet.js";
export {
  buildSendCueSheet,
  CUE_ADR,
  CUE_CONTROL,
  CUE_DATA_FORM,
  CUE_ENTRY_SIZE,
  CUE_FIRST_PREGAP_BLOCKS,
  CUE_SCMS,
  CUE_TNO,
  cueSheetSize,
  dataTrackCueSheet,
  decodeCueSheet,
  encodeCueSheet,
  encodeCueSheetEntry,
} from "./commands/sendCueSheet.js";
export type { SetCdSpeedOptions } from "./commands/setCdSpeed.js";
export { buildSetCdSpeed, MAX_SPEED } from "./commands/setCdSpeed.js";
export type { PerformanceDescriptor } from "./commands/setStreaming.js";
export {
  buildSetStreaming,
  decodePerformanceDescriptor,
  encodePerformanceDescriptor,
  performanceDescriptorForSpeed,
} from "./commands/setStreaming.js";
export type { StartStopAction, StartStopUnitOptions } from "./commands/startStopUnit.js";
export { buildStartStopUnit, START_STOP } from "./commands/startStopUnit.js";
export type { SynchronizeCacheOptions } from "./commands/synchronizeCache.js";
export { buildSynchronizeCache10 } from "./commands/synchronizeCache.js";
export { buildTestUnitReady } from "./commands/testUnitReady.js";
export type { Write12Options, WriteOptions } from "./commands/write.js";
export { buildWrite10, buildWrite12 } from "./commands/write.js";
export type { WriteParameters } from "./commands/writeParametersPage.js";
export {
  buildModeSelectWriteParameters,
  DATA_BLOCK_TYPE,
  defaultWriteParameters,
  encodeWriteParametersPage,
  MULTISESSION,
  parseWriteParametersPage,
  SESSION_FORMAT,
  TRACK_MODE,
  WRITE_TYPE,
} from "./commands/writeParametersPage.js";
export type {
  DriveCapabilities,
  DriveIdentity,
  DriveOptions,
  MediaInfo,
  MediaStatus,
  ProfileEntry,
  RunOptions,
  SessionEntry,
  SpeedEntry,
  TrackEntry,
} from "./drive.js";
export { Drive, openTransport, writableProfiles } from "./drive.js";
export type { DriveListing, EnumerateOptions } from "./enumerate.js";
export { enumerateDrives, linuxDriveNodes } from "./enumerate.js";
export type { RetryAdvice, ScsiErrorInit, SenseData, SenseFields, SenseKeySpecific } from "./sense.js";
export {
  ascText,
  decodeSense,
  describeSense,
  encodeDescriptorSense,
  encodeFixedSense,
  retryAdvice,
  SCSI_STATUS,
  ScsiError,
  SENSE_KEY,
  senseHint,
  senseKeyName,
  statusName,
} from "./sense.js";
export type {
  SimDiscStatus,
  SimFaults,
  SimProfileName,
  SimSession,
  SimState,
  SimStateSnapshot,
  SimTrack,
  SimWriteMethods,
  SoftwareRecorderOptions,
} from "./sim/recorder.js";
export { parseSimDrive, SIM_LONG_OPERATION_MS, SIM_PROFILES, SoftwareRecorder } from "./sim/recorder.js";
export type { LinuxSgIoOpenOptions, SgIoLayout, SgIoOutput } from "./transport/linuxSgIo.js";
export {
  decodeSgIoHeader,
  deviceErrorFromErrno,
  encodeSgIoHeader,
  hostStatusName,
  LinuxSgIoTransport,
  SG_DXFER,
  SG_GET_VERSION_NUM,
  SG_IO,
  SG_IO_HDR,
  sgIoLayout,
} from "./transport/linuxSgIo.js";
export type {
  DeviceErrorKind,
  ExecuteOptions,
  NormalizedCommand,
  RawScsiCommand,
  ScsiResult,
  ScsiTransport,
} from "./transport/transport.js";
export { checkResult, DeviceError, normalizeCommand, senseFrom } from "./transport/transport.js";
export { UNSUPPORTED_PLATFORM_MESSAGE, unsupportedPlatform } from "./transport/unsupported.js";
export type {
  PointerPatch,
  SptdLayout,
  SptdOutput,
  SptiApi,
} from "./transport/windowsSpti.js";
export {
  alignedDataOffset,
  collectData,
  DEFAULT_ALIGNMENT_MASK,
  decodeAdapterDescriptor,
  decodeSptd,
  deviceErrorFromWin32,
  encodeAdapterPropertyQuery,
  encodeSptd,
  IOCTL_SCSI_PASS_THROUGH_DIRECT,
  IOCTL_STORAGE_QUERY_PROPERTY,
  placeData,
  SCSI_IOCTL_DATA,
  SPTD,
  SPTI_SENSE_LENGTH,
  SPTI_WORKER_SOURCE,
  sptdLayout,
  WIN32_ERROR,
  WindowsSptiTransport,
  windowsDevicePath,
} from "./transport/windowsSpti.js";
