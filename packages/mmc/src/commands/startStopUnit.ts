import { checkUint } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** What START STOP UNIT does: LoEj and Start bits together. */
export const START_STOP = {
  /** Stop the disc spinning (LoEj 0, Start 0). */
  STOP: 0x00,
  /** Spin up and make the disc ready (LoEj 0, Start 1). */
  START: 0x01,
  /** Open the tray / eject the disc (LoEj 1, Start 0). */
  EJECT: 0x02,
  /** Close the tray / load the disc (LoEj 1, Start 1). */
  LOAD: 0x03,
} as const;

export type StartStopAction = (typeof START_STOP)[keyof typeof START_STOP];

export interface StartStopUnitOptions {
  action: StartStopAction;
  /** IMMED: return before the operation has finished. */
  immediate?: boolean;
  /** Power condition (bits 7-4 of byte 4); 0 to use LoEj/Start. */
  powerCondition?: number;
}

// SBC-3/MMC-6 START STOP UNIT (1Bh): byte 1 IMMED (0), byte 4 power conditions (7-4) LoEj (1) Start (0).
export function buildStartStopUnit(options: StartStopUnitOptions): ScsiCommand {
  const power = checkUint("power condition", options.powerCondition ?? 0, 4);
  return makeCommand(OPCODE.START_STOP_UNIT, 6, "none", 0, (cdb) => {
    cdb[1] = options.immediate ? 0x01 : 0;
    cdb[4] = (power << 4) | (options.action & 0x03);
  });
}
