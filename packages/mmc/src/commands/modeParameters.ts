import { checkUint, getUint16, requireLength, setUint16 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Page Control field of MODE SENSE: which values to return. */
export const PAGE_CONTROL = { CURRENT: 0, CHANGEABLE: 1, DEFAULT: 2, SAVED: 3 } as const;

/** Mode pages a multimedia drive has (MMC-6 mode parameters). */
export const MODE_PAGE = {
  READ_WRITE_ERROR_RECOVERY: 0x01,
  WRITE_PARAMETERS: 0x05,
  CACHING: 0x08,
  POWER_CONDITION: 0x1a,
  INFORMATIONAL_EXCEPTIONS: 0x1c,
  TIMEOUT_AND_PROTECT: 0x1d,
  CD_DVD_CAPABILITIES: 0x2a,
  ALL_PAGES: 0x3f,
} as const;

export interface ModeSense10Options {
  pageCode: number;
  subpageCode?: number;
  pageControl?: (typeof PAGE_CONTROL)[keyof typeof PAGE_CONTROL];
  /** DBD: leave out block descriptors (MMC drives have none; growisofs sets it, cdrskin and wodim do not). */
  disableBlockDescriptors?: boolean;
  /** 8 returns the header alone, whose mode data length + 2 is the size to ask for next. */
  allocationLength: number;
}

// SPC-4 MODE SENSE(10) (5Ah): byte 1 LLBAA (4) DBD (3), byte 2 PC (7-6) page code (5-0), byte 3 subpage code,
// bytes 7-8 allocation length.
export function buildModeSense10(options: ModeSense10Options): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength, 16);
  return makeCommand(OPCODE.MODE_SENSE_10, 10, "in", length, (cdb) => {
    cdb[1] = options.disableBlockDescriptors ? 0x08 : 0;
    cdb[2] = ((options.pageControl ?? PAGE_CONTROL.CURRENT) << 6) | checkUint("page code", options.pageCode, 6);
    cdb[3] = checkUint("subpage code", options.subpageCode ?? 0, 8);
    setUint16(cdb, 7, length);
  });
}

export interface ModeSelect10Options {
  /** PF: pages follow the standard's page format (always, for MMC). */
  pageFormat?: boolean;
  /** SP: also save the pages in non-volatile memory. */
  savePages?: boolean;
}

// SPC-4 MODE SELECT(10) (55h): byte 1 PF (4) SP (0), bytes 7-8 parameter list length; the list goes out.
export function buildModeSelect10(parameterList: Uint8Array, options: ModeSelect10Options = {}): ScsiCommand {
  const length = checkUint("parameter list length", parameterList.length, 16);
  return makeCommand(
    OPCODE.MODE_SELECT_10,
    10,
    "out",
    length,
    (cdb) => {
      cdb[1] = (options.pageFormat === false ? 0 : 0x10) | (options.savePages ? 0x01 : 0);
      setUint16(cdb, 7, length);
    },
    parameterList,
  );
}

export interface ModePage {
  pageCode: number;
  subpageCode: number;
  /** PS: the drive can save this page. */
  parametersSavable: boolean;
  subpageFormat: boolean;
  /** The whole page, header included (2 bytes, or 4 in subpage format). */
  bytes: Uint8Array;
}

export interface ModeParameters {
  modeDataLength: number;
  mediumType: number;
  deviceSpecificParameter: number;
  longLba: boolean;
  blockDescriptors: Uint8Array;
  pages: ModePage[];
  truncated: boolean;
}

// SPC-4 mode parameter header(10): bytes 0-1 mode data length, 2 medium type, 3 device-specific parameter,
// 4 bit 0 LONGLBA, 6-7 block descriptor length; then block descriptors and pages (page_0: byte 0 PS (7) SPF (6)
// page code (5-0), byte 1 page length; sub_page: byte 1 subpage code, bytes 2-3 page length).
export function parseModeSense10(data: Uint8Array): ModeParameters {
  requireLength("MODE SENSE(10)", data, 8, "the mode parameter header");
  const modeDataLength = getUint16(data, 0);
  // A zero mode data length is not conforming; read what arrived rather than nothing.
  const declaredEnd = modeDataLength >= 6 ? modeDataLength + 2 : data.length;
  const end = Math.min(data.length, declaredEnd);
  const blockDescriptorLength = getUint16(data, 6);
  const pages: ModePage[] = [];
  let truncated = data.length < declaredEnd;
  let o = 8 + blockDescriptorLength;
  while (o + 2 <= end) {
    const spf = (data[o] & 0x40) !== 0;
    if (spf && o + 4 > end) {
      truncated = true;
      break;
    }
    const header = spf ? 4 : 2;
    const length = header + (spf ? getUint16(data, o + 2) : data[o + 1]);
    if (o + length > end) {
      truncated = true;
      break;
    }
    pages.push({
      pageCode: data[o] & 0x3f,
      subpageCode: spf ? data[o + 1] : 0,
      parametersSavable: (data[o] & 0x80) !== 0,
      subpageFormat: spf,
      bytes: data.slice(o, o + length),
    });
    o += length;
  }
  if (o < end && end - o < 2) truncated = true;
  return {
    modeDataLength,
    mediumType: data[2],
    deviceSpecificParameter: data[3],
    longLba: (data[4] & 0x01) !== 0,
    blockDescriptors: data.slice(8, Math.min(end, 8 + blockDescriptorLength)),
    pages,
    truncated,
  };
}

/** The page with this code (and subpage code) in a MODE SENSE answer. */
export function findModePage(
  params: Pick<ModeParameters, "pages">,
  pageCode: number,
  subpageCode = 0,
): ModePage | undefined {
  return params.pages.find((p) => p.pageCode === pageCode && p.subpageCode === subpageCode);
}

/** A MODE SELECT(10) parameter list: header with mode data length 0 (reserved) and PS cleared in every page. */
export function encodeModeSelectParameterList(pages: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(8 + pages.reduce((n, p) => n + p.length, 0));
  let o = 8;
  for (const p of pages) {
    out.set(p, o);
    out[o] &= 0x7f;
    o += p.length;
  }
  return out;
}

/** A MODE SENSE(10) answer holding these pages (what a software recorder returns). */
export function encodeModeSenseData(
  pages: readonly Uint8Array[],
  mediumType = 0,
  deviceSpecificParameter = 0,
): Uint8Array {
  const out = new Uint8Array(8 + pages.reduce((n, p) => n + p.length, 0));
  setUint16(out, 0, out.length - 2);
  out[2] = mediumType;
  out[3] = deviceSpecificParameter;
  let o = 8;
  for (const p of pages) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
