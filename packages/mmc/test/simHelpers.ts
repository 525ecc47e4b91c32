// Shared set-up for the software recorder tests: a fresh disc in a temporary directory behind a real Drive, data
// patterns that name their LBA, and a way to catch a drive's refusal as key/ASC/ASCQ.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildWrite10,
  Drive,
  type ScsiCommand,
  ScsiError,
  type SimFaults,
  type SimProfileName,
  SoftwareRecorder,
} from "../src/index.js";

export interface Rig {
  dir: string;
  disc: string;
  recorder: SoftwareRecorder;
  drive: Drive;
}

const dirs: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "discburn-sim-"));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export async function rig(profile: SimProfileName, capacityBlocks?: number, faults?: SimFaults): Promise<Rig> {
  const dir = tempDir();
  const disc = path.join(dir, "disc.img");
  const recorder = await SoftwareRecorder.open(disc, { profile, capacityBlocks, faults });
  return { dir, disc, recorder, drive: new Drive(recorder, { maxRetryWaitMs: 5_000 }) };
}

/** `blocks` blocks whose bytes are derived from their LBA (and a salt), so misplaced data shows. */
export function pattern(lba: number, blocks: number, salt = 0): Uint8Array {
  const out = new Uint8Array(blocks * 2048);
  for (let b = 0; b < blocks; b++) {
    const v = lba + b;
    for (let i = 0; i < 2048; i++) out[b * 2048 + i] = (v * 31 + i * 7 + salt) & 0xff;
  }
  return out;
}

/** WRITE(10) carrying the pattern of its blocks. */
export function write10(lba: number, blocks: number, salt = 0): ScsiCommand {
  return { ...buildWrite10({ lba, blocks }), data: pattern(lba, blocks, salt) };
}

/** "key/asc/ascq" of the ScsiError a promise rejects with, or "good". */
export async function senseOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "good";
  } catch (e) {
    if (!(e instanceof ScsiError) || e.sense === undefined) throw e;
    const h = (n: number) => n.toString(16).padStart(2, "0");
    return `${e.sense.key.toString(16)}/${h(e.sense.asc)}/${h(e.sense.ascq)}`;
  }
}

export const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;
