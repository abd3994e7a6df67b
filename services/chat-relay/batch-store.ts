import type { Pool } from "../../lib/db/index.ts";
import type { ChatSend } from "../../lib/messages/index.ts";
import type { Participants } from "./model.ts";
import { messageFromJson } from "./store.ts";
import type { MessageJson, StoreOutcome } from "./store.ts";

/** One send of a batch and the id its message gets if it is stored. */
export interface BatchItem {
  readonly send: ChatSend;
  readonly id: string;
}

interface BatchRow {
  readonly customer_id: string | null;
  readonly technician_id: string | null;
  readonly role: "customer" | "technician" | null;
  readonly closed: boolean | null;
  readonly copy: string;
  readonly earlier: MessageJson | null;
  readonly inserted: MessageJson | null;
}

const NOBODY: Participants = { customerId: "", technicianId: null };
const COLUMNS = "id, service_request_id, sequence, sender_id, sender_role, text, sent_at";

/**
 * Stores a batch in one statement, one round trip: each send is checked as a single one would
 * be (participant, open request, not expired, client message id not stored before, first copy
 * in the batch), the allowed ones of each request take the next sequences in arrival order,
 * and one row per input says what became of it. The request rows are share-locked, so a
 * reassignment waits. The counter upsert locks each request's counter row (in id order, so two
 * batches never deadlock) and always adds to its latest value, so sequences stay gap-free
 * across concurrent batches; a duplicate racing in another batch trips the unique constraint
 * and the batch is retried, when the earlier copy is found.
 */
const STORE_SQL = `
with input as (
  select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) with ordinality
    as i(id, request_id, client_message_id, sender_id, text, expires_at, n)
), req as (
  select id, customer_id, technician_id, closed_at is not null as closed
    from service_requests where id in (select request_id from input) for share
), checked as (
  select i.*, req.customer_id, req.technician_id, req.closed,
         case when req.customer_id = i.sender_id then 'customer' when req.technician_id = i.sender_id then 'technician' end as role,
         (select row_to_json(e) from (select ${COLUMNS} from chat_messages m
            where m.service_request_id = i.request_id and m.client_message_id = i.client_message_id) e) as earlier,
         row_number() over (partition by i.request_id, i.client_message_id order by i.n) as copy
    from input i left join req on req.id = i.request_id
), allowed as (
  select c.*, row_number() over (partition by c.request_id order by c.n) as k
    from checked c
   where c.role is not null and not c.closed and clock_timestamp() < c.expires_at and c.earlier is null and c.copy = 1
), counts as (
  select request_id, count(*) as added from allowed group by request_id
), bumped as (
  insert into chat_sequences (service_request_id, last_sequence)
  select request_id, added from counts order by request_id
  on conflict (service_request_id) do update set last_sequence = chat_sequences.last_sequence + excluded.last_sequence
  returning service_request_id, last_sequence
), inserted as (
  insert into chat_messages (id, service_request_id, sequence, client_message_id, sender_id, sender_role, text)
  select a.id, a.request_id, b.last_sequence - c.added + a.k, a.client_message_id, a.sender_id, a.role, a.text
    from allowed a join bumped b on b.service_request_id = a.request_id join counts c on c.request_id = a.request_id
  returning ${COLUMNS}
)
select c.customer_id, c.technician_id, c.role, c.closed, c.copy, c.earlier,
       (select row_to_json(x) from (select ${COLUMNS} from inserted ins where ins.id = c.id) x) as inserted
  from checked c order by c.n`;

/**
 * Stores many sends in one transaction (group commit): one statement, whatever the batch size. Outcomes come back in input order; a second copy of a client
 * message id in the same batch gets the first copy's outcome, as a duplicate.
 */
export async function storeBatch(pool: Pool, items: readonly BatchItem[]): Promise<StoreOutcome[]> {
  const { rows } = await pool.query<BatchRow>(STORE_SQL, [
    items.map((item) => item.id),
    items.map((item) => item.send.serviceRequestId),
    items.map((item) => item.send.clientMessageId),
    items.map((item) => item.send.senderId),
    items.map((item) => item.send.text),
    items.map((item) => item.send.expiresAt),
  ]);
  const outcomes = rows.map(toOutcome);
  return outcomes.map((outcome, n) => (rows[n]?.copy === "1" ? outcome : asDuplicate(outcomes, items, n)));
}

function toOutcome(row: BatchRow): StoreOutcome {
  if (row.customer_id === null) return rejected("CHAT_FORBIDDEN", "You are not a participant of this service request.", NOBODY);
  const participants = { customerId: row.customer_id, technicianId: row.technician_id };
  if (row.inserted !== null) return { outcome: "stored", message: messageFromJson(row.inserted), participants };
  if (row.earlier !== null) return { outcome: "duplicate", message: messageFromJson(row.earlier), participants };
  if (row.role === null) return rejected("CHAT_FORBIDDEN", "You are not a participant of this service request.", participants);
  if (row.closed === true) return rejected("CHAT_CLOSED", "This service request is closed.", participants);
  return rejected("CHAT_SEND_EXPIRED", "The message was not stored in time; send it again.", participants);
}

/** A later copy in the batch: what became of the first copy, a stored message reported as a duplicate. */
function asDuplicate(outcomes: readonly StoreOutcome[], items: readonly BatchItem[], n: number): StoreOutcome {
  const item = items[n];
  const first = items.findIndex((other) => other.send.serviceRequestId === item?.send.serviceRequestId && other.send.clientMessageId === item?.send.clientMessageId);
  const outcome = outcomes[first] as StoreOutcome;
  return outcome.outcome === "stored" ? { ...outcome, outcome: "duplicate" } : outcome;
}

function rejected(code: string, reason: string, participants: Participants): StoreOutcome {
  return { outcome: "rejected", code, reason, participants };
}
