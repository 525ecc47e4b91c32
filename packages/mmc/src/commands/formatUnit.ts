import {
  checkUint,
  getUint16,
  getUint24,
  getUint32,
  MalformedResponseError,
  requireLength,
  setUint16,
  setUint24,
  setUint32,
} from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** MMC-6 Format Type values (FORMAT UNIT format descriptor, READ FORMAT CAPACITIES descriptors). */
export const FORMAT_TYPE = {
  FULL: 0x00,
  SPARE_AREA_EXPANSION: 0x01,
  ZONE_REFORMAT: 0x04,
  ZONE_FORMAT: 0x05,
  CD_DVD_RW_FULL: 0x10,
  CD_DVD_RW_GROW_SESSION: 0x11,
  CD_DVD_RW_ADD_SESSION: 0x12,
  DVD_RW_QUICK_GROW_LAST_SESSION: 0x13,
  DVD_RW_QUICK_ADD_SESSION: 0x14,
  DVD_RW_QUICK: 0x15,
  HD_DVD_R_TEST_ZONE_EXPANSION: 0x16,
  FULL_FORMAT_NON_SPARE: 0x20,
  MRW_FULL: 0x24,
  DVD_PLUS_RW_BASIC: 0x26,
  HD_DVD_R_TEST_ZONE: 0x2e,
  BD_RE_FULL_WITH_SPARE: 0x30,
  BD_RE_FULL_WITHOUT_SPARE: 0x31,
  BD_R_FULL_WITH_SPARE: 0x32,
} as const;

/** Format Sub-type of BD formats 00h/30h (bits 1-0 of byte 4 of the descriptor). */
export const BD_FORMAT_SUBTYPE = {
  QUICK_REFORMAT: 0,
  NO_CERTIFICATION: 1,
  FULL_CERTIFICATION: 2,
  QUICK_CERTIFICATION: 3,
} as const;

export interface FormatDescriptor {
  numberOfBlocks: number;
  formatType: number;
  /** Bits 1-0 of byte 4 (BD sub-type); 0 for the other format types. */
  formatSubType: number;
  /** Bytes 5-7: block length, spare size, session number … as the format type defines. */
  typeDependent: number;
}

export interface FormatParameterList {
  /** Format Options Valid: the drive honours IMMED (and DCRT, Try-Out). */
  formatOptionsValid: boolean;
  /** Disable Certification. */
  disableCertification: boolean;
  tryOut: boolean;
  /** Return GOOD at once and format in the background (poll TEST UNIT READY / REQUEST SENSE progress). */
  immediate: boolean;
  descriptor: FormatDescriptor;
}

// MMC-6 FORMAT UNIT parameter list: Format List Header (byte 1 FOV (7) DCRT (5) Try-Out (2) IMMED (1), bytes 2-3
// descriptor length = 8) then a Format Descriptor (bytes 0-3 number of blocks, byte 4 format type (7-2) and
// sub-type (1-0), bytes 5-7 type dependent parameter).
export function encodeFormatParameterList(p: FormatParameterList): Uint8Array {
  const out = new Uint8Array(12);
  out[1] =
    (p.formatOptionsValid ? 0x80 : 0) |
    (p.disableCertification ? 0x20 : 0) |
    (p.tryOut ? 0x04 : 0) |
    (p.immediate ? 0x02 : 0);
  setUint16(out, 2, 8);
  setUint32(out, 4, checkUint("number of blocks", p.descriptor.numberOfBlocks, 32));
  out[8] =
    (checkUint("format type", p.descriptor.formatType, 6) << 2) |
    checkUint("format sub-type", p.descriptor.formatSubType, 2);
  setUint24(out, 9, checkUint("type dependent parameter", p.descriptor.typeDependent, 24));
  return out;
}

export function decodeFormatParameterList(data: Uint8Array): FormatParameterList {
  requireLength("FORMAT UNIT", data, 12, "the format list header and one descriptor");
  if (getUint16(data, 2) < 8) throw new MalformedResponseError("FORMAT UNIT", "format descriptor length under 8");
  return {
    formatOptionsValid: (data[1] & 0x80) !== 0,
    disableCertification: (data[1] & 0x20) !== 0,
    tryOut: (data[1] & 0x04) !== 0,
    immediate: (data[1] & 0x02) !== 0,
    descriptor: {
      numberOfBlocks: getUint32(data, 4),
      formatType: data[8] >> 2,
      formatSubType: data[8] & 0x03,
      typeDependent: getUint24(data, 9),
    },
  };
}

/** DVD+RW basic format (26h) over the whole disc: the quick format growisofs and dvd+rw-format use. */
export function dvdPlusRwFormatDescriptor(numberOfBlocks = 0xffffffff): FormatDescriptor {
  return { numberOfBlocks, formatType: FORMAT_TYPE.DVD_PLUS_RW_BASIC, formatSubType: 0, typeDependent: 0 };
}

/**
 * BD-RE full format with spare areas (30h). `numberOfBlocks` and `spareBlocks` come from a READ FORMAT CAPACITIES
 * descriptor of type 30h; the sub-type chooses certification (quick certification by default).
 */
export function bdReFormatDescriptor(
  numberOfBlocks: number,
  spareBlocks: number,
  subType: number = BD_FORMAT_SUBTYPE.QUICK_CERTIFICATION,
): FormatDescriptor {
  return {
    numberOfBlocks,
    formatType: FORMAT_TYPE.BD_RE_FULL_WITH_SPARE,
    formatSubType: subType,
    typeDependent: spareBlocks,
  };
}

export interface FormatUnitOptions {
  /** Without a parameter list (FmtData 0) the drive formats with its defaults. */
  parameterList?: FormatParameterList;
}

// MMC-6 FORMAT UNIT (04h): byte 1 FmtData (4), CmpList (3), Format Code (2-0) = 001b when a parameter list follows.
export function buildFormatUnit(options: FormatUnitOptions = {}): ScsiCommand {
  if (options.parameterList === undefined) return makeCommand(OPCODE.FORMAT_UNIT, 6, "none", 0);
  const data = encodeFormatParameterList(options.parameterList);
  return makeCommand(
    OPCODE.FORMAT_UNIT,
    6,
    "out",
    data.length,
    (cdb) => {
      cdb[1] = 0x11;
    },
    data,
  );
}

/** FORMAT UNIT with IMMED (and FOV) set, for one format descriptor. */
export function buildFormatUnitImmediate(descriptor: FormatDescriptor): ScsiCommand {
  return buildFormatUnit({
    parameterList: {
      formatOptionsValid: true,
      disableCertification: false,
      tryOut: false,
      immediate: true,
      descriptor,
    },
  });
}
