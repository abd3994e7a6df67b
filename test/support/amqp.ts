import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "amqplib";
import type { Channel } from "amqplib";
import type { Transport } from "../../lib/bus/index.ts";

const run = promisify(execFile);

/** A transport that notes every queue name it is asked about, so a test can delete them afterwards. */
export function recordQueues(transport: Transport): { transport: Transport; queues: Set<string> } {
  const queues = new Set<string>();
  const note =
    <A extends unknown[], R>(fn: (queue: string, ...rest: A) => R) =>
    (queue: string, ...rest: A): R => {
      queues.add(queue);
      return fn(queue, ...rest);
    };
  return {
    queues,
    transport: {
      name: transport.name,
      send: note((q, m) => transport.send(q, m)),
      consume: note((q, h, o) => transport.consume(q, h, o)),
      depth: note((q) => transport.depth(q)),
      listDeadLetters: note((q, o) => transport.listDeadLetters(q, o)),
      getDeadLetter: note((q, id) => transport.getDeadLetter(q, id)),
      replayDeadLetters: note((q, s) => transport.replayDeadLetters(q, s)),
      purgeDeadLetters: note((q, s) => transport.purgeDeadLetters(q, s)),
      ping: () => transport.ping(),
      close: () => transport.close(),
    },
  };
}

/** Runs `fn` on a channel of a connection of its own, outside any transport. */
export async function withAmqpChannel<T>(url: string, fn: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    // A refused operation rejects its promise; the channel's error event repeats it.
    channel.on("error", () => undefined);
    return await fn(channel);
  } finally {
    await connection.close();
  }
}

/** Deletes each logical queue's `Q`, `Q.retry` and `Q.dlq`. */
export async function deleteQueues(url: string, queues: Iterable<string>): Promise<void> {
  await withAmqpChannel(url, async (channel) => {
    for (const queue of queues) {
      for (const name of [queue, `${queue}.retry`, `${queue}.dlq`]) await channel.deleteQueue(name);
    }
  });
}

/** Runs rabbitmqctl (tests run as root on the broker's machine); fails loudly when it is missing. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("rabbitmqctl", args, { timeout: 120_000 });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("rabbitmqctl is not on PATH: this test needs it to act on the local RabbitMQ broker", {
        cause: error,
      });
    }
    throw error;
  }
}

/** Closes, from the broker's side, the connection a client opened under `connectionName`. */
export async function closeConnectionNamed(connectionName: string): Promise<void> {
  const listing = await rabbitmqctl("list_connections", "-q", "--no-table-headers", "pid", "client_properties");
  const line = listing.split("\n").find((row) => row.includes(`"${connectionName}"`) || row.includes(connectionName));
  const pid = line?.split("\t")[0];
  if (!pid) throw new Error(`no broker connection named ${connectionName}`);
  await rabbitmqctl("close_connection", pid, "closed by a test");
}
