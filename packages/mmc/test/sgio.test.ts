// The real thing: a Debian kernel under QEMU (tools/qemu/harness.mjs) with QEMU's emulated drives, Node and the
// built discburn inside, SCSI commands through real SG_IO ioctls (koffi in a worker thread), the sr and sg drivers,
// virtio-scsi and libata (ATAPI) in between. Drives: a SCSI CD/DVD-ROM holding an ISO image made by xorriso, an
// ATAPI drive holding the same image, and an empty SCSI drive.
//
// Needs `npx tsc -b packages/fsimage packages/mmc packages/cli` first (the guest runs the built dist).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGuest } from "../../../tools/qemu/harness.mjs";
import { requireTool, run } from "../../fsimage/test/oracles/tools.js";
import {
  buildRead10,
  buildTestUnitReady,
  DeviceError,
  decodeSgIoHeader,
  deviceErrorFromErrno,
  encodeSgIoHeader,
  LinuxSgIoTransport,
  normalizeCommand,
  SG_IO_HDR,
  sgIoLayout,
  toHex,
} from "../src/index.js";
import { discburnFiles, GUEST_ROOT, hostTree, IMPORT_SCRIPT, requireFrom, sections } from "./guest.js";

const GUEST_TIMEOUT = 240_000;
const VOLUME_ID = "DISCBURN_SGIO";

let work: string;
let image: string;
let source: string;
let imageBlocks: number;

