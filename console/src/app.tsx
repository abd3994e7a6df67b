import { useEffect, useState } from "preact/hooks";
import { AuditPage } from "./pages/audit.tsx";
import { CatalogPage } from "./pages/catalog.tsx";
import { ChatPage } from "./pages/chat.tsx";
import { DeadLettersPage } from "./pages/dead-letters.tsx";
import { FlagsPage } from "./pages/flags.tsx";
import { ImportPage } from "./pages/import.tsx";
import { JobsPage } from "./pages/jobs.tsx";
import { QueuesPage } from "./pages/queues.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { TransformationsPage } from "./pages/transformations.tsx";
import { keptToken, pagesFor, signIn, signOut } from "./session.ts";
import type { Session } from "./session.ts";
import { ErrorNote, Status } from "./ui.tsx";

/** The hash route: `#/imports/<id>` → ["imports", "<id>"]; hash routes need no server fallback. */
function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, "").split("/").filter((part) => part !== "");
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

/** The console: sign-in, then the pages the signed-in role may use. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [restoring, setRestoring] = useState(keptToken() !== undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const token = keptToken();
    if (token === undefined) return;
    signIn(token)
      .then(setSession, (caught: unknown) => {
        signOut();
        setError(caught);
      })
      .finally(() => setRestoring(false));
  }, []);
  if (restoring) return <Status>Signing in…</Status>;
  if (session === undefined) return <SignIn onSignedIn={setSession} error={error} />;
  return (
    <Shell
      session={session}
      onSignOut={() => {
        signOut();
        setSession(undefined);
        setError(undefined);
      }}
    />
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const pages = pagesFor(session.principal.role);
  const current = pages.find((page) => page.path === route[0]) ?? pages[0];
  useEffect(() => {
    document.title = `${current?.title ?? "Console"} · Warranty Hub`;
    // Moving focus to the new page's heading tells keyboard and screen-reader users the page changed.
    document.getElementById("page-title")?.focus();
  }, [current]);
  const { principal } = session;
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Warranty Hub console</p>
        <p class="who">
          Signed in as <strong>{principal.subject}</strong> ({principal.role.replace("_", " ")}
          {principal.brand === undefined ? "" : `, ${principal.brand}`})
        </p>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Console pages">
        <ul>
          {pages.map((page) => (
            <li key={page.path}>
              <a href={`#/${page.path}`} aria-current={page === current ? "page" : undefined}>
                {page.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {current === undefined ? (
          <>
            <h1 id="page-title" tabIndex={-1}>
              Nothing here for your role
            </h1>
            <p>The console has no pages for the {principal.role} role; the API is still yours to call.</p>
          </>
        ) : (
          <>
            <h1 id="page-title" tabIndex={-1}>
              {current.title}
            </h1>
            <PageBody path={current.path} rest={route.slice(1)} session={session} />
          </>
        )}
      </main>
    </>
  );
}

function PageBody({ path, rest, session }: { path: string; rest: string[]; session: Session }) {
  switch (path) {
    case "imports":
      return <ImportPage session={session} jobId={rest[0]} />;
    case "jobs":
      return <JobsPage session={session} />;
    case "catalog":
      return <CatalogPage session={session} />;
    case "dead-letters":
      return <DeadLettersPage session={session} />;
    case "queues":
      return <QueuesPage session={session} />;
    case "flags":
      return <FlagsPage session={session} />;
    case "audit":
      return <AuditPage session={session} />;
    case "transformations":
      return <TransformationsPage session={session} />;
    case "chat":
      return <ChatPage session={session} requestId={rest[0]} />;
    default:
      return <ErrorNote error={`no page ${path}`} />;
  }
}
