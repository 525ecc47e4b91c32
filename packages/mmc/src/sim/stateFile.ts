// The state file beside a simulated disc (`${discPath}.state.json`): read and checked on open, written atomically
// (temporary file, fsync, rename, fsync of the directory) at the points a real drive commits its recording management
// information.
import * as fs from "node:fs";
import * as path from "node:path";
import { BACKGROUND_FORMAT } from "../commands/readDiscInformation.js";
import { isSimProfileName } from "./media.js";
import { SIM_STATE_VERSION, type SimSession, type SimState } from "./model.js";

export function statePathOf(discPath: string): string {
  return `${discPath}.state.json`;
}

/** The state file's text for a state (what writeStateFile writes). */
export function stateText(state: SimState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Writes the state file atomically: a temporary file beside it (removed again when anything fails), fsynced, renamed
 * over the old one, then the directory fsynced so the rename itself survives a crash. */
export function writeStateFile(file: string, state: SimState): void {
  writeStateText(file, stateText(state));
}

/** writeStateFile with the text already made (stateText). */
export function writeStateText(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDirectory(path.dirname(file));
}

/** fsync of a directory, where the platform allows it (Windows cannot open a directory for it: skipped). */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw e;
  } finally {
    fs.closeSync(fd);
  }
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and checks a state file's text; throws Error naming what is wrong. */
export function parseState(text: string): SimState {
  const raw: unknown = JSON.parse(text);
  if (typeof raw !== "object" || raw === null) throw new Error("not a JSON object");
  const s = raw as Record<string, unknown>;
  if (s.version !== SIM_STATE_VERSION) throw new Error(`version ${String(s.version)}, expected ${SIM_STATE_VERSION}`);
  if (typeof s.profile !== "string" || !isSimProfileName(s.profile))
    throw new Error(`unknown profile ${String(s.profile)}`);
  if (!isCount(s.capacityBlocks) || s.capacityBlocks === 0) throw new Error("capacityBlocks is not a positive integer");
  if (typeof s.formatted !== "boolean" || !isCount(s.formattedBlocks)) throw new Error("formatted/formattedBlocks");
  if (typeof s.writeParameters !== "string" || !/^([0-9a-f]{2})+$/.test(s.writeParameters)) {
    throw new Error("writeParameters is not a hex string");
  }
  if (typeof s.mediumPresent !== "boolean" || typeof s.trayOpen !== "boolean")
    throw new Error("mediumPresent/trayOpen");
  // Files written before background formatting was modelled have no backgroundFormat: a formatted DVD+RW was complete.
  if (s.backgroundFormat === undefined) {
    s.backgroundFormat = s.profile === "dvd+rw" && s.formatted ? BACKGROUND_FORMAT.COMPLETED : BACKGROUND_FORMAT.NONE;
  }
  if (!isCount(s.backgroundFormat) || s.backgroundFormat > 3) throw new Error("backgroundFormat is not 0 to 3");
  const sessions: unknown = s.sessions;
  if (!Array.isArray(sessions)) throw new Error("sessions is not a list");
  let trackNumber = 1;
  sessions.forEach((x: unknown, i: number) => {
    const session = x as SimSession;
    if (session.number !== i + 1 || !isCount(session.start) || typeof session.closed !== "boolean") {
      throw new Error(`session ${i + 1} is malformed`);
    }
    if (!Array.isArray(session.tracks)) throw new Error(`session ${i + 1} has no track list`);
    if (!session.closed && i !== sessions.length - 1) throw new Error(`session ${i + 1} is open but not the last`);
    for (const t of session.tracks) {
      const ok =
        t.number === trackNumber++ &&
        t.session === session.number &&
        isCount(t.start) &&
        isCount(t.recorded) &&
        (t.reserved === null || isCount(t.reserved)) &&
        typeof t.closed === "boolean";
      if (!ok) throw new Error(`track ${t?.number} of session ${session.number} is malformed`);
    }
  });
  return s as unknown as SimState;
}
