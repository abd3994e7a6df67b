import { Readable, pipeline } from "node:stream";
import { BlobSASPermissions, BlobServiceClient } from "@azure/storage-blob";
import type { ContainerClient } from "@azure/storage-blob";
import { AppError } from "../errors/index.ts";
import { blobNotFound, isNotFound, storageError } from "./errors.ts";
import { createMeter } from "./meter.ts";

/** What an upload stored: its size in bytes and the hex SHA-256 of its content. */
export interface UploadResult {
  readonly size: number;
  readonly sha256: string;
}

/** How to store an upload; `maxBytes` bounds the body, which is never held whole in memory. */
export interface UploadOptions {
  readonly contentType?: string;
  readonly maxBytes?: number;
}

/** One entry of {@link BlobStore.list}. */
export interface BlobEntry {
  readonly name: string;
  readonly size: number;
}

/**
 * Named binary objects in containers. Failures are AppErrors: `BLOB_NOT_FOUND` (404),
 * `BLOB_TOO_LARGE` (413), `BLOB_UNAVAILABLE` (retryable), `BLOB_REQUEST_FAILED`.
 */
export interface BlobStore {
  /** Streams `body` in; on any failure, including `BLOB_TOO_LARGE`, no blob (or the previous one) remains. */
  upload(container: string, name: string, body: Readable, options?: UploadOptions): Promise<UploadResult>;
  download(container: string, name: string): Promise<Readable>;
  exists(container: string, name: string): Promise<boolean>;
  /** True when there was a blob to delete. */
  delete(container: string, name: string): Promise<boolean>;
  /** Blobs whose names start with `prefix`; nothing when the container does not exist. */
  list(container: string, prefix?: string): AsyncIterable<BlobEntry>;
  /** A read-only URL for the blob that stops working after `expiresInSeconds`. */
  signedUrl(container: string, name: string, options: { readonly expiresInSeconds: number }): Promise<string>;
  /** Resolves when storage answers; rejects with `BLOB_UNAVAILABLE` otherwise. */
  ping(): Promise<void>;
}

/** Where the storage account is; `containerPrefix` keeps several deployments (or test runs) apart. */
export interface AzureBlobStoreOptions {
  readonly connectionString: string;
  readonly containerPrefix?: string;
}

/** Block size and parallel blocks: bounds memory per upload to about 16 MiB. */
const BLOCK_BYTES = 4 * 1024 * 1024;
const PARALLEL_BLOCKS = 4;
/** Bodies that end within this many bytes go up in one request. */
const SINGLE_PUT_BYTES = 256 * 1024;
const PING_TIMEOUT_MS = 5_000;
const CONTAINER_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;

/** What every operation needs: container clients and a container-creation memo. */
interface StoreContext {
  container(container: string): ContainerClient;
  ensureContainer(container: string): Promise<void>;
  readonly probe: BlobServiceClient;
}

/** A {@link BlobStore} on Azure Blob Storage, or on Azurite through the same SDK. */
export function createAzureBlobStore(options: AzureBlobStoreOptions): BlobStore {
  const context = createContext(options);
  return {
    upload: (container, name, body, uploadOptions) => upload(context, container, name, body, uploadOptions),
    download: (container, name) => download(context, container, name),
    exists: (container, name) => exists(context, container, name),
    delete: (container, name) => remove(context, container, name),
    list: (container, prefix = "") => listBlobs(context.container(container), container, prefix),
    signedUrl: (container, name, { expiresInSeconds }) => signedUrl(context, container, name, expiresInSeconds),
    ping: () => ping(context),
  };
}

function createContext(options: AzureBlobStoreOptions): StoreContext {
  const service = BlobServiceClient.fromConnectionString(options.connectionString);
  // A health probe must answer quickly rather than sit in the SDK's retry backoff.
  const probe = BlobServiceClient.fromConnectionString(options.connectionString, {
    retryOptions: { maxTries: 1, tryTimeoutInMs: PING_TIMEOUT_MS },
  });
  const prefix = options.containerPrefix ?? "";
  const created = new Map<string, Promise<void>>();
  const container = (name: string): ContainerClient => {
    const full = `${prefix}${name}`;
    if (full.length > 63 || !CONTAINER_NAME.test(full)) {
      throw new AppError("BLOB_INVALID_CONTAINER", `"${full}" is not a valid container name`, {
        details: { container: full },
      });
    }
    return service.getContainerClient(full);
  };
  const ensureContainer = (name: string): Promise<void> => {
    let pending = created.get(name);
    if (pending === undefined) {
      pending = container(name)
        .createIfNotExists()
        .then(
          () => undefined,
          (error: unknown) => {
            // Forget the failure so the next upload tries again.
            created.delete(name);
            throw storageError(error, "create container", name);
          },
        );
      created.set(name, pending);
    }
    return pending;
  };
  return { container, ensureContainer, probe };
}

