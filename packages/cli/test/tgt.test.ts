// Burning for real, to a recorder nobody here wrote: Debian's tgt emulates a blank DVD+R (tools/tgt/tgt.mjs,
// /work/shared/mmc/tgt.md), QEMU passes its iSCSI LUN through to a Debian guest as a virtio-scsi `scsi-block`
// drive, and the built `discburn` in the guest talks to it through the guest kernel's sr/sg drivers and SG_IO.
// Whatever the guest sends lands in the host's backing file, which is compared with the image byte for byte.
//
// The discs: tgt serves one LUN; every test loads a fresh empty backing file (a blank DVD+R) with changeDisc.
// Needs root (tgtd), `apt-get install tgt qemu-block-extra` (tools/install-oracles.sh) and the built dist:
// `npx tsc -b packages/fsimage packages/mmc packages/cli`.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { programFiles, runGuest } from "../../../tools/qemu/harness.mjs";
import { requireQemuIscsi, requireTgt, startTgt, type Tgt } from "../../../tools/tgt/tgt.mjs";
import { requireTool, run } from "../../fsimage/test/oracles/tools.js";
import { noise } from "../../fsimage/test/oracles/tree.js";
import {
  discburnFiles,
  GUEST_CLI,
  hostTree,
  IMPORT_SCRIPT,
  requireFrom,
  sections,
  step,
} from "../../mmc/test/guest.js";

const GUEST_TIMEOUT = 300_000;
const TEST_TIMEOUT = 360_000;
const VOLUME_ID = "DISCBURN_TGT";
const DVD_PLUS_R = 0x1b;

let work: string;
let source: string;
let image: string;
let imageSize: number;
let imageSha: string;
let tgt: Tgt;
let discs = 0;

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Loads a new blank DVD+R (an empty backing file) into tgt's drive; returns the file. */
async function freshDisc(): Promise<string> {
  const file = join(work, `disc${++discs}.img`);
  writeFileSync(file, "");
  await tgt.changeDisc(file);
  return file;
}

/** The tgt LUN as the guest's drive 0 ($DISC0 = /dev/srN, $DISC0_SG = /dev/sgN): writable, no host cache. */
function recorder() {
  return [{ file: tgt.url, kind: "scsi-block" as const, readonly: false, cache: "none" }];
}

function show(r: { stdout: string; stderr: string; exitCode: number; durationMs: number }): string {
  return `exit ${r.exitCode} after ${r.durationMs} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\ntgtd log:\n${tgt.log().slice(-3000)}`;
}

beforeAll(async () => {
  requireFrom("qemu-system-x86_64", "qemu-system-x86");
  requireFrom("xz", "xz-utils");
  requireFrom("/bin/busybox", "busybox-static");
  requireTgt();
  await requireQemuIscsi();
  const xorriso = requireTool("xorriso");
  work = mkdtempSync(join(tmpdir(), "discburn-tgt-"));
  source = join(work, "src");
  mkdirSync(join(source, "docs/deep"), { recursive: true });
  mkdirSync(join(source, "empty"));
  writeFileSync(join(source, "README.txt"), "burned through SG_IO to tgt's DVD+R\n");
  writeFileSync(join(source, "docs/manual.txt"), "discburn ".repeat(1111)); // 9999 bytes: not a multiple of 2048
  writeFileSync(join(source, "docs/deep/noise.bin"), noise(3 * 1024 * 1024 + 123, 7));
  writeFileSync(join(source, "docs/deep/exact.bin"), noise(4 * 2048, 11));
  image = join(work, "image.iso");
  await run(xorriso, ["-as", "mkisofs", "-R", "-J", "-V", VOLUME_ID, "-o", image, source]);
  imageSize = statSync(image).size;
  imageSha = sha256(image);
  const first = join(work, "disc0.img");
  writeFileSync(first, "");
  tgt = await startTgt({ backingFile: first });
}, 120_000);

