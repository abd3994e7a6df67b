-- Chat between a service request's customer and its technician (issue 5).

-- The per-request counter: updated in the same transaction as the insert, so the row lock
-- serialises senders of one request and sequences have no gaps.
create table chat_sequences (
  service_request_id uuid primary key references service_requests (id) on delete cascade,
  last_sequence bigint not null check (last_sequence >= 0)
);

create table chat_messages (
  id uuid primary key,
  service_request_id uuid not null references service_requests (id) on delete cascade,
  sequence bigint not null check (sequence >= 1),
  client_message_id text not null check (length(client_message_id) between 1 and 100),
  sender_id text not null,
  sender_role text not null check (sender_role in ('customer', 'technician')),
  text text not null check (char_length(text) between 1 and 4000),
  sent_at timestamptz not null default now(),
  constraint chat_messages_sequence unique (service_request_id, sequence),
  constraint chat_messages_client_message unique (service_request_id, client_message_id)
);

-- Retention finds requests closed before a cut-off; their messages are found by the unique index above.
create index service_requests_closed_at on service_requests (closed_at) where closed_at is not null;

-- Broadcast bodies too large for a NOTIFY payload (lib/bus/postgres-broadcast.ts); kept minutes only.
create table bus_broadcasts (
  id bigserial primary key,
  topic text not null,
  body text not null,
  created_at timestamptz not null default now()
);

create index bus_broadcasts_created_at on bus_broadcasts (created_at);
