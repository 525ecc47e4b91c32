// discburn's images through the Linux kernel and real firmware (the QEMU harness in tools/qemu): the kernel's
// isofs must show the source tree through Rock Ridge, Joliet and plain ISO 9660; SeaBIOS and OVMF must boot
// a discburn hybrid image as a CD-ROM and as a hard disk.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootGuest, type KernelEntry, mountAndListAll } from "../../../tools/qemu/harness.mjs";
import { makeBootFixtures } from "../../../tools/qemu/make-boot-fixtures.mjs";
import { FileSystemImage, type NameMapping, UDF_REVISIONS } from "../src/index.js";
import { buildPosixSource, DEEP } from "./oracles/posixSource.js";
import { requireTool } from "./oracles/tools.js";
import { compareTrees, EMPTY_SHA256, hostTree, type Tree, type TreeEntry } from "./oracles/tree.js";

const GUEST_TIMEOUT = 180_000;

/** Files and directories of the host tree without POSIX fields (what Joliet and plain ISO 9660 can show). */
function plainHost(dir: string): Tree {
  return hostTree(dir, { posix: true })
    .filter((e) => e.type === "file" || e.type === "dir")
    .map(({ path, type, size, sha256, mtime }) =>
      type === "file" ? { path, type, size, sha256, mtime } : { path, type, mtime },
    );
}

function asTree(kernel: readonly KernelEntry[], posix: boolean): Tree {
  return kernel.map((e): TreeEntry => {
    const t: TreeEntry = { path: e.path, type: e.type, mtime: e.mtime };
    if (e.type === "file") Object.assign(t, { size: e.size, sha256: e.sha256 });
    if (posix) {
      Object.assign(t, { mode: e.mode, uid: e.uid, gid: e.gid });
      if (e.type !== "dir") t.nlink = e.nlink;
      if (e.type === "symlink") t.target = e.target;
      if (e.rdev && (e.type === "chardev" || e.type === "blockdev")) t.rdev = e.rdev;
    }
    return t;
  });
}

