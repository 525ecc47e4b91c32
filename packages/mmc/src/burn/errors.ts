// Why a burn (or a blank, a format) did not happen or did not finish. Each kind has its own advice; `lba` names
// the block where writing stopped, when it did.

export type BurnErrorKind =
  | "no-medium"
  | "not-writable"
  | "closed"
  | "full"
  | "wrong-start"
  | "incomplete-session"
  | "nothing-to-append"
  | "nothing-to-close"
  | "source"
  | "write-failed"
  | "cancelled"
  | "verify-failed"
  | "format"
  | "timeout";

export class BurnError extends Error {
  constructor(
    readonly kind: BurnErrorKind,
    message: string,
    options?: { cause?: unknown; lba?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.lba = options?.lba;
  }

  /** The block where writing stopped, when it had started. */
  readonly lba: number | undefined;
}
