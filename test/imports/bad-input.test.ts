import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cutChunks, multipartPart, recordSpans } from "../../lib/imports/index.ts";
import type { ChunkEvent } from "../../lib/imports/index.ts";
import { isAppError } from "../../lib/errors/index.ts";
import { createHarness, csv } from "./support/harness.ts";
import type { Harness } from "./support/harness.ts";

const HEADER = "brand,model_number,model_name,category,warranty_months";

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function cut(data: string | Uint8Array, chunkBytes = 32, pieceSize = 7, maxBytes = 1_000_000): Promise<ChunkEvent[]> {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const events: ChunkEvent[] = [];
  for await (const event of cutChunks(pieces(bytes, pieceSize), { chunkBytes, maxBytes, maxRecordBytes: 64 })) events.push(event);
  return events;
}

async function failure(data: string | Uint8Array, maxBytes?: number): Promise<{ code: string; status: number; message: string }> {
  try {
    await cut(data, 32, 7, maxBytes);
  } catch (error) {
    if (isAppError(error)) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error("expected the file to be refused");
}

describe("cutting an upload into chunks", () => {
  it("cuts only on record boundaries, keeping quoted newlines and CRLF inside their record", async () => {
    const rows = ['A,"one\r\ntwo",x,y,1', "B,plain,x,y,2", "", 'C,"q ""x"" \n\n",x,y,3', "D,last,x,y,4"];
    const file = `\uFEFF${HEADER}\r\n${rows.join("\r\n")}`;
    const events = await cut(file);
    expect(events[0]).toEqual({ kind: "header", columns: HEADER.split(",") });
    const chunks = events.flatMap((e) => (e.kind === "chunk" ? [e.chunk] : []));
    expect(chunks.length).toBeGreaterThan(1);
    const all = chunks.flatMap((c) =>
      recordSpans(c.data, c.firstLine).map((span, i) => ({
        row: c.firstRow + i,
        line: span.line,
        text: c.data.toString("utf8", span.start, span.end),
      })),
    );
    expect(all).toEqual([
      { row: 1, line: 2, text: 'A,"one\r\ntwo",x,y,1' },
      { row: 2, line: 4, text: "B,plain,x,y,2" },
      { row: 3, line: 6, text: 'C,"q ""x"" \n\n",x,y,3' },
      { row: 4, line: 9, text: "D,last,x,y,4" },
    ]);
    expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(4);
    expect(events.at(-1)).toEqual({ kind: "end", rows: 4, bytes: Buffer.byteLength(file) });
  });

  it.each([
    ["an empty file", "", "IMPORT_EMPTY"],
    ["blank lines only", "\r\n\r\n", "IMPORT_EMPTY"],
    ["a header only", `${HEADER}\r\n`, "IMPORT_NO_ROWS"],
    ["a header without newline", HEADER, "IMPORT_NO_ROWS"],
  ])("refuses %s", async (_name, file, code) => {
    expect(await failure(file)).toMatchObject({ code, status: 422 });
  });

  it("names missing, unknown and repeated columns", async () => {
    const result = await failure("Brand,model_number,colour,colour\r\nA,B,C,D\r\n");
    expect(result.code).toBe("IMPORT_HEADER_INVALID");
    expect(result.message).toContain("missing column(s): model_name, category, warranty_months");
    expect(result.message).toContain('unknown column(s): "colour", "colour"');
    expect(result.message).toContain("repeated column(s): colour");
  });

  it("refuses UTF-16 with or without a byte-order mark, and names the line of other invalid bytes", async () => {
    const utf16 = Buffer.from(`\uFEFF${HEADER}\r\nA,B,C,D,1\r\n`, "utf16le");
    expect(await failure(utf16)).toMatchObject({ code: "IMPORT_NOT_UTF8", status: 422 });
    expect(await failure(utf16.subarray(2))).toMatchObject({ code: "IMPORT_NOT_UTF8" });
    const latin1 = Buffer.concat([Buffer.from(`${HEADER}\r\nA,B,C,D,1\r\nA,`), Buffer.from([0xe9]), Buffer.from(",C,D,1\r\n")]);
    const result = await failure(latin1);
    expect(result).toMatchObject({ code: "IMPORT_NOT_UTF8" });
    expect(result.message).toContain("line 3");
  });

  it("stops at the size limit while streaming, and on a quote that never closes", async () => {
    expect(await failure(`${HEADER}\r\n${"A,B,C,D,1\r\n".repeat(100)}`, 500)).toMatchObject({ code: "IMPORT_TOO_LARGE", status: 413 });
    const unclosed = await failure(`${HEADER}\r\nA,B,C,D,1\r\nA,"open,C,D,1\r\n${"x,y,z,w,1\r\n".repeat(30)}`);
    expect(unclosed).toMatchObject({ code: "IMPORT_MALFORMED_CSV" });
    expect(unclosed.message).toContain("line 3");
  });

  it("reads the file part of a multipart body split anywhere", async () => {
    const body = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="other"\r\n\r\nskip me\r\n--XyZ\r\n' +
        'Content-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n' +
        "a,b\r\n1,2\r\n--X\r\n\r\n--XyZ--\r\n",
    );
    for (const size of [1, 3, 11, 1000]) {
      const parts: Buffer[] = [];
      for await (const part of multipartPart(pieces(body, size), "XyZ", "file")) parts.push(part);
      expect(Buffer.concat(parts).toString()).toBe("a,b\r\n1,2\r\n--X\r\n");
    }
    await expect(async () => {
      for await (const _ of multipartPart(pieces(body, 5), "XyZ", "missing")) void _;
    }).rejects.toMatchObject({ code: "IMPORT_FILE_MISSING" });
  });
});

