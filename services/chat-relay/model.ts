/** Limits and hub targets, shared by the hub, HTTP and worker (queues and message types are in lib/messages). */
export const CHAT = {
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

/** Who may read and write a request's chat. */
export interface Participants {
  readonly customerId: string;
  readonly technicianId: string | null;
}

/** An authenticated hub or HTTP caller. */
export interface ChatUser {
  readonly id: string;
  readonly role: string;
}
