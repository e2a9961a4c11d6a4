/**
 * The memflow web viewer: sign in with an API key (exchanged for an HttpOnly session cookie; the key
 * is never stored by the browser), then Live, Session, Search, Learnings, Review, Usage and, for admin
 * keys, Admin; the header says when learnings wait for review. Hash routes, so the API serves one page. Everything the API returns is rendered as text.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './app.css';
import { call, setSession, type Me } from './api.js';
import { useHashRoute } from './hooks.js';
import { ErrorNote, Form } from './ui/controls.js';
import { Admin } from './views/admin.js';
import { Learnings } from './views/learnings.js';
import { Live } from './views/live.js';
import { Review, ReviewBadge } from './views/review.js';
import { Search } from './views/search.js';
import { SessionView } from './views/session.js';
import { UsageView } from './views/usage.js';

function SignIn({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice: string | undefined }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<{ enabled: boolean; issuer: string | null }>();
  useEffect(() => {
    call<{ enabled: boolean; issuer: string | null }>('GET', '/ui/sso').then(setSso, () => setSso({ enabled: false, issuer: null }));
  }, []);
  return (
    <main id="main" class="signin">
      <h1>memflow</h1>
      {sso?.enabled ? (
        <p>
          {/* A plain link: the provider's page takes over, then sends the browser back signed in. */}
          <a class="button sso" href="/ui/oidc/start">
            Sign in with your organization's account
          </a>{' '}
          <span class="hint">({sso.issuer})</span>
        </p>
      ) : null}
      <p>{sso?.enabled ? 'Or sign in with an API key.' : 'Sign in with an API key.'} It is sent once and exchanged for a short-lived session; the browser does not keep it.</p>
      {notice ? (
        <p class="warning" role="status">
          {notice}
        </p>
      ) : null}
      <Form class="stack" onSubmit={() => {
          setBusy(true);
          call<Me>('POST', '/ui/session', { key: key.trim() }).then(
            (me) => {
              setKey('');
              onSignedIn(me);
            },
            (err: Error) => {
              setError(err.message);
              setBusy(false);
            },
          );
}}>
        <label>
          API key <input type="password" name="key" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </Form>
      <ErrorNote error={error} />
    </main>
  );
}

function NotFound({ path }: { path: string }) {
  return (
    <section aria-labelledby="notfound-h">
      <h1 id="notfound-h">Not found</h1>
      <p>
        There is no view <code>#/{path}</code>. The views are <a href="#/live">Live</a>, <a href="#/search">Search</a>, <a href="#/learnings">Learnings</a>, <a href="#/review">Review</a>, <a href="#/usage">Usage</a> and{' '}
        <a href="#/admin">Admin</a>; a session is <code>#/sessions/&lt;id&gt;</code>.
      </p>
    </section>
  );
}

const NAV: { route: string; label: string; admin?: boolean }[] = [
  { route: 'live', label: 'Live' },
  { route: 'search', label: 'Search' },
  { route: 'learnings', label: 'Learnings' },
  { route: 'review', label: 'Review' },
  { route: 'usage', label: 'Usage' },
  { route: 'admin', label: 'Admin', admin: true },
];

/** What the sign-in page says once a sign-in with an expiry has reached it, whatever request noticed it first. */
const SIGN_IN_ENDED = 'Your sign-in has ended; sign in again.';
/** A refusal this close to the sign-in's end is its end (the server's clock may run ahead of the browser's). */
const SIGN_IN_CLOCK_SLACK_MS = 2_000;

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [notice, setNotice] = useState<string>();
  const route = useHashRoute();
  // When the sign-in ends (its expiresAt), read by whichever request is refused first: the expiry's own check below,
  // the live stream's `revoked`, or any view's call.
  const endsAt = useRef<number | undefined>(undefined);
  endsAt.current = me?.expiresAt ? Date.parse(me.expiresAt) : undefined;

  /** Back to the sign-in page, saying why. */
  const signedOut = (why: string) => {
    setSession(null);
    setNotice(why);
    setMe(null);
  };

  useEffect(() => {
    const onUnauthorized = (message: string) => signedOut(endsAt.current !== undefined && Date.now() >= endsAt.current - SIGN_IN_CLOCK_SLACK_MS ? SIGN_IN_ENDED : message);
    setSession(null, onUnauthorized);
    call<Me>('GET', '/ui/session').then(
      (m) => {
        setSession(m);
        setMe(m);
      },
      () => setMe(null),
    );
  }, []);

  // A sign-in that ends (single sign-on sessions expire): back to the sign-in page when it does. When the server still
  // takes the session at the browser's expiry (its clock behind the browser's), ask again half a second later: the same
  // expiresAt would otherwise never set the timer again, and the page would stay signed in on a session that ended.
  const [checks, setChecks] = useState(0);
  useEffect(() => {
    if (!me?.expiresAt) return;
    const ms = Date.parse(me.expiresAt) - Date.now();
    const timer = setTimeout(() => {
      call<Me>('GET', '/ui/session').then(
        (m) => {
          setMe(m);
          setChecks((n) => n + 1);
        },
        () => signedOut(SIGN_IN_ENDED),
      );
    }, Math.max(0, ms) + 500);
    return () => clearTimeout(timer);
  }, [me?.expiresAt, checks]);

  if (me === undefined) return <main id="main" class="boot"><p>Loading memflow…</p></main>;
  if (me === null)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(m) => {
          setSession(m);
          setNotice(undefined);
          setMe(m);
        }}
      />
    );

  const [page, arg] = route;
  let view;
  if (page === 'sessions' && arg) view = <SessionView id={arg} />;
  else if (page === 'search') view = <Search />;
  else if (page === 'learnings') view = <Learnings />;
  else if (page === 'review') view = <Review canDecide={[me.role, ...Object.values(me.projectRoles ?? {})].some((r) => r === 'admin' || r === 'maintainer')} isAdmin={me.role === 'admin'} />;
  else if (page === 'usage') view = <UsageView />;
  else if (page === 'admin')
    view =
      me.role === 'admin' ? (
        <Admin myKeyId={me.keyId} />
      ) : (
        <section>
          <h1>Admin</h1>
          <ErrorNote error="This needs an admin API key." />
        </section>
      );
  else if (page === 'live' || page === '' || page === undefined) view = <Live />;
  else view = <NotFound path={route.join('/')} />;

  return (
    <>
      <header class="top">
        <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
          Skip to content
        </a>
        <strong class="brand">memflow</strong>
        <nav aria-label="views">
          {NAV.filter((n) => !n.admin || me.role === 'admin').map((n) => (
            <a key={n.route} href={`#/${n.route}`} aria-current={page === n.route || (n.route === 'live' && page === 'sessions') ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <ReviewBadge />
        <span class="who" title={`signed in to tenant ${me.tenant}${me.person ? ` as ${me.person.name}` : ''} (${me.role})${me.expiresAt ? ` until ${new Date(me.expiresAt).toLocaleString()}` : ''}`}>
          {me.person ? `${me.person.name} · ` : ''}
          {me.tenant} · {me.role}
        </span>
        <button
          class="signout"
          type="button"
          onClick={() =>
            call('DELETE', '/ui/session').finally(() => {
              setSession(null);
              setMe(null);
            })
          }
        >
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
