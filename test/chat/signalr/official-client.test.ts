import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpTransportType, HubConnectionState } from "@microsoft/signalr";
import type { HubConnection as ClientConnection } from "@microsoft/signalr";
import { waitFor } from "../../support/wait.ts";
import { officialClient, startHub, TOKENS } from "./support.ts";
import type { RunningHub } from "./support.ts";

describe("SignalR hub with the official @microsoft/signalr client", () => {
  let running: RunningHub;
  const clients: ClientConnection[] = [];

  async function connect(token: string, options = {}): Promise<ClientConnection> {
    const client = officialClient(running.url, token, options);
    clients.push(client);
    await client.start();
    return client;
  }

  beforeEach(async () => {
    running = await startHub();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await running.stop();
  });

  it("negotiates, connects over WebSockets and invokes methods with the bearer token's user", async () => {
    const alice = await connect(TOKENS.alice);
    expect(alice.state).toBe(HubConnectionState.Connected);
    expect(alice.connectionId).toEqual(expect.any(String));
    expect(await alice.invoke("Echo", { text: "hi", n: [1, 2] })).toEqual({ text: "hi", n: [1, 2] });
    expect(await alice.invoke("Add", 2, 40)).toBe(42);
    const me = await alice.invoke<{ userId: string; connectionId: string }>("WhoAmI");
    expect(me.userId).toBe("alice");
    expect(me.connectionId).toBe(alice.connectionId);
    expect(running.probe.connected).toEqual(["alice"]);
  });

  it("connects with skipNegotiation, creating the connection at upgrade", async () => {
    const bob = await connect(TOKENS.bob, { skipNegotiation: true, transport: HttpTransportType.WebSockets });
    expect(bob.connectionId ?? null).toBeNull();
    const me = await bob.invoke<{ userId: string; connectionId: string }>("WhoAmI");
    expect(me.userId).toBe("bob");
    expect(running.hub.connection(me.connectionId)?.user.id).toBe("bob");
  });

  it("refuses a client without a token or with a bad one, on both paths", async () => {
    await expect(officialClient(running.url).start()).rejects.toThrow(/401|Missing or invalid access token/);
    await expect(officialClient(running.url, "forged").start()).rejects.toThrow(/401|Missing or invalid access token/);
    const skipping = officialClient(running.url, "forged", { skipNegotiation: true, transport: HttpTransportType.WebSockets });
    await expect(skipping.start()).rejects.toThrow();
    expect(running.probe.connected).toEqual([]);
  });

  it("matches methods case-insensitively and names an unknown method", async () => {
    const alice = await connect(TOKENS.alice);
    expect(await alice.invoke("echo", "lower")).toBe("lower");
    expect(await alice.invoke("ECHO", "upper")).toBe("upper");
    await expect(alice.invoke("NoSuchMethod", 1)).rejects.toThrow("Unknown hub method 'NoSuchMethod'");
  });

  it("sends a HubError's message and masks any other exception, keeping the connection", async () => {
    const alice = await connect(TOKENS.alice);
    await expect(alice.invoke("Refuse")).rejects.toThrow("You are not a participant of this service request.");
    const masked = await alice.invoke<unknown>("Crash").then(
      () => new Error("Crash resolved"),
      (error: unknown) => error as Error,
    );
    expect(masked.message).toBe("An unexpected error occurred invoking 'Crash' on the server.");
    await expect(alice.invoke("Add", "x", 1)).rejects.toThrow("Add takes two numbers.");
    expect(alice.state).toBe(HubConnectionState.Connected);
    expect(await alice.invoke("Add", 1, 1)).toBe(2);
  });

  it("calls client handlers registered with on() from connection.send", async () => {
    const alice = await connect(TOKENS.alice);
    const received: unknown[][] = [];
    alice.on("Notify", (...args: unknown[]) => received.push(args));
    const [connection] = running.hub.connectionsOf("alice");
    expect(connection?.send("Notify", 1, "two", { three: 3 })).toBe(true);
    await waitFor(() => received.length === 1, { what: "Notify on the client" });
    expect(received[0]).toEqual([1, "two", { three: 3 }]);
    expect(running.hub.sendToUser("alice", "notify", "again")).toBe(1);
    await waitFor(() => received.length === 2, { what: "second Notify" });
  });

  it("broadcasts to group members only, and removeUserFromGroup takes a user out at once", async () => {
    const [alice, bob, carol] = await Promise.all([connect(TOKENS.alice), connect(TOKENS.bob), connect(TOKENS.carol)]);
    const inbox = new Map<string, string[]>([["alice", []], ["bob", []], ["carol", []]]);
    for (const [name, client] of [["alice", alice], ["bob", bob], ["carol", carol]] as const) {
      client.on("OnMessage", (group: string, text: string) => inbox.get(name)?.push(`${group}:${text}`));
    }
    expect(await alice.invoke("JoinGroup", "sr-1")).toBe(true);
    expect(await bob.invoke("JoinGroup", "sr-1")).toBe(true);
    expect(await carol.invoke("Broadcast", "sr-1", "first")).toBe(2);
    await waitFor(() => inbox.get("alice")?.length === 1 && inbox.get("bob")?.length === 1, { what: "first broadcast" });

    // Messages on one socket arrive in order: if carol had received "first", it would precede this.
    await carol.invoke("JoinGroup", "sr-2");
    await alice.invoke("Broadcast", "sr-2", "marker");
    await waitFor(() => inbox.get("carol")?.length === 1, { what: "marker for carol" });
    expect(inbox.get("carol")).toEqual(["sr-2:marker"]);

    expect(running.hub.groups.removeUserFromGroup("bob", "sr-1")).toBe(1);
    expect(await alice.invoke("Broadcast", "sr-1", "second")).toBe(1);
    running.hub.sendToUser("bob", "OnMessage", "direct", "marker");
    await waitFor(() => inbox.get("bob")?.length === 2 && inbox.get("alice")?.length === 2, { what: "second round" });
    expect(inbox.get("bob")).toEqual(["sr-1:first", "direct:marker"]);
    expect(inbox.get("alice")).toEqual(["sr-1:first", "sr-1:second"]);
  });

  it("runs one invocation at a time per connection, queueing the rest", async () => {
    const alice = await connect(TOKENS.alice);
    const held = alice.invoke("Hold");
    const probe = alice.invoke("HoldingNow");
    await waitFor(() => running.probe.holding === 1, { what: "Hold to start" });
    running.probe.release();
    await held;
    // Had HoldingNow run beside Hold, it would have seen one Hold running.
    expect(await probe).toBe(0);
  });

  it("lets a closing server tell clients to go, and runs onDisconnected for each", async () => {
    const alice = await connect(TOKENS.alice);
    const bob = await connect(TOKENS.bob);
    const closed = [alice, bob].map((c) => new Promise<void>((resolve) => c.onclose(() => resolve())));
    await running.hub.close();
    await Promise.all(closed);
    expect(running.probe.disconnected.map((d) => d.userId).sort()).toEqual(["alice", "bob"]);
    expect(running.probe.disconnected.every((d) => d.error === undefined)).toBe(true);
  });
});

