-- The warranty domain's core: brands and their product models (the import target),
-- registered products with their warranty card, and service requests on them.

create table brands (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  -- A mask in lib/serial-format syntax; a model's own format takes precedence.
  serial_format text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Brand names are unique whatever their case: "Acme" and "ACME" are one brand.
create unique index brands_name_key on brands (lower(name));

create table product_models (
  id bigint generated always as identity primary key,
  brand_id bigint not null references brands (id),
  model_number text not null check (model_number ~ '^[A-Za-z0-9._/-]{1,64}$'),
  model_name text not null check (length(model_name) between 1 and 200),
  category text not null check (length(category) between 1 and 100),
  warranty_months integer not null check (warranty_months between 1 and 120),
  release_date date,
  serial_format text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (brand_id, model_number)
);

create table products (
  id uuid primary key,
  owner_id text not null,
  brand_id bigint not null references brands (id),
  model_id bigint not null references product_models (id),
  serial_number text not null check (length(serial_number) between 1 and 100),
  purchase_date date not null,
  warranty_expires_on date not null,
  invoice_blob text not null,
  invoice_content_type text not null,
  status text not null default 'active' check (status in ('active', 'rejected')),
  rejection_reason text,
  ocr_status text not null default 'pending' check (ocr_status in ('pending', 'verified', 'mismatch', 'unreadable')),
  ocr_result jsonb,
  correlation_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One registration per physical item: the same serial of the same brand cannot be registered twice.
create unique index products_brand_serial_key on products (brand_id, upper(serial_number));
create index products_owner on products (owner_id, created_at desc);

create table service_requests (
  id uuid primary key,
  product_id uuid not null references products (id),
  customer_id text not null,
  technician_id text,
  status text not null default 'open' check (status in ('open', 'assigned', 'in_progress', 'resolved', 'closed')),
  description text not null check (length(description) between 1 and 4000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  closed_at timestamptz
);

create index service_requests_product on service_requests (product_id);
create index service_requests_customer on service_requests (customer_id);
create index service_requests_technician on service_requests (technician_id) where technician_id is not null;
