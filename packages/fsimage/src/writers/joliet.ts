// The Joliet hierarchy recorded from a Supplementary Volume Descriptor (Joliet specification, ECMA-119 8.5).
import { encodeUcs2BE } from "../encoding/ucs2.js";
import { compareJolietIdentifiers, mapJolietIdentifiers } from "../joliet/names.js";
import type { HierarchyNaming } from "./ecma119Hierarchy.js";

export function jolietNaming(maxNameLength: number): HierarchyNaming {
  return {
    label: "Joliet",
    mapChildren: (children) =>
      mapJolietIdentifiers(
        children,
        (c) => c.name,
        (c) => c.kind === "directory",
        maxNameLength,
      ),
    compare: compareJolietIdentifiers,
    encode: encodeUcs2BE,
    byteLength: (id) => id.length * 2,
    maxPathBytes: 240,
    separatorBytes: 2,
  };
}
