/** Base of every error discburn throws on purpose: each names what failed and what to do about it. */
export class DiscburnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A caller passed an option or an argument that cannot be honoured. */
export class InvalidArgumentError extends DiscburnError {}

/** A tree edit refers to a path that does not exist, or would clash with an existing item. */
export class TreeError extends DiscburnError {
  constructor(
    message: string,
    readonly imagePath: string,
  ) {
    super(message);
  }
}

/** A file's source could not be read, or did not deliver what was planned. */
export class SourceError extends DiscburnError {
  constructor(
    message: string,
    readonly source: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A source's size changed between planning and writing; the image would be inconsistent. */
export class SourceChangedError extends SourceError {}

/** The tree cannot be laid out within the limits of the chosen format or options. */
export class LayoutError extends DiscburnError {}

/** The session does not fit the medium (IMAPI2's "image too big"): nothing was written. */
export class MediumFullError extends LayoutError {
  constructor(
    readonly neededBlocks: number,
    readonly capacityBlocks: number,
  ) {
    super(
      `the session needs the medium up to block ${neededBlocks}, but it holds ${capacityBlocks} blocks ` +
        `(${neededBlocks - capacityBlocks} too many, ${(((neededBlocks - capacityBlocks) * 2048) / 1048576).toFixed(1)} MiB); ` +
        "leave files out, or use a larger medium",
    );
  }
}

/** The output file could not be written. */
export class OutputError extends DiscburnError {
  constructor(
    message: string,
    readonly outputPath: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class CancelledError extends DiscburnError {
  constructor(message = "the operation was cancelled") {
    super(message);
  }
}

/** Bytes handed to a decoder are not the structure it decodes. */
export class DecodeError extends DiscburnError {}
