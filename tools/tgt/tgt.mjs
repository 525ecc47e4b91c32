#!/usr/bin/env node
// tgt (the Linux SCSI target framework, Debian package `tgt`) as a software DVD+R recorder for tests: a private
// tgtd on 127.0.0.1 serving one `--device-type cd` LUN over iSCSI, which QEMU passes to a guest's /dev/sr0
// (tools/qemu/harness.mjs, drive kind "scsi-block"). Plain Node ESM, no dependencies. See README.md beside it.
//
//   startTgt({ backingFile })  → { url, port, pid, ..., changeDisc(file), stop() }
//
// Each instance uses its own TCP port and its own control index (`tgtd -C N`, socket /var/run/tgtd/socket.N),
// so it never touches a system tgt service (port 3260, index 0) or another test's tgtd. Needs root.

import { execFile, spawn } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** Default target name (any valid IQN will do; the guest only sees it in the URL). */
export const DEFAULT_IQN = "iqn.2024-01.org.discburn.test:dvd";

/** tgtd keeps its control sockets here (`socket.N` and `socket.N.lock` for `-C N`). */
const CONTROL_DIR = "/var/run/tgtd";

/** Thrown when tgtd/tgtadm (or QEMU's iSCSI driver) is missing: tests fail with it, they never skip. */
export class MissingTgtError extends Error {
  /** @param {string} tool @param {string} debianPackage @param {string} [detail] */
  constructor(tool, debianPackage, detail) {
    super(
      `"${tool}" is not available${detail ? ` (${detail})` : ""}: install it with \`apt-get install ${debianPackage}\` ` +
        "(tools/install-oracles.sh). Tests that need a recorder fail rather than skip without it.",
    );
    this.name = "MissingTgtError";
    this.tool = tool;
    this.debianPackage = debianPackage;
  }
}

/**
 * @typedef {object} TgtOptions
 * @property {string} backingFile The disc: an empty file is a blank DVD+R, a non-empty one a finalised DVD-ROM.
 *   tgt writes into it in place (never delete it while tgt has it open: tgt would keep writing the unlinked inode).
 * @property {string} [iqn] Target name, default DEFAULT_IQN.
 * @property {number} [port] TCP port on 127.0.0.1; default: a free one.
 * @property {number} [controlIndex] `tgtd -C N`; default: a free one.
 * @property {number} [debug] `tgtd -d N` (1 logs every CDB into log()).
 * @property {number} [startTimeoutMs] Default 10 000.
 */

/**
 * @typedef {object} Tgt
 * @property {string} url iscsi://127.0.0.1:PORT/IQN/1: QEMU's `-drive file=` for the LUN.
 * @property {number} port
 * @property {number} pid The tgtd process.
 * @property {number} controlIndex
 * @property {string} iqn
 * @property {string} backingFile The current disc (absolute path).
 * @property {() => string} log What tgtd printed (stderr and stdout).
 * @property {(args: string[]) => Promise<string>} admin Runs `tgtadm -C N ARGS` against this tgtd; resolves stdout.
 * @property {(newFile: string) => Promise<void>} changeDisc Takes the disc offline and loads another file.
 * @property {() => Promise<void>} stop Deletes everything and ends tgtd (idempotent).
 */

// ---------------------------------------------------------------------------------------------------------

