import { asciiField, checkUint, getUint16, requireLength, setAsciiField } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** SPC-4 peripheral device types (the ones a disc burner meets). */
export const PERIPHERAL_DEVICE_TYPE = {
  DIRECT_ACCESS: 0x00,
  SEQUENTIAL_ACCESS: 0x01,
  WRITE_ONCE: 0x04,
  CD_DVD: 0x05,
  OPTICAL_MEMORY: 0x07,
  MEDIUM_CHANGER: 0x08,
  SIMPLIFIED_DIRECT_ACCESS: 0x0e,
  UNKNOWN: 0x1f,
} as const;

export interface InquiryOptions {
  /** Standard data is 36 bytes; 96 also brings the version descriptors. */
  allocationLength?: number;
  /** Ask for a vital product data page instead of the standard data. */
  vpdPage?: number;
}

// SPC-4 INQUIRY (12h): byte 1 bit 0 EVPD, byte 2 page code, bytes 3-4 allocation length.
export function buildInquiry(options: InquiryOptions = {}): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength ?? 36, 16);
  return makeCommand(OPCODE.INQUIRY, 6, "in", length, (cdb) => {
    if (options.vpdPage !== undefined) {
      cdb[1] = 0x01;
      cdb[2] = checkUint("VPD page", options.vpdPage, 8);
    }
    cdb[3] = length >>> 8;
    cdb[4] = length & 0xff;
  });
}

export interface InquiryData {
  peripheralQualifier: number;
  /** 0x05 for a CD/DVD/BD device (PERIPHERAL_DEVICE_TYPE). */
  peripheralDeviceType: number;
  removable: boolean;
  /** Version of SPC claimed: 3 SPC, 4 SPC-2, 5 SPC-3, 6 SPC-4, 0 none claimed. */
  version: number;
  responseDataFormat: number;
  hierarchicalSupport: boolean;
  additionalLength: number;
  commandQueuing: boolean;
  vendor: string;
  product: string;
  revision: string;
  /** Version descriptors (bytes 58-73) a drive returned, zeros left out. */
  versionDescriptors: number[];
}

// SPC-4 standard INQUIRY data: byte 0 qualifier/type, byte 1 RMB, byte 2 version, byte 3 HiSup/format,
// byte 4 additional length, byte 7 CmdQue, 8-15 vendor, 16-31 product, 32-35 revision, 58-73 version descriptors.
export function parseInquiry(data: Uint8Array): InquiryData {
  // Standard data is at least 36 bytes (through the product revision level); anything shorter was cut off.
  requireLength("INQUIRY", data, 36, "the vendor, product and revision fields");
  const end = Math.min(data.length, data[4] + 5);
  const versionDescriptors: number[] = [];
  for (let o = 58; o + 2 <= end && o < 74; o += 2) {
    const d = getUint16(data, o);
    if (d !== 0) versionDescriptors.push(d);
  }
  return {
    peripheralQualifier: data[0] >> 5,
    peripheralDeviceType: data[0] & 0x1f,
    removable: (data[1] & 0x80) !== 0,
    version: data[2],
    responseDataFormat: data[3] & 0x0f,
    hierarchicalSupport: (data[3] & 0x10) !== 0,
    additionalLength: data[4],
    commandQueuing: (data[7] & 0x02) !== 0,
    vendor: asciiField(data, 8, 8),
    product: asciiField(data, 16, 16),
    revision: asciiField(data, 32, 4),
    versionDescriptors,
  };
}

/** Standard INQUIRY data (36 bytes) for a software recorder to answer with. */
export function encodeInquiry(
  d: Pick<InquiryData, "peripheralDeviceType" | "removable" | "vendor" | "product" | "revision"> & Partial<InquiryData>,
): Uint8Array {
  const out = new Uint8Array(36);
  out[0] = ((d.peripheralQualifier ?? 0) << 5) | (d.peripheralDeviceType & 0x1f);
  out[1] = d.removable ? 0x80 : 0;
  out[2] = d.version ?? 0x05;
  out[3] = (d.hierarchicalSupport ? 0x10 : 0) | ((d.responseDataFormat ?? 2) & 0x0f);
  out[4] = 31;
  out[7] = d.commandQueuing ? 0x02 : 0;
  setAsciiField(out, 8, 8, d.vendor);
  setAsciiField(out, 16, 16, d.product);
  setAsciiField(out, 32, 4, d.revision);
  return out;
}
