import { checkUint, getUint24, getUint32, requireLength, setUint16, setUint24, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Descriptor Type of the Current/Maximum Capacity Descriptor. */
export const CAPACITY_DESCRIPTOR_TYPE = { RESERVED: 0, UNFORMATTED: 1, FORMATTED: 2, NO_MEDIA: 3 } as const;

// MMC-6 READ FORMAT CAPACITIES (23h): bytes 7-8 allocation length.
export function buildReadFormatCapacities(allocationLength = 252): ScsiCommand {
  const length = checkUint("allocation length", allocationLength, 16);
  return makeCommand(OPCODE.READ_FORMAT_CAPACITIES, 10, "in", length, (cdb) => {
    setUint16(cdb, 7, length);
  });
}

export interface FormattableCapacity {
  numberOfBlocks: number;
  /** FORMAT_TYPE. */
  formatType: number;
  /** Block length, spare size … as the format type defines. */
  typeDependent: number;
}

export interface FormatCapacities {
  current: {
    numberOfBlocks: number;
    /** CAPACITY_DESCRIPTOR_TYPE: unformatted or blank, formatted, or no medium. */
    descriptorType: number;
    blockLength: number;
  };
  formattable: FormattableCapacity[];
  truncated: boolean;
}

// MMC-6 Format Capacities: header bytes 3 capacity list length; Current/Maximum Capacity Descriptor (bytes 0-3
// number of blocks, byte 4 bits 1-0 descriptor type, 5-7 block length); then Formattable Capacity Descriptors
// (bytes 0-3 number of blocks, byte 4 format type (7-2), 5-7 type dependent parameter).
export function parseFormatCapacities(data: Uint8Array): FormatCapacities {
  requireLength("READ FORMAT CAPACITIES", data, 12, "the current capacity descriptor");
  const listLength = data[3];
  const end = Math.min(data.length, 4 + listLength);
  const formattable: FormattableCapacity[] = [];
  let o = 12;
  for (; o + 8 <= end; o += 8) {
    formattable.push({
      numberOfBlocks: getUint32(data, o),
      formatType: data[o + 4] >> 2,
      typeDependent: getUint24(data, o + 5),
    });
  }
  return {
    current: { numberOfBlocks: getUint32(data, 4), descriptorType: data[8] & 0x03, blockLength: getUint24(data, 9) },
    formattable,
    truncated: data.length < 4 + listLength || o < end,
  };
}

/** A READ FORMAT CAPACITIES answer (what a software recorder returns): header, current/maximum descriptor, then the
 * formattable capacity descriptors. */
export function encodeFormatCapacities(c: Pick<FormatCapacities, "current" | "formattable">): Uint8Array {
  const out = new Uint8Array(12 + 8 * c.formattable.length);
  out[3] = out.length - 4;
  setUint32(out, 4, c.current.numberOfBlocks);
  out[8] = c.current.descriptorType & 0x03;
  setUint24(out, 9, c.current.blockLength);
  c.formattable.forEach((f, i) => {
    const o = 12 + i * 8;
    setUint32(out, o, f.numberOfBlocks);
    out[o + 4] = (f.formatType & 0x3f) << 2;
    setUint24(out, o + 5, f.typeDependent);
  });
  return out;
}