/** @param {string} file */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} cmd @param {string} debianPackage @returns {string} */
function requireProgram(cmd, debianPackage) {
  if (isAbsolute(cmd)) {
    if (isExecutable(cmd)) return cmd;
  } else {
    const dirs = (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
    for (const dir of dirs) if (dir !== "" && isExecutable(join(dir, cmd))) return join(dir, cmd);
  }
  throw new MissingTgtError(cmd, debianPackage, "not found");
}

/** tgtd and tgtadm, or a MissingTgtError naming the Debian package `tgt`. @returns {{ tgtd: string, tgtadm: string }} */
export function requireTgt() {
  return { tgtd: requireProgram("tgtd", "tgt"), tgtadm: requireProgram("tgtadm", "tgt") };
}

/** @type {Promise<void> | undefined} */
let qemuIscsiChecked;

/**
 * Checks that QEMU can open iscsi:// drives (the block-iscsi module from Debian's qemu-block-extra): a blockdev
 * pointed at a closed port must fail with an iSCSI connection error, not with an unknown driver.
 * @returns {Promise<void>}
 */
export function requireQemuIscsi() {
  qemuIscsiChecked ??= (async () => {
    const qemu = requireProgram("qemu-system-x86_64", "qemu-system-x86");
    const blockdev = "driver=iscsi,node-name=probe,transport=tcp,portal=127.0.0.1:1,target=iqn.2024-01.probe:x,lun=1";
    const r = await exec(qemu, ["-nodefaults", "-display", "none", "-machine", "none", "-S", "-blockdev", blockdev], {
      timeoutMs: 30_000,
    });
    const out = `${r.stdout}${r.stderr}`;
    if (!/iSCSI/.test(out))
      throw new MissingTgtError("QEMU iscsi block driver", "qemu-block-extra", out.trim().split("\n").at(-1));
  })();
  return qemuIscsiChecked;
}

/**
 * @param {string} cmd @param {string[]} args @param {{ timeoutMs?: number }} [opts]
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
function exec(cmd, args, opts = {}) {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 15_000, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      res({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A TCP port on 127.0.0.1 nobody listens on right now. @returns {Promise<number>} */
function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on("error", rej);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

/** A control index whose socket files do not exist (tgtd itself refuses one another tgtd holds). */
function freeControlIndex() {
  for (;;) {
    const n = 10_000 + Math.floor(Math.random() * 22_000); // tgtd accepts -C 0 … 32767
    if (!existsSync(join(CONTROL_DIR, `socket.${n}.lock`)) && !existsSync(join(CONTROL_DIR, `socket.${n}`))) return n;
  }
}

/**
 * Whether process `pid` holds the POSIX lock tgtd takes on socket.N.lock (read from /proc/locks).
 * @param {number} pid @param {number} controlIndex
 */
function holdsLock(pid, controlIndex) {
  let ino;
  try {
    ino = statSync(join(CONTROL_DIR, `socket.${controlIndex}.lock`)).ino;
  } catch {
    return false;
  }
  return readFileSync("/proc/locks", "utf8")
    .split("\n")
    .some((line) => {
      const f = line.trim().split(/\s+/);
      // "1: POSIX  ADVISORY  WRITE 17212 fe:00:1450539 0 0"
      return f[1] === "POSIX" && Number(f[4]) === pid && Number(f[5]?.split(":")[2]) === ino;
    });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @type {Set<import("node:child_process").ChildProcess>} */
const running = new Set();
let exitHookInstalled = false;

/** A test process that dies without stop() must not leave tgtd behind (it ignores SIGTERM). */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}

/** Thrown internally when a start attempt lost a race for the port or the control index; startTgt retries. */
class StartRace extends Error {}

// ---------------------------------------------------------------------------------------------------------

/**
 * Starts a private tgtd on 127.0.0.1 with one target (LUN 1: an optical drive holding `backingFile`) that every
 * initiator may use. Retries with another port / control index when one was taken in the meantime.
 * @param {TgtOptions} options
 * @returns {Promise<Tgt>}
 */
export async function startTgt(options) {
  const tools = requireTgt();
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    throw new Error("tgtd needs root (it creates /var/run/tgtd and listens as an iSCSI target)");
  const backingFile = resolve(options.backingFile);
  if (!existsSync(backingFile))
    throw new Error(`tgt backing file ${backingFile} does not exist (create it empty for a blank DVD+R)`);
  /** @type {unknown} */
  let last;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await startOnce(tools, { ...options, backingFile });
    } catch (e) {
      if (!(e instanceof StartRace) || options.port !== undefined || options.controlIndex !== undefined) throw e;
      last = e;
    }
  }
  throw last;
}

/**
 * @param {{ tgtd: string, tgtadm: string }} tools
 * @param {TgtOptions & { backingFile: string }} options
 * @returns {Promise<Tgt>}
 */
