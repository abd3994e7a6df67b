import { recordAudit } from "../audit/index.ts";
import type { Pool, PoolClient } from "../db/index.ts";
import { withTransaction } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import { assertDefinition } from "./definition.ts";
import type { TransformationDefinition } from "./definition.ts";

/** A script with its current version. */
export interface TransformationScript {
  readonly id: number;
  readonly brandId: number;
  readonly brand: string;
  readonly name: string;
  readonly isDefault: boolean;
  readonly version: number;
  readonly definition: TransformationDefinition;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Who wrote the current version. */
  readonly updatedBy: string;
}

/** One kept version of a script. */
export interface TransformationVersion {
  readonly version: number;
  readonly definition: TransformationDefinition;
  readonly createdBy: string;
  readonly createdAt: string;
}

const SCRIPT = `
  select s.id, s.brand_id, b.name as brand, s.name, s.is_default, s.current_version as version, v.definition,
         s.created_at, s.updated_at, v.created_by as updated_by
    from transformation_scripts s
    join brands b on b.id = s.brand_id
    join transformation_script_versions v on v.script_id = s.id and v.version = s.current_version`;

interface ScriptRow {
  id: string;
  brand_id: string;
  brand: string;
  name: string;
  is_default: boolean;
  version: number;
  definition: TransformationDefinition;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

/** Scripts of one brand, or of every brand, by brand and name. */
export async function listScripts(pool: Pool, filter: { readonly brandId?: number } = {}): Promise<TransformationScript[]> {
  const { rows } = await pool.query<ScriptRow>(
    `${SCRIPT} where $1::bigint is null or s.brand_id = $1 order by b.name, s.name`,
    [filter.brandId ?? null],
  );
  return rows.map(toScript);
}

/** `TRANSFORMATION_NOT_FOUND` (404) when there is no such script. */
export async function getScript(db: Pool | PoolClient, id: number): Promise<TransformationScript> {
  const { rows } = await db.query<ScriptRow>(`${SCRIPT} where s.id = $1`, [id]);
  if (rows[0] === undefined) throw notFound(id);
  return toScript(rows[0]);
}

/**
 * The script an import of the brand applies: the one named, or the brand's default.
 * Undefined when there is none. With `version`, that version's definition (a job pins the
 * version it started with, so every chunk sees the same script).
 */
export async function findScript(
  db: Pool | PoolClient,
  target: { readonly brandId: number; readonly name?: string; readonly version?: number },
): Promise<TransformationScript | undefined> {
  const { rows } = await db.query<ScriptRow>(
    `select s.id, s.brand_id, b.name as brand, s.name, s.is_default, v.version, v.definition,
            s.created_at, s.updated_at, v.created_by as updated_by
       from transformation_scripts s
       join brands b on b.id = s.brand_id
       join transformation_script_versions v on v.script_id = s.id and v.version = coalesce($3, s.current_version)
      where s.brand_id = $1 and (case when $2::text is null then s.is_default else s.name = $2 end)`,
    [target.brandId, target.name ?? null, target.version ?? null],
  );
  return rows[0] === undefined ? undefined : toScript(rows[0]);
}

/** The id of the brand named `name` (case-insensitively), if there is one. */
export async function brandIdByName(db: Pool | PoolClient, name: string): Promise<number | undefined> {
  const { rows } = await db.query<{ id: string }>("select id from brands where lower(name) = lower($1)", [name]);
  return rows[0] === undefined ? undefined : Number(rows[0].id);
}

/** Every version of a script, oldest first. */
export async function listVersions(pool: Pool, id: number): Promise<TransformationVersion[]> {
  await getScript(pool, id);
  const { rows } = await pool.query<{ version: number; definition: TransformationDefinition; created_by: string; created_at: Date }>(
    "select version, definition, created_by, created_at from transformation_script_versions where script_id = $1 order by version",
    [id],
  );
  return rows.map((r) => ({ version: r.version, definition: r.definition, createdBy: r.created_by, createdAt: r.created_at.toISOString() }));
}

/**
 * Creates a script at version 1. It becomes the brand's default when asked to, or when the
 * brand has no default yet. `TRANSFORMATION_EXISTS` (409) when the brand already has the name.
 */
export async function createScript(
  pool: Pool,
  input: { brandId: number; name: string; definition: TransformationDefinition; actor: string; isDefault?: boolean },
): Promise<TransformationScript> {
  assertDefinition(input.definition);
  return withTransaction(pool, async (client) => {
    await client.query("select id from brands where id = $1 for update", [input.brandId]);
    const taken = await client.query("select 1 from transformation_scripts where brand_id = $1 and lower(name) = lower($2)", [input.brandId, input.name]);
    if (taken.rowCount) {
      throw new AppError("TRANSFORMATION_EXISTS", `the brand already has a transformation script named ${input.name}`, { status: 409 });
    }
    const hasDefault = await client.query("select 1 from transformation_scripts where brand_id = $1 and is_default", [input.brandId]);
    const isDefault = input.isDefault ?? !hasDefault.rowCount;
    if (isDefault) await clearDefault(client, input.brandId);
    const { rows } = await client.query<{ id: string }>(
      "insert into transformation_scripts (brand_id, name, is_default) values ($1, $2, $3) returning id",
      [input.brandId, input.name, isDefault],
    );
    const id = Number(rows[0]?.id);
    await insertVersion(client, id, 1, input.definition, input.actor);
    return getScript(client, id);
  });
}

/** Saves `definition` as the next version; the earlier ones stay in the history. */
export async function updateScript(
  pool: Pool,
  id: number,
  input: { definition: TransformationDefinition; actor: string; isDefault?: boolean },
): Promise<TransformationScript> {
  assertDefinition(input.definition);
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ brand_id: string; current_version: number }>(
      "select brand_id, current_version from transformation_scripts where id = $1 for update",
      [id],
    );
    const row = rows[0];
    if (row === undefined) throw notFound(id);
    const version = row.current_version + 1;
    if (input.isDefault === true) await clearDefault(client, Number(row.brand_id));
    await client.query(
      "update transformation_scripts set current_version = $2, updated_at = now(), is_default = coalesce($3, is_default) where id = $1",
      [id, version, input.isDefault ?? null],
    );
    await insertVersion(client, id, version, input.definition, input.actor);
    return getScript(client, id);
  });
}

async function clearDefault(client: PoolClient, brandId: number): Promise<void> {
  await client.query("update transformation_scripts set is_default = false where brand_id = $1 and is_default", [brandId]);
}

async function insertVersion(client: PoolClient, id: number, version: number, definition: TransformationDefinition, actor: string) {
  await client.query(
    "insert into transformation_script_versions (script_id, version, definition, created_by) values ($1, $2, $3, $4)",
    [id, version, JSON.stringify(definition), actor],
  );
  await recordAudit(client, {
    actor,
    action: "transformation.version",
    target: `transformation:${id}`,
    details: { version },
    outcome: "ok",
  });
}

function toScript(row: ScriptRow): TransformationScript {
  return {
    id: Number(row.id),
    brandId: Number(row.brand_id),
    brand: row.brand,
    name: row.name,
    isDefault: row.is_default,
    version: row.version,
    definition: row.definition,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}

function notFound(id: number): AppError {
  return new AppError("TRANSFORMATION_NOT_FOUND", `there is no transformation script ${id}`, { status: 404, details: { id } });
}
