// A Master Boot Record in the ISO system area, as isohybrid and xorriso write it, so that the image also boots
// as a hard disk: boot code (from syslinux's isohdpfx.bin), the El Torito boot image's 512-byte block at 432,
// a disk signature at 440, four partition entries at 446 and the 55 AA signature at 510.
import { readU32LE, writeU32LE } from "../encoding/bothEndian.js";
import { DecodeError } from "../errors.js";

export interface MbrPartition {
  bootable: boolean;
  type: number;
  /** First 512-byte sector and number of sectors. */
  start: number;
  sectors: number;
}

export const MBR_BOOT_CODE_BYTES = 432;
/** isohybrid's geometry: 64 heads, 32 sectors per track (cylinders of 1 MiB). */
export const HEADS = 64;
export const SECTORS_PER_TRACK = 32;

/** CHS address of an LBA for the partition table; 0xFE 0xFF 0xFF past the last cylinder CHS can express. */
export function chs(lba: number): [number, number, number] {
  const cylinder = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  if (cylinder > 1023) return [0xfe, 0xff, 0xff];
  const head = Math.floor(lba / SECTORS_PER_TRACK) % HEADS;
  const sector = (lba % SECTORS_PER_TRACK) + 1;
  return [head, ((cylinder >> 2) & 0xc0) | sector, cylinder & 0xff];
}

export function encodeMbr(opts: {
  bootCode: Uint8Array;
  /** 512-byte block of the BIOS boot image (isohdpfx.bin loads it from there). */
  bootImageBlock512: number;
  diskSignature: number;
  partitions: readonly MbrPartition[];
}): Uint8Array {
  const b = new Uint8Array(512);
  b.set(opts.bootCode.subarray(0, MBR_BOOT_CODE_BYTES));
  writeU32LE(b, 432, opts.bootImageBlock512); // read by the isohybrid boot code
  writeU32LE(b, 436, 0);
  writeU32LE(b, 440, opts.diskSignature); // disk signature
  opts.partitions.slice(0, 4).forEach((p, i) => {
    const o = 446 + 16 * i;
    const end = p.start + p.sectors - 1;
    b[o] = p.bootable ? 0x80 : 0x00;
    b.set(p.start === 0 ? [0, 1, 0] : chs(p.start), o + 1);
    b[o + 4] = p.type;
    b.set(chs(end), o + 5);
    writeU32LE(b, o + 8, p.start);
    writeU32LE(b, o + 12, p.sectors);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

export function decodeMbrPartitions(b: Uint8Array): MbrPartition[] {
  if (b[510] !== 0x55 || b[511] !== 0xaa) throw new DecodeError("no MBR signature (55 AA) at offset 510");
  const out: MbrPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const o = 446 + 16 * i;
    const sectors = readU32LE(b, o + 12);
    if (sectors === 0) continue;
    out.push({ bootable: b[o] === 0x80, type: b[o + 4], start: readU32LE(b, o + 8), sectors });
  }
  return out;
}
