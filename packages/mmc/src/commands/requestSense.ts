import { decodeSense, type SenseData } from "../sense.js";
import { checkUint } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

export interface RequestSenseOptions {
  /** Ask for descriptor-format sense (DESC bit); drives that cannot send it answer in fixed format. */
  descriptorFormat?: boolean;
  /** SPC-4 recommends 252, the most a drive may return. */
  allocationLength?: number;
}

// SPC-4 REQUEST SENSE (03h): byte 1 bit 0 DESC, byte 4 allocation length.
export function buildRequestSense(options: RequestSenseOptions = {}): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength ?? 252, 8);
  return makeCommand(OPCODE.REQUEST_SENSE, 6, "in", length, (cdb) => {
    cdb[1] = options.descriptorFormat ? 0x01 : 0x00;
    cdb[4] = length;
  });
}

/** The sense data REQUEST SENSE returned (fixed or descriptor format); undefined if it holds none. */
export function parseRequestSense(data: Uint8Array): SenseData | undefined {
  return decodeSense(data);
}