describe("SignalR hub timers, limits and reconnects with the official client", () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function hubWith(options: Parameters<typeof startHub>[0]): Promise<RunningHub> {
    const running = await startHub(options);
    cleanups.push(() => running.stop());
    return running;
  }

  function client(running: RunningHub, token: string, options = {}): ClientConnection {
    const connection = officialClient(running.url, token, options);
    cleanups.push(() => connection.stop());
    return connection;
  }

  it("keeps an idle client connected with server pings shorter than its server timeout", async () => {
    // Pings every 50 ms against a 1 s server timeout: a late timer on a loaded machine still
    // leaves the client a ping well within its timeout.
    const running = await hubWith({ keepAliveMs: 50 });
    const alice = client(running, TOKENS.alice);
    alice.serverTimeoutInMilliseconds = 1_000;
    let closedWith: Error | undefined | "open" = "open";
    alice.onclose((error) => (closedWith = error));
    await alice.start();
    // Three client timeouts of silence from the client side; only server pings keep it alive.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(closedWith).toBe("open");
    expect(alice.state).toBe(HubConnectionState.Connected);
    expect(await alice.invoke("Echo", "still here")).toBe("still here");
  });

  it("refuses connections beyond the per-user limit with a clear error", async () => {
    const running = await hubWith({ maxConnectionsPerUser: 2 });
    await client(running, TOKENS.alice).start();
    await client(running, TOKENS.alice).start();
    await expect(client(running, TOKENS.alice).start()).rejects.toThrow(/Too many connections for this user: at most 2/);
    const skipping = client(running, TOKENS.alice, { skipNegotiation: true, transport: HttpTransportType.WebSockets });
    await expect(skipping.start()).rejects.toThrow();
    await client(running, TOKENS.bob).start();
    expect(running.hub.connectionsOf("alice")).toHaveLength(2);
  });

  it("answers invocations over the rate limit with an error and keeps the connection", async () => {
    const running = await hubWith({ rateLimit: { burst: 3, perSecond: 0.001 } });
    const alice = client(running, TOKENS.alice);
    await alice.start();
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => alice.invoke("Echo", n)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(2);
    for (const r of refused) expect((r.reason as Error).message).toMatch(/Rate limit exceeded/);
    expect(alice.state).toBe(HubConnectionState.Connected);
  });

  it("reconnects with withAutomaticReconnect after the server drops the socket", async () => {
    const running = await hubWith({});
    const reconnecting = officialClient(running.url, TOKENS.alice, {}, [0, 100, 500, 1_000]);
    cleanups.push(() => reconnecting.stop());
    await reconnecting.start();
    const firstId = reconnecting.connectionId;
    const reconnected = new Promise<string | undefined>((resolve) => reconnecting.onreconnected(resolve));
    running.hub.connectionsOf("alice")[0]?.abort();
    const newId = await reconnected;
    expect(newId).toEqual(expect.any(String));
    expect(newId).not.toBe(firstId);
    expect(await reconnecting.invoke("Echo", "back")).toBe("back");
    await waitFor(() => running.probe.disconnected.length === 1, { what: "onDisconnected for the dropped socket" });
    expect(running.probe.disconnected[0]?.error?.message).toContain("aborted");
  });
});
