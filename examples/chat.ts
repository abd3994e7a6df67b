// Opens a service request's chat with the official SignalR client, the way a browser or mobile
// app would: join (which returns the history), send one message, print what arrives, leave.
// Usage: node examples/chat.ts REQUEST_ID "message" [--wait SECONDS]
// Reads API (default http://127.0.0.1:3000) and TOKEN from the environment.
import { parseArgs } from "node:util";
import { HubConnectionBuilder, LogLevel } from "@microsoft/signalr";

interface ChatMessage {
  readonly sequence: number;
  readonly senderId: string;
  readonly text: string;
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { wait: { type: "string", default: "1" } } });
const [requestId, text] = positionals;
const token = process.env.TOKEN;
if (requestId === undefined || text === undefined || !token) {
  process.stderr.write('usage: TOKEN=... node examples/chat.ts REQUEST_ID "message" [--wait SECONDS]\n');
  process.exit(2);
}
const api = (process.env.API ?? "http://127.0.0.1:3000").replace(/\/+$/, "");
const connection = new HubConnectionBuilder()
  .withUrl(`${api}/hubs/chat`, { accessTokenFactory: () => token })
  .configureLogging(LogLevel.Warning)
  .build();
// The handler returns nothing: the client would otherwise send its return value as a client result.
const print = (m: ChatMessage): void => {
  process.stdout.write(`#${m.sequence} ${m.senderId}: ${m.text}\n`);
};
connection.on("OnMessageReceived", print);
await connection.start();
const history = await connection.invoke<ChatMessage[]>("JoinServiceRequest", requestId, 0);
for (const message of history) print(message);
await connection.invoke("SendMessage", requestId, text, crypto.randomUUID());
await new Promise((resolve) => setTimeout(resolve, Number(values.wait) * 1000));
await connection.stop();
