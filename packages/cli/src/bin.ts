#!/usr/bin/env node
// Entry point: runs the program, maps errors to exit codes, turns Ctrl-C into a clean cancellation.
import { CommanderError } from "commander";
import { ExitCode, exitCodeFor } from "./exitCodes.js";
import { buildProgram } from "./program.js";

const controller = new AbortController();
let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(ExitCode.cancelled);
  interrupted = true;
  process.stderr.write("\ndiscburn: cancelling (press Ctrl-C again to quit at once)\n");
  controller.abort();
});

// A reader that goes away (`discburn --help | head`) is not an error, and must not stop a burn half-way: later
// output to it is dropped.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
});

try {
  await buildProgram(controller.signal).parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.stderr.write(`discburn: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.DISCBURN_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = exitCodeFor(e);
  }
}
