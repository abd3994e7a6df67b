-- DataTransformationFeature (SEQ-OF-004): per-brand transformation scripts applied to import
-- rows before validation, each change kept as a new version.

create table transformation_scripts (
  id bigint generated always as identity primary key,
  brand_id bigint not null references brands (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  -- The script an import of this brand uses when it names none; at most one per brand.
  is_default boolean not null default false,
  current_version integer not null default 1 check (current_version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (brand_id, name)
);

create unique index transformation_scripts_default on transformation_scripts (brand_id) where is_default;

create table transformation_script_versions (
  script_id bigint not null references transformation_scripts (id) on delete cascade,
  version integer not null check (version >= 1),
  definition jsonb not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  primary key (script_id, version)
);
