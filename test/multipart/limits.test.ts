import { describe, expect, it } from "vitest";
import { parseMultipart } from "../../lib/multipart/index.ts";
import type { MultipartLimits } from "../../lib/multipart/index.ts";
import { rejectionOf } from "../support/errors.ts";

const BOUNDARY = "lim1ts";

function part(name: string, data: Buffer | string, filename?: string): Buffer {
  const file = filename === undefined ? "" : `; filename="${filename}"`;
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n\r\n`), Buffer.from(data), Buffer.from("\r\n")]);
}

function form(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

async function* chunked(bytes: Buffer, size = 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(bytes: Buffer, limits: MultipartLimits): Promise<number> {
  let total = 0;
  for await (const p of parseMultipart(chunked(bytes), BOUNDARY, limits)) for await (const chunk of p.body) total += chunk.length;
  return total;
}

describe("multipart limits", () => {
  it.each([
    ["a field", form(part("note", "x".repeat(101))), { maxFieldBytes: 100 }, 100],
    ["a file", form(part("doc", "x".repeat(2001), "a.bin")), { maxFileBytes: 2000 }, 2000],
    ["the whole body, framing and preamble counted", Buffer.concat([Buffer.from("p".repeat(950)), form(part("a", "x"))]), { maxTotalBytes: 1000 }, 1000],
  ])("refuses %s past its limit with 413 MULTIPART_TOO_LARGE", async (_what, bytes, limits, max) => {
    const error = await rejectionOf(readAll(bytes, limits));
    expect([error.code, error.status, error.details]).toEqual(["MULTIPART_TOO_LARGE", 413, { maxBytes: max }]);
  });

  it("refuses more parts than allowed with 400 MULTIPART_INVALID", async () => {
    const error = await rejectionOf(readAll(form(part("a", "1"), part("b", "2"), part("c", "3")), { maxParts: 2 }));
    expect([error.code, error.status]).toEqual(["MULTIPART_INVALID", 400]);
  });

  it("accepts a body exactly at its limits", async () => {
    const bytes = form(part("note", "x".repeat(100)), part("doc", "y".repeat(2000), "a.bin"));
    expect(await readAll(bytes, { maxFieldBytes: 100, maxFileBytes: 2000, maxTotalBytes: bytes.length })).toBe(2100);
  });

  it("streams a large file: the source is read only as fast as the part is", async () => {
    const size = 8 * 1024 * 1024;
    const bytes = form(part("big", Buffer.alloc(size, 7), "big.bin"));
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(bytes, 64 * 1024)) {
        pulled += chunk.byteLength;
        yield chunk;
      }
    }
    let largest = 0;
    let read = 0;
    let pulledAtFirstChunk = 0;
    for await (const p of parseMultipart(source(), BOUNDARY, { maxFileBytes: size })) {
      for await (const chunk of p.body) {
        if (read === 0) pulledAtFirstChunk = pulled;
        read += chunk.length;
        largest = Math.max(largest, chunk.length);
      }
    }
    expect(read).toBe(size);
    expect(pulledAtFirstChunk).toBeLessThan(size / 4);
    expect(largest).toBeLessThanOrEqual(256 * 1024);
  });
});
