// Holding off sleep and suspend while a burn runs: a machine that suspends mid-track ruins a write-once disc.
// Linux: a `systemd-inhibit` child holding a block lock until released (when systemd-logind is there); the lid
// switch too, since logind suspends on a closed lid regardless of sleep locks by default (LidSwitchIgnoreInhibited).
// Windows: SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED) on this thread, cleared afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface SleepInhibitor {
  /** How sleep is held off ("systemd-inhibit", "SetThreadExecutionState"), or why it is not. */
  readonly how: string;
  readonly active: boolean;
  release(): Promise<void>;
}

function onPath(program: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
}

const ES_CONTINUOUS = 0x80000000;
const ES_SYSTEM_REQUIRED = 0x00000001;

async function windowsInhibitor(): Promise<SleepInhibitor> {
  try {
    const koffi = (await import("koffi")).default;
    const kernel32 = koffi.load("kernel32.dll");
    const setState = kernel32.func("uint32 __stdcall SetThreadExecutionState(uint32 esFlags)") as (f: number) => number;
    if (setState((ES_CONTINUOUS | ES_SYSTEM_REQUIRED) >>> 0) === 0) throw new Error("SetThreadExecutionState failed");
    return {
      how: "SetThreadExecutionState",
      active: true,
      release: async () => {
        setState(ES_CONTINUOUS >>> 0);
      },
    };
  } catch (e) {
    return { how: `not held off (${(e as Error).message})`, active: false, release: async () => {} };
  }
}

async function systemdInhibitor(program: string, why: string): Promise<SleepInhibitor> {
  // The lock lasts as long as the child; `cat` ends when its stdin (our pipe) closes, with us if we die.
  const child: ChildProcess = spawn(
    program,
    ["--what=sleep:idle:handle-lid-switch", "--who=discburn", `--why=${why}`, "--mode=block", "cat"],
    { stdio: ["pipe", "ignore", "ignore"] },
  );
  const failed = await new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), 300);
    child.once("error", (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(`systemd-inhibit exited with ${code} (no systemd-logind?)`);
    });
  });
  if (failed !== null) return { how: `not held off (${failed})`, active: false, release: async () => {} };
  child.unref();
  return {
    how: "systemd-inhibit",
    active: true,
    release: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}

/** Holds off sleep until release(); never fails a burn (an inactive inhibitor says why in `how`). */
export async function inhibitSleep(why: string): Promise<SleepInhibitor> {
  if (process.platform === "win32") return windowsInhibitor();
  if (process.platform === "linux") {
    const program = onPath("systemd-inhibit");
    if (program) return systemdInhibitor(program, why);
    return { how: "not held off (no systemd-inhibit)", active: false, release: async () => {} };
  }
  return { how: `not held off on ${process.platform}`, active: false, release: async () => {} };
}
