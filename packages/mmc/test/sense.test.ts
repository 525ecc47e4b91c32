// Sense data decoding (SPC-4 fixed and descriptor formats), the ASC/ASCQ table, ScsiError and retry advice.
import { describe, expect, it } from "vitest";
import {
  ascText,
  decodeSense,
  describeSense,
  encodeFixedSense,
  fromHex,
  OPCODE,
  parseRequestSense,
  retryAdvice,
  SCSI_STATUS,
  ScsiError,
  SENSE_KEY,
  type SenseData,
  senseHint,
  senseKeyName,
} from "../src/index.js";

const h = fromHex;

/** Fixed-format sense as tgt builds it (sense_data_build: 70h, key, additional length 0Ah, ASC, ASCQ). */
function tgtSense(key: number, asc: number, ascq: number): Uint8Array {
  const s = new Uint8Array(18);
  s[0] = 0x70;
  s[2] = key;
  s[7] = 0x0a;
  s[12] = asc;
  s[13] = ascq;
  return s;
}

function sense(key: number, asc: number, ascq: number): SenseData {
  return decodeSense(tgtSense(key, asc, ascq))!;
}

describe("decodeSense", () => {
  it("fixed format: VALID, sense key, information, command-specific information, ASC/ASCQ, FRU", () => {
    const s = decodeSense(h("f0 00 23 00 01 e2 40 0a 01 02 03 04 11 05 07 00 00 00"));
    expect(s).toEqual({
      format: "fixed",
      responseCode: 0x70,
      deferred: false,
      key: SENSE_KEY.MEDIUM_ERROR,
      asc: 0x11,
      ascq: 0x05,
      valid: true,
      information: 123456,
      commandSpecific: 0x01020304,
      ili: true,
      fieldReplaceableUnit: 7,
      senseKeySpecific: undefined,
      descriptors: [],
    });
  });

  it("fixed format as tgt sends it, and a deferred error", () => {
    expect(decodeSense(tgtSense(2, 0x24, 0))).toMatchObject({
      key: 2,
      asc: 0x24,
      ascq: 0,
      valid: false,
      deferred: false,
    });
    expect(decodeSense(h("71 00 03 00 00 00 00 0a 00 00 00 00 0c 00 00 00 00 00"))).toMatchObject({
      deferred: true,
      key: 3,
      asc: 0x0c,
    });
  });

  it("sense-key specific: field pointer for ILLEGAL REQUEST, progress for NOT READY, retries for MEDIUM ERROR", () => {
    expect(decodeSense(h("70 00 05 00 00 00 00 0a 00 00 00 00 24 00 00 cb 00 02"))?.senseKeySpecific).toEqual({
      kind: "field-pointer",
      commandData: true,
      fieldPointer: 2,
      bitPointer: 3,
    });
    expect(decodeSense(h("70 00 05 00 00 00 00 0a 00 00 00 00 26 00 00 80 00 0a"))?.senseKeySpecific).toEqual({
      kind: "field-pointer",
      commandData: false,
      fieldPointer: 10,
    });
    expect(decodeSense(h("70 00 02 00 00 00 00 0a 00 00 00 00 04 04 00 80 80 00"))?.senseKeySpecific).toEqual({
      kind: "progress",
      progress: 0.5,
    });
    expect(decodeSense(h("70 00 03 00 00 00 00 0a 00 00 00 00 11 00 00 80 00 05"))?.senseKeySpecific).toEqual({
      kind: "retry-count",
      count: 5,
    });
    // SKSV clear: no sense-key specific information.
    expect(decodeSense(h("70 00 02 00 00 00 00 0a 00 00 00 00 04 04 00 00 80 00"))?.senseKeySpecific).toBeUndefined();
  });

  it("the additional sense length bounds the fields: 6 covers ASC/ASCQ, 4 does not", () => {
    expect(decodeSense(h("70 00 06 00 00 00 00 06 00 00 00 00 28 00"))).toMatchObject({ key: 6, asc: 0x28, ascq: 0 });
    expect(decodeSense(h("70 00 06 00 00 00 00 04 00 00 00 00 28 00"))).toMatchObject({ key: 6, asc: 0, ascq: 0 });
  });

  it("descriptor format: information, sense-key specific and progress indication descriptors", () => {
    const s = decodeSense(h("72 03 11 00 00 00 00 14 00 0a 80 00 00 00 00 00 00 01 e2 40 02 06 00 00 80 00 03 00"));
    expect(s).toMatchObject({
      format: "descriptor",
      responseCode: 0x72,
      key: 3,
      asc: 0x11,
      ascq: 0,
      valid: true,
      information: 123456,
      senseKeySpecific: { kind: "retry-count", count: 3 },
    });
    expect(s?.descriptors.map((d) => d.type)).toEqual([0x00, 0x02]);
    const progress = decodeSense(h("73 02 04 07 00 00 00 08 0a 06 02 04 07 00 40 00"));
    expect(progress).toMatchObject({
      deferred: true,
      key: 2,
      asc: 4,
      ascq: 7,
      senseKeySpecific: { kind: "progress", progress: 0.25 },
    });
  });

  it("no sense data: empty, or a response code outside 70h-73h", () => {
    expect(decodeSense(new Uint8Array(0))).toBeUndefined();
    expect(decodeSense(h("7f 00 00 00"))).toBeUndefined();
    expect(parseRequestSense(new Uint8Array(18))).toBeUndefined();
    expect(parseRequestSense(tgtSense(6, 0x28, 0))?.asc).toBe(0x28);
  });
});

