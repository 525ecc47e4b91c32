import { getUint16, MalformedResponseError, requireLength, setUint16 } from "./bytes.js";
import { MODE_PAGE } from "./modeParameters.js";

/** Speeds are in kB/s (1000 bytes a second): 176.4 is CD 1x, 1385 DVD 1x, 4495.5 BD 1x. */
export interface WriteSpeedDescriptor {
  /** 0 CLV, 1 CAV (rotation control of this speed). */
  rotationControl: number;
  speed: number;
}

export interface CapabilitiesPage {
  pageLength: number;
  read: { cdR: boolean; cdRw: boolean; method2: boolean; dvdRom: boolean; dvdR: boolean; dvdRam: boolean };
  write: { cdR: boolean; cdRw: boolean; testWrite: boolean; dvdR: boolean; dvdRam: boolean };
  /** BUF: buffer underrun free recording. */
  bufferUnderrunFree: boolean;
  multiSession: boolean;
  mode2Form2: boolean;
  mode2Form1: boolean;
  digitalPort2: boolean;
  digitalPort1: boolean;
  composite: boolean;
  audioPlay: boolean;
  readBarCode: boolean;
  upc: boolean;
  isrc: boolean;
  c2Pointers: boolean;
  rwDeinterleavedCorrected: boolean;
  rwSupported: boolean;
  cddaStreamAccurate: boolean;
  cddaCommands: boolean;
  /** LOADING_MECHANISM. */
  loadingMechanism: number;
  eject: boolean;
  preventJumper: boolean;
  lockState: boolean;
  lock: boolean;
  rwInLeadIn: boolean;
  sideChangeCapable: boolean;
  softwareSlotSelection: boolean;
  changerSupportsDiscPresent: boolean;
  separateChannelMute: boolean;
  separateVolumeLevels: boolean;
  /** Obsolete in MMC-3 and later; drives still fill it in. */
  maxReadSpeed: number;
  volumeLevels: number;
  /** Buffer size in KiB (1024 bytes). */
  bufferSize: number;
  currentReadSpeed: number;
  /** Fields of longer pages: absent when the page ends before them (MMC-1/2 drives). */
  maxWriteSpeed?: number;
  currentWriteSpeed?: number;
  copyManagementRevision?: number;
  rotationControlSelected?: number;
  currentWriteSpeedSelected?: number;
  writeSpeeds: WriteSpeedDescriptor[];
}

