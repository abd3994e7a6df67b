import { describe, expect, it } from "vitest";
import { compileSerialFormat, serialFormatProblem } from "../../lib/serial-format/index.ts";

describe("serial formats", () => {
  it("matches digits, letters, alphanumerics, literals and repetitions, ignoring case", () => {
    const format = compileSerialFormat("SN-#{4}-@@*{0,3}");
    expect(format.matches("SN-2024-AB7")).toBe(true);
    expect(format.matches("sn-2024-ab")).toBe(true);
    expect(format.matches("SN-2024-AB7XYZ")).toBe(false);
    expect(format.matches("SN-202-AB")).toBe(false);
    expect(format.matches("XSN-2024-AB")).toBe(false);
  });

  it("treats escaped mask characters as literals", () => {
    const format = compileSerialFormat("\\#\\@##");
    expect(format.matches("#@12")).toBe(true);
    expect(format.matches("1a12")).toBe(false);
  });

  it("rejects syntax it does not know, naming the position", () => {
    expect(serialFormatProblem("AB(1)")).toMatch(/"\(" at position 3/);
    expect(serialFormatProblem("#{9,2}")).toMatch(/repetition \{9,2\}/);
    expect(serialFormatProblem("#{99}")).toMatch(/≤ 64/);
    expect(serialFormatProblem("AB\\")).toMatch(/lone/);
    expect(serialFormatProblem("")).toMatch(/1 to 100/);
    expect(serialFormatProblem("AB-##")).toBeUndefined();
  });

  it("bounds every repetition, so inputs that would hang a backtracking pattern finish", () => {
    const format = compileSerialFormat("*{1,64}*{1,64}*{1,64}#");
    const hostile = "a".repeat(200);
    expect(format.matches(hostile)).toBe(false);
    expect(format.matches(`${"a".repeat(150)}!`)).toBe(false);
  });
});

/** The mask grammar as a backtracking RegExp: the reference the linear matcher must agree with. */
function referencePattern(mask: string): RegExp {
  const classes: Record<string, string> = { "#": "[0-9]", "@": "[A-Za-z]", "*": "[A-Za-z0-9]" };
  const source = mask.replace(/\\(.)|([#@*])|([^{},\d\\])|(\{\d+(?:,\d+)?\})|(\d)/g, (_m, escaped: string, cls: string, lit: string, rep: string, digit: string) => {
    if (escaped !== undefined) return `\\${escaped}`;
    if (cls !== undefined) return classes[cls] ?? "";
    if (lit !== undefined) return lit === "." || lit === "/" || lit === "-" ? `\\${lit}` : lit;
    return rep ?? digit;
  });
  return new RegExp(`^${source}$`, "i");
}

/** A deterministic pseudo-random sequence, so a failure names a reproducible case. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe("serial formats under hostile input", () => {
  it("answers the worst mask allowed within 50 ms, for serials up to the cap and beyond", () => {
    // Fourteen `*{1,64}` groups then a digit: 99 characters, the most ambiguous mask the grammar allows.
    const hostileMask = `${"*{1,64}".repeat(14)}#`;
    expect(hostileMask.length).toBeLessThanOrEqual(100);
    const format = compileSerialFormat(hostileMask);
    for (const serial of ["a".repeat(100), "a".repeat(255), `${"a".repeat(255)}!`, "a".repeat(1000)]) {
      const started = performance.now();
      expect(format.matches(serial)).toBe(false);
      expect(performance.now() - started, `${serial.length} characters`).toBeLessThan(50);
    }
    expect(format.matches(`${"a".repeat(254)}7`)).toBe(true);
  });

  it("agrees with the backtracking reading of the same mask on random short masks and serials", () => {
    const random = seeded(17);
    const pick = (options: string) => options[Math.floor(random() * options.length)] ?? "";
    for (let round = 0; round < 500; round += 1) {
      let mask = "";
      for (let t = 0; t < 1 + Math.floor(random() * 5); t += 1) {
        mask += pick("#@*A1-");
        if (random() < 0.5) {
          const min = Math.floor(random() * 3);
          mask += `{${min},${min + 1 + Math.floor(random() * 3)}}`;
        }
      }
      const format = compileSerialFormat(mask);
      const reference = referencePattern(mask);
      for (let s = 0; s < 10; s += 1) {
        let serial = "";
        for (let c = 0; c < Math.floor(random() * 12); c += 1) serial += pick("a1A-9z");
        expect(format.matches(serial), `${mask} against ${JSON.stringify(serial)}`).toBe(reference.test(serial));
      }
    }
  });
});