describe("the upload route's answers to bad files", () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness("postgres", { maxBytes: 2048 });
    admin = await h.token("super_admin");
  });
  afterAll(async () => h?.stop());

  async function refused(response: Response) {
    const body = (await response.json()) as { error: { code: string; message: string; details?: { importId?: string } } };
    return { status: response.status, code: body.error.code, importId: body.error.details?.importId };
  }

  it("answers 415 for a body that is neither text/csv nor multipart, and creates no job", async () => {
    const response = await h.upload(csv(["a,b,c,d,1"]), { dryRun: true, token: admin, contentType: "application/json" });
    expect(await refused(response)).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    const { rows } = await h.db.pool.query("select id from import_jobs");
    expect(rows).toEqual([]);
  });

  it.each([
    ["empty", "", 422, "IMPORT_EMPTY"],
    ["header only", `${HEADER}\r\n`, 422, "IMPORT_NO_ROWS"],
    ["missing columns", "brand,model_number\r\nA,B\r\n", 422, "IMPORT_HEADER_INVALID"],
    ["over the size limit", `${HEADER}\r\n${"Acme,X,Y,Z,1\r\n".repeat(400)}`, 413, "IMPORT_TOO_LARGE"],
  ])("fails the job and answers the reason for a file that is %s", async (_name, file, status, code) => {
    const response = await h.upload(file, { dryRun: true, token: admin });
    const answer = await refused(response);
    expect(answer).toMatchObject({ status, code });
    const job = await h.app.request(`/api/v1/imports/${answer.importId}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(await job.json()).toMatchObject({ status: "failed", error: { code } });
  });

  it("requires dryRun and bounds maxInvalidPercent", async () => {
    const missing = await h.app.request("/api/v1/imports", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "text/csv" },
      body: "x",
    });
    expect(missing.status).toBe(422);
    expect((await h.upload("x", { dryRun: true, token: admin, maxInvalidPercent: 101 })).status).toBe(422);
  });

  it("serves the template and the row schema, which agree with each other", async () => {
    const auth = { headers: { authorization: `Bearer ${admin}` } };
    const template = await (await h.app.request("/api/v1/imports/template.csv", auth)).text();
    const schema = (await (await h.app.request("/api/v1/imports/schema.json", auth)).json()) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    const header = template.split("\r\n")[0]?.split(",");
    expect(header).toEqual(Object.keys(schema.properties));
    expect(schema.required).toEqual(["brand", "model_number", "model_name", "category", "warranty_months"]);
  });
});
