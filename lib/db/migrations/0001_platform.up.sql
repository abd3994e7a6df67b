-- What the platform itself needs: the migration ledger, the PostgreSQL bus transport,
-- the inbox and outbox for idempotent handlers and reliable publishing, and the audit log.

create table schema_migrations (
  id integer primary key,
  name text not null,
  checksum text not null,
  applied_at timestamptz not null default now()
);

create table bus_messages (
  id bigint generated always as identity primary key,
  queue text not null,
  message_id text not null,
  body text not null,
  -- 1 on the first delivery; a retry adds one, a crash-redelivery keeps it.
  attempt integer not null default 1 check (attempt >= 1),
  first_failed_at timestamptz,
  last_error_code text,
  last_error text,
  available_at timestamptz not null default now(),
  lease_owner text,
  -- Identifies one claim, so a consumer whose lease expired cannot settle someone else's.
  lease_token uuid,
  locked_until timestamptz,
  -- Claims since the message was last settled; too many means consumers keep crashing on it.
  deliveries integer not null default 0,
  enqueued_at timestamptz not null default now()
);

create index bus_messages_dequeue on bus_messages (queue, available_at, id);
create index bus_messages_lease on bus_messages (lease_token) where lease_token is not null;

create table bus_dead_letters (
  id bigint generated always as identity primary key,
  queue text not null,
  message_id text not null,
  body text not null,
  reason_code text not null,
  reason_message text not null,
  attempts integer not null,
  first_failed_at timestamptz not null,
  last_failed_at timestamptz not null,
  dead_lettered_at timestamptz not null default now()
);

create index bus_dead_letters_queue on bus_dead_letters (queue, id);
create index bus_dead_letters_message on bus_dead_letters (queue, message_id);
create index bus_dead_letters_cause on bus_dead_letters (queue, reason_code);

create table inbox (
  consumer text not null,
  message_id text not null,
  processed_at timestamptz not null default now(),
  primary key (consumer, message_id)
);

create table outbox (
  id bigint generated always as identity primary key,
  queue text not null,
  message_id text not null,
  body text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  attempts integer not null default 0,
  last_error text
);

create index outbox_unsent on outbox (id) where sent_at is null;

create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  target text not null,
  details jsonb not null default '{}'::jsonb,
  outcome text not null
);

create index audit_log_at on audit_log (at);
create index audit_log_action on audit_log (action, at);
