import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Prevent field: 0 allow, 1 prevent (lock the tray), 2/3 persistent prevent / allow (MMC). */
export const PREVENT = { ALLOW: 0, PREVENT: 1, PERSISTENT_PREVENT: 2, PERSISTENT_ALLOW: 3 } as const;

// SPC-4/MMC-6 PREVENT ALLOW MEDIUM REMOVAL (1Eh): byte 4 Prevent (1-0).
export function buildPreventAllowMediumRemoval(prevent: (typeof PREVENT)[keyof typeof PREVENT]): ScsiCommand {
  return makeCommand(OPCODE.PREVENT_ALLOW_MEDIUM_REMOVAL, 6, "none", 0, (cdb) => {
    cdb[4] = prevent & 0x03;
  });
}
