import { afterEach, describe, expect, it } from "vitest";
import { HubError } from "../../../services/chat-relay/signalr/index.ts";
import { waitFor } from "../../support/wait.ts";
import { negotiate, RawClient, startHub, TOKENS } from "./support.ts";
import type { RunningHub } from "./support.ts";

/** What the raw client saw when the server refused an upgrade. */
async function refusal(attempt: Promise<RawClient>): Promise<{ status: number; body: string }> {
  const error = (await attempt.then(
    () => undefined,
    (e: unknown) => e,
  )) as { status?: number; body?: string } | undefined;
  if (error?.status === undefined) throw new Error("expected the upgrade to be refused");
  return { status: error.status, body: error.body ?? "" };
}

describe("SignalR hub protocol details, with a raw ws client", () => {
  const running: RunningHub[] = [];
  const sockets: RawClient[] = [];

  async function hub(options: Parameters<typeof startHub>[0] = {}): Promise<RunningHub> {
    const started = await startHub(options);
    running.push(started);
    return started;
  }

  async function raw(url: string, headers: Record<string, string> = {}, handshake = true): Promise<RawClient> {
    const client = handshake ? await RawClient.connect(url, headers) : await RawClient.open(url, headers);
    sockets.push(client);
    return client;
  }

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.socket.terminate();
    for (const started of running.splice(0)) await started.stop();
  });

  it("accepts the token as access_token query parameter, after negotiate and with skipNegotiation", async () => {
    const { url } = await hub();
    const negotiated = await negotiate(url, { query: `?negotiateVersion=1&access_token=${TOKENS.carol}` });
    expect(negotiated.status).toBe(200);
    const token = String(negotiated.body["connectionToken"]);
    const viaId = await raw(`${url}?id=${encodeURIComponent(token)}&access_token=${TOKENS.carol}`);
    viaId.send({ type: 1, invocationId: "inv-007", target: "WhoAmI", arguments: [] });
    expect(await viaId.next()).toEqual({
      type: 3,
      invocationId: "inv-007",
      result: { userId: "carol", role: "customer", connectionId: negotiated.body["connectionId"] },
    });

    const skipping = await raw(`${url}?access_token=${TOKENS.bob}`);
    skipping.send({ type: 1, invocationId: "42", target: "WhoAmI", arguments: [] });
    const reply = await skipping.next();
    expect(reply["invocationId"]).toBe("42");
    expect((reply["result"] as { userId: string }).userId).toBe("bob");
  });

  it("refuses upgrades: 401 without a valid token, 404 for an unknown id, 409 for a second socket", async () => {
    const { url } = await hub();
    expect((await refusal(RawClient.open(url))).status).toBe(401);
    expect((await refusal(RawClient.open(`${url}?access_token=nope`))).status).toBe(401);
    expect((await refusal(RawClient.open(`${url}?id=unknown&access_token=${TOKENS.alice}`))).status).toBe(404);

    const { body } = await negotiate(url, { token: TOKENS.alice });
    const withId = `${url}?id=${encodeURIComponent(String(body["connectionToken"]))}`;
    await raw(withId, { authorization: `Bearer ${TOKENS.alice}` }, false);
    const second = await refusal(RawClient.open(withId, { authorization: `Bearer ${TOKENS.alice}` }));
    expect(second.status).toBe(409);
    // Another user cannot hijack someone's negotiated token.
    const other = await negotiate(url, { token: TOKENS.alice });
    const hijack = `${url}?id=${encodeURIComponent(String(other.body["connectionToken"]))}&access_token=${TOKENS.bob}`;
    expect((await refusal(RawClient.open(hijack))).status).toBe(403);
  });

  it("expires a negotiated token that no socket used", async () => {
    const { url } = await hub({ negotiateTimeoutMs: 50 });
    const { body } = await negotiate(url, { token: TOKENS.alice });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = `${url}?id=${encodeURIComponent(String(body["connectionToken"]))}&access_token=${TOKENS.alice}`;
    expect((await refusal(RawClient.open(late))).status).toBe(404);
  });

  it("refuses an id-less upgrade beyond the per-user connection limit with 429", async () => {
    const { url } = await hub({ maxConnectionsPerUser: 1 });
    await raw(`${url}?access_token=${TOKENS.alice}`);
    const refused = await refusal(RawClient.open(`${url}?access_token=${TOKENS.alice}`));
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toEqual({ error: "Too many connections for this user: at most 1 at a time." });
  });

  it("answers a handshake for another protocol or version with an error record, then closes", async () => {
    const { url } = await hub();
    const protobuf = await raw(`${url}?access_token=${TOKENS.alice}`, {}, false);
    protobuf.send({ protocol: "protobuf", version: 1 });
    expect(await protobuf.next()).toEqual({ error: "The protocol 'protobuf' is not supported." });
    await protobuf.closed;

    const v9 = await raw(`${url}?access_token=${TOKENS.alice}`, {}, false);
    v9.send({ protocol: "json", version: 9 });
    expect(await v9.next()).toEqual({ error: "The server does not support version 9 of the 'json' protocol." });
    await v9.closed;
  });

  it("closes a socket that never completes the handshake", async () => {
    const { url, probe } = await hub({ handshakeTimeoutMs: 100 });
    const silent = await raw(`${url}?access_token=${TOKENS.alice}`, {}, false);
    expect(await silent.next()).toEqual({ error: "Handshake timed out." });
    await silent.closed;
    expect(probe.connected).toEqual([]);
  });

  it("closes a connection that went silent with a Close message, and reports it to onDisconnected", async () => {
    const { url, probe } = await hub({ clientTimeoutMs: 200, keepAliveMs: 50 });
    const silent = await raw(`${url}?access_token=${TOKENS.alice}`);
    expect(await silent.next()).toEqual({ type: 7, error: "No message received from the client within 200 ms." });
    await silent.closed;
    await waitFor(() => probe.disconnected.length === 1, { what: "onDisconnected" });
    expect(probe.disconnected[0]?.error?.message).toMatch(/No message received/);
  });

  it("reads several records from one message and answers fire-and-forget invocations with nothing", async () => {
    const { url } = await hub();
    const client = await raw(`${url}?access_token=${TOKENS.alice}`, {}, false);
    client.send(
      { protocol: "json", version: 1 },
      { type: 1, target: "Echo", arguments: ["no reply wanted"] },
      { type: 1, invocationId: "a", target: "Add", arguments: [1, 2] },
      { type: 6 },
      { type: 1, invocationId: "b", target: "Echo", arguments: ["x"] },
    );
    expect(await client.next()).toEqual({});
    expect(await client.next()).toEqual({ type: 3, invocationId: "a", result: 3 });
    expect(await client.next()).toEqual({ type: 3, invocationId: "b", result: "x" });
  });

  it("refuses streaming, ignores Ack, Sequence, CancelInvocation and unknown types, and stays usable", async () => {
    const { url } = await hub();
    const client = await raw(`${url}?access_token=${TOKENS.alice}`);
    client.send(
      { type: 4, invocationId: "s1", target: "Echo", arguments: [1] },
      { type: 1, invocationId: "u1", target: "Echo", arguments: [1], streamIds: ["up-1"] },
      { type: 5, invocationId: "s1" },
      { type: 8, sequenceId: 3 },
      { type: 9, sequenceId: 1 },
      { type: 99 },
      { type: 1, invocationId: "ok", target: "Echo", arguments: ["alive"] },
    );
    const streaming = "Streaming invocations are not supported by this server.";
    expect(await client.next()).toEqual({ type: 3, invocationId: "s1", error: streaming });
    expect(await client.next()).toEqual({ type: 3, invocationId: "u1", error: streaming });
    expect(await client.next()).toEqual({ type: 3, invocationId: "ok", result: "alive" });
  });

  it("closes with a reason on malformed JSON, binary frames and oversized messages", async () => {
    const { url } = await hub({ maxMessageSize: 1024 });
    const broken = await raw(`${url}?access_token=${TOKENS.alice}`);
    broken.socket.send("{not json\x1e");
    const closeMessage = await broken.next();
    expect(closeMessage["type"]).toBe(7);
    expect(String(closeMessage["error"])).toMatch(/^Invalid JSON in message/);
    await broken.closed;

    const binary = await raw(`${url}?access_token=${TOKENS.bob}`);
    binary.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await binary.next()).toEqual({ type: 7, error: "Binary messages are not supported by the JSON hub protocol." });
    await binary.closed;

    const big = await raw(`${url}?access_token=${TOKENS.carol}`);
    big.send({ type: 1, invocationId: "1", target: "Echo", arguments: ["x".repeat(1500)] });
    expect(await big.next()).toEqual({ type: 7, error: "Message exceeds the maximum size of 1024 bytes." });
    await big.closed;
  });

  it("closes the connection with the HubError's message when onConnected refuses it", async () => {
    const { url } = await hub({
      onConnected: () => {
        throw new HubError("Your account is suspended.");
      },
    });
    const client = await raw(`${url}?access_token=${TOKENS.alice}`);
    client.send({ type: 1, invocationId: "1", target: "Echo", arguments: ["never run"] });
    expect(await client.next()).toEqual({ type: 7, error: "Your account is suspended." });
    await client.closed;
  });

  it("sends every record whole: each server message ends with the record separator", async () => {
    const { url, hub: server } = await hub();
    const client = await raw(`${url}?access_token=${TOKENS.alice}`);
    const [connection] = server.connectionsOf("alice");
    for (let i = 0; i < 50; i += 1) connection?.send("Tick", i, "y".repeat(i * 10));
    for (let i = 0; i < 50; i += 1) {
      expect(await client.next()).toEqual({ type: 1, target: "Tick", arguments: [i, "y".repeat(i * 10)] });
    }
  });
});
