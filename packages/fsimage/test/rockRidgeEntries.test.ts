// SUSP / RRIP entries against the field layouts of SUSP 1.12 and RRIP 1.12, round trips, and the splitting
// of long names, long symlinks and overflowing System Use areas.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readU32Both } from "../src/encoding/bothEndian.js";
import {
  CE_LENGTH,
  decodeCE,
  decodeER,
  decodeNM,
  decodePN,
  decodePX,
  decodeSL,
  decodeSP,
  decodeSystemUse,
  decodeTF,
  encodeCE,
  encodeER,
  encodeNM,
  encodePN,
  encodePX,
  encodeSL,
  encodeSP,
  encodeTF,
  RRIP_1_12,
  SlComponentFlags,
  TfFlags,
} from "../src/rockridge/entries.js";
import { deviceNumberHalves, splitSystemUse, symlinkComponents } from "../src/writers/rockRidge.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("SUSP entries", () => {
  it("SP is 7 bytes with the BE EF check bytes (SUSP 5.3)", () => {
    expect(hex(encodeSP())).toBe("53500701beef00");
    expect(decodeSP(decodeSystemUse(encodeSP())[0])).toEqual({ lenSkp: 0 });
  });
  it("CE is 28 bytes: block, offset, length in both byte orders (SUSP 5.1)", () => {
    const ce = encodeCE({ block: 0x1234, offset: 0x56, length: 0x78 });
    expect(ce.length).toBe(CE_LENGTH);
    expect(hex(ce.subarray(0, 4))).toBe("43451c01");
    expect(readU32Both(ce, 4, true)).toBe(0x1234);
    expect(readU32Both(ce, 12, true)).toBe(0x56);
    expect(readU32Both(ce, 20, true)).toBe(0x78);
    expect(decodeCE(decodeSystemUse(ce)[0])).toEqual({ block: 0x1234, offset: 0x56, length: 0x78 });
  });
  it("ER carries the lengths, version and texts of the extension (SUSP 5.5)", () => {
    const er = encodeER(RRIP_1_12);
    expect(er[4]).toBe(10); // "IEEE_P1282"
    expect(er[7]).toBe(1);
    expect(Buffer.from(er.subarray(8, 18)).toString()).toBe("IEEE_P1282");
    expect(decodeER(decodeSystemUse(er)[0])).toEqual(RRIP_1_12);
  });
});

describe("RRIP entries", () => {
  it("PX is 44 bytes with the serial number, 36 without (RRIP 4.1.1)", () => {
    const px = encodePX({ mode: 0o100644, links: 2, uid: 1000, gid: 100, serial: 7 });
    expect(px.length).toBe(44);
    expect(hex(px.subarray(0, 4))).toBe("50582c01");
    expect(readU32Both(px, 4, true)).toBe(0o100644);
    expect(readU32Both(px, 36, true)).toBe(7);
    expect(encodePX({ mode: 0o40755, links: 2, uid: 0, gid: 0 }).length).toBe(36);
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.option(fc.nat(), { nil: undefined }),
        (mode, links, uid, gid, serial) => {
          const px = { mode, links, uid, gid, ...(serial === undefined ? {} : { serial }) };
          expect(decodePX(decodeSystemUse(encodePX(px))[0])).toEqual(px);
        },
      ),
    );
  });
  it("PN records a device number as glibc's dev_t halves (RRIP 4.1.2), as xorriso does", () => {
    expect(deviceNumberHalves({ major: 1, minor: 3 })).toEqual({ high: 0, low: 0x103 });
    expect(deviceNumberHalves({ major: 259, minor: 65536 })).toEqual({ high: 0, low: 0x10010300 });
    expect(deviceNumberHalves({ major: 0x1234, minor: 5 })).toEqual({ high: 0x1000, low: 0x23405 });
    const pn = encodePN({ high: 1, low: 2 });
    expect(pn.length).toBe(20);
    expect(decodePN(decodeSystemUse(pn)[0])).toEqual({ high: 1, low: 2 });
  });
  it("SL splits targets into component records with ROOT, CURRENT and PARENT flags (RRIP 4.1.3)", () => {
    expect(symlinkComponents("/usr/../lib/./x")).toEqual([
      { flags: SlComponentFlags.root, content: new Uint8Array(0) },
      { flags: 0, content: new Uint8Array(Buffer.from("usr")) },
      { flags: SlComponentFlags.parent, content: new Uint8Array(0) },
      { flags: 0, content: new Uint8Array(Buffer.from("lib")) },
      { flags: SlComponentFlags.current, content: new Uint8Array(0) },
      { flags: 0, content: new Uint8Array(Buffer.from("x")) },
    ]);
    const long = symlinkComponents("a".repeat(600));
    expect(long.map((c) => [c.flags, c.content.length])).toEqual([
      [SlComponentFlags.continue, 248],
      [SlComponentFlags.continue, 248],
      [0, 104],
    ]);
    const sl = encodeSL(0, [{ flags: 0, content: new Uint8Array(Buffer.from("ab")) }]);
    expect(hex(sl)).toBe("534c09010000026162");
    expect(decodeSL(decodeSystemUse(sl)[0]).components[0].content).toEqual(new Uint8Array(Buffer.from("ab")));
  });
  it("NM carries flags and the name bytes (RRIP 4.1.4)", () => {
    const nm = encodeNM(1, new Uint8Array(Buffer.from("näme")));
    expect(hex(nm.subarray(0, 5))).toBe("4e4d0a0101");
    expect(Buffer.from(decodeNM(decodeSystemUse(nm)[0]).name).toString()).toBe("näme");
  });
  it("TF uses 7-byte times, or 17-byte ones with the long-form flag (RRIP 4.1.6)", () => {
    const t = { epochMs: Date.UTC(2024, 0, 31, 12, 34, 56), utcOffsetMinutes: 0 };
    const short = encodeTF(TfFlags.modify | TfFlags.access, [t, t]);
    expect(short.length).toBe(5 + 14);
    expect([...short.subarray(5, 12)]).toEqual([124, 1, 31, 12, 34, 56, 0]);
    const long = encodeTF(TfFlags.modify | TfFlags.longForm, [t]);
    expect(long.length).toBe(5 + 17);
    expect(decodeTF(decodeSystemUse(long)[0]).times[0]).toEqual(t);
  });
});

describe("System Use splitting (SUSP 5.1)", () => {
  it("keeps what fits in the record and moves the rest, leaving room for the CE entry", () => {
    const e = (n: number) => new Uint8Array(n);
    expect(splitSystemUse([e(50), e(50)], 120).pieces).toEqual([]);
    const s = splitSystemUse([e(50), e(50), e(50)], 120);
    expect(s.inRecord.length).toBe(1); // 50 + 28 (CE) fits 120; 100 + 28 would not
    expect(s.pieces).toEqual([[e(50), e(50)]]);
  });
  it("never puts more than a block, less a chaining CE, in one continuation piece", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 4, max: 255 }), { maxLength: 60 }),
        fc.integer({ min: 60, max: 220 }),
        (lens, budget) => {
          const entries = lens.map((n) => new Uint8Array(n));
          const s = splitSystemUse(entries, budget);
          expect([...s.inRecord, ...s.pieces.flat()]).toEqual(entries);
          for (const p of s.pieces) expect(p.reduce((n, x) => n + x.length, 0)).toBeLessThanOrEqual(2048 - CE_LENGTH);
          if (s.pieces.length > 0)
            expect(s.inRecord.reduce((n, x) => n + x.length, 0) + CE_LENGTH).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });
});
