// `discburn append`: add a session to an image file and grow it in place (the newest tree: the old one edited).
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { AppendSession, InvalidArgumentError, SourceError } from "@discburn/fsimage";
import { Command } from "commander";
import { parseCapacity } from "../capacity.js";
import { createProgressDisplay } from "../progress.js";

export interface AppendCommandOptions {
  remove?: string[];
  rename?: string[];
  graftPoints?: boolean;
  capacity?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function runAppend(
  image: string,
  paths: string[],
  o: AppendCommandOptions,
  signal: AbortSignal,
): Promise<void> {
  const capacityBlocks = o.capacity === undefined ? undefined : parseCapacity(o.capacity);
  const session = await AppendSession.open(resolve(image), { capacityBlocks });
  try {
    for (const p of o.remove ?? []) session.image.removeTree(p);
    for (const r of o.rename ?? []) {
      const eq = r.indexOf("=");
      if (eq <= 0) throw new InvalidArgumentError(`--rename ${r}: use OLD=NEW`);
      session.image.rename(r.slice(0, eq), r.slice(eq + 1));
    }
    for (const arg of paths) {
      const eq = o.graftPoints ? arg.indexOf("=") : -1;
      const target = eq > 0 ? arg.slice(0, eq) : null;
      const host = resolve(eq > 0 ? arg.slice(eq + 1) : arg);
      const st = await stat(host).catch((e: Error) => {
        throw new SourceError(`cannot read ${host}: ${e.message}`, host, { cause: e });
      });
      if (st.isDirectory()) await session.image.addTree(host, { target: target ?? "/", replace: true });
      else await session.image.addFile(target ?? basename(host), host, { replace: true });
    }
  } catch (e) {
    await session.close();
    throw e;
  }
  const display = !o.quiet && !o.json ? createProgressDisplay(process.stderr) : null;
  let done: { sessionStart: number; sessionBlocks: number };
  try {
    done = await session.commit({ signal, onProgress: display ? (p) => display.update(p) : undefined });
  } finally {
    display?.done();
  }
  if (o.json) process.stdout.write(`${JSON.stringify({ image: resolve(image), ...done }, null, 2)}\n`);
  else if (!o.quiet) {
    process.stderr.write(
      `discburn: appended a session of ${done.sessionBlocks} blocks at block ${done.sessionStart} to ${image}\n`,
    );
  }
}

export function appendCommand(signal: AbortSignal): Command {
  return new Command("append")
    .description("add a session to an image file: the newest tree, edited, grows the file in place")
    .argument("<image>", "image file to grow")
    .argument("[paths...]", "files and directories to add (a directory's contents go to the image root)")
    .option("--remove <path...>", "remove an item (and everything below it) from the new tree")
    .option("--rename <old=new...>", "move or rename an item in the new tree")
    .option("--graft-points", "accept IMAGE_PATH=HOST_PATH arguments")
    .option(
      "--capacity <size>",
      "refuse, before writing, a session that would not fit: blocks, 700M, 4.4G or cd80/dvd/bd25…",
    )
    .option("--json", "print a machine-readable summary")
    .option("-q, --quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
The new session is written after the old data and points at it (nothing is copied); then the volume
descriptors at block 16 are rewritten, last, so an interruption leaves the previous tree readable.
Removed files' data stays in the image, unreachable from the new tree.

Examples:
  discburn append backup.iso ./new-photos
  discburn append backup.iso --remove /old --rename /draft.txt=/final.txt`,
    )
    .action((image: string, paths: string[], opts: AppendCommandOptions) => runAppend(image, paths, opts, signal));
}
