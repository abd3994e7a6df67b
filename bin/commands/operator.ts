import { ConfigError, envReader, readPlatformConfig } from "../../lib/config/index.ts";
import { createBus } from "../../lib/bus/index.ts";
import type { Bus } from "../../lib/bus/index.ts";
import { createPool } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { startEmbeddedPostgres } from "../../lib/embedded/index.ts";
import { describeError } from "../../lib/errors/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import { createTransport, loadValidator, withRunningInstance } from "../../lib/runtime/index.ts";

/** Where an operator command writes; tests collect it. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** The platform as an operator command sees it: the database, and the bus when asked for. */
export interface OperatorConnection {
  readonly pool: Pool;
  readonly bus: Bus;
  close(): Promise<void>;
}

/** Opens the platform from the environment (DATABASE_URL, AMQP_URL / SERVICEBUS_CONNECTION_STRING, QUEUE_PREFIX, ...). */
export type Connect = (env: Readonly<Record<string, string | undefined>>) => Promise<OperatorConnection>;

/** Writes to the process's stdout and stderr. */
export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Connects like the services do, without starting them: the same variables pick the
 * database and the transport; what they leave unset comes from the instance running in
 * DATA_DIR, else the embedded PostgreSQL there is started. Nothing is migrated; the
 * command works on the schema it finds.
 */
export const connectFromEnv: Connect = async (env) => {
  const reader = envReader(env);
  const declared = readPlatformConfig(reader);
  reader.done();
  const config = await withRunningInstance(declared);
  const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel, name: "cli" });
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, logger });
  const pool = createPool(config.databaseUrl ?? embedded?.url ?? "", { applicationName: "warranty-hub-cli", logger });
  const bus = createBus({ transport: createTransport(config, pool, logger), validator: await loadValidator(), logger, queuePrefix: config.queuePrefix });
  return {
    pool,
    bus,
    async close() {
      await bus.close();
      await pool.end();
      await embedded?.stop();
    },
  };
};

/** The operator recorded in the audit log: `--actor`, else the login ($USER). */
export function actorOf(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return flag?.trim() || env.USER?.trim() || env.USERNAME?.trim() || "unknown";
}

/** Runs `body` on a connection and turns failures into exit codes: 2 for configuration, 1 otherwise. */
export async function withConnection(
  connect: Connect,
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo,
  body: (connection: OperatorConnection) => Promise<number>,
): Promise<number> {
  let connection: OperatorConnection;
  try {
    connection = await connect(env);
  } catch (error) {
    io.err(`${error instanceof ConfigError ? error.message : `cannot connect: ${describeError(error).message}`}\n`);
    return 2;
  }
  try {
    return await body(connection);
  } catch (error) {
    const { code, message } = describeError(error);
    io.err(`${code}: ${message}\n`);
    return 1;
  } finally {
    await connection.close();
  }
}
