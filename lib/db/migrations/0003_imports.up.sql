-- Bulk import of product models: one job per upload, one row per chunk (so a redelivered
-- chunk is recognised), the rows that failed, and the valid rows waiting for the merge.

create table import_jobs (
  id uuid primary key,
  -- queued → running → finalising → succeeded | failed; the API shows finalising as running.
  status text not null default 'queued'
    check (status in ('queued', 'running', 'finalising', 'succeeded', 'failed')),
  dry_run boolean not null,
  max_invalid_percent numeric(6, 3) not null default 0 check (max_invalid_percent between 0 and 100),
  created_by text not null,
  created_by_role text not null,
  -- The brand a brand admin may import; null for a super admin (any brand).
  restrict_brand text,
  header text[] not null default '{}',
  -- Null while the upload is still being cut into chunks.
  chunks_total integer check (chunks_total >= 0),
  chunks_done integer not null default 0 check (chunks_done >= 0),
  total_rows integer not null default 0,
  valid_rows integer not null default 0,
  invalid_rows integer not null default 0,
  inserted_rows integer not null default 0,
  updated_rows integer not null default 0,
  error jsonb,
  upload_bytes bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz
);

create index import_jobs_created_by on import_jobs (created_by, created_at desc);

create table import_chunks (
  job_id uuid not null references import_jobs (id) on delete cascade,
  chunk_no integer not null check (chunk_no >= 0),
  blob_name text not null,
  first_row integer not null,
  first_line integer not null,
  status text not null default 'pending' check (status in ('pending', 'done')),
  rows integer,
  done_at timestamptz,
  primary key (job_id, chunk_no)
);

create table import_errors (
  id bigint generated always as identity primary key,
  job_id uuid not null references import_jobs (id) on delete cascade,
  row_no integer not null,
  line_no integer not null,
  column_name text,
  value text,
  code text not null,
  message text not null,
  -- The record exactly as uploaded, so the failed rows can be handed back as CSV.
  raw text
);

create index import_errors_job on import_errors (job_id, row_no, id);

-- Unlogged: staging is rebuilt from the chunks on every import, so it skips the WAL (COPY runs
-- about twice as fast). A crash of PostgreSQL empties it; the finaliser compares its row count with
-- the job's valid rows and fails the import rather than commit a partial file.
-- No foreign key to import_jobs: its per-row check made the COPY about six times slower, and its
-- cascade never ran (jobs are never deleted; the finaliser drops a job's staging rows itself).
create unlogged table import_staging (
  job_id uuid not null,
  row_no integer not null,
  line_no integer not null,
  brand_id bigint not null,
  model_number text not null,
  model_name text not null,
  category text not null,
  warranty_months integer not null,
  release_date date,
  serial_format text,
  raw text not null
);
