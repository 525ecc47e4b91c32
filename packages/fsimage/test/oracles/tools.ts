// Process helpers for the third-party ISO readers used as test oracles.
//
// Every external tool goes through requireTool() first: a missing tool makes the test FAIL with an
// error that names the Debian package to install. Tests must never skip because an oracle is absent.

import { spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readFileSync, writeFileSync } from "node:fs";
import { basename, delimiter, isAbsolute, join } from "node:path";

/** The Debian package that provides each tool we shell out to. */
const DEBIAN_PACKAGE: Readonly<Record<string, string>> = {
  xorriso: "xorriso",
  isoinfo: "genisoimage",
  genisoimage: "genisoimage",
  "iso-info": "libcdio-utils",
  "iso-read": "libcdio-utils",
  "7z": "p7zip-full",
  bsdtar: "libarchive-tools",
  "/usr/bin/python3": "python3",
  udfinfo: "udftools",
  mkudffs: "udftools",
  head: "coreutils",
  mkfifo: "coreutils",
  mknod: "coreutils",
  sh: "dash",
  "/bin/sh": "dash",
};

/** Debian's python3 (the python3 on PATH may be a pyenv build without python3-pycdlib). */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/**
 * Environment for every oracle run: a UTF-8 locale (xorriso silently DROPS names it cannot convert
 * to the local charset, libarchive and 7z need it to decode UCS-2 Joliet names) and TZ=UTC (iso-info
 * and 7z print times in local time).
 */
export const ORACLE_ENV: Readonly<Record<string, string>> = {
  LC_ALL: "C.UTF-8",
  LANG: "C.UTF-8",
  TZ: "UTC",
};

const found = new Map<string, string>();

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Error thrown when an oracle tool is not installed; the message says what to apt-get install. */
export class MissingToolError extends Error {
  constructor(
    readonly tool: string,
    readonly debianPackage: string,
    detail?: string,
  ) {
    super(
      `oracle tool "${tool}" is not available${detail ? ` (${detail})` : ""}: ` +
        `install it with \`apt-get install ${debianPackage}\`. Oracle tests fail rather than skip without it.`,
    );
    this.name = "MissingToolError";
  }
}

/**
 * Resolves `cmd` (a bare name looked up on PATH, or an absolute path) to an executable path, or throws a
 * MissingToolError naming the Debian package that provides it.
 */
export function requireTool(cmd: string): string {
  const cached = found.get(cmd);
  if (cached !== undefined) return cached;
  const pkg =
    DEBIAN_PACKAGE[cmd] ?? DEBIAN_PACKAGE[basename(cmd)] ?? "<unknown package: add it to DEBIAN_PACKAGE in tools.ts>";
  let resolved: string | undefined;
  if (isAbsolute(cmd)) {
    if (isExecutable(cmd)) resolved = cmd;
  } else {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir === "") continue;
      const candidate = join(dir, cmd);
      if (isExecutable(candidate)) {
        resolved = candidate;
        break;
      }
    }
  }
  if (resolved === undefined) throw new MissingToolError(cmd, pkg, "not found");
  found.set(cmd, resolved);
  return resolved;
}

let pycdlibChecked = false;

/** requireTool for Debian's python3 plus a check that it can import pycdlib (python3-pycdlib). */
export async function requirePycdlib(): Promise<string> {
  const python = requireTool(DEBIAN_PYTHON);
  if (!pycdlibChecked) {
    const r = await run(python, ["-c", "import pycdlib"], { allowNonZero: true });
    if (r.code !== 0) throw new MissingToolError("pycdlib", "python3-pycdlib", `${python} cannot import pycdlib`);
    pycdlibChecked = true;
  }
  return python;
}

export interface RunOptions {
  /** Resolve instead of throwing when the exit code is nonzero. Default false. */
  allowNonZero?: boolean;
  cwd?: string;
  /** Extra environment, merged over process.env and ORACLE_ENV. */
  env?: Readonly<Record<string, string>>;
  /** Send stdout to this file (created/truncated) instead of buffering it; result.stdout is then empty. */
  stdoutFile?: string;
  /** Kill the process and throw after this many milliseconds. Default 120 000. */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  /** Exit code; -1 when the process was killed by a signal. */
  code: number;
}

function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w./:=@%+,-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/** Error thrown by run() for a nonzero exit, a signal or a timeout; carries the captured output. */
export class RunError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = "RunError";
  }
}

/**
 * Runs `cmd args` without a shell and collects its output. stdout is streamed into a list of chunks (no
 * maxBuffer limit) or into opts.stdoutFile; stderr is decoded as UTF-8. Throws a RunError carrying stderr
 * on a nonzero exit unless opts.allowNonZero, and always on a signal or timeout.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise<RunResult>((resolve, reject) => {
    let outFd: number | undefined;
    if (opts.stdoutFile !== undefined) outFd = openSync(opts.stdoutFile, "w");
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...ORACLE_ENV, ...opts.env },
      stdio: ["ignore", outFd ?? "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      if (outFd !== undefined) {
        closeSync(outFd);
        outFd = undefined;
      }
    };
    child.on("error", (e) => {
      finish();
      reject(new Error(`cannot run ${commandLine(cmd, args)}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      finish();
      const result: RunResult = {
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString("utf8"),
        code: code ?? -1,
      };
      const what = commandLine(cmd, args);
      const tail = result.stderr.trim() === "" ? "(no stderr)" : `stderr:\n${result.stderr.trimEnd()}`;
      if (timedOut) reject(new RunError(`${what} timed out after ${timeoutMs} ms; ${tail}`, result));
      else if (signal !== null) reject(new RunError(`${what} was killed by ${signal}; ${tail}`, result));
      else if (result.code !== 0 && opts.allowNonZero !== true)
        reject(new RunError(`${what} exited with code ${result.code}; ${tail}`, result));
      else resolve(result);
    });
  });
}

/** Writes `out`: the disc image with a session image laid on it at block `start`, as a recorder would. */
export function layOnDisc(disc: string, sessionImage: string, start: number, out: string): void {
  const before = readFileSync(disc);
  const session = readFileSync(sessionImage);
  const whole = Buffer.alloc(start * 2048 + session.length);
  before.copy(whole);
  session.copy(whole, start * 2048);
  writeFileSync(out, whole);
}

/** xorriso on the session that starts at block `sbsector`: its `lsdl` listing, and a file extracted to `out`. */
export const xorrisoSession = {
  async list(img: string, sbsector: number): Promise<string> {
    const args = ["-load", "sbsector", String(sbsector), "-indev", img, "-find", "/", "-exec", "lsdl", "--"];
    return (await run(requireTool("xorriso"), args)).stdout.toString();
  },
  async extract(img: string, sbsector: number, path: string, out: string): Promise<void> {
    const args = ["-load", "sbsector", String(sbsector), "-osirrox", "on", "-indev", img, "-extract", path, out];
    await run(requireTool("xorriso"), args);
  },
};
