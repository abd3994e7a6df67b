import { useState } from "preact/hooks";
import { signIn } from "../session.ts";
import type { Session } from "../session.ts";
import { ErrorNote } from "../ui.tsx";

/** Paste a token (in development, from `npx warranty-hub token --role <role>`); checked with whoami. */
export function SignIn({ onSignedIn, error }: { onSignedIn: (session: Session) => void; error: unknown }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<unknown>(error);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to the Warranty Hub console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          setProblem(undefined);
          signIn(token)
            .then(onSignedIn, setProblem)
            .finally(() => setBusy(false));
        }}
      >
        <label for="token">Access token</label>
        <textarea id="token" name="token" rows={5} required spellcheck={false} autoComplete="off" value={token}
          aria-describedby="token-help" onInput={(event) => setToken(event.currentTarget.value)} />
        <p id="token-help" class="help">
          In development, make one with <code>npx warranty-hub token --role operator</code> (or super_admin, brand_admin
          --brand NAME). It is kept for this tab only.
        </p>
        <ErrorNote error={problem} />
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