describe("ASC/ASCQ table", () => {
  it("has readable text for what burners meet", () => {
    const expected: [number, number, RegExp][] = [
      [0x00, 0x00, /no additional sense/],
      [0x04, 0x01, /becoming ready/],
      [0x04, 0x02, /initializing command required/],
      [0x04, 0x07, /operation in progress/],
      [0x04, 0x08, /long write in progress/],
      [0x28, 0x00, /not ready to ready change/],
      [0x29, 0x00, /power on, reset/],
      [0x3a, 0x00, /^medium not present$/],
      [0x3a, 0x01, /tray closed/],
      [0x3a, 0x02, /tray open/],
      [0x24, 0x00, /invalid field in CDB/],
      [0x20, 0x00, /invalid command operation code/],
      [0x21, 0x00, /logical block address out of range/],
      [0x21, 0x02, /invalid address for write/],
      [0x2c, 0x00, /command sequence error/],
      [0x30, 0x05, /cannot write medium - incompatible format/],
      [0x30, 0x06, /cannot format medium/],
      [0x31, 0x00, /medium format corrupted/],
      [0x0c, 0x00, /^write error$/],
      [0x0c, 0x09, /loss of streaming/],
      [0x11, 0x00, /unrecovered read error/],
      [0x64, 0x00, /illegal mode for this track/],
      [0x72, 0x00, /session fixation error/],
      [0x72, 0x03, /incomplete track in session/],
      [0x73, 0x01, /power calibration area almost full/],
      [0x73, 0x03, /power calibration area error/],
      [0x73, 0x05, /program memory area is full/],
      [0x27, 0x00, /write protected/],
      [0x5d, 0x00, /failure prediction threshold exceeded/],
      [0x5d, 0x01, /media failure prediction/],
      [0x57, 0x00, /unable to recover table-of-contents/],
      [0x53, 0x02, /medium removal prevented/],
    ];
    for (const [asc, ascq, text] of expected) expect(ascText(asc, ascq), `${asc}/${ascq}`).toMatch(text);
  });

  it("falls back by range, vendor code and ASC family", () => {
    expect(ascText(0x40, 0x81)).toBe("diagnostic failure on component 81h");
    expect(ascText(0x04, 0x85)).toBe("vendor specific (ASC 04h, ASCQ 85h)");
    expect(ascText(0x80, 0x00)).toBe("vendor specific (ASC 80h, ASCQ 00h)");
    expect(ascText(0x72, 0x10)).toBe("session fixation error (ASCQ 10h)");
    expect(ascText(0x7e, 0x01)).toBe("ASC 7Eh, ASCQ 01h");
  });

  it("names sense keys", () => {
    expect([0, 2, 5, 6, 0xb].map(senseKeyName)).toEqual([
      "NO SENSE",
      "NOT READY",
      "ILLEGAL REQUEST",
      "UNIT ATTENTION",
      "ABORTED COMMAND",
    ]);
    expect(describeSense(sense(2, 0x3a, 0x02))).toBe("NOT READY, medium not present - tray open (2/3A/02)");
  });

  it("gives a hint by ASC/ASCQ, then ASC, then sense key", () => {
    expect(senseHint(sense(5, 0x21, 0x02))).toMatch(/next writable address/);
    expect(senseHint(sense(2, 0x3a, 0x01))).toMatch(/insert one/);
    expect(senseHint(sense(4, 0x99, 0x00))).toMatch(/hardware failure/);
    expect(senseHint(sense(2, 0x24, 0x00))).toMatch(/rejected a field/);
  });
});