describe("the Linux kernel reads discburn images", () => {
  let work = "";
  let src = "";
  let image = "";
  let names: NameMapping[] = [];
  let mounts: Array<{ mounted: boolean; tree: KernelEntry[]; dmesg: string[]; mountError?: string }> = [];

  beforeAll(async () => {
    requireTool("qemu-system-x86_64");
    work = mkdtempSync(join(tmpdir(), "discburn-kernel-"));
    src = join(work, "posix");
    expect(await buildPosixSource(src)).toEqual([]);
    const img = new FileSystemImage({ jolietLongNames: true });
    await img.addTree(src);
    const result = img.createResultImage();
    names = [...result.names()];
    image = join(work, "posix.iso");
    await result.writeTo(image);
    mounts = await mountAndListAll({
      image,
      mounts: [{ options: [] }, { options: ["norock"] }, { options: ["norock", "nojoliet"] }],
      timeoutMs: GUEST_TIMEOUT,
    });
  }, GUEST_TIMEOUT);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("through Rock Ridge: names, types, modes, owners, times, links, targets, devices, the deep tree", () => {
    const m = mounts[0];
    expect(m.mounted, m.mountError).toBe(true);
    const host = hostTree(src, { posix: true });
    const seen = asTree(m.tree, true);
    // Device numbers are recorded as libisofs does (glibc's dev_t in PN's low half): xorriso, bsdtar and
    // pycdlib read 300,70000 back, while isofs decodes a zero high half as a 16-bit dev_t and keeps only the
    // low 8 bits of the minor (fs/isofs/rock.c).
    const big = seen.find((e) => e.path === "/bigdev");
    expect(big?.rdev).toEqual({ major: 300, minor: 70000 & 0xff });
    if (big) big.rdev = { major: 300, minor: 70000 };
    expect(compareTrees(host, seen, { labelA: "host", labelB: "kernel", dirNlink: false })).toEqual([]);
    expect(seen.find((e) => e.path === `${DEEP}/deep.txt`)?.type).toBe("file");
    expect(seen.filter((e) => e.path.startsWith("/rr_moved"))).toEqual([]);
    expect(m.dmesg.filter((l) => /rock|isofs|error/i.test(l) && !/mounted|Rock Ridge/i.test(l))).toEqual([]);
  });

  it("through Joliet (-o norock): the names discburn reports, files and directories only", () => {
    const m = mounts[1];
    expect(m.mounted, m.mountError).toBe(true);
    const host = new Map(plainHost(src).map((e) => [e.path, e]));
    const want: Tree = [];
    for (const n of names) {
      const h = host.get(n.path);
      if (!h || n.joliet === undefined) continue;
      want.push({ ...h, path: n.joliet.replace(/;1(?=\/|$)/g, "") });
    }
    const seen = asTree(m.tree, false);
    expect(compareTrees(want, seen, { labelA: "source", labelB: "kernel", mtime: "files" })).toEqual([]);
  });

  it("through plain ISO 9660 (-o norock,nojoliet): the mapped names, lower-cased by the kernel", () => {
    const m = mounts[2];
    expect(m.mounted, m.mountError).toBe(true);
    const host = new Map(plainHost(src).map((e) => [e.path, e]));
    const want: Tree = [];
    for (const n of names) {
      if (n.path === "/") continue;
      // Symlinks and special files are zero-length file records in the ISO 9660 tree of a Rock Ridge image.
      const h = host.get(n.path) ?? { path: n.path, type: "file", size: 0, sha256: EMPTY_SHA256 };
      // isofs map=normal: lower case, no ";1", no trailing "." (Documentation/filesystems/isofs.rst).
      const path = (n.iso9660 ?? "")
        .split("/")
        .map((c) => c.replace(/;1$/, "").replace(/\.$/, "").toLowerCase())
        .join("/");
      want.push({ ...h, path });
    }
    const seen = asTree(m.tree, false);
    // The relocation directory and the relocated directory's subtree are where ISO 9660 put them.
    const reloc = seen.filter((e) => e.path.startsWith("/rr_moved"));
    expect(reloc.map((e) => e.path)).toContain("/rr_moved/h/i/j/deep.txt");
    const placeholder = seen.find((e) => e.path === "/a/b/c/d/e/f/g/h");
    expect(placeholder?.type).toBe("file");
    const moved = (p: string) => p.startsWith("/a/b/c/d/e/f/g/h/") || p === "/a/b/c/d/e/f/g/h";
    expect(
      compareTrees(
        want.filter((e) => !e.path.startsWith("/rr_moved") && !moved(e.path)),
        seen.filter((e) => !e.path.startsWith("/rr_moved") && !moved(e.path)),
        { labelA: "source", labelB: "kernel", mtime: "files" },
      ),
    ).toEqual([]);
  });
});

