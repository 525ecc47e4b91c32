// MMC-6 features: what a drive can do with the medium it holds, as GET CONFIGURATION reports them.
import { asciiField, getUint16, getUint24, getUint32 } from "./bytes.js";

export const FEATURE = {
  PROFILE_LIST: 0x0000,
  CORE: 0x0001,
  MORPHING: 0x0002,
  REMOVABLE_MEDIUM: 0x0003,
  WRITE_PROTECT: 0x0004,
  RANDOM_READABLE: 0x0010,
  MULTI_READ: 0x001d,
  CD_READ: 0x001e,
  DVD_READ: 0x001f,
  RANDOM_WRITABLE: 0x0020,
  INCREMENTAL_STREAMING_WRITABLE: 0x0021,
  SECTOR_ERASABLE: 0x0022,
  FORMATTABLE: 0x0023,
  HARDWARE_DEFECT_MANAGEMENT: 0x0024,
  WRITE_ONCE: 0x0025,
  RESTRICTED_OVERWRITE: 0x0026,
  CD_RW_CAV_WRITE: 0x0027,
  MRW: 0x0028,
  ENHANCED_DEFECT_REPORTING: 0x0029,
  DVD_PLUS_RW: 0x002a,
  DVD_PLUS_R: 0x002b,
  RIGID_RESTRICTED_OVERWRITE: 0x002c,
  CD_TRACK_AT_ONCE: 0x002d,
  CD_MASTERING: 0x002e,
  DVD_R_RW_WRITE: 0x002f,
  LAYER_JUMP_RECORDING: 0x0033,
  LJ_RIGID_RESTRICTED_OVERWRITE: 0x0034,
  STOP_LONG_OPERATION: 0x0035,
  CD_RW_MEDIA_WRITE_SUPPORT: 0x0037,
  BD_R_POW: 0x0038,
  DVD_PLUS_RW_DL: 0x003a,
  DVD_PLUS_R_DL: 0x003b,
  BD_READ: 0x0040,
  BD_WRITE: 0x0041,
  TSR: 0x0042,
  HD_DVD_READ: 0x0050,
  HD_DVD_WRITE: 0x0051,
  HD_DVD_RW_FRAGMENT_RECORDING: 0x0052,
  HYBRID_DISC: 0x0080,
  POWER_MANAGEMENT: 0x0100,
  SMART: 0x0101,
  EMBEDDED_CHANGER: 0x0102,
  CD_AUDIO_EXTERNAL_PLAY: 0x0103,
  MICROCODE_UPGRADE: 0x0104,
  TIMEOUT: 0x0105,
  DVD_CSS: 0x0106,
  REAL_TIME_STREAMING: 0x0107,
  DRIVE_SERIAL_NUMBER: 0x0108,
  MEDIA_SERIAL_NUMBER: 0x0109,
  DISC_CONTROL_BLOCKS: 0x010a,
  DVD_CPRM: 0x010b,
  FIRMWARE_INFORMATION: 0x010c,
  AACS: 0x010d,
  DVD_CSS_MANAGED_RECORDING: 0x010e,
  VCPS: 0x0110,
  SECURDISC: 0x0113,
  OSSC: 0x0142,
} as const;