beforeAll(async () => {
  requireFrom("qemu-system-x86_64", "qemu-system-x86");
  requireFrom("xz", "xz-utils");
  requireFrom("/bin/busybox", "busybox-static");
  const xorriso = requireTool("xorriso");
  work = mkdtempSync(join(tmpdir(), "discburn-sgio-"));
  source = join(work, "src");
  mkdirSync(join(source, "docs/deep"), { recursive: true });
  writeFileSync(join(source, "README.txt"), "read through SG_IO\n");
  writeFileSync(join(source, "docs/manual.txt"), "x".repeat(5000));
  writeFileSync(join(source, "docs/deep/data.bin"), Buffer.from(Array.from({ length: 70000 }, (_, i) => i % 251)));
  image = join(work, "disc.iso");
  await run(xorriso, ["-as", "mkisofs", "-R", "-J", "-V", VOLUME_ID, "-o", image, source]);
  imageBlocks = statSync(image).size / 2048;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const PROBE = `
import { LinuxSgIoTransport, buildInquiry, parseInquiry, buildRead10, checkResult } from "${GUEST_ROOT}/packages/mmc/dist/index.js";
const t = await LinuxSgIoTransport.open(process.argv[2]);
const inq = checkResult(buildInquiry(), await t.execute(buildInquiry(), { timeoutMs: 10000 }));
const read = buildRead10({ lba: 16, blocks: 1 });
const r = checkResult(read, await t.execute(read, { timeoutMs: 10000 }));
const pvd = r.data;
console.log(JSON.stringify({
  readOnly: t.readOnly,
  inquiry: parseInquiry(inq.data),
  pvdType: pvd[0],
  pvdId: Buffer.from(pvd.subarray(1, 6)).toString("latin1"),
  volumeId: Buffer.from(pvd.subarray(40, 72)).toString("latin1").trim(),
  readBytes: pvd.length, residual: r.residual, durationMs: r.durationMs,
}));
await t.close();
`;

describe("sg_io_hdr (sg.h) and errno, on the host", () => {
  it("field offsets follow C natural alignment on LP64; 88 bytes in all", () => {
    // linux/include/uapi/scsi/sg.h member order with their LP64 sizes.
    const members: [keyof typeof SG_IO_HDR, number][] = [
      ["interfaceId", 4],
      ["dxferDirection", 4],
      ["cmdLen", 1],
      ["mxSbLen", 1],
      ["iovecCount", 2],
      ["dxferLen", 4],
      ["dxferp", 8],
      ["cmdp", 8],
      ["sbp", 8],
      ["timeout", 4],
      ["flags", 4],
      ["packId", 4],
      ["usrPtr", 8],
      ["status", 1],
      ["maskedStatus", 1],
      ["msgStatus", 1],
      ["sbLenWr", 1],
      ["hostStatus", 2],
      ["driverStatus", 2],
      ["resid", 4],
      ["duration", 4],
      ["info", 4],
    ];
    let offset = 0;
    for (const [name, size] of members) {
      offset = Math.ceil(offset / size) * size;
      expect(SG_IO_HDR[name], name).toBe(offset);
      offset += size;
    }
    expect(SG_IO_HDR.size).toBe(Math.ceil(offset / 8) * 8);
  });

  it("encodes READ(10) and decodes the kernel's output fields", () => {
    const cmd = normalizeCommand(buildRead10({ lba: 16, blocks: 1 }));
    const layout = sgIoLayout(cmd.transferLength);
    const mem = new Uint8Array(layout.byteLength);
    encodeSgIoHeader(mem, cmd, 30_000);
    // interface_id 'S', dxfer_direction SG_DXFER_FROM_DEV (-3), cmd_len 10, mx_sb_len 96, dxfer_len 2048.
    expect(toHex(mem.subarray(0, 16))).toBe("53 00 00 00 fd ff ff ff 0a 60 00 00 00 08 00 00");
    expect(toHex(mem.subarray(40, 48))).toBe("30 75 00 00 00 00 00 00");
    expect(toHex(mem.subarray(layout.cdbOffset, layout.cdbOffset + 10))).toBe("28 00 00 00 00 10 00 00 01 00");
    const none = new Uint8Array(sgIoLayout(0).byteLength);
    encodeSgIoHeader(none, normalizeCommand(buildTestUnitReady()), 1000);
    expect(new DataView(none.buffer).getInt32(4, true)).toBe(-1);
    mem.set([0x02, 0x01, 0, 18, 0x07, 0x00, 0x08, 0x00, 0x00, 0x08, 0, 0, 5, 0, 0, 0], 64);
    expect(decodeSgIoHeader(mem)).toEqual({
      status: 2,
      maskedStatus: 1,
      sbLenWr: 18,
      hostStatus: 7,
      driverStatus: 8,
      resid: 2048,
      duration: 5,
      info: 0,
    });
  });

  it("errno values become errors with advice", () => {
    expect(deviceErrorFromErrno("EACCES", "/dev/sr0", "open").message).toBe(
      "permission denied on /dev/sr0: add yourself to the cdrom group (sudo usermod -aG cdrom $USER) and log in again",
    );
    expect(deviceErrorFromErrno("EBUSY", "/dev/sr0", "open").message).toBe(
      "drive in use by another program (close it, or find it with fuser -v /dev/sr0)",
    );
    expect(deviceErrorFromErrno("ENOMEDIUM", "/dev/sr0", "open").kind).toBe("no-medium");
    expect(deviceErrorFromErrno("ENOENT", "/dev/sr7", "open").message).toMatch(/no such device/);
    expect(deviceErrorFromErrno("EINVAL", "/dev/sda", "open").message).toMatch(/not a SCSI\/MMC device/);
  });

  it("a real ioctl through koffi in the worker keeps errno: ENOTTY on /dev/null, ENOENT for a missing path", async () => {
    const e = await LinuxSgIoTransport.open("/dev/null").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e).toMatchObject({ kind: "not-mmc", code: "ENOTTY" });
    await expect(LinuxSgIoTransport.open("/dev/discburn-no-such-drive")).rejects.toMatchObject({
      kind: "no-device",
      code: "ENOENT",
    });
  });
});

describe("SG_IO in a real kernel (QEMU)", () => {
  it("INQUIRY and READ(10) of the PVD through /dev/sr0 and /dev/sg0", async () => {
    const r = await runGuest({
      drives: [{ file: image, kind: "scsi-cd" }],
      files: [...discburnFiles(), { path: "/opt/probe.mjs", data: PROBE }],
      memoryMb: 1024,
      timeoutMs: GUEST_TIMEOUT,
      script: `node /opt/probe.mjs "$DISC0" && node /opt/probe.mjs "$DISC0_SG"`,
    });
    expect(r.stderr, r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const p of lines) {
      expect(p.inquiry.vendor).toBe("QEMU");
      expect(p.inquiry.product).toBe("QEMU CD-ROM");
      expect(p.inquiry.peripheralDeviceType).toBe(5);
      expect(p.pvdType).toBe(1);
      expect(p.pvdId).toBe("CD001");
      expect(p.volumeId).toBe(VOLUME_ID);
      expect(p.readBytes).toBe(2048);
      expect(p.residual).toBe(0);
    }
  });

  it("discburn drives / info / eject / load and an import of the last session, on SCSI, ATAPI and empty drives", async () => {
    const B = `node ${GUEST_ROOT}/packages/cli/dist/bin.js`;
    const step = (name: string, cmd: string) => `echo "@@${name}"; ${cmd} 2>&1; echo "@@exit $?"`;
    const r = await runGuest({
      drives: [{ file: image, kind: "scsi-cd" }, { file: image, kind: "ide-cd" }, { kind: "empty-scsi-cd" }],
      files: [...discburnFiles(), { path: "/opt/import.mjs", data: IMPORT_SCRIPT }],
      memoryMb: 1024,
      timeoutMs: GUEST_TIMEOUT,
      script: [
        'echo "@@devices"; echo "$DISC0 $DISC0_SG $DISC1 $DISC1_SG $DISC2 $DISC2_SG"; echo "@@exit 0"',
        step("drives", `${B} drives --json`),
        step("info0", `${B} info --drive "$DISC0" --json`),
        step("info1", `${B} info --drive "$DISC1" --json`),
        step("info2", `${B} info --drive "$DISC2" --json`),
        step("info0text", `${B} info --drive "$DISC0"`),
        step("import0", `node /opt/import.mjs "$DISC0"`),
        step("import1sg", `node /opt/import.mjs "$DISC1_SG"`),
        step("eject0", `${B} eject --drive "$DISC0"`),
        step("info0ejected", `${B} info --drive "$DISC0" --json`),
        step("load0", `${B} load --drive "$DISC0"`),
        step("info0loaded", `${B} info --drive "$DISC0" --json`),
        step("nodevice", `${B} info --drive /dev/sr9`),
        step("notmmc", `${B} info --drive /dev/null`),
      ].join("\n"),
    });
    if (process.env.DISCBURN_SGIO_DUMP) writeFileSync(process.env.DISCBURN_SGIO_DUMP, r.stdout);
    const s = sections(r.stdout);
    const show = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.exitCode, show).toBe(0);
    const [sr0, sg0, sr1, sg1, sr2] = s.get("devices")!.text.trim().split(" ");

    // discburn drives: all three, with QEMU's identity; media of the loaded ones, "no medium" for the empty one.
    expect(s.get("drives")!.exit, show).toBe(0);
    const drives = JSON.parse(s.get("drives")!.text).drives as {
      path: string;
      sgPath: string | null;
      vendor: string;
      product: string;
      identitySource: string;
      media: { present: boolean; profileName: string; status: string; readableBlocks: number } | null;
    }[];
    expect(drives.map((d) => d.path).sort()).toEqual([sr0, sr1, sr2].sort());
    const byPath = new Map(drives.map((d) => [d.path, d]));
    for (const path of [sr0, sr1, sr2]) {
      const d = byPath.get(path)!;
      expect(d.vendor).toBe("QEMU");
      expect(d.product, path).toMatch(/^QEMU (CD-ROM|DVD-ROM)$/);
      expect(d.identitySource).toBe("inquiry");
      expect(d.media).not.toBeNull();
    }
    expect(byPath.get(sr0)!.sgPath).toBe(sg0);
    expect(byPath.get(sr1)!.sgPath).toBe(sg1);
    expect(byPath.get(sr2)?.media?.present).toBe(false);
    for (const path of [sr0, sr1]) {
      expect(byPath.get(path)!.media).toMatchObject({ present: true, status: "complete", readableBlocks: imageBlocks });
    }

    // discburn info: profile, one complete session, capacity = the image's blocks, nothing writable.
    for (const name of ["info0", "info1"]) {
      expect(s.get(name)!.exit, show).toBe(0);
      const info = JSON.parse(s.get(name)!.text);
      expect(info.identity.vendor).toBe("QEMU");
      expect(info.media.present).toBe(true);
      expect(["CD-ROM", "DVD-ROM"]).toContain(info.media.profileName);
      expect(info.media.status).toBe("complete");
      expect(info.media.sessions).toHaveLength(1);
      expect(info.media.sessions[0]).toMatchObject({ number: 1, start: 0, end: imageBlocks, complete: true });
      expect(info.media.tracks).toHaveLength(1);
      expect(info.media.tracks[0]).toMatchObject({ number: 1, session: 1, start: 0, size: imageBlocks, isData: true });
      expect(info.media.lastSessionStart).toBe(0);
      expect(info.media.nextWritableAddress).toBeNull();
      expect(info.media.freeBlocks).toBe(0);
      expect(info.media.readableBlocks).toBe(imageBlocks);
      expect(info.media.totalBlocks).toBe(imageBlocks);
      expect(info.media.blockLength).toBe(2048);
      expect(info.capabilities.writableProfiles).toEqual([]);
    }
    const empty = JSON.parse(s.get("info2")!.text);
    expect(s.get("info2")!.exit).toBe(0);
    expect(empty.media).toMatchObject({ present: false, profile: 0, status: null, sessions: [] });
    expect(s.get("info0text")!.text).toMatch(/Medium: +(CD|DVD)-ROM, complete/);
    expect(s.get("info0text")!.text).toMatch(new RegExp(`^ +1 +1 +data +0 +${imageBlocks} +recorded$`, "m"));

    // Importing the last session through the Drive gives the source tree, byte for byte.
    const expected = hostTree(source);
    for (const name of ["import0", "import1sg"]) {
      expect(s.get(name)!.exit, show).toBe(0);
      const imported = JSON.parse(s.get(name)!.text);
      expect(imported.fileSystem).toBe("rockridge");
      expect(imported.lastSessionStart).toBe(0);
      expect(imported.blockCount).toBe(imageBlocks);
      expect(imported.tree).toEqual(expected);
    }

    // Eject opens the tray (no medium), load closes it again (UNIT ATTENTION retried), the disc is back.
    expect(s.get("eject0")!.exit, show).toBe(0);
    expect(JSON.parse(s.get("info0ejected")!.text).media.present).toBe(false);
    expect(s.get("load0")!.exit, show).toBe(0);
    expect(JSON.parse(s.get("info0loaded")!.text).media).toMatchObject({ present: true, readableBlocks: imageBlocks });

    // Helpful errors with the device exit code.
    expect(s.get("nodevice")).toEqual({ text: expect.stringMatching(/no such device/), exit: 6 });
    expect(s.get("notmmc")).toEqual({ text: expect.stringMatching(/not a SCSI\/MMC device/), exit: 6 });
    process.stderr.write(`sgio guest: ${r.durationMs} ms\n${s.get("info0text")!.text}`);
  });
});