async function startOnce(tools, options) {
  const iqn = options.iqn ?? DEFAULT_IQN;
  const port = options.port ?? (await freePort());
  const controlIndex = options.controlIndex ?? freeControlIndex();
  const args = ["-f", "-C", String(controlIndex), "--iscsi", `portal=127.0.0.1:${port}`];
  if (options.debug !== undefined) args.push("-d", String(options.debug));
  const child = spawn(tools.tgtd, args, { stdio: ["ignore", "pipe", "pipe"] });
  installExitHook();
  running.add(child);
  let log = "";
  const append = (/** @type {Buffer} */ b) => {
    log += b.toString("utf8");
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  /** @type {number | null} */
  let exitCode = null;
  let exited = false;
  /** @type {Promise<void>} */
  const exitedPromise = new Promise((res) => {
    child.on("exit", (code, signal) => {
      exited = true;
      exitCode = code ?? (signal ? -1 : null);
      running.delete(child);
      res();
    });
    child.on("error", (e) => {
      append(Buffer.from(`\nspawn error: ${e.message}\n`));
      exited = true;
      running.delete(child);
      res();
    });
  });
  const pid = child.pid ?? -1;

  /** @param {string[]} a */
  const tgtadm = (a) => exec(tools.tgtadm, ["-C", String(controlIndex), ...a]);
  /** @param {string[]} a @returns {Promise<string>} */
  const admin = async (a) => {
    const r = await tgtadm(a);
    if (r.code !== 0)
      throw new Error(`tgtadm -C ${controlIndex} ${a.join(" ")} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      // tgtd ignores SIGTERM. `--mode system --op delete` ends it, but only once no target is left.
      await tgtadm(["--lld", "iscsi", "--mode", "target", "--op", "delete", "--force", "--tid", "1"]);
      await tgtadm(["--mode", "system", "--op", "delete"]);
      await Promise.race([exitedPromise, sleep(3000)]);
      if (!exited) {
        child.kill("SIGKILL");
        await Promise.race([exitedPromise, sleep(5000)]);
      }
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    // tgtd leaves its control socket and lock file behind; remove them unless another tgtd held this index.
    if (/another tgtd is using/.test(log)) return;
    rmSync(join(CONTROL_DIR, `socket.${controlIndex}`), { force: true });
    rmSync(join(CONTROL_DIR, `socket.${controlIndex}.lock`), { force: true });
  };

  try {
    // Ready once our tgtd holds the control index's lock (so tgtadm cannot reach another tgtd using the same
    // index) and answers tgtadm. A control index already in use makes tgtd exit at once.
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    for (;;) {
      if (exited) {
        if (/another tgtd is using/.test(log)) throw new StartRace(`control index ${controlIndex} in use`);
        throw new Error(`tgtd exited (${exitCode}) before answering tgtadm:\n${log.trim()}`);
      }
      if (holdsLock(pid, controlIndex) && (await tgtadm(["--mode", "system", "--op", "show"])).code === 0) break;
      if (Date.now() > deadline)
        throw new Error(`tgtd did not answer tgtadm -C ${controlIndex} in time:\n${log.trim()}`);
      await sleep(50);
    }
    // When it cannot bind the portal, tgtd does NOT exit: it falls back to 0.0.0.0:3260 and [::]:3260. Only
    // exactly our loopback portal is acceptable.
    const portals = (await admin(["--lld", "iscsi", "--mode", "portal", "--op", "show"]))
      .split("\n")
      .map((l) => /^Portal:\s*(\S+?),\d+\s*$/.exec(l.trim())?.[1])
      .filter((p) => p !== undefined);
    if (portals.length !== 1 || portals[0] !== `127.0.0.1:${port}`) {
      const race = /failed to create\/bind to portal/.test(log);
      const msg = `tgtd portals are ${JSON.stringify(portals)}, not 127.0.0.1:${port}:\n${log.trim()}`;
      throw race && options.port === undefined ? new StartRace(msg) : new Error(msg);
    }
    await admin(["--lld", "iscsi", "--mode", "target", "--op", "new", "--tid", "1", "--targetname", iqn]);
    await admin([
      "--lld",
      "iscsi",
      "--mode",
      "logicalunit",
      "--op",
      "new",
      "--tid",
      "1",
      "--lun",
      "1",
      "--backing-store",
      options.backingFile,
      "--device-type",
      "cd",
    ]);
    await admin(["--lld", "iscsi", "--mode", "target", "--op", "bind", "--tid", "1", "--initiator-address", "ALL"]);
  } catch (e) {
    await stop();
    throw e;
  }

  /** @type {Tgt} */
  const tgt = {
    url: `iscsi://127.0.0.1:${port}/${iqn}/1`,
    port,
    pid,
    controlIndex,
    iqn,
    backingFile: options.backingFile,
    log: () => log,
    admin,
    changeDisc: async (newFile) => {
      const file = resolve(newFile);
      if (!existsSync(file)) throw new Error(`tgt: ${file} does not exist`);
      const lu = ["--lld", "iscsi", "--mode", "logicalunit", "--op", "update", "--tid", "1", "--lun", "1"];
      // Offline first (the tray "opens"), then the new path: tgt loads it and brings the LUN online again.
      await admin([...lu, "--params", "online=0"]);
      await admin([...lu, "--params", `path=${file}`]);
      tgt.backingFile = file;
    },
    stop,
  };
  return tgt;
}

// ---------------------------------------------------------------------------------------------------------
// CLI: node tools/tgt/tgt.mjs serve FILE   (prints the URL, runs until Ctrl-C / SIGTERM, then stops tgtd)

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const [command, file] = process.argv.slice(2);
  if (command !== "serve" || file === undefined) {
    process.stderr.write("usage: node tools/tgt/tgt.mjs serve BACKING_FILE   (empty file = blank DVD+R)\n");
    process.exit(2);
  }
  const tgt = await startTgt({ backingFile: file, debug: process.env.TGT_DEBUG ? 1 : undefined });
  process.stdout.write(`${tgt.url}\n(tgtd pid ${tgt.pid}, control index ${tgt.controlIndex}; Ctrl-C stops it)\n`);
  const end = async () => {
    await tgt.stop();
    if (process.env.TGT_DEBUG) process.stderr.write(tgt.log());
    process.exit(0);
  };
  process.on("SIGINT", end);
  process.on("SIGTERM", end);
}
