// A source tree with every kind of POSIX entry (modes, owners, symlinks short and long, hard links, FIFOs,
// sockets, devices, a long name, a tree deeper than 8 levels) for Rock Ridge tests, and the reader quirks a
// comparison with it must allow for (see READERS[].rockRidge in readers.ts).
import {
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import type { ReaderSpec, Relocation } from "./readers.js";
import { DEBIAN_PYTHON, requireTool, run } from "./tools.js";
import { hostTree, type Tree, type TreeEntry } from "./tree.js";

/** Whole-second mtimes of the POSIX source start here (2021-03-04T05:06:07Z). */
export const POSIX_BASE_TIME = 1_614_834_367;

/** 200 characters: xorriso continues its NM entry in a CE area. */
export const RR_LONG_NAME = `${"N".repeat(196)}.txt`;
/** 377 bytes in 14 components: more than one SL entry (each holds at most 250 bytes of components). */
export const RR_LONG_TARGET = Array.from(
  { length: 14 },
  (_, i) => `seg${String(i).padStart(3, "0")}${"x".repeat(20)}`,
).join("/");
/** Ten directory levels: the eighth level (g) cannot hold a directory in ISO 9660, so h gets relocated. */
export const DEEP = "/a/b/c/d/e/f/g/h/i/j";
export const RELOCATION: Relocation = { dir: "/rr_moved", moved: ["/a/b/c/d/e/f/g/h"] };

type PosixKind = "file" | "dir" | "symlink" | "hardlink" | "fifo" | "socket" | "chardev" | "blockdev";

interface PosixItem {
  rel: string;
  kind: PosixKind;
  content?: string;
  mode?: number;
  owner?: readonly [number, number];
  /** symlink target, or the item a hard link points to */
  target?: string;
  dev?: readonly [number, number];
}

/** Parents are listed before children (or created implicitly with mode 0755 minus umask). */
export const POSIX_SOURCE: readonly PosixItem[] = [
  { rel: "f644", kind: "file", content: "rw-r--r--\n", mode: 0o644, owner: [1234, 5678] },
  { rel: "f755", kind: "file", content: "#!/bin/sh\n", mode: 0o755 },
  { rel: "f600", kind: "file", content: "secret\n", mode: 0o600, owner: [70000, 70001] },
  { rel: "f4755", kind: "file", content: "setuid\n", mode: 0o4755 },
  { rel: "f2750", kind: "file", content: "setgid\n", mode: 0o2750, owner: [0, 50] },
  { rel: "d700", kind: "dir", mode: 0o700, owner: [1001, 1002] },
  { rel: "d700/inner", kind: "file", content: "inside a private directory\n", mode: 0o640 },
  { rel: "d700/up", kind: "symlink", target: "../f755" },
  { rel: "sticky", kind: "dir", mode: 0o1777 },
  { rel: "rel", kind: "symlink", target: "f644" },
  { rel: "abs", kind: "symlink", target: "/etc/passwd", owner: [4321, 8765] },
  { rel: "dirlink", kind: "symlink", target: "d700" },
  { rel: "dangling", kind: "symlink", target: "does/not/exist" },
  { rel: "longlink", kind: "symlink", target: RR_LONG_TARGET },
  { rel: "h1", kind: "file", content: "hard-linked\n" },
  { rel: "h2", kind: "hardlink", target: "h1" },
  { rel: "fifo", kind: "fifo", mode: 0o640 },
  { rel: "sock", kind: "socket" },
  { rel: "null", kind: "chardev", dev: [1, 3] },
  { rel: "bigdev", kind: "chardev", dev: [300, 70000] },
  { rel: "sda1", kind: "blockdev", dev: [8, 1], mode: 0o660, owner: [0, 6] },
  { rel: RR_LONG_NAME, kind: "file", content: "long name\n" },
  { rel: "a/b/c/d/e/f/g/h/i/j/deep.txt", kind: "file", content: "ten directory levels down\n" },
  { rel: "a/b/c/d/e/f/g/h/i/j/back", kind: "symlink", target: "../../../../../../../../../../f644" },
];

/** Builds the POSIX source; returns what could not be created here (mknod, mkfifo, sockets). */
export async function buildPosixSource(root: string): Promise<string[]> {
  const problems: string[] = [];
  mkdirSync(root);
  for (const item of POSIX_SOURCE) {
    const p = join(root, item.rel);
    mkdirSync(dirname(p), { recursive: true });
    try {
      switch (item.kind) {
        case "file":
          writeFileSync(p, item.content ?? "");
          break;
        case "dir":
          mkdirSync(p);
          break;
        case "symlink":
          symlinkSync(item.target ?? "", p);
          break;
        case "hardlink":
          linkSync(join(root, item.target ?? ""), p);
          break;
        case "fifo":
          await run(requireTool("mkfifo"), [p]);
          break;
        case "socket":
          await run(requireTool(DEBIAN_PYTHON), [
            "-c",
            "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
            p,
          ]);
          break;
        case "chardev":
        case "blockdev": {
          const [major, minor] = item.dev ?? [0, 0];
          await run(requireTool("mknod"), [p, item.kind === "chardev" ? "c" : "b", String(major), String(minor)]);
          break;
        }
      }
    } catch (e) {
      problems.push(`${item.kind} ${item.rel}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (item.mode !== undefined) chmodSync(p, item.mode);
    if (item.owner !== undefined) (item.kind === "symlink" ? lchownSync : chownSync)(p, item.owner[0], item.owner[1]);
  }
  // Distinct whole-second mtimes, deepest first (creating children touches the parent); lutimes: never follow.
  const all = hostTree(root, { posix: true, hash: false })
    .map((e) => e.path)
    .sort((a, b) => b.split("/").length - a.split("/").length);
  for (const [i, p] of all.entries()) lutimesSync(join(root, p), POSIX_BASE_TIME + i * 7, POSIX_BASE_TIME + i * 7);
  return problems;
}

/**
 * Fields of spec.rockRidge.fields that the reader left undefined where they apply. isoinfo cannot show a uid of
 * 5+ octal digits (see readIsoinfo): there it must be undefined instead.
 */
export function unreported(spec: ReaderSpec, tree: Tree, reference: Tree): string[] {
  const missing: string[] = [];
  const uids = new Map(reference.map((e) => [e.path, e.uid]));
  for (const e of tree) {
    for (const f of spec.rockRidge.fields) {
      if (f === "target" && e.type !== "symlink") continue;
      if (f === "rdev" && e.type !== "chardev" && e.type !== "blockdev") continue;
      if (f === "nlink" && e.type === "dir" && !spec.rockRidge.dirNlink) continue;
      if (spec.name === "isoinfo" && f === "uid" && (uids.get(e.path) ?? 0) >= 0o10000) {
        if (e.uid !== undefined) missing.push(`${e.path}: isoinfo cannot show uid ${uids.get(e.path)}, got ${e.uid}`);
        continue;
      }
      if (e[f] === undefined) missing.push(`${e.path}: ${f}`);
    }
  }
  return missing;
}

/** true when `shown` is `real` with exactly one "/" removed. */
export function missingOneSlash(real: string, shown: string): boolean {
  for (let i = real.indexOf("/"); i >= 0; i = real.indexOf("/", i + 1))
    if (real.slice(0, i) + real.slice(i + 1) === shown) return true;
  return false;
}

/**
 * Applies the documented reader quirks that expectedView cannot predict (see READERS[].rockRidge.quirks) to the
 * expected tree, after checking that the reader shows exactly that deviation.
 */
export function withKnownQuirks(
  spec: ReaderSpec,
  img: { rrip: "1.10" | "1.12"; longSymlink: boolean },
  want: Tree,
  seen: Tree,
): Tree {
  const out = want.map((e) => ({ ...e }));
  const find = (t: Tree, p: string): TreeEntry | undefined => t.find((e) => e.path === p);
  // xorriso counts hard links by PX inode number, which RRIP 1.10 does not record.
  if (spec.name === "xorriso" && img.rrip === "1.10") for (const e of out) if (e.type !== "dir") e.nlink = 1;
  // 7z and libcdio ignore CE areas: the NM continuation is lost (and 7z loses an SL kept there).
  if (spec.name === "7z" || spec.name === "libcdio") {
    const cut = seen.filter((e) => e.path.startsWith("/NNN"));
    expect(cut, `${spec.name} long name`).toHaveLength(1);
    const shown = cut[0].path.slice(1);
    expect(shown.length, `${spec.name} long name`).toBeLessThan(RR_LONG_NAME.length);
    expect(RR_LONG_NAME.startsWith(shown), `${spec.name} long name ${shown}`).toBe(true);
    const e = find(out, `/${RR_LONG_NAME}`);
    if (e !== undefined) e.path = `/${shown}`;
    if (spec.name === "7z" && img.longSymlink) {
      expect(find(seen, "/longlink")?.target, "7z long symlink").toBe("");
      const l = find(out, "/longlink");
      if (l !== undefined) l.target = "";
    }
  }
  // libarchive drops the "/" between components split across two SL entries.
  if (spec.name === "bsdtar" && img.longSymlink) {
    const shown = find(seen, "/longlink")?.target ?? "";
    expect(missingOneSlash(RR_LONG_TARGET, shown), `bsdtar long symlink ${shown}`).toBe(true);
    const l = find(out, "/longlink");
    if (l !== undefined) l.target = shown;
  }
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