const FEATURE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, "Profile List"],
  [0x0001, "Core"],
  [0x0002, "Morphing"],
  [0x0003, "Removable Medium"],
  [0x0004, "Write Protect"],
  [0x0010, "Random Readable"],
  [0x001d, "Multi-Read"],
  [0x001e, "CD Read"],
  [0x001f, "DVD Read"],
  [0x0020, "Random Writable"],
  [0x0021, "Incremental Streaming Writable"],
  [0x0022, "Sector Erasable"],
  [0x0023, "Formattable"],
  [0x0024, "Hardware Defect Management"],
  [0x0025, "Write Once"],
  [0x0026, "Restricted Overwrite"],
  [0x0027, "CD-RW CAV Write"],
  [0x0028, "MRW"],
  [0x0029, "Enhanced Defect Reporting"],
  [0x002a, "DVD+RW"],
  [0x002b, "DVD+R"],
  [0x002c, "Rigid Restricted Overwrite"],
  [0x002d, "CD Track at Once"],
  [0x002e, "CD Mastering"],
  [0x002f, "DVD-R/-RW Write"],
  [0x0033, "Layer Jump Recording"],
  [0x0034, "LJ Rigid Restricted Overwrite"],
  [0x0035, "Stop Long Operation"],
  [0x0037, "CD-RW Media Write Support"],
  [0x0038, "BD-R POW"],
  [0x003a, "DVD+RW Dual Layer"],
  [0x003b, "DVD+R Dual Layer"],
  [0x0040, "BD Read"],
  [0x0041, "BD Write"],
  [0x0042, "TSR"],
  [0x0050, "HD DVD Read"],
  [0x0051, "HD DVD Write"],
  [0x0052, "HD DVD-RW Fragment Recording"],
  [0x0080, "Hybrid Disc"],
  [0x0100, "Power Management"],
  [0x0101, "S.M.A.R.T."],
  [0x0102, "Embedded Changer"],
  [0x0103, "CD Audio External Play"],
  [0x0104, "Microcode Upgrade"],
  [0x0105, "Timeout"],
  [0x0106, "DVD CSS"],
  [0x0107, "Real Time Streaming"],
  [0x0108, "Drive Serial Number"],
  [0x0109, "Media Serial Number"],
  [0x010a, "Disc Control Blocks"],
  [0x010b, "DVD CPRM"],
  [0x010c, "Firmware Information"],
  [0x010d, "AACS"],
  [0x010e, "DVD CSS Managed Recording"],
  [0x0110, "VCPS"],
  [0x0113, "SecurDisc"],
  [0x0142, "OSSC"],
]);

