// Typed refusals of the reading side: every structure an image reader rejects is named, with the sector
// (LBA) it was found at and what is wrong with it, so a user can tell a damaged image from a hostile one.
import { DecodeError, DiscburnError } from "../errors.js";

/** An image structure (volume descriptor, directory record, UDF tag...) that cannot be read safely. */
export class ImageReadError extends DiscburnError {
  constructor(
    /** What was being read, in the terms of its standard: "directory record", "Rock Ridge CE area", ... */
    readonly structure: string,
    /** The absolute logical block (2048 bytes) where the structure lies. */
    readonly lba: number,
    /** What is wrong, phrased to follow "<structure> at LBA <n>: ". */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot read the image: ${structure} at LBA ${lba}: ${problem}`, options);
  }
}

/** Runs a decoder and turns its DecodeError (or a RangeError from a short buffer) into an ImageReadError. */
export function decoding<T>(structure: string, lba: number, decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof ImageReadError) throw e;
    if (e instanceof DecodeError || e instanceof RangeError) {
      throw new ImageReadError(structure, lba, e.message, { cause: e });
    }
    throw e;
  }
}
