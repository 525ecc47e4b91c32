// Running and measuring a command, shared by bench/run.mjs and bench/append.mjs.
import { spawn } from "node:child_process";

export const PYTHON = "/usr/bin/python3";
const KiB = 1024;

// The wrapper starts the command with posix_spawn, waits for it, and reports
// on file descriptor 3 its exit status and ru_maxrss of RUSAGE_CHILDREN: the
// peak resident set (KiB on Linux) of the largest waited-for descendant (for
// the `sh -c` pipeline of "bound", the largest of sh, find, xargs and cat).
// python3 -I -S and posix_spawn instead of subprocess.run keep the wrapper's
// start-up near 10 ms instead of near 30 ms. Its own memory is not counted, but
// Linux carries the spawning process's RSS into the child's ru_maxrss at exec,
// so no figure can go below the wrapper's RSS (about 8 MiB): that floor is
// measured and tools at it are shown as "≤ floor". fd 3 is closed in the child.
const WRAPPER = [
  "import os, resource, sys",
  "pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=[(os.POSIX_SPAWN_CLOSE, 3)])",
  "_, status = os.waitpid(pid, 0)",
  "code = os.waitstatus_to_exitcode(status)",
  "ru = resource.getrusage(resource.RUSAGE_CHILDREN)",
  'os.write(3, ("%d %d\\n" % (code, ru.ru_maxrss)).encode())',
  "sys.exit(code if code >= 0 else 128 - code)",
].join("\n");

// Every tool sees the same locale, so names are read as UTF-8 whatever the
// caller's environment is.
export const CHILD_ENV = { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };

/** Run argv under the wrapper; resolve { seconds, rssKiB, code, stderr }. */
export function measure(argv) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(PYTHON, ["-I", "-S", "-c", WRAPPER, ...argv], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: CHILD_ENV,
    });
    let ended;
    let stdout = "";
    let stderr = "";
    let report = "";
    const keepTail = (s, chunk) => (s + chunk).slice(-64 * KiB);
    child.stdout.on("data", (c) => {
      stdout = keepTail(stdout, c.toString());
    });
    child.stderr.on("data", (c) => {
      stderr = keepTail(stderr, c.toString());
    });
    child.stdio[3].on("data", (c) => {
      report += c.toString();
    });
    child.on("error", reject);
    child.on("exit", () => {
      ended = process.hrtime.bigint();
    });
    child.on("close", (code, signal) => {
      const [rc, rss] = report.trim().split(" ").map(Number);
      resolve({
        seconds: Number((ended ?? process.hrtime.bigint()) - started) / 1e9,
        rssKiB: Number.isFinite(rss) ? rss : Number.NaN,
        code: Number.isFinite(rc) ? rc : (code ?? `signal ${signal}`),
        stdout,
        stderr,
      });
    });
  });
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
