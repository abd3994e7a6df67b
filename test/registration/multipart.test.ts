import { describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors/index.ts";
import { multipartBoundary, parseMultipart } from "../../lib/multipart/index.ts";

const BOUNDARY = "XyZ--boundary";

function body(parts: readonly { name: string; filename?: string; type?: string; data: Buffer }[], preamble = ""): Buffer {
  const pieces: Buffer[] = [Buffer.from(preamble)];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ""}`;
    const type = part.type ? `\r\nContent-Type: ${part.type}` : "";
    pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`), part.data, Buffer.from("\r\n"));
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

/** Feeds `bytes` in chunks of `size`, so delimiters straddle chunk edges. */
async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>) {
  const parts: { name: string; filename: string | undefined; contentType: string | undefined; data: Buffer }[] = [];
  for await (const part of parseMultipart(source, BOUNDARY)) {
    const chunks: Buffer[] = [];
    for await (const chunk of part.body) chunks.push(chunk);
    parts.push({ name: part.name, filename: part.filename, contentType: part.contentType, data: Buffer.concat(chunks) });
  }
  return parts;
}

describe("streaming multipart parser", () => {
  // Binary content that contains CRLFs, dashes and most of the delimiter.
  const binary = Buffer.concat([Buffer.from(`\r\n--${BOUNDARY.slice(0, -1)}\r\n--`), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))]);
  const form = body(
    [
      { name: "brand", data: Buffer.from("Acme") },
      { name: "invoice", filename: "a \\\"b\\\".pdf", type: "application/pdf", data: binary },
      { name: "empty", data: Buffer.alloc(0) },
    ],
    "preamble to ignore\r\n",
  );

  it.each([1, 2, 7, 64, 4096, form.length])("gives the same parts whatever the chunk size (%i)", async (size) => {
    const parts = await collect(chunked(form, size));
    expect(parts.map((p) => [p.name, p.filename, p.contentType, p.data.length])).toEqual([
      ["brand", undefined, undefined, 4],
      ["invoice", 'a "b".pdf', "application/pdf", binary.length],
      ["empty", undefined, undefined, 0],
    ]);
    expect(parts[1]?.data.equals(binary)).toBe(true);
  });

  it("skips the rest of a part its reader abandoned", async () => {
    const names: string[] = [];
    for await (const part of parseMultipart(chunked(form, 100), BOUNDARY)) {
      names.push(part.name);
      for await (const chunk of part.body) {
        void chunk;
        break;
      }
    }
    expect(names).toEqual(["brand", "invoice", "empty"]);
  });

  it.each([
    ["a truncated body", form.subarray(0, form.length - 30)],
    ["a part without a name", Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${BOUNDARY}--`)],
    ["a header block without an end", Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n${"X-Pad: y\r\n".repeat(2000)}`)],
  ])("refuses %s with 400 MULTIPART_INVALID", async (_what, bytes) => {
    const error = await collect(chunked(bytes, 512)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error, "MULTIPART_INVALID") && error.status).toBe(400);
  });

  it("takes the boundary from the content type, quoted or not", () => {
    expect(multipartBoundary("multipart/form-data; boundary=abc")).toBe("abc");
    expect(multipartBoundary('multipart/form-data; charset=utf-8; boundary="a b:c"')).toBe("a b:c");
    expect(() => multipartBoundary("application/json")).toThrow(/multipart/);
    expect(() => multipartBoundary("multipart/form-data")).toThrow(/boundary/);
  });
});
