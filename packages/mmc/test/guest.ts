// Shared helpers for tests that run the built discburn inside a QEMU guest (tools/qemu/harness.mjs): the files
// to pack into the guest (Node, the packages' dist, their run-time dependencies), the section format guest
// scripts print, host-side tree digests to compare with, and tool lookups that name the Debian package.
//
// The guest runs the built dist: `npx tsc -b packages/fsimage packages/mmc packages/cli` first.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { programFiles } from "../../../tools/qemu/harness.mjs";
import { MissingToolError, requireTool } from "../../fsimage/test/oracles/tools.js";

/** The repository root on the host. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Where discburnFiles() puts the repository in the guest. */
export const GUEST_ROOT = "/opt/discburn";
/** The CLI in the guest. */
export const GUEST_CLI = `node ${GUEST_ROOT}/packages/cli/dist/bin.js`;

/** requireTool() for a tool outside tools.ts' table: the error names `debianPackage`. */
export function requireFrom(cmd: string, debianPackage: string): string {
  try {
    return requireTool(cmd);
  } catch (e) {
    if (e instanceof MissingToolError) throw new MissingToolError(cmd, debianPackage, "not found");
    throw e;
  }
}

/** A file placed into the guest's initramfs (the harness' GuestFile). */
export interface GuestFile {
  path: string;
  source?: string;
  data?: string | Uint8Array;
  symlink?: string;
  mode?: number;
}

/** Every file under a host directory, placed under a guest directory (source maps and build info left out). */
export function treeFiles(hostDir: string, guestDir: string): GuestFile[] {
  const out: GuestFile[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (!name.endsWith(".map") && !name.endsWith(".tsbuildinfo") && !name.endsWith(".d.ts"))
        out.push({ path: join(guestDir, relative(hostDir, full)), source: full });
    }
  };
  walk(hostDir);
  return out;
}

/** Node, the built packages and their run-time dependencies (commander; koffi with its linux x64 binary only). */
export function discburnFiles(): GuestFile[] {
  const files: GuestFile[] = [...programFiles(process.execPath)];
  for (const pkg of ["fsimage", "mmc", "cli"]) {
    const dist = join(ROOT, "packages", pkg, "dist");
    if (!existsSync(join(dist, "index.js")) && !existsSync(join(dist, "bin.js")))
      throw new Error(`${dist} is not built: run npx tsc -b packages/fsimage packages/mmc packages/cli`);
    files.push(...treeFiles(dist, `${GUEST_ROOT}/packages/${pkg}/dist`));
    files.push({
      path: `${GUEST_ROOT}/packages/${pkg}/package.json`,
      source: join(ROOT, "packages", pkg, "package.json"),
    });
  }
  const koffiDir = realpathSync(join(ROOT, "packages/mmc/node_modules/koffi"));
  const koffiGuest = `${GUEST_ROOT}/packages/mmc/node_modules/koffi`;
  for (const f of ["package.json", "index.js", "build/koffi/linux_x64/koffi.node"])
    files.push({ path: `${koffiGuest}/${f}`, source: join(koffiDir, f) });
  const commanderDir = realpathSync(join(ROOT, "packages/cli/node_modules/commander"));
  files.push(...treeFiles(commanderDir, `${GUEST_ROOT}/packages/cli/node_modules/commander`));
  // The workspace packages, as pnpm links them.
  files.push({ path: `${GUEST_ROOT}/packages/cli/node_modules/@discburn/mmc`, symlink: "../../../mmc" });
  files.push({ path: `${GUEST_ROOT}/packages/cli/node_modules/@discburn/fsimage`, symlink: "../../../fsimage" });
  files.push({ path: `${GUEST_ROOT}/packages/mmc/node_modules/@discburn/fsimage`, symlink: "../../../fsimage" });
  return files;
}

/** A guest script step that sections() reads back: "@@name", the command's output (stderr too), "@@exit N". */
export function step(name: string, cmd: string): string {
  return `echo "@@${name}"; ${cmd} 2>&1; echo "@@exit $?"`;
}

/** The sections a guest script prints: "@@name" lines, then the output, then "@@exit N". */
export function sections(stdout: string): Map<string, { text: string; exit: number }> {
  const out = new Map<string, { text: string; exit: number }>();
  for (const m of stdout.matchAll(/^@@(\S+)\n([\s\S]*?)^@@exit (\d+)$/gm))
    out.set(m[1], { text: m[2], exit: Number(m[3]) });
  return out;
}

/** path → size and sha256 of every file (and "dir" for directories) under a host directory. */
export function hostTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const path = `${rel}/${name}`;
      if (statSync(full).isDirectory()) {
        out[path] = "dir";
        walk(full, path);
      } else out[path] = `${statSync(full).size} ${createHash("sha256").update(readFileSync(full)).digest("hex")}`;
    }
  };
  walk(root, "");
  return out;
}

/**
 * A guest script (node /opt/import.mjs DEVICE) that imports the disc's last session through a Drive (READ(10)
 * over SG_IO) and prints { fileSystem, lastSessionStart, blockCount, tree, ms } with tree shaped like hostTree().
 */
export const IMPORT_SCRIPT = `
import { createHash } from "node:crypto";
import { Drive } from "${GUEST_ROOT}/packages/mmc/dist/index.js";
import { importFileSystem } from "${GUEST_ROOT}/packages/fsimage/dist/index.js";
const started = performance.now();
const drive = await Drive.open(process.argv[2], { readOnly: true });
const media = await drive.mediaInfo();
const result = await importFileSystem(drive, { sessionStart: media.lastSessionStart ?? 0 });
const tree = {};
const walk = async (dir, rel) => {
  for (const item of dir.children()) {
    const path = rel + "/" + item.name;
    if (item.kind === "directory") { tree[path] = "dir"; await walk(item, path); }
    else if (item.kind === "file") {
      const h = createHash("sha256");
      for await (const c of item.source.chunks()) h.update(c);
      tree[path] = item.size + " " + h.digest("hex");
    } else tree[path] = item.kind;
  }
};
await walk(result.root, "");
await drive.close();
console.log(JSON.stringify({ fileSystem: result.fileSystem, lastSessionStart: media.lastSessionStart,
  blockCount: drive.blockCount, tree, ms: Math.round(performance.now() - started) }));
`;
