import type { PoolClient } from "pg";

/**
 * Records that `consumer` has processed `messageId`. Call it in the same transaction as the
 * handler's effect: it returns true the first time, and false when the effect was already
 * committed by an earlier delivery, in which case the handler should do nothing.
 */
export async function claimMessage(client: PoolClient, consumer: string, messageId: string): Promise<boolean> {
  const result = await client.query(
    "insert into inbox (consumer, message_id) values ($1, $2) on conflict do nothing",
    [consumer, messageId],
  );
  return result.rowCount === 1;
}
