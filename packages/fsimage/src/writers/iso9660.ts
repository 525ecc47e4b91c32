// The plain ISO 9660 hierarchy recorded from the Primary Volume Descriptor (ECMA-119 8.4).
import { compareIsoIdentifiers, type InterchangeLevel, mapIsoIdentifiers } from "../ecma119/names.js";
import type { HierarchyNaming } from "./ecma119Hierarchy.js";

export function iso9660Naming(level: InterchangeLevel): HierarchyNaming {
  return {
    label: "ISO 9660",
    mapChildren: (children) =>
      mapIsoIdentifiers(
        children,
        (c) => c.name,
        (c) => c.kind === "directory",
        level,
      ),
    compare: compareIsoIdentifiers,
    encode: (id) => Buffer.from(id, "latin1"),
    byteLength: (id) => id.length,
    maxPathBytes: 255,
    separatorBytes: 1,
  };
}
