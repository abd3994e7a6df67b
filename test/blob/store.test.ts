import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import type { BlobStore } from "../../lib/blob/index.ts";
import { startAzurite } from "../../lib/embedded/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import { testLogger } from "../support/bus.ts";

const MiB = 1024 * 1024;

/**
 * A deterministic byte stream of `total` bytes made on demand (never held whole), reporting
 * how many bytes were actually pulled and their SHA-256.
 */
function generated(total: number, options: { failAt?: number } = {}) {
  const hash = createHash("sha256");
  let produced = 0;
  let counter = 0;
  const stream = new Readable({
    read() {
      if (options.failAt !== undefined && produced >= options.failAt) {
        this.destroy(new Error("client went away"));
        return;
      }
      if (produced >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(64 * 1024, total - produced);
      const chunk = Buffer.alloc(size);
      for (let offset = 0; offset < size; offset += 32) {
        createHash("sha256").update(String(counter++)).digest().copy(chunk, offset);
      }
      produced += size;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, produced: () => produced, sha256: () => hash.digest("hex") };
}

async function sha256Of(stream: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest("hex") };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function names(store: BlobStore, container: string, prefix: string) {
  const found: Array<{ name: string; size: number }> = [];
  for await (const entry of store.list(container, prefix)) found.push(entry);
  return found;
}

describe("Azure blob store (Azurite)", () => {
  const prefix = `t${inject("runId")}${randomUUID().slice(0, 6)}-`;
  const store = createAzureBlobStore({ connectionString: inject("storageConnectionString"), containerPrefix: prefix });
  afterAll(async () => {
    // The store never drops containers; the storage account may outlive this run.
    const service = BlobServiceClient.fromConnectionString(inject("storageConnectionString"));
    for await (const container of service.listContainers({ prefix })) await service.deleteContainer(container.name);
  });

  it("streams a multi-megabyte upload in and back out unchanged", async () => {
    const source = generated(5 * MiB + 12_345);
    const stored = await store.upload("invoices", "a/b/big.bin", source.stream, {
      contentType: "application/octet-stream",
      maxBytes: 10 * MiB,
    });
    expect(stored).toEqual({ size: 5 * MiB + 12_345, sha256: source.sha256() });
    expect(await sha256Of(await store.download("invoices", "a/b/big.bin"))).toEqual(stored);
    expect(await store.exists("invoices", "a/b/big.bin")).toBe(true);
    expect(await names(store, "invoices", "a/b/")).toEqual([{ name: "a/b/big.bin", size: stored.size }]);
    expect(await store.delete("invoices", "a/b/big.bin")).toBe(true);
    expect(await store.exists("invoices", "a/b/big.bin")).toBe(false);
    expect(await store.delete("invoices", "a/b/big.bin")).toBe(false);
  });

  it("aborts an upload mid-stream once it passes maxBytes and leaves no blob", async () => {
    const source = generated(40 * MiB);
    const error = await rejection(store.upload("invoices", "too-big.bin", source.stream, { maxBytes: 3 * MiB + 1 }));
    expect(error).toMatchObject({ code: "BLOB_TOO_LARGE", status: 413, retryable: false, details: { maxBytes: 3 * MiB + 1 } });
    expect(source.produced()).toBeLessThan(40 * MiB);
    expect(source.stream.destroyed).toBe(true);
    expect(await store.exists("invoices", "too-big.bin")).toBe(false);
    expect(await names(store, "invoices", "too-big")).toEqual([]);
  });

  it("keeps the previous blob when an oversized or failing upload replaces it", async () => {
    const original = generated(1000);
    const stored = await store.upload("invoices", "replace.bin", original.stream);
    await rejection(store.upload("invoices", "replace.bin", generated(6 * MiB).stream, { maxBytes: 5 * MiB }));
    const failing = await rejection(store.upload("invoices", "replace.bin", generated(6 * MiB, { failAt: 5 * MiB }).stream));
    expect(failing).toMatchObject({ code: "BLOB_SOURCE_FAILED", retryable: false });
    expect(failing.cause).toBeInstanceOf(Error);
    expect(await sha256Of(await store.download("invoices", "replace.bin"))).toEqual(stored);
  });

  it("hands out a read-only signed URL that plain fetch can use", async () => {
    const body = Buffer.from("%PDF-1.4 invoice");
    await store.upload("invoices", "signed/invoice.pdf", Readable.from([body]), { contentType: "application/pdf" });
    const url = await store.signedUrl("invoices", "signed/invoice.pdf", { expiresInSeconds: 60 });
    expect(new URL(url).searchParams.get("sp")).toBe("r");
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await response.arrayBuffer())).toEqual(body);
    const write = await fetch(url, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: "overwritten" });
    expect(write.status).toBe(403);
    const tampered = new URL(url);
    tampered.searchParams.set("sp", "rw");
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("reports missing blobs and containers as BLOB_NOT_FOUND", async () => {
    await store.upload("invoices", "present.txt", Readable.from([Buffer.from("x")]));
    expect(await rejection(store.download("invoices", "absent.txt"))).toMatchObject({ code: "BLOB_NOT_FOUND", status: 404 });
    expect(await rejection(store.download("nosuchcontainer", "x"))).toMatchObject({ code: "BLOB_NOT_FOUND" });
    expect(await store.exists("nosuchcontainer", "x")).toBe(false);
    expect(await store.delete("nosuchcontainer", "x")).toBe(false);
    expect(await names(store, "nosuchcontainer", "")).toEqual([]);
  });

  it("rejects container names storage would refuse", async () => {
    expect(await rejection(store.exists("Bad_Name", "x"))).toMatchObject({ code: "BLOB_INVALID_CONTAINER" });
  });

  it("pings a running store and fails fast and retryable against a stopped one", async () => {
    await store.ping();
    const own = await startAzurite({ port: 0, inMemory: true, logger: testLogger() });
    const ownStore = createAzureBlobStore({ connectionString: own.connectionString });
    await ownStore.ping();
    await own.stop();
    const error = await rejection(ownStore.ping());
    expect(error).toMatchObject({ code: "BLOB_UNAVAILABLE", retryable: true, status: 503 });
    expect(error.cause).toBeDefined();
  });
});
