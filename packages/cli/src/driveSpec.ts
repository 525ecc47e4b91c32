// What --drive names: a real drive (/dev/sr0, \\.\E:) or the software recorder (sim:PROFILE:FILE, sim:FILE).
import { InvalidArgumentError } from "@discburn/fsimage";
import { Drive, parseSimDrive, SIM_PROFILES, SoftwareRecorder } from "@discburn/mmc";

export const DRIVE_HELP =
  "the drive: /dev/sr0, /dev/sg0, \\\\.\\CdRom0, \\\\.\\E:, or the software recorder sim:PROFILE:FILE " +
  `(PROFILE: ${SIM_PROFILES.join(", ")}; a new FILE is a blank disc)`;

/** Opens the drive a --drive value names. */
export async function openDrive(spec: string, options: { readOnly?: boolean } = {}): Promise<Drive> {
  let sim: ReturnType<typeof parseSimDrive>;
  try {
    sim = parseSimDrive(spec);
  } catch (e) {
    if (e instanceof RangeError) throw new InvalidArgumentError(`--drive ${e.message}`);
    throw e;
  }
  if (sim) return new Drive(await SoftwareRecorder.open(sim.path, { profile: sim.profile }));
  return Drive.open(spec, options);
}

/** Runs `f` with the drive open, and closes it whatever happens. */
export async function withDrive<T>(
  spec: string,
  f: (drive: Drive) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const drive = await openDrive(spec, options);
  try {
    return await f(drive);
  } finally {
    await drive.close();
  }
}
