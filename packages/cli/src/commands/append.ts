// `discburn append`: add a session to an image file and grow it in place (the newest tree: the old one edited).
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { AppendSession, InvalidArgumentError, type Progress, SourceError } from "@discburn/fsimage";
import { Command } from "commander";
import { parseCapacity } from "../capacity.js";
import { createProgressDisplay } from "../progress.js";

export interface AppendCommandOptions {
  remove?: string[];
  rename?: string[];
  graftPoints?: boolean;
  capacity?: string;
  sessionImage?: string;
  sessionStart?: string;
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
  let sessionStart: number | undefined;
  if (o.sessionStart !== undefined) {
    if (!/^\d+$/.test(o.sessionStart))
      throw new InvalidArgumentError(`--session-start ${o.sessionStart}: give a block number`);
    if (o.sessionImage === undefined) throw new InvalidArgumentError("--session-start needs --session-image FILE");
    sessionStart = Number(o.sessionStart);
  }
  const session = await AppendSession.open(resolve(image), { capacityBlocks, sessionStart });
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
    const emit = { signal, onProgress: display ? (p: Progress) => display.update(p) : undefined };
    done = o.sessionImage ? await session.writeSessionImage(resolve(o.sessionImage), emit) : await session.commit(emit);
  } finally {
    display?.done();
  }
  if (o.json) {
    const summary = { image: resolve(image), sessionImage: o.sessionImage && resolve(o.sessionImage), ...done };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else if (o.sessionImage && !o.quiet) {
    process.stderr.write(
      `discburn: wrote a session of ${done.sessionBlocks} blocks to ${o.sessionImage}; ` +
        `write it at block ${done.sessionStart} of the medium\n`,
    );
  } else if (!o.quiet) {
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
    .option(
      "--session-image <file>",
      "write only the new session to FILE (for write-once media) and leave IMAGE as it is",
    )
    .option(
      "--session-start <block>",
      "with --session-image: the block the session will be written at (default: next 32-block boundary)",
    )
    .option("--json", "print a machine-readable summary")
    .option("-q, --quiet", "print nothing but errors")
    .addHelpText(
      "after",
      `
The new session is written after the old data and points at it (nothing is copied); then the volume
descriptors at block 16 (and a UDF volume's anchor at 256) are rewritten, last, so an interruption leaves
the previous tree readable.
Removed files' data stays in the image, unreachable from the new tree. With --session-image the session
goes to its own file instead, whose records point into IMAGE: write it at its start block.

Examples:
  discburn append backup.iso ./new-photos
  discburn append backup.iso --remove /old --rename /draft.txt=/final.txt
  discburn append disc.iso ./more --session-image session2.bin --session-start 2304`,
    )
    .action((image: string, paths: string[], opts: AppendCommandOptions) => runAppend(image, paths, opts, signal));
}
