// Exit codes of the discburn command (documented in README.md and `discburn --help`).
import {
  CancelledError,
  ImageReadError,
  InvalidArgumentError,
  LayoutError,
  OutputError,
  SourceError,
  TreeError,
} from "@discburn/fsimage";
import { BurnError, DeviceError, ScsiError } from "@discburn/mmc";

export const ExitCode = {
  ok: 0,
  /** Something unexpected: a bug, or an error discburn does not classify. */
  failure: 1,
  /** The command line is wrong (unknown option, bad value). */
  usage: 2,
  /** A source file or directory is missing, unreadable, or changed while it was read. */
  input: 3,
  /** The output could not be written. */
  output: 4,
  /** The tree does not fit the chosen format (names, depth, sizes) or its limits. */
  layout: 5,
  /** A drive could not be used: none found, no permission, busy, no medium, or it refused a command. */
  device: 6,
  /** Interrupted (Ctrl-C) or cancelled; nothing is left under the output name. */
  cancelled: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    unexpected failure
  2    usage error (unknown option, invalid value)
  3    input error (missing, unreadable or changing source files)
  4    output error (cannot write the image)
  5    layout error (the tree does not fit the chosen format or --strict limits, or the disc is too small)
  6    drive error (no drive found, permission denied, drive busy, no medium, command refused, disc closed,
       write or verify failed)
  130  cancelled (Ctrl-C); no partial image is left behind`;

export function exitCodeFor(e: unknown): number {
  if (e instanceof CancelledError) return ExitCode.cancelled;
  if (e instanceof InvalidArgumentError) return ExitCode.usage;
  if (e instanceof SourceError || e instanceof TreeError || e instanceof ImageReadError) return ExitCode.input;
  if (e instanceof OutputError) return ExitCode.output;
  if (e instanceof LayoutError) return ExitCode.layout;
  if (e instanceof BurnError) {
    if (e.kind === "cancelled") return ExitCode.cancelled;
    if (e.kind === "full") return ExitCode.layout;
    if (e.kind === "source") return ExitCode.input;
    return ExitCode.device;
  }
  if (e instanceof DeviceError || e instanceof ScsiError) return ExitCode.device;
  return ExitCode.failure;
}
