// Finding the optical drives (IMAPI2's MsftDiscMaster2): Linux from sysfs (/sys/class/block/sr*, and SCSI generic
// devices of type 5 from /sys/class/scsi_generic), Windows by trying \\.\CdRom0 … \\.\CdRom31; each identified with
// INQUIRY when it can be opened, with what sysfs says when it cannot.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Drive, type DriveIdentity } from "./drive.js";
import { DeviceError } from "./transport/transport.js";

export interface DriveListing {
  /** The path to open: /dev/sr0, \\.\CdRom0. */
  path: string;
  /** The SCSI generic node of the same drive (Linux), when there is one. */
  sgPath?: string;
  vendor: string;
  product: string;
  revision: string;
  /** Where the identity came from: the drive's INQUIRY answer, or sysfs when the drive could not be opened. */
  identitySource: "inquiry" | "sysfs" | "none";
  /** Why the drive could not be opened (permission, busy …), when it could not. */
  error?: DeviceError;
}

export interface EnumerateOptions {
  /** Send INQUIRY to each drive (default true); false lists what sysfs knows without opening anything. */
  probe?: boolean;
  /** Root of sysfs and /dev, for tests. */
  sysfsRoot?: string;
  devRoot?: string;
}

async function readTrimmed(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

function byNumber(a: string, b: string): number {
  const n = (s: string) => Number(/\d+$/.exec(s)?.[0] ?? 0);
  return n(a) - n(b) || a.localeCompare(b);
}

/** Linux: sr block devices, plus sg devices of peripheral type 5 (CD/DVD) that have no sr (sr_mod not loaded). */
export async function linuxDriveNodes(
  sysfsRoot = "/sys",
  devRoot = "/dev",
): Promise<{ path: string; sgPath?: string; vendor: string; product: string; revision: string }[]> {
  const out: { path: string; sgPath?: string; vendor: string; product: string; revision: string }[] = [];
  const claimedSg = new Set<string>();
  for (const name of (await list(join(sysfsRoot, "class/block"))).filter((n) => /^sr\d+$/.test(n)).sort(byNumber)) {
    const device = join(sysfsRoot, "class/block", name, "device");
    const sg = (await list(join(device, "scsi_generic")))[0];
    if (sg) claimedSg.add(sg);
    out.push({
      path: join(devRoot, name),
      ...(sg ? { sgPath: join(devRoot, sg) } : {}),
      vendor: (await readTrimmed(join(device, "vendor"))) ?? "",
      product: (await readTrimmed(join(device, "model"))) ?? "",
      revision: (await readTrimmed(join(device, "rev"))) ?? "",
    });
  }
  for (const sg of (await list(join(sysfsRoot, "class/scsi_generic"))).sort(byNumber)) {
    if (claimedSg.has(sg)) continue;
    const device = join(sysfsRoot, "class/scsi_generic", sg, "device");
    if ((await readTrimmed(join(device, "type"))) !== "5") continue;
    out.push({
      path: join(devRoot, sg),
      vendor: (await readTrimmed(join(device, "vendor"))) ?? "",
      product: (await readTrimmed(join(device, "model"))) ?? "",
      revision: (await readTrimmed(join(device, "rev"))) ?? "",
    });
  }
  return out;
}

async function identify(path: string): Promise<DriveIdentity | DeviceError> {
  let drive: Drive;
  try {
    drive = await Drive.open(path, { readOnly: true });
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  try {
    return await drive.identity();
  } catch (e) {
    if (e instanceof DeviceError) return e;
    return new DeviceError("io", path, `${path}: INQUIRY failed: ${(e as Error).message}`, undefined, { cause: e });
  } finally {
    await drive.close();
  }
}

/** The optical drives of this machine. On macOS and the BSDs the list is empty (no transport yet). */
export async function enumerateDrives(options: EnumerateOptions = {}): Promise<DriveListing[]> {
  const probe = options.probe ?? true;
  if (process.platform === "win32") {
    const out: DriveListing[] = [];
    for (let i = 0; i < 32; i++) {
      const path = `\\\\.\\CdRom${i}`;
      const id = await identify(path);
      if (id instanceof DeviceError) {
        if (id.kind === "no-device") continue;
        out.push({ path, vendor: "", product: "", revision: "", identitySource: "none", error: id });
      } else out.push({ path, ...pick(id), identitySource: "inquiry" });
    }
    return out;
  }
  if (process.platform !== "linux" && options.sysfsRoot === undefined) return [];
  const nodes = await linuxDriveNodes(options.sysfsRoot, options.devRoot);
  const out: DriveListing[] = [];
  for (const node of nodes) {
    if (!probe) {
      out.push({ ...node, identitySource: "sysfs" });
      continue;
    }
    const id = await identify(node.path);
    if (id instanceof DeviceError) out.push({ ...node, identitySource: "sysfs", error: id });
    else out.push({ ...node, ...pick(id), identitySource: "inquiry" });
  }
  return out;
}

function pick(id: DriveIdentity): { vendor: string; product: string; revision: string } {
  return { vendor: id.vendor, product: id.product, revision: id.revision };
}
