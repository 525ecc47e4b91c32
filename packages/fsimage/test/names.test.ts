// Name mapping: ISO 9660 d-character identifiers per interchange level, Joliet UCS-2 names, collisions.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareIsoIdentifiers, type InterchangeLevel, mapIsoIdentifiers } from "../src/ecma119/names.js";
import { JOLIET_LONG_MAX, JOLIET_MAX, mapJolietIdentifiers, toJolietCharacters } from "../src/joliet/names.js";

interface Entry {
  name: string;
  dir: boolean;
}
const iso = (entries: Entry[], level: InterchangeLevel = 3) => {
  const map = mapIsoIdentifiers(
    entries,
    (e) => e.name,
    (e) => e.dir,
    level,
  );
  return entries.map((e) => map.get(e)!);
};
const isoOne = (name: string, level: InterchangeLevel = 3, dir = false) => iso([{ name, dir }], level)[0];
const joliet = (entries: Entry[], max = JOLIET_MAX) => {
  const map = mapJolietIdentifiers(
    entries,
    (e) => e.name,
    (e) => e.dir,
    max,
  );
  return entries.map((e) => map.get(e)!);
};
const files = (...names: string[]) => names.map((name) => ({ name, dir: false }));

describe("ISO 9660 identifiers", () => {
  it("upper-cases and maps non-d-characters to _", () => {
    expect(isoOne("readme.txt")).toBe("README.TXT;1");
    expect(isoOne("sp ace-x+y.tar.gz")).toBe("SP_ACE_X_Y_TAR.GZ;1");
    expect(isoOne("Ünïcødé.txt")).toBe("_N_C_D_.TXT;1");
    expect(isoOne("日本語.txt")).toBe("___.TXT;1");
  });
  it("always has the separator, and maps a leading dot into the name", () => {
    expect(isoOne("Makefile")).toBe("MAKEFILE.;1");
    expect(isoOne(".bashrc")).toBe("_BASHRC.;1");
    expect(isoOne("trailing.")).toBe("TRAILING.;1");
  });
  it("keeps level 1 to 8.3 and directories to 8", () => {
    expect(isoOne("a-very-long-name.html", 1)).toBe("A_VERY_L.HTM;1");
    expect(isoOne("directory.with.dots", 1, true)).toBe("DIRECTOR");
  });
  it("keeps levels 2 and 3 to 30 characters of name and extension, 31 for directories", () => {
    const id = isoOne(`${"n".repeat(40)}.extension`, 2);
    expect(id).toBe(`${"N".repeat(21)}.EXTENSION;1`);
    expect(id.length - 3).toBe(30);
    expect(isoOne("d".repeat(40), 3, true)).toBe("D".repeat(31));
  });
  it("resolves case-only twins deterministically", () => {
    expect(iso(files("A.TXT", "a.txt", "a.TXT"))).toEqual(["A.TXT;1", "A1.TXT;1", "A2.TXT;1"]);
  });
  it("resolves 8.3 truncation collisions without taking another file's natural name", () => {
    const out = iso(files("longname-one.txt", "longname-two.txt", "LONGNAM1.TXT"), 1);
    expect(out).toEqual(["LONGNAME.TXT;1", "LONGNAM2.TXT;1", "LONGNAM1.TXT;1"]);
  });
  it("gives a file and a directory of the same name different identifiers", () => {
    expect(
      iso([
        { name: "x", dir: true },
        { name: "x", dir: false },
      ]),
    ).toEqual(["X", "X.;1"]);
  });
  it("orders names padded with spaces, then extensions (9.3)", () => {
    const ids = ["AB.;1", "A.TXT;1", "A_B.;1", "A.;1", "B", "A"];
    expect([...ids].sort(compareIsoIdentifiers)).toEqual(["A", "A.;1", "A.TXT;1", "AB.;1", "A_B.;1", "B"]);
  });
  it("is collision-free and within the limits for any names (property)", () => {
    const name = fc.string({ minLength: 1, maxLength: 60, unit: "grapheme" }).filter((s) => !s.includes("/"));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name, dir: fc.boolean() }), { selector: (e) => e.name, maxLength: 40 }),
        fc.constantFrom<InterchangeLevel>(1, 2, 3),
        (entries, level) => {
          const ids = iso(entries, level);
          expect(new Set(ids).size).toBe(ids.length);
          entries.forEach((e, i) => {
            const id = ids[i];
            if (e.dir) {
              expect(id).toMatch(/^[A-Z0-9_]+$/);
              expect(id.length).toBeLessThanOrEqual(level === 1 ? 8 : 31);
            } else {
              const m = /^([A-Z0-9_]*)\.([A-Z0-9_]*);1$/.exec(id);
              expect(m).not.toBeNull();
              if (level === 1) {
                expect(m![1].length).toBeLessThanOrEqual(8);
                expect(m![2].length).toBeLessThanOrEqual(3);
              } else expect(m![1].length + m![2].length).toBeLessThanOrEqual(30);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Joliet identifiers", () => {
  it("keeps names as given, with ;1 on files", () => {
    expect(joliet(files("Ünïcødé — 日本語.txt"))).toEqual(["Ünïcødé — 日本語.txt;1"]);
    expect(joliet([{ name: "Dir Name", dir: true }])).toEqual(["Dir Name"]);
  });
  it("replaces characters outside UCS-2 and forbidden characters with one _ each", () => {
    expect(toJolietCharacters("a😀b")).toBe("a_b");
    expect(toJolietCharacters("what?*:;\\x")).toBe("what_____x");
    expect(toJolietCharacters("tab\there")).toBe("tab_here");
  });
  it("shortens long names to 64 (or 103) characters, keeping the extension", () => {
    const [id] = joliet(files(`${"a".repeat(70)}.txt`));
    expect(id).toBe(`${"a".repeat(60)}.txt;1`);
    const [long] = joliet(files(`${"b".repeat(120)}.txt`), JOLIET_LONG_MAX);
    expect(long).toBe(`${"b".repeat(99)}.txt;1`);
    expect(joliet([{ name: "d".repeat(80), dir: true }])).toEqual(["d".repeat(64)]);
  });
  it("resolves truncation collisions deterministically", () => {
    const out = joliet(files(`${"a".repeat(70)}X.txt`, `${"a".repeat(70)}Y.txt`));
    expect(out).toEqual([`${"a".repeat(60)}.txt;1`, `${"a".repeat(59)}1.txt;1`]);
  });
  it("is collision-free and within the limit for any names (property)", () => {
    const name = fc.string({ minLength: 1, maxLength: 120, unit: "grapheme" }).filter((s) => !s.includes("/"));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name, dir: fc.boolean() }), { selector: (e) => e.name, maxLength: 30 }),
        fc.constantFrom(JOLIET_MAX, JOLIET_LONG_MAX),
        (entries, max) => {
          const ids = joliet(entries, max);
          expect(new Set(ids).size).toBe(ids.length);
          for (const id of ids) {
            expect(id.replace(/;1$/, "").length).toBeLessThanOrEqual(max);
            expect(/[\ud800-\udfff]/.test(id)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
