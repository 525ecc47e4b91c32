// Holding off sleep on Linux: inhibitSleep() runs `systemd-inhibit … cat` and keeps it until release(). The real
// systemd-inhibit needs systemd-logind on the system bus, which CI machines lack: there it must report why sleep is
// not held off instead of failing the burn. A stand-in program on PATH shows the arguments and the lifetime.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inhibitSleep } from "../src/index.js";

let work: string;
const savedPath = process.env.PATH;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "discburn-inhibit-"));
});
afterAll(() => {
  process.env.PATH = savedPath;
  if (work) rmSync(work, { recursive: true, force: true });
});

function standIn(dir: string, body: string): void {
  writeFileSync(join(dir, "systemd-inhibit"), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, "systemd-inhibit"), 0o755);
}

describe.runIf(process.platform === "linux")("inhibitSleep on Linux", () => {
  it("holds a block lock for the burn's duration and lets it go on release", async () => {
    const dir = mkdtempSync(join(work, "ok-"));
    const log = join(dir, "log");
    // Records its arguments and its end; runs the program it was given (cat, which waits for its stdin).
    standIn(dir, `printf '%s\\n' "$@" > ${log}; shift 4; "$@"; echo ended >> ${log}`);
    process.env.PATH = `${dir}:/usr/bin:/bin`;
    const inhibitor = await inhibitSleep("burning a disc");
    expect(inhibitor.active).toBe(true);
    expect(inhibitor.how).toBe("systemd-inhibit");
    expect(readFileSync(log, "utf8").split("\n").slice(0, 5)).toEqual([
      "--what=sleep:idle:handle-lid-switch",
      "--who=discburn",
      "--why=burning a disc",
      "--mode=block",
      "cat",
    ]);
    expect(readFileSync(log, "utf8")).not.toContain("ended");
    await inhibitor.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(log, "utf8")).toContain("ended");
  });

  it("says why sleep is not held off when systemd-inhibit fails or is missing, without throwing", async () => {
    const dir = mkdtempSync(join(work, "fail-"));
    standIn(dir, 'echo "Failed to connect to bus" >&2; exit 1');
    process.env.PATH = `${dir}:/usr/bin:/bin`;
    const failing = await inhibitSleep("burning a disc");
    expect(failing.active).toBe(false);
    expect(failing.how).toMatch(/not held off .*exited with 1/);
    await failing.release();

    const empty = mkdtempSync(join(work, "none-"));
    expect(existsSync(join(empty, "systemd-inhibit"))).toBe(false);
    process.env.PATH = empty;
    const missing = await inhibitSleep("burning a disc");
    expect(missing).toMatchObject({ active: false, how: "not held off (no systemd-inhibit)" });
  });
});
