/**
 * The blob store port every service uses for uploaded files and chunks, and its Azure Storage
 * adapter (Azurite in tests and `warranty-hub start`).
 */

export { createAzureBlobStore } from "./store.ts";
export type { AzureBlobStoreOptions, BlobEntry, BlobStore, UploadOptions, UploadResult } from "./store.ts";
