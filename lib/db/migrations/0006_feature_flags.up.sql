-- Feature flags the services evaluate at run time (SEQ-OF-004). Changes are written to
-- audit_log (0001) by lib/flags in the same transaction as the update.

create table feature_flags (
  name text primary key check (name ~ '^[A-Za-z][A-Za-z0-9_.-]{0,99}$'),
  enabled boolean not null default false,
  description text not null default '',
  updated_at timestamptz not null default now(),
  updated_by text not null
);

-- Off by default: the safe state of a flag is the legacy behaviour.
insert into feature_flags (name, enabled, description, updated_by) values (
  'DataTransformationFeature',
  false,
  'Apply per-brand transformation scripts to import rows before validation; off = canonical headers only.',
  'migration 0006'
);
