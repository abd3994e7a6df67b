export { createAzureBlobStore } from "./store.ts";
export type { AzureBlobStoreOptions, BlobEntry, BlobStore, UploadOptions, UploadResult } from "./store.ts";
