// Where an ISO 9660 session keeps its directory structures: the path tables of every volume descriptor and the
// directory extents they list (ECMA-119 9.4, 6.8.1). Used to check that a head rewrite overwrites nothing.
import { decodeDirectoryRecord } from "../ecma119/directoryRecord.js";
import { decodePathTable } from "../ecma119/pathTable.js";
import { decodeVolumeDescriptor, volumeDescriptorType } from "../ecma119/volumeDescriptor.js";
import { BLOCK_SIZE, type BlockSource } from "./blockSource.js";

/** [lba, blocks, what] for the path tables and directory extents of every PVD/SVD of the session. */
export async function readPathTableExtents(
  source: BlockSource,
  sessionStart = 0,
): Promise<Array<[number, number, string]>> {
  const out: Array<[number, number, string]> = [];
  for (let lba = sessionStart + 16; lba < sessionStart + 32 && lba < source.blockCount; lba++) {
    const block = await source.read(lba, 1);
    const type = volumeDescriptorType(block);
    if (type === null || type === 255) break;
    if (type !== 1 && type !== 2) continue;
    const vd = decodeVolumeDescriptor(block);
    const ptBlocks = Math.ceil(vd.pathTableSize / BLOCK_SIZE);
    if (ptBlocks === 0 || ptBlocks > 4096) continue;
    const kind = type === 1 ? "ISO 9660" : "supplementary";
    out.push([vd.typeLPathTable, ptBlocks, `the ${kind} type L path table`]);
    out.push([vd.typeMPathTable, ptBlocks, `the ${kind} type M path table`]);
    if (vd.typeLPathTable + ptBlocks > source.blockCount) continue;
    const table = await source.read(vd.typeLPathTable, ptBlocks);
    for (const r of decodePathTable(table, vd.pathTableSize, "L")) {
      if (r.extentLocation >= source.blockCount) continue;
      const first = await source.read(r.extentLocation, 1);
      const dot = first[0] >= 34 ? decodeDirectoryRecord(first, 0) : null;
      out.push([
        r.extentLocation,
        Math.max(1, Math.ceil((dot?.dataLength ?? BLOCK_SIZE) / BLOCK_SIZE)),
        `a ${kind} directory`,
      ]);
    }
  }
  return out;
}
