import { beforeAll, describe, expect, it } from "vitest";
import { IMPORT_COLUMNS, checkChunk, copyText, createRowValidator, loadRowSchema } from "../../lib/imports/index.ts";
import type { ChunkContext, RowValidator } from "../../lib/imports/index.ts";

// checkChunk is pure: these run without a database, beside the end-to-end import tests.

let validateRow: RowValidator;
beforeAll(async () => {
  validateRow = createRowValidator(await loadRowSchema());
});

function context(overrides: Partial<ChunkContext> = {}): ChunkContext {
  return {
    jobId: "job-1",
    columns: IMPORT_COLUMNS,
    firstRow: 1,
    firstLine: 2,
    brands: new Map([["acme", { id: "7", name: "Acme" }]]),
    restrictBrand: null,
    today: "2026-01-01",
    validateRow,
    ...overrides,
  };
}

const row = (brand: string, model: string) => `${brand},${model},Kettle,kitchen,24,2024-05-01,\n`;

describe("checkChunk", () => {
  it("turns a valid row into one COPY line with the brand's id and counts it", () => {
    const result = checkChunk(Buffer.from(row("ACME", "K-1")), context());
    expect(result).toMatchObject({ total: 1, valid: 1, invalid: 0, errors: [] });
    expect(result.staging.join("").split("\t").slice(0, 5)).toEqual(["job-1", "1", "2", "7", "K-1"]);
  });

  it("reports an unknown brand, and a brand admin's other brand, on the brand column", () => {
    const data = Buffer.from(row("Nobody", "K-1") + row("Acme", "K-2"));
    const result = checkChunk(data, context({ restrictBrand: "other" }));
    expect(result).toMatchObject({ total: 2, valid: 0, invalid: 2, staging: [] });
    expect(result.errors.map((e) => [e.row, e.line, e.column, e.code])).toEqual([
      [1, 2, "brand", "BRAND_UNKNOWN"],
      [2, 3, "brand", "BRAND_FORBIDDEN"],
    ]);
  });

  it("reports a row with the wrong number of fields without checking its cells", () => {
    const result = checkChunk(Buffer.from("Acme,K-1\n"), context());
    expect(result.errors).toEqual([expect.objectContaining({ row: 1, column: null, code: "RAGGED_ROW", raw: "Acme,K-1" })]);
  });

  it("pins a badly quoted field to its own row and still stages the rows around it", () => {
    const data = Buffer.from(row("Acme", "K-1") + 'Acme,K-2,"Quoted ""badly"" x"y,kitchen,24,,\n' + row("Acme", "K-3"));
    const result = checkChunk(data, context());
    expect(result).toMatchObject({ total: 3, valid: 2, invalid: 1 });
    expect(result.errors.map((e) => [e.row, e.code])).toEqual([[2, "CSV_MALFORMED"]]);
  });
});

describe("copyText", () => {
  it("escapes what COPY's text format would read as structure, and leaves the rest", () => {
    expect(copyText("a\\b\tc\nd\re")).toBe("a\\\\b\\tc\\nd\\re");
    expect(copyText("plain")).toBe("plain");
  });
});