// MMC-6 CD/DVD Capabilities and Mechanical Status mode page (2Ah): byte 2 read bits (DVD-RAM 5, DVD-R 4, DVD-ROM 3,
// Method 2 2, CD-RW 1, CD-R 0), byte 3 write bits (DVD-RAM 5, DVD-R 4, Test Write 2, CD-RW 1, CD-R 0), byte 4 BUF
// (7) Multi Session (6) …, byte 5 CD-DA bits, byte 6 loading mechanism (7-5) Eject (3) Prevent Jumper (2) Lock State
// (1) Lock (0), byte 7 changer bits, 8-9 max read speed, 10-11 volume levels, 12-13 buffer size, 14-15 current read
// speed, 18-19 max write speed, 20-21 current write speed, 22-23 copy management revision, 27 rotation control
// selected, 28-29 current write speed selected, 30-31 number of write speed descriptors, then 4-byte descriptors
// (byte 1 rotation control, bytes 2-3 write speed).
export function parseCapabilitiesPage(page: Uint8Array): CapabilitiesPage {
  requireLength("MODE SENSE(10) page 2Ah", page, 2, "the page header");
  if ((page[0] & 0x3f) !== MODE_PAGE.CD_DVD_CAPABILITIES) {
    throw new MalformedResponseError("MODE SENSE(10)", `page 0x${(page[0] & 0x3f).toString(16)} is not page 2Ah`);
  }
  requireLength("MODE SENSE(10) page 2Ah", page, 16, "the capability bits and buffer size");
  const end = Math.min(page.length, page[1] + 2);
  const u16 = (o: number) => (o + 2 <= end ? getUint16(page, o) : undefined);
  const writeSpeeds: WriteSpeedDescriptor[] = [];
  const count = u16(30) ?? 0;
  for (let i = 0, o = 32; i < count && o + 4 <= end; i++, o += 4) {
    writeSpeeds.push({ rotationControl: page[o + 1] & 0x07, speed: getUint16(page, o + 2) });
  }
  const result: CapabilitiesPage = {
    pageLength: page[1],
    read: {
      dvdRam: (page[2] & 0x20) !== 0,
      dvdR: (page[2] & 0x10) !== 0,
      dvdRom: (page[2] & 0x08) !== 0,
      method2: (page[2] & 0x04) !== 0,
      cdRw: (page[2] & 0x02) !== 0,
      cdR: (page[2] & 0x01) !== 0,
    },
    write: {
      dvdRam: (page[3] & 0x20) !== 0,
      dvdR: (page[3] & 0x10) !== 0,
      testWrite: (page[3] & 0x04) !== 0,
      cdRw: (page[3] & 0x02) !== 0,
      cdR: (page[3] & 0x01) !== 0,
    },
    bufferUnderrunFree: (page[4] & 0x80) !== 0,
    multiSession: (page[4] & 0x40) !== 0,
    mode2Form2: (page[4] & 0x20) !== 0,
    mode2Form1: (page[4] & 0x10) !== 0,
    digitalPort2: (page[4] & 0x08) !== 0,
    digitalPort1: (page[4] & 0x04) !== 0,
    composite: (page[4] & 0x02) !== 0,
    audioPlay: (page[4] & 0x01) !== 0,
    readBarCode: (page[5] & 0x80) !== 0,
    upc: (page[5] & 0x40) !== 0,
    isrc: (page[5] & 0x20) !== 0,
    c2Pointers: (page[5] & 0x10) !== 0,
    rwDeinterleavedCorrected: (page[5] & 0x08) !== 0,
    rwSupported: (page[5] & 0x04) !== 0,
    cddaStreamAccurate: (page[5] & 0x02) !== 0,
    cddaCommands: (page[5] & 0x01) !== 0,
    loadingMechanism: page[6] >> 5,
    eject: (page[6] & 0x08) !== 0,
    preventJumper: (page[6] & 0x04) !== 0,
    lockState: (page[6] & 0x02) !== 0,
    lock: (page[6] & 0x01) !== 0,
    rwInLeadIn: (page[7] & 0x20) !== 0,
    sideChangeCapable: (page[7] & 0x10) !== 0,
    softwareSlotSelection: (page[7] & 0x08) !== 0,
    changerSupportsDiscPresent: (page[7] & 0x04) !== 0,
    separateChannelMute: (page[7] & 0x02) !== 0,
    separateVolumeLevels: (page[7] & 0x01) !== 0,
    maxReadSpeed: getUint16(page, 8),
    volumeLevels: getUint16(page, 10),
    bufferSize: getUint16(page, 12),
    currentReadSpeed: getUint16(page, 14),
    writeSpeeds,
  };
  const optional = {
    maxWriteSpeed: u16(18),
    currentWriteSpeed: u16(20),
    copyManagementRevision: u16(22),
    rotationControlSelected: 28 <= end ? page[27] & 0x03 : undefined,
    currentWriteSpeedSelected: u16(28),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(result, { [k]: v });
  return result;
}

/** Page 2Ah as a drive returns it (what a software recorder answers): the MMC-6 layout up to byte 31 and one write
 * speed descriptor per entry of `writeSpeeds`; absent optional speeds are sent as 0. */
export function encodeCapabilitiesPage(c: Omit<CapabilitiesPage, "pageLength">): Uint8Array {
  const out = new Uint8Array(32 + 4 * c.writeSpeeds.length);
  const bit = (v: boolean, mask: number) => (v ? mask : 0);
  out[0] = MODE_PAGE.CD_DVD_CAPABILITIES;
  out[1] = out.length - 2;
  out[2] =
    bit(c.read.dvdRam, 0x20) |
    bit(c.read.dvdR, 0x10) |
    bit(c.read.dvdRom, 0x08) |
    bit(c.read.method2, 0x04) |
    bit(c.read.cdRw, 0x02) |
    bit(c.read.cdR, 0x01);
  out[3] =
    bit(c.write.dvdRam, 0x20) |
    bit(c.write.dvdR, 0x10) |
    bit(c.write.testWrite, 0x04) |
    bit(c.write.cdRw, 0x02) |
    bit(c.write.cdR, 0x01);
  out[4] =
    bit(c.bufferUnderrunFree, 0x80) |
    bit(c.multiSession, 0x40) |
    bit(c.mode2Form2, 0x20) |
    bit(c.mode2Form1, 0x10) |
    bit(c.digitalPort2, 0x08) |
    bit(c.digitalPort1, 0x04) |
    bit(c.composite, 0x02) |
    bit(c.audioPlay, 0x01);
  out[5] =
    bit(c.readBarCode, 0x80) |
    bit(c.upc, 0x40) |
    bit(c.isrc, 0x20) |
    bit(c.c2Pointers, 0x10) |
    bit(c.rwDeinterleavedCorrected, 0x08) |
    bit(c.rwSupported, 0x04) |
    bit(c.cddaStreamAccurate, 0x02) |
    bit(c.cddaCommands, 0x01);
  out[6] =
    ((c.loadingMechanism & 7) << 5) |
    bit(c.eject, 0x08) |
    bit(c.preventJumper, 0x04) |
    bit(c.lockState, 0x02) |
    bit(c.lock, 0x01);
  out[7] =
    bit(c.rwInLeadIn, 0x20) |
    bit(c.sideChangeCapable, 0x10) |
    bit(c.softwareSlotSelection, 0x08) |
    bit(c.changerSupportsDiscPresent, 0x04) |
    bit(c.separateChannelMute, 0x02) |
    bit(c.separateVolumeLevels, 0x01);
  setUint16(out, 8, c.maxReadSpeed);
  setUint16(out, 10, c.volumeLevels);
  setUint16(out, 12, c.bufferSize);
  setUint16(out, 14, c.currentReadSpeed);
  setUint16(out, 18, c.maxWriteSpeed ?? 0);
  setUint16(out, 20, c.currentWriteSpeed ?? 0);
  setUint16(out, 22, c.copyManagementRevision ?? 0);
  out[27] = (c.rotationControlSelected ?? 0) & 0x03;
  setUint16(out, 28, c.currentWriteSpeedSelected ?? 0);
  setUint16(out, 30, c.writeSpeeds.length);
  c.writeSpeeds.forEach((w, i) => {
    out[33 + i * 4] = w.rotationControl & 0x07;
    setUint16(out, 34 + i * 4, w.speed);
  });
  return out;
}
