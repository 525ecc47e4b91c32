// MMC-6 MSF addresses (minute, second, frame at 75 frames a second) and LBAs: LBA = (M*60 + S)*75 + F - 150 in the
// program area; M >= 90 addresses the lead-in (negative LBAs), LBA = (M*60 + S)*75 + F - 450150.

export interface Msf {
  minute: number;
  second: number;
  frame: number;
}

export function msfToLba(m: Msf): number {
  const frames = (m.minute * 60 + m.second) * 75 + m.frame;
  return m.minute >= 90 ? frames - 450150 : frames - 150;
}

export function lbaToMsf(lba: number): Msf {
  const v = lba >= -150 ? lba + 150 : lba + 450150;
  return { minute: Math.floor(v / 4500), second: Math.floor(v / 75) % 60, frame: v % 75 };
}

/** A 4-byte address field in MSF form (byte 0 reserved, then M, S, F). */
export function msfFieldToLba(b: Uint8Array, offset: number): number {
  return msfToLba({ minute: b[offset + 1], second: b[offset + 2], frame: b[offset + 3] });
}