/** The standard's name for a feature code, or "Feature 0xNNNN". */
export function featureName(code: number): string {
  return FEATURE_NAMES.get(code) ?? `Feature 0x${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Loading Mechanism Type values of the Removable Medium feature (MMC-6). */
export const LOADING_MECHANISM = {
  CADDY_OR_SLOT: 0,
  TRAY: 1,
  POP_UP: 2,
  CHANGER_INDIVIDUAL: 4,
  CHANGER_MAGAZINE: 5,
} as const;

/** What every feature descriptor carries (MMC-6 Feature Descriptor generic format). */
export interface FeatureDescriptor {
  code: number;
  version: number;
  persistent: boolean;
  current: boolean;
  /** The feature dependent data after the 4-byte descriptor header. */
  additional: Uint8Array;
}

export interface FeatureCommon extends FeatureDescriptor {
  name: string;
}

export type Feature =
  | (FeatureCommon & { kind: "profile-list"; profiles: { profile: number; current: boolean }[] })
  | (FeatureCommon & { kind: "core"; physicalInterface: number; inquiry2: boolean; deviceBusyEvent: boolean })
  | (FeatureCommon & {
      kind: "removable-medium";
      loadingMechanism: number;
      load: boolean;
      eject: boolean;
      preventJumper: boolean;
      dbml: boolean;
      lock: boolean;
    })
  | (FeatureCommon & {
      kind: "random-readable" | "write-once";
      logicalBlockSize: number;
      blocking: number;
      pagePresent: boolean;
    })
  | (FeatureCommon & {
      kind: "random-writable";
      lastLba: number;
      logicalBlockSize: number;
      blocking: number;
      pagePresent: boolean;
    })
  | (FeatureCommon & {
      kind: "incremental-streaming-writable";
      /** Bit n set: data block type n (write parameters page) is supported. */
      dataBlockTypes: number;
      trackResourcesInformation: boolean;
      addressReservation: boolean;
      bufferUnderrunFree: boolean;
      linkSizes: number[];
    })
  | (FeatureCommon & {
      kind: "formattable";
      bdReNoSpareArea: boolean;
      expand: boolean;
      quickCertification: boolean;
      certification: boolean;
      bdRRandomRecording: boolean;
    })
  | (FeatureCommon & { kind: "dvd-plus-rw"; write: boolean; quickStart: boolean; closeOnly: boolean })
  | (FeatureCommon & { kind: "dvd-plus-r" | "dvd-plus-r-dl"; write: boolean })
  | (FeatureCommon & {
      kind: "cd-track-at-once";
      bufferUnderrunFree: boolean;
      rwRaw: boolean;
      rwPack: boolean;
      testWrite: boolean;
      cdRw: boolean;
      rwSubcode: boolean;
      dataTypes: number;
    })
  | (FeatureCommon & {
      kind: "cd-mastering";
      bufferUnderrunFree: boolean;
      sessionAtOnce: boolean;
      rawMultisession: boolean;
      raw: boolean;
      testWrite: boolean;
      cdRw: boolean;
      rw: boolean;
      maxCueSheetLength: number;
    })
  | (FeatureCommon & {
      kind: "dvd-r-rw-write";
      bufferUnderrunFree: boolean;
      dualLayer: boolean;
      testWrite: boolean;
      dvdRw: boolean;
    })
  | (FeatureCommon & {
      kind: "bd-read";
      /** Class 0-3 bitmaps of BD-RE, BD-R and BD-ROM versions the drive reads. */
      bdReRead: number[];
      bdRRead: number[];
      bdRomRead: number[];
    })
  | (FeatureCommon & {
      kind: "bd-write";
      verifyNotRequired: boolean;
      bdReWrite: number[];
      bdRWrite: number[];
    })
  | (FeatureCommon & {
      kind: "real-time-streaming";
      readBufferCapacityBlock: boolean;
      setCdSpeed: boolean;
      mechanismStatusPage2A: boolean;
      writeSpeedPerformance: boolean;
      streamWriting: boolean;
    })
  | (FeatureCommon & { kind: "drive-serial-number"; serialNumber: string })
  | (FeatureCommon & { kind: "other" });

export type FeatureKind = Feature["kind"];

function padded(additional: Uint8Array, need: number): Uint8Array {
  if (additional.length >= need) return additional;
  const out = new Uint8Array(need);
  out.set(additional);
  return out;
}

function classes(a: Uint8Array, offset: number): number[] {
  return [0, 1, 2, 3].map((i) => getUint16(a, offset + i * 2));
}

/** Decodes the feature-specific fields of the features that matter for reading and writing discs; the rest are
 * returned as kind "other". A descriptor shorter than the standard's layout reads as zeros where bytes are missing. */
export function decodeFeature(d: FeatureDescriptor): Feature {
  const common: FeatureCommon = { ...d, name: featureName(d.code) };
  const a = d.additional;
  switch (d.code) {
    // MMC-6 feature 0000h Profile List: 4-byte profile descriptors (number, CurrentP bit 0).
    case FEATURE.PROFILE_LIST: {
      const profiles: { profile: number; current: boolean }[] = [];
      for (let o = 0; o + 4 <= a.length; o += 4)
        profiles.push({ profile: getUint16(a, o), current: (a[o + 2] & 1) !== 0 });
      return { ...common, kind: "profile-list", profiles };
    }
    // MMC-6 feature 0001h Core: bytes 4-7 physical interface standard, byte 8 INQ2 (bit 1) DBE (bit 0).
    case FEATURE.CORE: {
      const b = padded(a, 8);
      return {
        ...common,
        kind: "core",
        physicalInterface: getUint32(b, 0),
        inquiry2: (b[4] & 2) !== 0,
        deviceBusyEvent: (b[4] & 1) !== 0,
      };
    }
    // MMC-6 feature 0003h Removable Medium: byte 4 mechanism (7-5), Load 4, Eject 3, Pvnt Jmpr 2, DBML 1, Lock 0.
    case FEATURE.REMOVABLE_MEDIUM: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: "removable-medium",
        loadingMechanism: b[0] >> 5,
        load: (b[0] & 0x10) !== 0,
        eject: (b[0] & 0x08) !== 0,
        preventJumper: (b[0] & 0x04) !== 0,
        dbml: (b[0] & 0x02) !== 0,
        lock: (b[0] & 0x01) !== 0,
      };
    }
    // MMC-6 features 0010h Random Readable / 0025h Write Once: bytes 4-7 block size, 8-9 blocking, byte 10 PP.
    case FEATURE.RANDOM_READABLE:
    case FEATURE.WRITE_ONCE: {
      const b = padded(a, 8);
      return {
        ...common,
        kind: d.code === FEATURE.WRITE_ONCE ? "write-once" : "random-readable",
        logicalBlockSize: getUint32(b, 0),
        blocking: getUint16(b, 4),
        pagePresent: (b[6] & 1) !== 0,
      };
    }
    // MMC-6 feature 0020h Random Writable: bytes 4-7 last LBA, 8-11 block size, 12-13 blocking, byte 14 PP.
    case FEATURE.RANDOM_WRITABLE: {
      const b = padded(a, 12);
      return {
        ...common,
        kind: "random-writable",
        lastLba: getUint32(b, 0),
        logicalBlockSize: getUint32(b, 4),
        blocking: getUint16(b, 8),
        pagePresent: (b[10] & 1) !== 0,
      };
    }
    // MMC-6 feature 0021h Incremental Streaming Writable: bytes 4-5 data block types, byte 6 TRIO 2 ARSV 1 BUF 0,
    // byte 7 number of link sizes, then the link sizes.
    case FEATURE.INCREMENTAL_STREAMING_WRITABLE: {
      const b = padded(a, 4);
      const count = b[3];
      const linkSizes = Array.from(b.subarray(4, Math.min(b.length, 4 + count)));
      return {
        ...common,
        kind: "incremental-streaming-writable",
        dataBlockTypes: getUint16(b, 0),
        trackResourcesInformation: (b[2] & 4) !== 0,
        addressReservation: (b[2] & 2) !== 0,
        bufferUnderrunFree: (b[2] & 1) !== 0,
        linkSizes,
      };
    }
    // MMC-6 feature 0023h Formattable: byte 4 RENoSA 3, Expand 2, QCert 1, Cert 0; byte 8 RRM 0.
    case FEATURE.FORMATTABLE: {
      const b = padded(a, 8);
      return {
        ...common,
        kind: "formattable",
        bdReNoSpareArea: (b[0] & 8) !== 0,
        expand: (b[0] & 4) !== 0,
        quickCertification: (b[0] & 2) !== 0,
        certification: (b[0] & 1) !== 0,
        bdRRandomRecording: (b[4] & 1) !== 0,
      };
    }
    // MMC-6 feature 002Ah DVD+RW: byte 4 Write 0; byte 5 Quick Start 1, Close Only 0.
    case FEATURE.DVD_PLUS_RW: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: "dvd-plus-rw",
        write: (b[0] & 1) !== 0,
        quickStart: (b[1] & 2) !== 0,
        closeOnly: (b[1] & 1) !== 0,
      };
    }
    // MMC-6 features 002Bh DVD+R and 003Bh DVD+R Dual Layer: byte 4 Write 0.
    case FEATURE.DVD_PLUS_R:
    case FEATURE.DVD_PLUS_R_DL: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: d.code === FEATURE.DVD_PLUS_R ? "dvd-plus-r" : "dvd-plus-r-dl",
        write: (b[0] & 1) !== 0,
      };
    }
    // MMC-6 feature 002Dh CD Track at Once: byte 4 BUF 6, R-W Raw 4, R-W Pack 3, Test Write 2, CD-RW 1, R-W Sub-code 0;
    // bytes 6-7 data type supported.
    case FEATURE.CD_TRACK_AT_ONCE: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: "cd-track-at-once",
        bufferUnderrunFree: (b[0] & 0x40) !== 0,
        rwRaw: (b[0] & 0x10) !== 0,
        rwPack: (b[0] & 0x08) !== 0,
        testWrite: (b[0] & 0x04) !== 0,
        cdRw: (b[0] & 0x02) !== 0,
        rwSubcode: (b[0] & 0x01) !== 0,
        dataTypes: getUint16(b, 2),
      };
    }
    // MMC-6 feature 002Eh CD Mastering: byte 4 BUF 6, SAO 5, Raw MS 4, Raw 3, Test Write 2, CD-RW 1, R-W 0;
    // bytes 5-7 maximum cue sheet length.
    case FEATURE.CD_MASTERING: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: "cd-mastering",
        bufferUnderrunFree: (b[0] & 0x40) !== 0,
        sessionAtOnce: (b[0] & 0x20) !== 0,
        rawMultisession: (b[0] & 0x10) !== 0,
        raw: (b[0] & 0x08) !== 0,
        testWrite: (b[0] & 0x04) !== 0,
        cdRw: (b[0] & 0x02) !== 0,
        rw: (b[0] & 0x01) !== 0,
        maxCueSheetLength: getUint24(b, 1),
      };
    }
    // MMC-6 feature 002Fh DVD-R/-RW Write: byte 4 BUF 6, RDL 3, Test Write 2, DVD-RW SL 1.
    case FEATURE.DVD_R_RW_WRITE: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: "dvd-r-rw-write",
        bufferUnderrunFree: (b[0] & 0x40) !== 0,
        dualLayer: (b[0] & 0x08) !== 0,
        testWrite: (b[0] & 0x04) !== 0,
        dvdRw: (b[0] & 0x02) !== 0,
      };
    }
    // MMC-6 feature 0040h BD Read: bytes 8-15 BD-RE class 0-3, 16-23 BD-R class 0-3, 24-31 BD-ROM class 0-3 bitmaps.
    case FEATURE.BD_READ: {
      const b = padded(a, 28);
      return {
        ...common,
        kind: "bd-read",
        bdReRead: classes(b, 4),
        bdRRead: classes(b, 12),
        bdRomRead: classes(b, 20),
      };
    }
    // MMC-6 feature 0041h BD Write: byte 4 SVNR 0; bytes 8-15 BD-RE class 0-3, 16-23 BD-R class 0-3 bitmaps.
    case FEATURE.BD_WRITE: {
      const b = padded(a, 20);
      return {
        ...common,
        kind: "bd-write",
        verifyNotRequired: (b[0] & 1) !== 0,
        bdReWrite: classes(b, 4),
        bdRWrite: classes(b, 12),
      };
    }
    // MMC-6 feature 0107h Real Time Streaming: byte 4 RBCB 4, SCS 3, MP2A 2, WSPD 1, SW 0.
    case FEATURE.REAL_TIME_STREAMING: {
      const b = padded(a, 4);
      return {
        ...common,
        kind: "real-time-streaming",
        readBufferCapacityBlock: (b[0] & 0x10) !== 0,
        setCdSpeed: (b[0] & 0x08) !== 0,
        mechanismStatusPage2A: (b[0] & 0x04) !== 0,
        writeSpeedPerformance: (b[0] & 0x02) !== 0,
        streamWriting: (b[0] & 0x01) !== 0,
      };
    }
    // MMC-6 feature 0108h Drive Serial Number: ASCII, space padded.
    case FEATURE.DRIVE_SERIAL_NUMBER:
      return { ...common, kind: "drive-serial-number", serialNumber: asciiField(a, 0, a.length).trim() };
    default:
      return { ...common, kind: "other" };
  }
}
