import { checkUint, getUint16, getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";
import { decodeFeature, type Feature, type FeatureDescriptor, type FeatureKind } from "./features.js";

/** The RT field: which feature descriptors the drive returns. */
export const REQUEST_TYPE = {
  /** Every feature the drive supports, current or not, from the starting feature on. */
  ALL: 0,
  /** Only features whose Current bit is set, from the starting feature on. */
  CURRENT: 1,
  /** Only the starting feature (the header alone if the drive does not support it). */
  ONE: 2,
} as const;

export type RequestType = (typeof REQUEST_TYPE)[keyof typeof REQUEST_TYPE];

export interface GetConfigurationOptions {
  requestType?: RequestType;
  startingFeature?: number;
  /** 8 returns the header alone (data length and current profile): ask it first, then `dataLength + 4`. */
  allocationLength: number;
}

// MMC-6 GET CONFIGURATION (46h): byte 1 bits 1-0 RT, bytes 2-3 starting feature number, bytes 7-8 allocation length.
export function buildGetConfiguration(options: GetConfigurationOptions): ScsiCommand {
  const length = checkUint("allocation length", options.allocationLength, 16);
  const rt = options.requestType ?? REQUEST_TYPE.ALL;
  const start = checkUint("starting feature", options.startingFeature ?? 0, 16);
  return makeCommand(OPCODE.GET_CONFIGURATION, 10, "in", length, (cdb) => {
    cdb[1] = rt & 0x03;
    setUint16(cdb, 2, start);
    setUint16(cdb, 7, length);
  });
}

export interface Configuration {
  /** Bytes after the data length field the drive has to send: ask `dataLength + 4` to get them all. */
  dataLength: number;
  /** The profile of the medium in the drive (0 when there is none): see profileInfo(). */
  currentProfile: number;
  features: Feature[];
  /** The answer ended before the data length said: allocation length too small (or a drive bug). */
  truncated: boolean;
}

// MMC-6 Feature Header: bytes 0-3 data length, 6-7 current profile; then feature descriptors, each
// bytes 0-1 feature code, byte 2 version (5-2) persistent (1) current (0), byte 3 additional length.
export function parseConfiguration(data: Uint8Array): Configuration {
  requireLength("GET CONFIGURATION", data, 8, "the feature header");
  const dataLength = getUint32(data, 0);
  const end = Math.min(data.length, dataLength + 4);
  const features: Feature[] = [];
  let truncated = data.length < dataLength + 4;
  let o = 8;
  while (o + 4 <= end) {
    const additionalLength = data[o + 3];
    if (o + 4 + additionalLength > end) {
      truncated = true;
      break;
    }
    features.push(
      decodeFeature({
        code: getUint16(data, o),
        version: (data[o + 2] >> 2) & 0x0f,
        persistent: (data[o + 2] & 0x02) !== 0,
        current: (data[o + 2] & 0x01) !== 0,
        additional: data.slice(o + 4, o + 4 + additionalLength),
      }),
    );
    o += 4 + additionalLength;
  }
  if (o < end && end - o < 4) truncated = true;
  return { dataLength, currentProfile: getUint16(data, 6), features, truncated };
}

/** The feature with this code, narrowed to its decoded kind when one is given. */
export function findFeature<K extends FeatureKind>(
  config: Pick<Configuration, "features">,
  code: number,
  kind?: K,
): Extract<Feature, { kind: K }> | undefined {
  const f = config.features.find((x) => x.code === code);
  if (f === undefined || (kind !== undefined && f.kind !== kind)) return undefined;
  return f as Extract<Feature, { kind: K }>;
}

/** Whether the drive reports the feature as current (usable with the medium now in the drive). */
export function isFeatureCurrent(config: Pick<Configuration, "features">, code: number): boolean {
  return config.features.some((f) => f.code === code && f.current);
}

/** A GET CONFIGURATION answer, for a software recorder: header and the descriptors in the order given. */
export function encodeConfiguration(currentProfile: number, features: readonly FeatureDescriptor[]): Uint8Array {
  const size = 8 + features.reduce((n, f) => n + 4 + f.additional.length, 0);
  const out = new Uint8Array(size);
  setUint32(out, 0, size - 4);
  setUint16(out, 6, currentProfile);
  let o = 8;
  for (const f of features) {
    if (f.additional.length > 255)
      throw new RangeError(`feature 0x${f.code.toString(16)}: additional data over 255 bytes`);
    setUint16(out, o, f.code);
    out[o + 2] = ((f.version & 0x0f) << 2) | (f.persistent ? 2 : 0) | (f.current ? 1 : 0);
    out[o + 3] = f.additional.length;
    out.set(f.additional, o + 4);
    o += 4 + f.additional.length;
  }
  return out;
}
