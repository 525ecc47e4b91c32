import { checkUint, getUint16, getUint24, requireLength, setUint16, setUint24 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Mechanism State field. */
export const MECHANISM_STATE = { IDLE: 0, PLAYING: 1, SCANNING: 2, ACTIVE: 3, NO_STATE: 7 } as const;

// MMC-6 MECHANISM STATUS (BDh): bytes 8-9 allocation length.
export function buildMechanismStatus(allocationLength = 8): ScsiCommand {
  const length = checkUint("allocation length", allocationLength, 16);
  return makeCommand(OPCODE.MECHANISM_STATUS, 12, "in", length, (cdb) => {
    setUint16(cdb, 8, length);
  });
}

export interface MechanismStatus {
  fault: boolean;
  changerState: number;
  currentSlot: number;
  mechanismState: number;
  doorOpen: boolean;
  /** Obsolete in MMC-6; some drives still report the head position. */
  currentLba: number;
  numberOfSlots: number;
  slotTableLength: number;
  slots: { discPresent: boolean; changed: boolean; cartridgeWithoutDisc: boolean }[];
}

// MMC-6 Mechanism Status header: byte 0 Fault (7) changer state (6-5) current slot low (4-0), byte 1 mechanism
// state (7-5) Door Open (4) current slot high (2-0), bytes 2-4 current LBA, 5 number of slots, 6-7 slot table length;
// then 4-byte slot entries (byte 0 Disc Present (7) Change (0), byte 1 CWP_V (1) CWP (0)).
export function parseMechanismStatus(data: Uint8Array): MechanismStatus {
  requireLength("MECHANISM STATUS", data, 8, "the mechanism status header");
  const slotTableLength = getUint16(data, 6);
  const slots: MechanismStatus["slots"] = [];
  for (let o = 8; o + 4 <= Math.min(data.length, 8 + slotTableLength); o += 4) {
    slots.push({
      discPresent: (data[o] & 0x80) !== 0,
      changed: (data[o] & 0x01) !== 0,
      cartridgeWithoutDisc: (data[o + 1] & 0x03) === 0x03,
    });
  }
  return {
    fault: (data[0] & 0x80) !== 0,
    changerState: (data[0] >> 5) & 0x03,
    currentSlot: ((data[1] & 0x07) << 5) | (data[0] & 0x1f),
    mechanismState: data[1] >> 5,
    doorOpen: (data[1] & 0x10) !== 0,
    currentLba: getUint24(data, 2),
    numberOfSlots: data[5],
    slotTableLength,
    slots,
  };
}

/** A MECHANISM STATUS answer without slot table (what a software recorder returns). */
export function encodeMechanismStatus(
  m: Pick<MechanismStatus, "fault" | "changerState" | "currentSlot" | "mechanismState" | "doorOpen" | "currentLba">,
): Uint8Array {
  const out = new Uint8Array(8);
  out[0] = (m.fault ? 0x80 : 0) | ((m.changerState & 3) << 5) | (m.currentSlot & 0x1f);
  out[1] = ((m.mechanismState & 7) << 5) | (m.doorOpen ? 0x10 : 0) | ((m.currentSlot >> 5) & 0x07);
  setUint24(out, 2, m.currentLba);
  setUint16(out, 6, 0);
  return out;
}
