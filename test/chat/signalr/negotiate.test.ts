import { afterEach, describe, expect, it } from "vitest";
import { negotiate, RawClient, startHub, TOKENS } from "./support.ts";
import type { RunningHub } from "./support.ts";

const ALL_TRANSPORTS = [
  { transport: "WebSockets", transferFormats: ["Text", "Binary"] },
  { transport: "ServerSentEvents", transferFormats: ["Text"] },
  { transport: "LongPolling", transferFormats: ["Text", "Binary"] },
];

describe("SignalR negotiate endpoint and HTTP sharing", () => {
  const running: RunningHub[] = [];

  async function hub(options: Parameters<typeof startHub>[0] = {}): Promise<RunningHub> {
    const started = await startHub(options);
    running.push(started);
    return started;
  }

  afterEach(async () => {
    for (const started of running.splice(0)) await started.stop();
  });

  it("answers version 1 with a connection token and every transport", async () => {
    const { url, origin } = await hub();
    const { status, body, headers } = await negotiate(url, { token: TOKENS.alice });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys(body).sort()).toEqual(["availableTransports", "connectionId", "connectionToken", "negotiateVersion"]);
    expect(body["negotiateVersion"]).toBe(1);
    expect(body["connectionId"]).toMatch(/^[\w-]{16,}$/);
    expect(body["connectionToken"]).toMatch(/^[\w-]{32,}$/);
    expect(body["availableTransports"]).toEqual(ALL_TRANSPORTS);
    expect(body["connectionToken"]).not.toBe(body["connectionId"]);
    expect(body).not.toHaveProperty("useStatefulReconnect");
    // Asking for stateful reconnect does not make the server advertise it.
    const stateful = await negotiate(url, { token: TOKENS.alice, query: "?negotiateVersion=1&useStatefulReconnect=true" });
    expect(stateful.body).not.toHaveProperty("useStatefulReconnect");
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it("answers version 0 when no version is asked, and caps higher versions at 1", async () => {
    const { url } = await hub();
    const v0 = await negotiate(url, { token: TOKENS.alice, query: "" });
    expect(v0.status).toBe(200);
    expect(Object.keys(v0.body).sort()).toEqual(["availableTransports", "connectionId", "negotiateVersion"]);
    expect(v0.body["negotiateVersion"]).toBe(0);
    expect(v0.body["availableTransports"]).toEqual(ALL_TRANSPORTS);
    const v7 = await negotiate(url, { token: TOKENS.alice, query: "?negotiateVersion=7" });
    expect(v7.body["negotiateVersion"]).toBe(1);
    const bad = await negotiate(url, { token: TOKENS.alice, query: "?negotiateVersion=one" });
    expect(bad.status).toBe(400);
  });

  it("authenticates before negotiating: 401 with a JSON error otherwise", async () => {
    const { url } = await hub();
    for (const token of [undefined, "forged"]) {
      const { status, body } = await negotiate(url, token === undefined ? {} : { token });
      expect(status).toBe(401);
      expect(body).toEqual({ error: "Missing or invalid access token." });
    }
  });

  it("answers CORS preflights and echoes the origin with credentials", async () => {
    const { url } = await hub();
    const preflight = await fetch(`${url}/negotiate?negotiateVersion=1`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,x-requested-with,x-signalr-user-agent",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-credentials")).toBe("true");
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const header of ["authorization", "x-requested-with", "x-signalr-user-agent"]) expect(allowed).toContain(header);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");

    const post = await negotiate(url, { token: TOKENS.alice, headers: { origin: "https://app.example" } });
    expect(post.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(post.headers.get("access-control-allow-credentials")).toBe("true");
    const refused = await negotiate(url, { headers: { origin: "https://app.example" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("gives no CORS headers to origins outside allowedOrigins", async () => {
    const { url } = await hub({ allowedOrigins: ["https://app.example"] });
    const stranger = await negotiate(url, { token: TOKENS.alice, headers: { origin: "https://evil.example" } });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    const friend = await negotiate(url, { token: TOKENS.alice, headers: { origin: "https://app.example" } });
    expect(friend.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("shares the port: other paths reach the app's listener, before and after the hub closes", async () => {
    const started = await hub();
    const before = await fetch(`${started.origin}/api/v1/health`);
    expect(await before.text()).toBe("app:/api/v1/health");
    const plainGet = await fetch(started.url);
    expect(plainGet.status).toBe(400);
    await started.hub.close();
    const after = await fetch(`${started.origin}/api/v1/health`);
    expect(await after.text()).toBe("app:/api/v1/health");
  });

  it("refuses negotiate with 503 while the hub is closing", async () => {
    const gate = Promise.withResolvers<void>();
    const started = await hub({ onDisconnected: () => gate.promise });
    const client = await RawClient.connect(`${started.url}?access_token=${TOKENS.bob}`);
    const closing = started.hub.close();
    expect(await client.next()).toEqual({ type: 7, allowReconnect: true });
    // close() is now waiting for onDisconnected; the hub must not hand out new connections.
    const during = await negotiate(started.url, { token: TOKENS.alice });
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ error: "The server is shutting down." });
    gate.resolve();
    await closing;
  });
});
