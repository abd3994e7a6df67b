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
