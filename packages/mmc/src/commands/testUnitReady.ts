import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

// SPC-4 TEST UNIT READY (00h): six bytes, all zero but the opcode; the answer is the status (and sense) alone.
export function buildTestUnitReady(): ScsiCommand {
  return makeCommand(OPCODE.TEST_UNIT_READY, 6, "none", 0);
}
