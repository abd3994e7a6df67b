-- Registrations accepted by the ingress but not (yet) products: the API records one before
-- publishing, so the warranty card can say `pending` until the worker stores the product,
-- and `rejected` with the reason when the worker finds it invalid (e.g. a duplicate serial
-- that raced in). Nothing accepted is ever silently dropped.

create table registrations (
  id uuid primary key,
  owner_id text not null,
  status text not null default 'pending' check (status in ('pending', 'stored', 'rejected')),
  brand text not null,
  model_number text not null,
  serial_number text not null,
  purchase_date date not null,
  invoice_blob text not null,
  invoice_content_type text not null,
  rejection_code text,
  rejection_reason text,
  correlation_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((status = 'rejected') = (rejection_code is not null))
);

create index registrations_owner on registrations (owner_id, created_at desc);
