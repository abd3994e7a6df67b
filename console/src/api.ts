/**
 * The console's HTTP client: every call carries the signed-in token, and every error body
 * (`{ error: { code, message, details? } }`) becomes an {@link ApiError} the pages can show.
 */

/** Every role a token may carry, as lib/auth names them. */
export const ROLES = ["super_admin", "brand_admin", "consumer", "technician", "operator"] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as `GET /api/v1/whoami` answers. */
export interface Principal {
  readonly subject: string;
  readonly role: Role;
  readonly brand?: string;
}

/** A page of a cursor-paged listing. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** An error answer from the API, or a network failure (`status` 0, code `NETWORK`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The calls the pages make; built once per sign-in by {@link createApi}. */
export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: "POST" | "PATCH", path: string, body: unknown): Promise<T>;
  upload<T>(path: string, file: Blob): Promise<T>;
  /** Fetches `path` and hands it to the browser as a download named `filename`. */
  download(path: string, filename: string): Promise<void>;
  /** Reads a server-sent event stream until it ends or `signal` aborts; calls `onEvent` per event. */
  events(path: string, onEvent: (event: string, data: string) => void, signal: AbortSignal): Promise<void>;
}

/** Builds the query string of `params`, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

/** A client whose requests carry `token`. */
export function createApi(token: string): Api {
  const authorization = `Bearer ${token}`;
  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers: { authorization, ...(init.headers as Record<string, string>) } });
    } catch (error) {
      throw new ApiError(0, "NETWORK", `the API could not be reached: ${String(error)}`);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }
  return {
    get: async <T>(path: string) => (await (await call(path)).json()) as T,
    send: async <T>(method: "POST" | "PATCH", path: string, body: unknown) =>
      (await (await call(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as T,
    upload: async <T>(path: string, file: Blob) =>
      (await (await call(path, { method: "POST", headers: { "content-type": "text/csv" }, body: file })).json()) as T,
    async download(path, filename) {
      const blob = await (await call(path)).blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      link.click();
      // The click has started the download by the next task; the URL is not needed after it.
      setTimeout(() => URL.revokeObjectURL(url), 0);
    },
    async events(path, onEvent, signal) {
      // EventSource cannot send an Authorization header, so the stream is read through fetch.
      const response = await call(path, { signal, headers: { accept: "text/event-stream" } });
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
      if (reader === undefined) return;
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value.replaceAll("\r\n", "\n");
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, end), onEvent);
          buffer = buffer.slice(end + 2);
        }
      }
    },
  };
}

function dispatch(block: string, onEvent: (event: string, data: string) => void): void {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length > 0) onEvent(event, data.join("\n"));
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    const error = body.error ?? {};
    return new ApiError(response.status, error.code ?? "HTTP_ERROR", error.message ?? response.statusText, error.details);
  } catch {
    return new ApiError(response.status, "HTTP_ERROR", `${response.status} ${response.statusText}`);
  }
}
