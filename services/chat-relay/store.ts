import type { Pool, PoolClient } from "../../lib/db/index.ts";
import type { ChatMessage, ChatSend, Participants } from "./model.ts";

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
    earlier: row.earlier === null ? undefined : fromJson(row.earlier),
  };
}

/** What storing a send came to. */
export type StoreOutcome =
  | { readonly outcome: "stored" | "duplicate"; readonly message: ChatMessage; readonly participants: Participants }
  | { readonly outcome: "rejected"; readonly code: string; readonly reason: string; readonly participants: Participants };

const NOBODY: Participants = { customerId: "", technicianId: null };

/**
 * Stores a send in one statement (one round trip, its own transaction): the request row is
 * share-locked (a reassignment waits), the sender checked against it, the counter row bumped
 * (which serialises senders of one request, so sequences have no gaps) and the message
 * inserted only when every check passes. A client message id seen before returns the stored
 * message; a send past `expiresAt` (database clock) is refused.
 */
export async function storeMessage(pool: Pool, send: ChatSend, id: string): Promise<StoreOutcome> {
  const { rows } = await pool.query<StoreRow>(STORE_SQL, [
    id,
    send.serviceRequestId,
    send.clientMessageId,
    send.senderId,
    send.text,
    send.expiresAt,
  ]);
  const row = rows[0];
  if (row?.customer_id === undefined || row.customer_id === null) {
    return rejected("CHAT_FORBIDDEN", "You are not a participant of this service request.", NOBODY);
  }
  const participants = { customerId: row.customer_id, technicianId: row.technician_id };
  if (row.inserted !== null) return { outcome: "stored", message: fromJson(row.inserted), participants };
  if (row.earlier !== null) return { outcome: "duplicate", message: fromJson(row.earlier), participants };
  if (row.role === null) return rejected("CHAT_FORBIDDEN", "You are not a participant of this service request.", participants);
  if (row.closed) return rejected("CHAT_CLOSED", "This service request is closed.", participants);
  return rejected("CHAT_SEND_EXPIRED", "The message was not stored in time; send it again.", participants);
}

interface StoreRow {
  readonly customer_id: string | null;
  readonly technician_id: string | null;
  readonly role: "customer" | "technician" | null;
  readonly closed: boolean | null;
  readonly earlier: MessageJson | null;
  readonly inserted: MessageJson | null;
}

type MessageJson = Omit<MessageRow, "sent_at" | "sequence"> & { readonly sent_at: string; readonly sequence: number };

function fromJson(row: MessageJson): ChatMessage {
  return toMessage({ ...row, sequence: String(row.sequence), sent_at: new Date(row.sent_at) });
}

/** $1 id, $2 request, $3 client message id, $4 sender, $5 text, $6 expires at. */
const STORE_SQL = `
with req as (
  select customer_id, technician_id, closed_at is not null as closed,
         case when customer_id = $4 then 'customer' when technician_id = $4 then 'technician' end as role
    from service_requests where id = $2 for share
), earlier as (
  select ${MESSAGE_COLUMNS} from chat_messages where service_request_id = $2 and client_message_id = $3
), allowed as (
  select role from req
   where role is not null and not closed and clock_timestamp() < $6::timestamptz and not exists (select 1 from earlier)
), next as (
  insert into chat_sequences (service_request_id, last_sequence) select $2, 1 from allowed
  on conflict (service_request_id) do update set last_sequence = chat_sequences.last_sequence + 1
  returning last_sequence
), inserted as (
  insert into chat_messages (id, service_request_id, sequence, client_message_id, sender_id, sender_role, text)
  select $1, $2, next.last_sequence, $3, $4, allowed.role, $5 from next, allowed
  returning ${MESSAGE_COLUMNS}
)
select req.customer_id, req.technician_id, req.role, req.closed,
       (select row_to_json(e) from earlier e) as earlier,
       (select row_to_json(i) from inserted i) as inserted
  from (select 1) one left join req on true`;

function rejected(code: string, reason: string, participants: Participants): StoreOutcome {
  return { outcome: "rejected", code, reason, participants };
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