afterAll(async () => {
  // Stop tgt before deleting its backing files (it would keep writing to an unlinked inode).
  await tgt?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("tgt as a DVD+R recorder behind a QEMU guest (iSCSI → scsi-block → sr/sg → SG_IO)", () => {
  it("the harness: a private tgtd on loopback serving one cd/dvd LUN with an empty (blank) backing file", async () => {
    expect(imageSize % 2048).toBe(0);
    expect(imageSize).toBeGreaterThan(3 * 1024 * 1024);
    expect(tgt.url).toBe(`iscsi://127.0.0.1:${tgt.port}/${tgt.iqn}/1`);
    expect(tgt.port).not.toBe(3260);
    const portals = await tgt.admin(["--lld", "iscsi", "--mode", "portal", "--op", "show"]);
    expect(portals.trim()).toBe(`Portal: 127.0.0.1:${tgt.port},1`);
    const disc = await freshDisc();
    const target = await tgt.admin(["--lld", "iscsi", "--mode", "target", "--op", "show"]);
    expect(target).toContain(`Target 1: ${tgt.iqn}`);
    expect(target).toMatch(/LUN: 1\n\s+Type: cd\/dvd/);
    expect(target).toContain(`Backing store path: ${disc}`);
    expect(target).toMatch(/ACL information:\n\s+ALL/);
    expect(statSync(disc).size).toBe(0);
  });

  it("(a) discburn info in the guest: a blank DVD+R, writable", { timeout: TEST_TIMEOUT }, async () => {
    await freshDisc();
    const r = await runGuest({
      drives: recorder(),
      files: discburnFiles(),
      memoryMb: 1024,
      timeoutMs: GUEST_TIMEOUT,
      script: [
        'echo "@@devices"; echo "$DISC0 $DISC0_SG"; echo "@@exit 0"',
        step("info", `${GUEST_CLI} info --drive "$DISC0" --json`),
        step("infoSg", `${GUEST_CLI} info --drive "$DISC0_SG" --json`),
        step("infoText", `${GUEST_CLI} info --drive "$DISC0"`),
      ].join("\n"),
    });
    const s = sections(r.stdout);
    expect(r.exitCode, show(r)).toBe(0);
    const [sr, sg] = s.get("devices")!.text.trim().split(" ");
    expect(sr).toMatch(/^\/dev\/sr\d+$/);
    expect(sg).toMatch(/^\/dev\/sg\d+$/);
    for (const name of ["info", "infoSg"]) {
      expect(s.get(name)!.exit, show(r)).toBe(0);
      const info = JSON.parse(s.get(name)!.text);
      // tgt's default identity for a cd LUN (not QEMU's): the guest talks to tgt itself.
      expect(info.identity).toMatchObject({ vendor: "IET", product: "VIRTUAL-CDROM", peripheralDeviceType: 5 });
      expect(info.media).toMatchObject({
        present: true,
        profile: DVD_PLUS_R,
        profileName: "DVD+R",
        status: "blank",
        readableBlocks: 0,
      });
      expect(info.media.freeBlocks).toBeGreaterThan(imageSize / 2048);
      expect(info.capabilities.currentProfile).toBe(DVD_PLUS_R);
      expect(info.capabilities.writableProfiles.map((p: { name: string }) => p.name)).toContain("DVD+R");
    }
    expect(s.get("infoText")!.text).toMatch(/Medium: +DVD\+R, blank/);
    process.stderr.write(`tgt info guest: ${r.durationMs} ms\n${s.get("infoText")!.text}`);
  });

  it(
    "(b) discburn burn in the guest: the backing file equals the image, and the disc reads back through sg",
    { timeout: TEST_TIMEOUT },
    async () => {
      const disc = await freshDisc();
      const r = await runGuest({
        drives: recorder(),
        files: [
          ...discburnFiles(),
          { path: "/job/image.iso", source: image },
          { path: "/opt/import.mjs", data: IMPORT_SCRIPT },
        ],
        memoryMb: 1024,
        timeoutMs: GUEST_TIMEOUT,
        script: [
          step(
            "burn",
            `(T0=$(date +%s); ${GUEST_CLI} burn --drive "$DISC0" /job/image.iso --verify --json; E=$?; echo "guest seconds: $(($(date +%s) - T0))"; exit $E)`,
          ),
          step("infoAfter", `${GUEST_CLI} info --drive "$DISC0_SG" --json`),
          step("import", `node /opt/import.mjs "$DISC0_SG"`),
        ].join("\n"),
      });
      const s = sections(r.stdout);
      expect(r.exitCode, show(r)).toBe(0);
      process.stderr.write(
        `tgt burn guest: ${r.durationMs} ms\n${s.get("burn")?.text.split("\n").slice(-3).join("\n")}\n`,
      );
      expect(s.get("burn")?.exit, show(r)).toBe(0);
      // discburn read the session back from tgt after closing it, and it matched what was sent.
      const burnLines = (s.get("burn")?.text ?? "").split("\n").filter((l) => l.startsWith("{"));
      const result = JSON.parse(burnLines.at(-1) ?? "null");
      expect(result).toMatchObject({ event: "done", verified: true, start: 0, blocks: imageSize / 2048 });

      // What tgt received is exactly the image.
      expect(statSync(disc).size, show(r)).toBe(imageSize);
      expect(sha256(disc)).toBe(imageSha);

      // Read back in the same guest through /dev/sg (the sr driver keeps the blank disc's capacity). tgt has
      // turned the disc into a DVD-ROM at the first CLOSE TRACK/SESSION, whatever the burner asked for.
      const after = s.get("infoAfter");
      expect(after?.exit, show(r)).toBe(0);
      expect(JSON.parse(after!.text).media.readableBlocks).toBe(imageSize / 2048);
      expect(s.get("import")?.exit, show(r)).toBe(0);
      const imported = JSON.parse(s.get("import")!.text);
      expect(imported.fileSystem).toBe("rockridge");
      expect(imported.tree).toEqual(hostTree(source));
    },
  );

  it(
    "the harness with an independent burner: xorriso -as cdrecord in the guest writes the image into the backing file",
    { timeout: TEST_TIMEOUT },
    async () => {
      const disc = await freshDisc();
      const xorriso = requireTool("xorriso");
      const r = await runGuest({
        drives: recorder(),
        files: [
          ...programFiles(xorriso),
          ...discburnFiles(),
          { path: "/job/image.iso", source: image },
          { path: "/opt/import.mjs", data: IMPORT_SCRIPT },
        ],
        memoryMb: 1024,
        timeoutMs: GUEST_TIMEOUT,
        script: [
          step("burn", `${xorriso} -as cdrecord -v dev="$DISC0" -tao padsize=0 /job/image.iso`),
          step("info", `${GUEST_CLI} info --drive "$DISC0_SG" --json`),
          step("import", `node /opt/import.mjs "$DISC0_SG"`),
        ].join("\n"),
      });
      const s = sections(r.stdout);
      expect(r.exitCode, show(r)).toBe(0);
      expect(s.get("burn")?.exit, show(r)).toBe(0);
      process.stderr.write(`tgt xorriso guest: ${r.durationMs} ms\n`);
      // libburn pads a DVD+R track with zeros to a whole ECC block (16 blocks, 32 KiB) even with padsize=0.
      const written = readFileSync(disc);
      expect(written.length, show(r)).toBe(Math.ceil(imageSize / 32768) * 32768);
      expect(createHash("sha256").update(written.subarray(0, imageSize)).digest("hex")).toBe(imageSha);
      expect(written.subarray(imageSize).every((b) => b === 0)).toBe(true);
      // After the burn tgt shows the disc as a finalised DVD-ROM, and discburn reads it back through sg.
      const info = JSON.parse(s.get("info")!.text);
      expect(info.media, show(r)).toMatchObject({ present: true, status: "complete" });
      expect(s.get("import")?.exit, show(r)).toBe(0);
      expect(JSON.parse(s.get("import")!.text).tree).toEqual(hostTree(source));
    },
  );
});
