import { describe, expect, it } from "vitest";
import { backoffDelay, loopBackoff } from "../../lib/bus/index.ts";

describe("backoffDelay", () => {
  it("doubles per failed attempt up to the cap, keeping half the step and jittering the other half", () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});

describe("loopBackoff", () => {
  it("pauses a polling loop twice its interval after the first failure, doubling to 30 s", () => {
    const upper = (failures: number) => Array.from({ length: 50 }, () => loopBackoff(failures, 1000));
    expect(Math.max(...upper(1))).toBeLessThanOrEqual(2000);
    expect(Math.min(...upper(1))).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...upper(10))).toBeLessThanOrEqual(30_000);
    expect(Math.min(...upper(10))).toBeGreaterThanOrEqual(15_000);
  });
});