describe("ScsiError", () => {
  it("says which command failed, where, what the drive reported and what to do", () => {
    const raw = encodeFixedSense({
      key: SENSE_KEY.ILLEGAL_REQUEST,
      asc: 0x21,
      ascq: 0x02,
      valid: true,
      information: 4096,
    });
    const err = new ScsiError({ opcode: OPCODE.WRITE_10, sense: decodeSense(raw), device: "/dev/sr0" });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("ScsiError");
    expect(err.message).toBe(
      "/dev/sr0: WRITE(10) failed at LBA 4096: ILLEGAL REQUEST, invalid address for write (5/21/02). " +
        "The drive accepts writes only at the next writable address of an open track: read it again and write there.",
    );
    expect([err.command, err.opcode, err.status, err.senseKey, err.asc, err.ascq]).toEqual([
      "WRITE(10)",
      0x2a,
      2,
      5,
      0x21,
      2,
    ]);
    expect([err.is(0x21), err.is(0x21, 0x02), err.is(0x21, 0x00), err.is(0x3a)]).toEqual([true, true, false, false]);
    expect(err.advice.retry).toBe(false);
  });

  it("tgt's answers: medium not present, and INVALID FIELD IN CDB under NOT READY", () => {
    const noDisc = new ScsiError({ opcode: OPCODE.TEST_UNIT_READY, sense: sense(2, 0x3a, 0x00) });
    expect(noDisc.message).toBe(
      "TEST UNIT READY failed: NOT READY, medium not present (2/3A/00). There is no disc in the drive: insert one.",
    );
    const rti = new ScsiError({ opcode: OPCODE.READ_TRACK_INFORMATION, sense: sense(2, 0x24, 0x00), lba: 0 });
    expect(rti.message).toMatch(
      /^READ TRACK INFORMATION failed at LBA 0: NOT READY, invalid field in CDB \(2\/24\/00\)\. The drive rejected/,
    );
    expect(rti.advice.retry).toBe(false);
    const reserve = new ScsiError({ opcode: OPCODE.RESERVE_TRACK, sense: sense(5, 0x20, 0x00) });
    expect(reserve.message).toMatch(
      /RESERVE TRACK failed: ILLEGAL REQUEST, invalid command operation code \(5\/20\/00\)\. The drive does not/,
    );
  });

  it("deferred errors and statuses without sense", () => {
    const deferred = new ScsiError({
      opcode: OPCODE.SYNCHRONIZE_CACHE_10,
      sense: decodeSense(h("71 00 03 00 00 00 00 0a 00 00 00 00 0c 00 00 00 00 00")),
    });
    expect(deferred.message).toMatch(/\(deferred: reported for an earlier command\)\. Writing failed/);
    const busy = new ScsiError({ opcode: OPCODE.READ_10, status: SCSI_STATUS.BUSY });
    expect(busy.message).toBe("READ(10) failed with BUSY. The drive is busy with other commands; try again.");
    expect(busy.advice).toMatchObject({ retry: true, delayMs: 100 });
    const bare = new ScsiError({ opcode: 0xee, command: "VENDOR THING" });
    expect(bare.message).toBe("VENDOR THING failed with CHECK CONDITION and no sense data.");
    const cause = new Error("EIO");
    expect(new ScsiError({ opcode: 0, cause }).cause).toBe(cause);
  });
});

