import { getUint32, requireLength, setUint16, setUint32 } from "./bytes.js";
import { makeCommand, OPCODE, type ScsiCommand } from "./cdb.js";

/** Performance Descriptor of SET STREAMING type 0: the speed the host wants over an LBA range. */
export interface PerformanceDescriptor {
  /** Write Rotation Control (bits 4-3): 0 CLV/default, 1 CAV. */
  writeRotationControl: number;
  /** RDD: restore the drive's default performance (the other fields are ignored). */
  restoreDefaults: boolean;
  /** Exact: the drive must use exactly these values or fail. */
  exact: boolean;
  /** RA: random access (the host will not stream). */
  randomAccess: boolean;
  startLba: number;
  endLba: number;
  /** Read Size in kilobytes per Read Time in milliseconds is the read speed; likewise for writing. */
  readSize: number;
  readTime: number;
  writeSize: number;
  writeTime: number;
}

/** Kilobytes per second over one second: the form growisofs and libburn use. */
export function performanceDescriptorForSpeed(options: {
  endLba: number;
  startLba?: number;
  readKBps: number;
  writeKBps: number;
  exact?: boolean;
}): PerformanceDescriptor {
  return {
    writeRotationControl: 0,
    restoreDefaults: false,
    exact: options.exact ?? false,
    randomAccess: false,
    startLba: options.startLba ?? 0,
    endLba: options.endLba,
    readSize: options.readKBps,
    readTime: 1000,
    writeSize: options.writeKBps,
    writeTime: 1000,
  };
}

// MMC-6 Performance Descriptor (SET STREAMING type 00h): byte 0 WRC (4-3) RDD (2) Exact (1) RA (0), bytes 4-7 start
// LBA, 8-11 end LBA, 12-15 read size (KB), 16-19 read time (ms), 20-23 write size (KB), 24-27 write time (ms).
export function encodePerformanceDescriptor(d: PerformanceDescriptor): Uint8Array {
  const out = new Uint8Array(28);
  out[0] =
    ((d.writeRotationControl & 3) << 3) | (d.restoreDefaults ? 4 : 0) | (d.exact ? 2 : 0) | (d.randomAccess ? 1 : 0);
  setUint32(out, 4, d.startLba);
  setUint32(out, 8, d.endLba);
  setUint32(out, 12, d.readSize);
  setUint32(out, 16, d.readTime);
  setUint32(out, 20, d.writeSize);
  setUint32(out, 24, d.writeTime);
  return out;
}

export function decodePerformanceDescriptor(data: Uint8Array): PerformanceDescriptor {
  requireLength("SET STREAMING", data, 28, "a performance descriptor");
  return {
    writeRotationControl: (data[0] >> 3) & 3,
    restoreDefaults: (data[0] & 4) !== 0,
    exact: (data[0] & 2) !== 0,
    randomAccess: (data[0] & 1) !== 0,
    startLba: getUint32(data, 4),
    endLba: getUint32(data, 8),
    readSize: getUint32(data, 12),
    readTime: getUint32(data, 16),
    writeSize: getUint32(data, 20),
    writeTime: getUint32(data, 24),
  };
}

// MMC-6 SET STREAMING (B6h): byte 8 type (00h performance descriptor), bytes 9-10 parameter list length.
export function buildSetStreaming(descriptor: PerformanceDescriptor): ScsiCommand {
  const data = encodePerformanceDescriptor(descriptor);
  return makeCommand(
    OPCODE.SET_STREAMING,
    12,
    "out",
    data.length,
    (cdb) => {
      cdb[8] = 0x00;
      setUint16(cdb, 9, data.length);
    },
    data,
  );
}
