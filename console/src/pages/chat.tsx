import { HubConnectionBuilder, HubConnectionState, LogLevel } from "@microsoft/signalr";
import type { HubConnection } from "@microsoft/signalr";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Session } from "../session.ts";
import { ErrorNote, Status, when } from "../ui.tsx";

/** A stored chat message (services/chat-relay/model.ts). */
interface ChatMessage {
  readonly id: string;
  readonly sequence: number;
  readonly senderId: string;
  readonly senderRole: "customer" | "technician";
  readonly text: string;
  readonly sentAt: string;
}

/** Adds messages by sequence, once each: catch-up and live delivery may overlap. */
function merge(old: readonly ChatMessage[], more: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map(old.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.sequence - b.sequence);
}

/**
 * A technician's chat on one service request, over the official SignalR client on the hub at
 * /hubs/chat: joining returns the history, live messages arrive as OnMessageReceived, and after a
 * reconnect the page joins again from its last sequence to catch up on what it missed.
 */
export function ChatPage({ session, requestId }: { session: Session; requestId: string | undefined }) {
  const [id, setId] = useState(requestId ?? "");
  return (
    <>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          window.location.hash = `#/chat/${id.trim()}`;
        }}
      >
        <label for="request-id">Service request id</label>
        <input id="request-id" value={id} required onInput={(event) => setId(event.currentTarget.value)} />
        <button type="submit">Open chat</button>
      </form>
      {requestId !== undefined && <Conversation key={requestId} session={session} requestId={requestId} />}
    </>
  );
}

function Conversation({ session, requestId }: { session: Session; requestId: string }) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [state, setState] = useState("connecting");
  const [error, setError] = useState<unknown>(undefined);
  const [text, setText] = useState("");
  const hub = useRef<HubConnection | undefined>(undefined);
  const last = useRef(0);

  useEffect(() => {
    const connection = new HubConnectionBuilder()
      .withUrl("/hubs/chat", { accessTokenFactory: () => session.token })
      .withAutomaticReconnect()
      .configureLogging(LogLevel.None)
      .build();
    hub.current = connection;
    const add = (more: ChatMessage[]) =>
      setMessages((old) => {
        const merged = merge(old, more);
        last.current = merged.at(-1)?.sequence ?? 0;
        return merged;
      });
    const join = async () => add(await connection.invoke<ChatMessage[]>("JoinServiceRequest", requestId, last.current));
    connection.on("OnMessageReceived", (message: ChatMessage) => add([message]));
    connection.onreconnecting(() => setState("reconnecting"));
    connection.onreconnected(() => {
      setState("connected");
      join().catch(setError);
    });
    connection.onclose(() => setState("disconnected"));
    connection
      .start()
      .then(join)
      .then(() => setState("connected"))
      .catch((caught: unknown) => {
        setState("disconnected");
        setError(caught);
      });
    return () => void connection.stop();
  }, [session, requestId]);

  async function send(): Promise<void> {
    const connection = hub.current;
    if (connection?.state !== HubConnectionState.Connected || text.trim() === "") return;
    setError(undefined);
    try {
      const stored = await connection.invoke<ChatMessage>("SendMessage", requestId, text.trim(), crypto.randomUUID());
      setMessages((old) => merge(old, [stored]));
      setText("");
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <section aria-labelledby="chat-title">
      <h2 id="chat-title">Service request {requestId}</h2>
      <Status>Chat {state}</Status>
      <ol class="chat" aria-label="Messages" aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} class={m.senderRole === "technician" ? "mine" : ""}>
            <span class="who">
              {m.senderRole === "technician" ? "You" : "Customer"} · {when(m.sentAt)}
            </span>
            <span>{m.text}</span>
          </li>
        ))}
      </ol>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send();
        }}
      >
        <label for="chat-text">Message</label>
        <textarea id="chat-text" rows={2} maxLength={4000} value={text} onInput={(event) => setText(event.currentTarget.value)} />
        <button type="submit" class="primary" disabled={state !== "connected"}>
          Send
        </button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