describe("retryAdvice", () => {
  it("UNIT ATTENTION: retry at once; after a medium change or reset the cached state is stale", () => {
    for (const [asc, ascq] of [
      [0x28, 0x00],
      [0x29, 0x00],
      [0x29, 0x02],
      [0x2a, 0x01],
    ]) {
      expect(retryAdvice(sense(6, asc, ascq))).toMatchObject({ retry: true, delayMs: 0, mediumMayHaveChanged: true });
    }
    expect(retryAdvice(sense(6, 0x5a, 0x01))).toMatchObject({ retry: true, mediumMayHaveChanged: false });
    expect(retryAdvice(sense(6, 0x28, 0)).maxWaitMs).toBeGreaterThan(0);
  });

  it("NOT READY that clears by itself: poll, bounded", () => {
    const becoming = retryAdvice(sense(2, 0x04, 0x01));
    const operation = retryAdvice(sense(2, 0x04, 0x07));
    const longWrite = retryAdvice(sense(2, 0x04, 0x08));
    const format = retryAdvice(sense(2, 0x04, 0x04));
    for (const a of [becoming, operation, longWrite, format]) {
      expect(a.retry).toBe(true);
      expect(a.delayMs).toBeGreaterThan(0);
      expect(a.maxWaitMs).toBeGreaterThan(a.delayMs);
      expect(a.maxWaitMs).toBeLessThanOrEqual(4 * 3600 * 1000);
    }
    expect(longWrite.delayMs).toBeLessThan(becoming.delayMs);
    expect(becoming.maxWaitMs).toBeLessThan(operation.maxWaitMs);
    const withProgress = decodeSense(h("70 00 02 00 00 00 00 0a 00 00 00 00 04 07 00 80 40 00"));
    expect(retryAdvice(withProgress).progress).toBe(0.25);
  });

  it("NOT READY that does not clear: no medium, start unit needed, and tgt's invalid field", () => {
    expect(retryAdvice(sense(2, 0x3a, 0x00))).toMatchObject({ retry: false, maxWaitMs: 0 });
    expect(retryAdvice(sense(2, 0x3a, 0x02)).retry).toBe(false);
    expect(retryAdvice(sense(2, 0x04, 0x02))).toMatchObject({ retry: false, needsStartUnit: true });
    expect(retryAdvice(sense(2, 0x04, 0x03)).retry).toBe(false);
    expect(retryAdvice(sense(2, 0x24, 0x00)).retry).toBe(false);
  });

  it("the rest", () => {
    expect(retryAdvice(sense(0xb, 0x47, 0x00))).toMatchObject({ retry: true, delayMs: 100 });
    expect(retryAdvice(sense(5, 0x21, 0x02)).retry).toBe(false);
    expect(retryAdvice(sense(3, 0x0c, 0x09)).retry).toBe(false);
    expect(retryAdvice(sense(1, 0x17, 0x01)).reason).toMatch(/completed/);
    expect(retryAdvice(sense(0, 0x00, 0x16)).retry).toBe(true);
    expect(retryAdvice(undefined)).toMatchObject({ retry: false });
    expect(retryAdvice(undefined, SCSI_STATUS.TASK_SET_FULL).retry).toBe(true);
    expect(retryAdvice(undefined, SCSI_STATUS.GOOD).retry).toBe(false);
  });
});