describe("the Linux kernel's udf driver reads discburn UDF images of every revision", () => {
  let work = "";
  let src = "";
  const images = new Map<string, string>();
  const results = new Map<
    string,
    Array<{ mounted: boolean; tree: KernelEntry[]; dmesg: string[]; mountError?: string }>
  >();

  beforeAll(async () => {
    requireTool("qemu-system-x86_64");
    work = mkdtempSync(join(tmpdir(), "discburn-kernel-udf-"));
    src = join(work, "posix");
    expect(await buildPosixSource(src)).toEqual([]);
    for (const revision of UDF_REVISIONS) {
      for (const bridge of [false, true]) {
        const img = new FileSystemImage({
          fileSystems: bridge ? ["iso9660", "rockridge", "joliet", "udf"] : ["udf"],
          udfRevision: revision,
          jolietLongNames: true,
        });
        await img.addTree(src);
        const file = join(work, `${revision}-${bridge ? "bridge" : "udf"}.iso`);
        await img.createResultImage().writeTo(file);
        images.set(`${revision}-${bridge}`, file);
      }
    }
    // One guest per image; a bridge image is mounted as UDF and as ISO 9660 with Rock Ridge.
    for (const [key, file] of images) {
      const bridge = key.endsWith("true");
      results.set(
        key,
        await mountAndListAll({
          image: file,
          mounts: bridge ? [{ fs: "udf" }, { fs: "iso9660" }] : [{ fs: "udf" }],
          timeoutMs: GUEST_TIMEOUT,
        }),
      );
    }
  }, 20 * GUEST_TIMEOUT);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** What UDF records of the host tree: 1.xx has no FIFOs, sockets or devices; nlink as POSIX counts it. */
  function udfExpected(revision: string): Tree {
    const special = new Set(["fifo", "socket", "chardev", "blockdev"]);
    return hostTree(src, { posix: true }).filter((e) => !(revision.startsWith("1.") && special.has(e.type)));
  }

  it.each(
    UDF_REVISIONS.flatMap((r) => [[r, false] as const, [r, true] as const]),
  )("UDF %s (bridge: %s): names, types, sizes, contents, modes, owners, times, links, targets, devices", (revision, bridge) => {
    const [udf] = results.get(`${revision}-${bridge}`)!;
    expect(udf.mounted, udf.mountError).toBe(true);
    const seen = asTree(udf.tree, true);
    // The kernel's udf decodes device numbers whole (unlike isofs): no adjustment needed here.
    expect(
      compareTrees(udfExpected(revision), seen, { labelA: "host", labelB: "kernel udf", dirNlink: false }),
    ).toEqual([]);
    expect(udf.dmesg.filter((l) => /UDF-fs: (error|warning)/i.test(l))).toEqual([]);
  });

  it.each(UDF_REVISIONS)("a UDF %s bridge image reads the same through UDF and through Rock Ridge", (revision) => {
    const [udf, rr] = results.get(`${revision}-true`)!;
    expect(rr.mounted, rr.mountError).toBe(true);
    const special = new Set(["fifo", "socket", "chardev", "blockdev"]);
    const strip = (t: Tree) =>
      t
        .filter((e) => !(revision.startsWith("1.") && special.has(e.type)))
        .map(({ path, type, size, sha256, target }) => ({
          path,
          type,
          size: type === "file" ? size : undefined,
          sha256,
          target,
        }));
    expect(
      compareTrees(strip(asTree(rr.tree, true)), strip(asTree(udf.tree, true)), { labelA: "isofs", labelB: "udf" }),
    ).toEqual([]);
  });
});

describe("firmware boots a discburn hybrid image", () => {
  let work = "";
  let image = "";
  let markers = { bios: "", uefi: "" };

  beforeAll(async () => {
    requireTool("qemu-system-x86_64");
    requireTool("grub-mkstandalone");
    requireTool("mformat");
    work = mkdtempSync(join(tmpdir(), "discburn-boot-"));
    const tree = join(work, "tree");
    const f = makeBootFixtures(tree);
    writeFileSync(join(tree, "README.txt"), "a bootable discburn image\n");
    markers = { bios: f.biosMarker, uefi: f.uefiMarker };
    const img = new FileSystemImage({
      volumeName: "DISCBURN_BOOT",
      boot: {
        images: [
          { path: f.isolinuxBin, loadSize: 4, bootInfoTable: true },
          { path: f.efiImage, platform: "efi" },
        ],
        catalogPath: f.bootCatalog,
        hybrid: { mbrBootCode: readFileSync(f.isohybridMbr), gpt: true },
      },
    });
    await img.addTree(tree);
    image = join(work, "hybrid.iso");
    await img.createResultImage().writeTo(image);
  }, GUEST_TIMEOUT);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each([
    { firmware: "bios", attach: "cdrom" },
    { firmware: "bios", attach: "disk" },
    { firmware: "uefi", attach: "cdrom" },
    { firmware: "uefi", attach: "disk" },
  ] as const)(
    "$firmware firmware boots it as a $attach",
    async ({ firmware, attach }) => {
      const marker = firmware === "bios" ? markers.bios : markers.uefi;
      const r = await bootGuest({ image, firmware, attach, expect: new RegExp(marker), timeoutMs: 120_000 });
      expect(r.matched, `no ${marker} on the serial console:\n${r.console.slice(-3000)}`).toBe(true);
    },
    GUEST_TIMEOUT,
  );
});
