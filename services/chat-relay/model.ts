/** The queue the chat worker consumes `chat.send` from. */
export const CHAT_QUEUE = "chat";

/** The broadcast topic every relay instance subscribes to (`chat.stored`, `chat.participants-changed`). */
export const CHAT_FANOUT_TOPIC = "chat-fanout";

/** Message type names and limits, shared by the hub, HTTP and worker. */
export const CHAT = {
  sendType: "chat.send",
  storedType: "chat.stored",
  participantsChangedType: "chat.participants-changed",
  maxTextLength: 4000,
  maxClientMessageIdLength: 100,
  /** Most messages one catch-up or history page returns. */
  maxPage: 500,
  /** Server → client hub target for a new message. */
  receivedTarget: "OnMessageReceived",
  /** Server → client hub target when the caller stops being a participant. */
  removedTarget: "OnRemovedFromServiceRequest",
} as const;

/** A stored chat message as clients see it. */
export interface ChatMessage {
  readonly id: string;
  readonly serviceRequestId: string;
  /** 1, 2, 3, ... per service request, without gaps. */
  readonly sequence: number;
  readonly senderId: string;
  readonly senderRole: "customer" | "technician";
  readonly text: string;
  readonly sentAt: string;
}

/** The payload of `chat.send`. */
export interface ChatSend {
  readonly serviceRequestId: string;
  readonly senderId: string;
  readonly text: string;
  readonly clientMessageId: string;
  /** The sender stops waiting then; the worker never stores the message afterwards. */
  readonly expiresAt: string;
}

/** Who may read and write a request's chat. */
export interface Participants {
  readonly customerId: string;
  readonly technicianId: string | null;
}

/** The payload of `chat.stored`. */
export interface ChatStored {
  readonly outcome: "stored" | "duplicate" | "rejected";
  readonly serviceRequestId: string;
  readonly clientMessageId: string;
  readonly senderId: string;
  readonly participants: Participants;
  readonly message?: ChatMessage;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The payload of `chat.participants-changed`; the service-request routes broadcast it after a reassignment. */
export interface ParticipantsChanged extends Participants {
  readonly serviceRequestId: string;
}

/** An authenticated hub or HTTP caller. */
export interface ChatUser {
  readonly id: string;
  readonly role: string;
}
