// The `discburn` command line.
import { createRequire } from "node:module";
import { Command } from "commander";
import { createCommand } from "./commands/create.js";
import { mkisofsCommand } from "./commands/mkisofs.js";
import { EXIT_CODES_HELP } from "./exitCodes.js";

const version = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

export function buildProgram(signal: AbortSignal): Command {
  const program = new Command("discburn")
    .description("discburn: master ISO 9660, Rock Ridge and Joliet disc images")
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
  discburn create --help                          all options of create

${EXIT_CODES_HELP}`,
    );
  for (const sub of [createCommand(signal), mkisofsCommand(signal)]) {
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
