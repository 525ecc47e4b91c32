import { checkUint, setUint16 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Speed value meaning "as fast as the drive can". */
export const MAX_SPEED = 0xffff;

export interface SetCdSpeedOptions {
  /** kB/s (1000 bytes a second); MAX_SPEED for the fastest. */
  readSpeed?: number;
  writeSpeed?: number;
  /** 0 CLV, 1 CAV. */
  rotationControl?: number;
}

// MMC-6 SET CD SPEED (BBh): byte 1 rotational control (1-0), bytes 2-3 read speed, bytes 4-5 write speed (kB/s).
export function buildSetCdSpeed(options: SetCdSpeedOptions = {}): ScsiCommand {
  const read = checkUint("read speed", options.readSpeed ?? MAX_SPEED, 16);
  const write = checkUint("write speed", options.writeSpeed ?? MAX_SPEED, 16);
  return makeCommand(OPCODE.SET_CD_SPEED, 12, "none", 0, (cdb) => {
    cdb[1] = checkUint("rotational control", options.rotationControl ?? 0, 2);
    setUint16(cdb, 2, read);
    setUint16(cdb, 4, write);
  });
}
