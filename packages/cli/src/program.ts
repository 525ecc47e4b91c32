// The `discburn` command line.
import { createRequire } from "node:module";
import { Command } from "commander";
import { appendCommand } from "./commands/append.js";
import { blankCommand, burnCommand, closeCommand, formatCommand } from "./commands/burn.js";
import { createCommand } from "./commands/create.js";
import { driveCommands } from "./commands/drives.js";
import { extractCommand, lsCommand } from "./commands/inspect.js";
import { mkisofsCommand } from "./commands/mkisofs.js";
import { EXIT_CODES_HELP } from "./exitCodes.js";

const version = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

export function buildProgram(signal: AbortSignal): Command {
  const program = new Command("discburn")
    .description(
      "discburn: master ISO 9660, Rock Ridge, Joliet and UDF disc images, read and grow them, and talk to optical drives",
    )
    .version(version, "--version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  discburn create ./photos -o photos.iso          build an image of a directory's contents
  discburn create ./a ./b/file.txt -o out.iso     several sources merged at the image root
  discburn create ./photos -o photos.iso --udf    the same with UDF 1.02 beside the ISO 9660 trees
  discburn append photos.iso ./more               grow an image: a new session pointing at the old data
  discburn ls photos.iso / -R                     list an image; extract it with: discburn extract photos.iso -C out
  discburn info photos.iso                        which file systems an image holds
  discburn drives                                 list optical drives; discburn info --drive /dev/sr0
  discburn create --help                          all options of create
  discburn drives                                 list the optical drives and what is in them
  discburn info --drive /dev/sr0                  a drive's medium: sessions, tracks, free space
  discburn burn --drive /dev/sr0 ./photos         burn files (or an .iso) to a disc; --append adds a session
  discburn burn --drive sim:dvd+r:disc.img ./a    rehearse on the software recorder

${EXIT_CODES_HELP}`,
    );
  for (const sub of [
    createCommand(signal),
    appendCommand(signal),
    lsCommand(signal),
    extractCommand(signal),
    mkisofsCommand(signal),
    ...driveCommands(),
    burnCommand(signal),
    blankCommand(signal),
    formatCommand(signal),
    closeCommand(),
  ]) {
    // Settings are not inherited by commands built separately: give each the same error handling.
    program.addCommand(
      sub
        .exitOverride()
        .showHelpAfterError("(run with --help for usage)")
        .configureOutput({ writeErr: (s) => process.stderr.write(s) }),
    );
  }
  return program;
}
