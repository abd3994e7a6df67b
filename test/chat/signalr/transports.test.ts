import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpTransportType, HubConnectionState } from "@microsoft/signalr";
import type { HubConnection as ClientConnection, IHubProtocol } from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { waitFor } from "../../support/wait.ts";
import { negotiate, officialClient, startHub, TOKENS } from "./support.ts";
import type { RunningHub } from "./support.ts";

const VARIANTS = [
  { transport: HttpTransportType.WebSockets, name: "WebSockets", protocol: "messagepack" },
  { transport: HttpTransportType.ServerSentEvents, name: "ServerSentEvents", protocol: "json" },
  { transport: HttpTransportType.LongPolling, name: "LongPolling", protocol: "json" },
  { transport: HttpTransportType.LongPolling, name: "LongPolling", protocol: "messagepack" },
] as const;

describe.each(VARIANTS)("the official client over $name with the $protocol protocol", ({ transport, name, protocol }) => {
  let running: RunningHub;
  const clients: ClientConnection[] = [];

  async function connect(token: string): Promise<ClientConnection> {
    const hubProtocol: IHubProtocol | undefined = protocol === "messagepack" ? new MessagePackHubProtocol() : undefined;
    const client = officialClient(running.url, token, { transport }, undefined, hubProtocol);
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

  it("connects, invokes, gets errors and receives pushes", async () => {
    const alice = await connect(TOKENS.alice);
    expect(alice.state).toBe(HubConnectionState.Connected);
    const server = running.hub.connection(alice.connectionId ?? "");
    expect({ transport: server?.transport, protocol: server?.protocol }).toEqual({ transport: name, protocol });
    expect(await alice.invoke("Echo", { text: "héllo ✓", n: [1, 2.5], nested: { ok: true } })).toEqual({ text: "héllo ✓", n: [1, 2.5], nested: { ok: true } });
    expect(await alice.invoke("Add", 2, 40)).toBe(42);
    await expect(alice.invoke("Add", "x", 1)).rejects.toThrow("Add takes two numbers.");
    await expect(alice.invoke("Crash")).rejects.toThrow("An unexpected error occurred invoking 'Crash' on the server.");
    expect(await alice.invoke("HoldingNow")).toBe(0);

    const bob = await connect(TOKENS.bob);
    const received: unknown[][] = [];
    bob.on("OnMessage", (...args: unknown[]) => received.push(args));
    expect(await bob.invoke("JoinGroup", "room")).toBe(true);
    expect(await alice.invoke("Broadcast", "room", "first")).toBe(1);
    expect(await alice.invoke("Broadcast", "room", "second")).toBe(1);
    await waitFor(() => received.length === 2, { what: "two pushes" });
    expect(received).toEqual([
      ["room", "first"],
      ["room", "second"],
    ]);
  });

  it("stops cleanly from either side", async () => {
    const alice = await connect(TOKENS.alice);
    await alice.stop();
    await waitFor(() => running.probe.disconnected.length === 1, { what: "the server to see the client stop" });
    expect(running.probe.disconnected[0]?.error).toBeUndefined();

    const bob = await connect(TOKENS.bob);
    const closed = new Promise<Error | undefined>((resolve) => bob.onclose(resolve));
    running.hub.connection(bob.connectionId ?? "")?.close("Go away.");
    expect(String(await closed)).toMatch(/Go away/);
    await waitFor(() => running.probe.disconnected.length === 2, { what: "the server to run onDisconnected" });
  });

  it("refuses a request without the connection's user", async () => {
    const { body } = await negotiate(running.url, { token: TOKENS.alice });
    const url = `${running.url}?id=${encodeURIComponent(String(body["connectionToken"]))}`;
    const as = (token?: string): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });
    const accept: Record<string, string> = transport === HttpTransportType.ServerSentEvents ? { accept: "text/event-stream" } : {};
    expect((await fetch(url, { headers: { ...as(TOKENS.bob), ...accept } })).status).toBe(403);
    expect((await fetch(url, { headers: accept })).status).toBe(401);
    expect((await fetch(`${running.url}?id=forged`, { headers: { ...as(TOKENS.alice), ...accept } })).status).toBe(404);
    if (transport !== HttpTransportType.LongPolling) return;
    expect((await fetch(url, { headers: as(TOKENS.alice) })).status).toBe(200);
    const handshake = `{"protocol":"${protocol}","version":1}\x1e`;
    expect((await fetch(url, { method: "POST", headers: as(TOKENS.bob), body: handshake })).status).toBe(403);
    expect((await fetch(url, { method: "POST", body: handshake })).status).toBe(401);
    expect((await fetch(url, { method: "POST", headers: as(TOKENS.alice), body: handshake })).status).toBe(200);
    const poll = await fetch(url, { headers: as(TOKENS.alice) });
    expect(await poll.text()).toBe("{}\x1e");
    expect((await fetch(url, { method: "DELETE", headers: as(TOKENS.alice) })).status).toBe(202);
    await waitFor(() => running.probe.disconnected.length === 1, { what: "the DELETE to end the connection" });
  });
});