async function upload(
  context: StoreContext,
  container: string,
  name: string,
  body: Readable,
  options: UploadOptions = {},
): Promise<UploadResult> {
  await context.ensureContainer(container);
  const blob = context.container(container).getBlockBlobClient(name);
  const meter = createMeter(options.maxBytes);
  let sourceError: unknown;
  body.once("error", (error) => (sourceError = error));
  // Errors surface through the reads below; pipeline is here to tear both streams down together.
  pipeline(body, meter.stream, () => undefined);
  const headers = { blobHTTPHeaders: options.contentType ? { blobContentType: options.contentType } : {} };
  try {
    const chunks = meter.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head = await readHead(chunks, SINGLE_PUT_BYTES);
    if (head.ended) {
      // Most uploads (invoices, chunks) are small: one Put Blob beats staging a 4 MiB block.
      const [only, ...more] = head.chunks;
      const bytes = only !== undefined && more.length === 0 ? only : Buffer.concat(head.chunks);
      await blob.upload(bytes, bytes.length, headers);
    } else {
      // Blocks are only staged until the final commit, so a failed upload leaves no blob behind.
      await blob.uploadStream(Readable.from(replay(head.chunks, chunks)), BLOCK_BYTES, PARALLEL_BLOCKS, headers);
    }
  } catch (error) {
    meter.stream.destroy();
    throw meter.limitError() ?? uploadError(error, sourceError, `${container}/${name}`);
  }
  return { size: meter.size(), sha256: meter.sha256() };
}

async function download(context: StoreContext, container: string, name: string): Promise<Readable> {
  try {
    const response = await context.container(container).getBlobClient(name).download();
    const body = response.readableStreamBody;
    if (body === undefined) throw new AppError("BLOB_REQUEST_FAILED", "storage returned no body");
    return body instanceof Readable ? body : new Readable().wrap(body);
  } catch (error) {
    if (isNotFound(error)) throw blobNotFound(container, name);
    throw storageError(error, "download", `${container}/${name}`);
  }
}

async function exists(context: StoreContext, container: string, name: string): Promise<boolean> {
  try {
    return await context.container(container).getBlobClient(name).exists();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw storageError(error, "check", `${container}/${name}`);
  }
}

async function remove(context: StoreContext, container: string, name: string): Promise<boolean> {
  try {
    return (await context.container(container).getBlobClient(name).deleteIfExists()).succeeded;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw storageError(error, "delete", `${container}/${name}`);
  }
}

async function signedUrl(context: StoreContext, container: string, name: string, expiresInSeconds: number) {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0) {
    throw new AppError("BLOB_INVALID_EXPIRY", "expiresInSeconds must be a positive integer", {
      details: { expiresInSeconds },
    });
  }
  const blob = context.container(container).getBlobClient(name);
  try {
    return await blob.generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: new Date(Date.now() + expiresInSeconds * 1000),
    });
  } catch (error) {
    throw new AppError("BLOB_SIGNING_UNAVAILABLE", "signed URLs need a connection string with an account key", {
      cause: error,
    });
  }
}

async function ping(context: StoreContext): Promise<void> {
  try {
    await context.probe.getProperties({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) });
  } catch (error) {
    throw storageError(error, "reach", "the storage account");
  }
}

async function* listBlobs(client: ContainerClient, container: string, prefix: string): AsyncIterable<BlobEntry> {
  try {
    for await (const item of client.listBlobsFlat({ prefix })) {
      yield { name: item.name, size: item.properties.contentLength ?? 0 };
    }
  } catch (error) {
    if (isNotFound(error)) return;
    throw storageError(error, "list", `${container}/${prefix}*`);
  }
}

function uploadError(error: unknown, sourceError: unknown, target: string): AppError {
  if (sourceError !== undefined) {
    return new AppError("BLOB_SOURCE_FAILED", `the body of ${target} failed while uploading`, {
      status: 400,
      cause: sourceError,
    });
  }
  return storageError(error, "upload", target);
}

/** Reads until `limit` bytes or the end, whichever comes first. */
async function readHead(chunks: AsyncIterator<Buffer>, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const head: Buffer[] = [];
  let bytes = 0;
  while (bytes < limit) {
    const next = await chunks.next();
    if (next.done === true) return { chunks: head, ended: true };
    head.push(next.value);
    bytes += next.value.length;
  }
  return { chunks: head, ended: false };
}

/** The chunks already read, then the rest of the stream. */
async function* replay(head: readonly Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}
