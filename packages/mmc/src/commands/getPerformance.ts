import { checkUint, getUint16, getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Type field of GET PERFORMANCE. */
export const PERFORMANCE_TYPE = {
  PERFORMANCE: 0x00,
  UNUSABLE_AREA: 0x01,
  DEFECT_STATUS: 0x02,
  WRITE_SPEED: 0x03,
  DBI: 0x04,
  DBI_CACHE_ZONE: 0x05,
} as const;

/** Except field of type 00h: nominal performance, the whole exception list, or outlying exceptions. */
export const PERFORMANCE_EXCEPT = { NOMINAL: 0, ALL_EXCEPTIONS: 1, OUTLYING_EXCEPTIONS: 2 } as const;

export interface GetPerformanceOptions {
  /** Performance (type 00h) for reading, or for writing when true. */
  write?: boolean;
  /** Tolerance (bits 4-3): 10b (nominal 10%, exceptions 20%) is the only value MMC defines. */
  tolerance?: number;
  except?: number;
  startLba?: number;
  maxDescriptors: number;
}

// MMC-6 GET PERFORMANCE (ACh): byte 1 data type (for type 00h: tolerance (4-3) Write (2) Except (1-0)),
// bytes 2-5 starting LBA, bytes 8-9 maximum number of descriptors, byte 10 type.
function buildGetPerformanceRaw(
  type: number,
  dataType: number,
  startLba: number,
  maxDescriptors: number,
  size: number,
): ScsiCommand {
  const count = checkUint("maximum number of descriptors", maxDescriptors, 16);
  const length = 8 + count * size;
  checkUint("allocation length", length, 32);
  return makeCommand(OPCODE.GET_PERFORMANCE, 12, "in", length, (cdb) => {
    cdb[1] = dataType & 0x1f;
    setUint32(cdb, 2, checkUint("starting LBA", startLba, 32));
    setUint16(cdb, 8, count);
    cdb[10] = type;
  });
}

/** Performance (type 00h): nominal read or write speed over the disc, or its exception list. */
export function buildGetPerformance(options: GetPerformanceOptions): ScsiCommand {
  const tolerance = checkUint("tolerance", options.tolerance ?? 2, 2);
  const except = checkUint("except", options.except ?? PERFORMANCE_EXCEPT.NOMINAL, 2);
  const dataType = (tolerance << 3) | (options.write ? 0x04 : 0) | except;
  const size = except === PERFORMANCE_EXCEPT.NOMINAL ? 16 : 6;
  return buildGetPerformanceRaw(
    PERFORMANCE_TYPE.PERFORMANCE,
    dataType,
    options.startLba ?? 0,
    options.maxDescriptors,
    size,
  );
}

/** Write Speed (type 03h): the write speeds the drive offers for the medium in it. */
export function buildGetWriteSpeeds(maxDescriptors: number): ScsiCommand {
  return buildGetPerformanceRaw(PERFORMANCE_TYPE.WRITE_SPEED, 0, 0, maxDescriptors, 16);
}

export interface NominalPerformance {
  startLba: number;
  /** kB/s (1000 bytes a second). */
  startPerformance: number;
  endLba: number;
  endPerformance: number;
}

export interface PerformanceException {
  lba: number;
  /** Expected delay in units of 100 µs. */
  time: number;
}

export interface Performance {
  /** Bytes after the length field the drive has: (dataLength - 4) / descriptor size descriptors in all. */
  dataLength: number;
  write: boolean;
  except: number;
  nominal: NominalPerformance[];
  exceptions: PerformanceException[];
  truncated: boolean;
}

// MMC-6 Performance response header: bytes 0-3 performance data length, byte 4 Write (1) Except (0); nominal
// descriptors (16 bytes): start LBA, start performance, end LBA, end performance; exception descriptors (6 bytes):
// LBA, time.
export function parsePerformance(data: Uint8Array): Performance {
  requireLength("GET PERFORMANCE", data, 8, "the performance header");
  const dataLength = getUint32(data, 0);
  const end = Math.min(data.length, dataLength + 4);
  const except = data[4] & 0x01;
  const size = except ? 6 : 16;
  const nominal: NominalPerformance[] = [];
  const exceptions: PerformanceException[] = [];
  let o = 8;
  for (; o + size <= end; o += size) {
    if (except) exceptions.push({ lba: getUint32(data, o), time: getUint16(data, o + 4) });
    else
      nominal.push({
        startLba: getUint32(data, o),
        startPerformance: getUint32(data, o + 4),
        endLba: getUint32(data, o + 8),
        endPerformance: getUint32(data, o + 12),
      });
  }
  return {
    dataLength,
    write: (data[4] & 0x02) !== 0,
    except,
    nominal,
    exceptions,
    truncated: data.length < dataLength + 4,
  };
}

export interface WriteSpeed {
  /** Write Rotation Control: 0 CLV, 1 CAV. */
  writeRotationControl: number;
  /** RDD: the drive restores these defaults when RDD is set in SET STREAMING. */
  restoreDefaults: boolean;
  exact: boolean;
  /** MRW: the descriptor is valid for mixed read/write. */
  mixedReadWrite: boolean;
  endLba: number;
  /** kB/s (1000 bytes a second). */
  readSpeed: number;
  writeSpeed: number;
}

export interface WriteSpeeds {
  dataLength: number;
  speeds: WriteSpeed[];
  truncated: boolean;
}

// MMC-6 Write Speed descriptor (GET PERFORMANCE type 03h, 16 bytes): byte 0 WRC (4-3) RDD (2) Exact (1) MRW (0),
// bytes 4-7 end LBA, 8-11 read speed, 12-15 write speed.
export function parseWriteSpeeds(data: Uint8Array): WriteSpeeds {
  requireLength("GET PERFORMANCE", data, 8, "the performance header");
  const dataLength = getUint32(data, 0);
  const end = Math.min(data.length, dataLength + 4);
  const speeds: WriteSpeed[] = [];
  for (let o = 8; o + 16 <= end; o += 16) {
    speeds.push({
      writeRotationControl: (data[o] >> 3) & 3,
      restoreDefaults: (data[o] & 4) !== 0,
      exact: (data[o] & 2) !== 0,
      mixedReadWrite: (data[o] & 1) !== 0,
      endLba: getUint32(data, o + 4),
      readSpeed: getUint32(data, o + 8),
      writeSpeed: getUint32(data, o + 12),
    });
  }
  return { dataLength, speeds, truncated: data.length < dataLength + 4 };
}

/** A GET PERFORMANCE type 03h answer (what a software recorder returns). `total` is how many descriptors the drive
 * has (the data length counts them all), `speeds` the ones sent. */
export function encodeWriteSpeeds(speeds: readonly WriteSpeed[], total = speeds.length): Uint8Array {
  const out = new Uint8Array(8 + 16 * speeds.length);
  setUint32(out, 0, 4 + 16 * total);
  speeds.forEach((s, i) => {
    const o = 8 + i * 16;
    out[o] =
      ((s.writeRotationControl & 3) << 3) |
      (s.restoreDefaults ? 4 : 0) |
      (s.exact ? 2 : 0) |
      (s.mixedReadWrite ? 1 : 0);
    setUint32(out, o + 4, s.endLba);
    setUint32(out, o + 8, s.readSpeed);
    setUint32(out, o + 12, s.writeSpeed);
  });
  return out;
}

/** A GET PERFORMANCE type 00h answer with nominal descriptors (Except 0). */
export function encodeNominalPerformance(
  nominal: readonly NominalPerformance[],
  write: boolean,
  total = nominal.length,
): Uint8Array {
  const out = new Uint8Array(8 + 16 * nominal.length);
  setUint32(out, 0, 4 + 16 * total);
  out[4] = write ? 0x02 : 0;
  nominal.forEach((n, i) => {
    const o = 8 + i * 16;
    setUint32(out, o, n.startLba);
    setUint32(out, o + 4, n.startPerformance);
    setUint32(out, o + 8, n.endLba);
    setUint32(out, o + 12, n.endPerformance);
  });
  return out;
}
