// GENERATED from schemas/messages/*.json by test/messages/payload-types.test.ts; do not edit.
// After changing a schema, run `npm run messages:types` and commit the result.

/**
 * Broadcast to every relay instance after a service request's technician changes (or it closes): relays drop from the chat group every connection whose user is no longer a participant, at once.
 */
export interface ChatParticipantsChanged {
  serviceRequestId: string;
  customerId: string;
  technicianId: string | null;
}

/**
 * A chat message a participant sent (hub SendMessage or HTTP POST), on the `chat` queue. The chat worker stores it (idempotent on serviceRequestId + clientMessageId) unless expiresAt has passed, then broadcasts chat.stored.
 */
export interface ChatSend {
  serviceRequestId: string;
  senderId: string;
  text: string;
  clientMessageId: string;
  /**
   * The sender stops waiting then; the worker never stores the message after it.
   */
  expiresAt: string;
}

/**
 * Broadcast to every relay instance by the chat worker after handling a chat.send: `stored` (new message, pushed to the group), `duplicate` (the clientMessageId was stored before; answers the sender only) or `rejected` (not stored; answers the sender with the error). participants are read in the same transaction, so a relay never pushes to someone who is no longer one.
 */
export interface ChatStored {
  outcome: "stored" | "duplicate" | "rejected";
  serviceRequestId: string;
  clientMessageId: string;
  senderId: string;
  participants: ChatStoredParticipants;
  message?: ChatStoredMessage;
  error?: {
    code: string;
    message: string;
  };
}
export interface ChatStoredParticipants {
  customerId: string;
  technicianId: string | null;
}
export interface ChatStoredMessage {
  id: string;
  serviceRequestId: string;
  sequence: number;
  senderId: string;
  senderRole: "customer" | "technician";
  text: string;
  sentAt: string;
}

/**
 * One chunk of an uploaded import file (whole CSV records, no header), stored as its own blob.
 */
export interface ImportChunk {
  jobId: string;
  chunkNo: number;
  blob: {
    container: string;
    name: string;
  };
  firstRow: number;
  firstLine: number;
  rows: number;
}

/**
 * Every chunk of the import job is done: validate the whole (duplicates, threshold) and merge or report.
 */
export interface ImportFinalise {
  jobId: string;
}

/**
 * A stored product whose invoice should be read and checked against what the consumer entered. Written to the outbox in the transaction that stores (or edits) the product.
 */
export interface OcrRequested {
  productId: string;
  invoiceBlob: string;
  contentType: "application/pdf" | "image/jpeg" | "image/png";
}

/**
 * A consumer's product registration, accepted by the ingress with its invoice already in blob storage. The ingest worker stores the product (or records why it cannot).
 */
export interface RegistrationSubmitted {
  registrationId: string;
  ownerId: string;
  brand: string;
  modelNumber: string;
  serialNumber: string;
  purchaseDate: string;
  invoice: {
    blob: string;
    contentType: "application/pdf" | "image/jpeg" | "image/png";
    size: number;
    sha256: string;
  };
}

/** Each message type's payload at its newest schema version. */
export interface MessagePayloads {
  "chat.participants-changed": ChatParticipantsChanged;
  "chat.send": ChatSend;
  "chat.stored": ChatStored;
  "import.chunk": ImportChunk;
  "import.finalise": ImportFinalise;
  "ocr.requested": OcrRequested;
  "registration.submitted": RegistrationSubmitted;
}
