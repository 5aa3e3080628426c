/**
 * The job console: sign-in with an API key, then Overview, Jobs, Job detail, Create / edit and
 * Workers pages (hash routes). Served by the API at `/` (src/api/console/routes.ts). A "Skip to
 * content" link is the first stop of the Tab key; a status region carries confirmations that
 * outlive a navigation (./flash.ts).
 */
import './styles.css';
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, clientWithKey, errorText, SchedulerApiError, UNAUTHORIZED_EVENT } from './api';
import { Message } from './components/Bits';
import { FLASH_EVENT, type Flash } from './flash';
import { JobDetailPage } from './pages/JobDetail';
import { JobFormPage } from './pages/JobForm';
import { JobsPage } from './pages/Jobs';
import { OverviewPage } from './pages/Overview';
import { WorkersPage } from './pages/Workers';
import { href, type Route, useRoute } from './router';
import { clearApiKey, getApiKey, setApiKey } from './session';
import type { ConsoleConfig } from './types';

function SignIn({ onSignedIn, notice }: { onSignedIn: (config: ConsoleConfig) => void; notice: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · Job console';
  }, []);
  return (
    <main id="main" class="signin">
      <h1>Job console</h1>
      <p>
        Enter your API key. It is kept in this browser tab only (session storage) and sent to the API as a bearer token.
      </p>
      {notice && <Message kind="info">{notice}</Message>}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const config = await clientWithKey(key.trim()).consoleConfig();
            setApiKey(key.trim());
            onSignedIn(config);
          } catch (err) {
            setError(err instanceof SchedulerApiError ? errorText(err) : `Cannot reach the API: ${String(err)}`);
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          aria-describedby={error ? 'api-key-error' : undefined}
          aria-invalid={error ? true : undefined}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        {error && (
          <p id="api-key-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

const NAV: [string, string, (r: Route) => boolean][] = [
  ['/', 'Overview', (r) => r.segments.length === 0],
  ['/jobs', 'Jobs', (r) => r.segments[0] === 'jobs'],
  ['/new', 'New job', (r) => r.segments[0] === 'new'],
  ['/workers', 'Workers', (r) => r.segments[0] === 'workers'],
];

function Page({ route, config }: { route: Route; config: ConsoleConfig }) {
  const [first, second, third] = route.segments;
  if (first === undefined) return <OverviewPage config={config} />;
  if (first === 'jobs' && second === undefined) return <JobsPage config={config} params={route.params} />;
  if (first === 'jobs' && second !== undefined && third === 'edit') return <JobFormPage jobId={second} />;
  if (first === 'jobs' && second !== undefined) return <JobDetailPage jobId={second} config={config} />;
  if (first === 'new') return <JobFormPage />;
  if (first === 'workers') return <WorkersPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No such page. <a href={href('/')}>Go to the overview</a>.
      </p>
    </section>
  );
}

/** The console path of a route, as {@link Flash} names it: `/jobs/<id>`. */
function routePath(route: Route): string {
  return `/${route.segments.join('/')}`;
}

function App() {
  const route = useRoute();
  const [config, setConfig] = useState<ConsoleConfig | null>(null);
  const [checking, setChecking] = useState(getApiKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const [flashed, setFlashed] = useState<Flash | null>(null);
  const path = routePath(route);

  useEffect(() => {
    const onFlash = (e: Event) => setFlashed((e as CustomEvent<Flash>).detail);
    window.addEventListener(FLASH_EVENT, onFlash);
    return () => window.removeEventListener(FLASH_EVENT, onFlash);
  }, []);
  useEffect(() => {
    // A confirmation belongs to the page it was meant for: leaving that page forgets it.
    setFlashed((f) => (f && f.path !== path ? null : f));
  }, [path]);

  const signOut = useCallback((message: string | null) => {
    clearApiKey();
    setConfig(null);
    setNotice(message);
  }, []);

  useEffect(() => {
    const onUnauthorized = () => signOut('The API refused the key (401): sign in again.');
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [signOut]);

  useEffect(() => {
    if (getApiKey() === null) return;
    api
      .consoleConfig()
      .then(setConfig)
      .catch((err) => {
        if (!(err instanceof SchedulerApiError && err.status === 401))
          setNotice(`Cannot reach the API: ${String(err)}`);
      })
      .finally(() => setChecking(false));
  }, []);

  if (checking) return <Message kind="info">Loading…</Message>;
  if (config === null)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(c) => {
          setNotice(null);
          setConfig(c);
        }}
      />
    );
  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: a link to the main region; the fragment is the route, so the focus moves without navigating */}
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          // The fragment is the route: move the focus without navigating.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Job console</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([path, label, active]) => (
              <li key={path}>
                <a href={href(path)} aria-current={active(route) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {config.user_id} ({config.role})
          <button type="button" class="link" onClick={() => signOut('Signed out.')}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <div class="flash" role="status">
          {flashed && flashed.path === path && <p class="message message-success">{flashed.text}</p>}
        </div>
        <Page route={route} config={config} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
