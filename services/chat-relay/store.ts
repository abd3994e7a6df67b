import type { Pool, PoolClient } from "../../lib/db/index.ts";
import type { ChatMessage, Participants } from "./model.ts";

type Db = Pool | PoolClient;

/** A service request as chat sees it. */
export interface ChatRequest extends Participants {
  readonly closedAt: Date | null;
}

/** A service request and the sequence of its latest message (0 before the first). */
export interface ChatRequestState extends ChatRequest {
  readonly lastSequence: number;
}

interface MessageRow {
  readonly id: string;
  readonly service_request_id: string;
  readonly sequence: string;
  readonly sender_id: string;
  readonly sender_role: "customer" | "technician";
  readonly text: string;
  readonly sent_at: Date;
}

const MESSAGE_COLUMNS = "id, service_request_id, sequence, sender_id, sender_role, text, sent_at";

function toMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    serviceRequestId: row.service_request_id,
    sequence: Number(row.sequence),
    senderId: row.sender_id,
    senderRole: row.sender_role,
    text: row.text,
    sentAt: row.sent_at.toISOString(),
  };
}

/**
 * The request's customer, technician, closing time and latest sequence, or undefined when
 * there is no such request.
 */
export async function findChatRequest(db: Db, serviceRequestId: string): Promise<ChatRequestState | undefined> {
  const { rows } = await db.query<{ customer_id: string; technician_id: string | null; closed_at: Date | null; last_sequence: string | null }>(
    `select r.customer_id, r.technician_id, r.closed_at, s.last_sequence
       from service_requests r left join chat_sequences s on s.service_request_id = r.id
      where r.id = $1`,
    [serviceRequestId],
  );
  const row = rows[0];
  return (
    row && { customerId: row.customer_id, technicianId: row.technician_id, closedAt: row.closed_at, lastSequence: Number(row.last_sequence ?? 0) }
  );
}

/** Up to `limit` messages with a sequence above `after`, in sequence order. */
export async function messagesAfter(db: Db, serviceRequestId: string, after: number, limit: number): Promise<ChatMessage[]> {
  const { rows } = await db.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from chat_messages
      where service_request_id = $1 and sequence > $2 order by sequence limit $3`,
    [serviceRequestId, after, limit],
  );
  return rows.map(toMessage);
}

/** The request (as {@link findChatRequest}) and the message stored earlier under this client message id, in one query. */
export async function findRequestAndEarlier(
  db: Db,
  serviceRequestId: string,
  clientMessageId: string,
): Promise<{ request: ChatRequest | undefined; earlier: ChatMessage | undefined }> {
  const { rows } = await db.query<{ customer_id: string; technician_id: string | null; closed_at: Date | null; earlier: MessageJson | null }>(
    `select r.customer_id, r.technician_id, r.closed_at,
            (select row_to_json(m) from (select ${MESSAGE_COLUMNS} from chat_messages
              where service_request_id = r.id and client_message_id = $2) m) as earlier
       from service_requests r where r.id = $1`,
    [serviceRequestId, clientMessageId],
  );
  const row = rows[0];
  if (row === undefined) return { request: undefined, earlier: undefined };
  return {
    request: { customerId: row.customer_id, technicianId: row.technician_id, closedAt: row.closed_at },
    earlier: row.earlier === null ? undefined : messageFromJson(row.earlier),
  };
}

/** What storing a send came to. */
export type StoreOutcome =
  | { readonly outcome: "stored" | "duplicate"; readonly message: ChatMessage; readonly participants: Participants }
  | { readonly outcome: "rejected"; readonly code: string; readonly reason: string; readonly participants: Participants };

/** A message as `row_to_json` gives it. */
export type MessageJson = Omit<MessageRow, "sent_at" | "sequence"> & { readonly sent_at: string; readonly sequence: number };

/** A message from its `row_to_json` form. */
export function messageFromJson(row: MessageJson): ChatMessage {
  return toMessage({ ...row, sequence: String(row.sequence), sent_at: new Date(row.sent_at) });
}

/** The sender's role in the conversation, or undefined for an outsider. */
export function roleOf(participants: Participants, userId: string): "customer" | "technician" | undefined {
  if (participants.customerId === userId) return "customer";
  if (participants.technicianId !== null && participants.technicianId === userId) return "technician";
  return undefined;
}

/**
 * Deletes the messages of requests closed more than a year before `now`; returns how many.
 * The counters stay, so a reopened request never reuses a sequence.
 */
export async function deleteExpiredMessages(pool: Pool, now: Date): Promise<number> {
  const { rowCount } = await pool.query(
    `delete from chat_messages m using service_requests r
      where m.service_request_id = r.id and r.closed_at is not null
        and r.closed_at < $1::timestamptz - interval '1 year'`,
    [now.toISOString()],
  );
  return rowCount ?? 0;
}
