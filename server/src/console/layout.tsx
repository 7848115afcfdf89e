/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import type { AssetUrls } from './assets.ts';
import type { Flash, Session } from './session.ts';

/** What every page of a signed-in operator is drawn with. */
export interface View {
  /** Where the console is mounted ('/console'). */
  base: string;
  assets: AssetUrls;
  session: Session;
  /** The page's own path (for the nav's current item). */
  path: string;
  flash: Flash[];
}

/** htmx without anything the content security policy forbids: no inline styles it injects, no eval. */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  historyCacheSize: 0,
  selfRequestsOnly: true,
});

const NAV = [
  { href: '', label: 'Overview' },
  { href: '/orders', label: 'Orders' },
  { href: '/stock', label: 'Stock' },
  { href: '/exceptions', label: 'Exceptions' },
  { href: '/edi', label: 'EDI' },
  { href: '/connections', label: 'Connections' },
  { href: '/books', label: 'Books' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/audit', label: 'Audit log' },
] as const;

function Head({ title, assets }: { title: string; assets: AssetUrls }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <meta name="referrer" content="no-referrer" />
      <title>{`${title} · Switchyard`}</title>
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href={assets.style} />
      <script src={assets.htmx} defer></script>
      <script src={assets.sse} defer></script>
      <script src={assets.script} defer></script>
    </head>
  );
}

export function Messages({ flash }: { flash: Flash[] }) {
  return (
    <div id="messages" role="status" aria-live="polite">
      {flash.map((f) => (
        <p class={`message message-${f.kind}`}>
          <strong>{f.kind === 'ok' ? '✓ Done: ' : '✗ Error: '}</strong>
          {f.text}
        </p>
      ))}
    </div>
  );
}

/** The hidden field every form carries; htmx requests carry the same token in a header (see the body). */
export function Csrf({ view }: { view: View }) {
  return <input type="hidden" name="_csrf" value={view.session.csrf} />;
}

/**
 * A page: header with the navigation, the live counters' stream (server-sent events through htmx's sse
 * extension), the page's content. `live` adds parameters to the stream (the exceptions page's filter).
 */
export function Page(props: { view: View; title: string; live?: string; children?: Child }) {
  const { view, title } = props;
  const { principal } = view.session;
  const live = `${view.base}/live${props.live ? `?${props.live}` : ''}`;
  const current = (href: string) =>
    href === ''
      ? view.path === view.base || view.path === `${view.base}/`
      : view.path.startsWith(view.base + href);
  return (
    <html lang="en">
      <Head title={title} assets={view.assets} />
      <body hx-boost="true" hx-headers={JSON.stringify({ 'x-csrf-token': view.session.csrf })}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <div class="shell" hx-ext="sse" sse-connect={live}>
          <header class="top">
            <a class="brand" href={view.base}>
              Switchyard
            </a>
            <nav aria-label="Console">
              <ul>
                {NAV.map((n) => (
                  <li>
                    <a href={view.base + n.href} aria-current={current(n.href) ? 'page' : undefined}>
                      {n.label}
                      {n.href === '/exceptions' ? (
                        <span class="count" id="open-count" sse-swap="open-count" aria-live="off">
                          {' '}
                        </span>
                      ) : null}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <form class="who" method="post" action={`${view.base}/sign-out`} hx-boost="false">
              <span>
                {principal.name} · tenant <b>{principal.tenantId}</b> · {principal.role}
              </span>
              <Csrf view={view} />
              <button type="submit" class="link">
                Sign out
              </button>
            </form>
          </header>
          <main id="main" tabindex={-1}>
            <h1>{title}</h1>
            <Messages flash={view.flash} />
            {props.children}
          </main>
        </div>
      </body>
    </html>
  );
}

/** The sign-in page: the only one without a session. */
export function SignInPage(props: {
  base: string;
  assets: AssetUrls;
  token: string;
  error?: string | undefined;
  next?: string | undefined;
}) {
  return (
    <html lang="en">
      <Head title="Sign in" assets={props.assets} />
      <body>
        <main id="main" class="sign-in">
          <h1>Switchyard console</h1>
          <form method="post" action={`${props.base}/sign-in`}>
            <input type="hidden" name="_csrf" value={props.token} />
            {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
            <label for="key">API key</label>
            <input
              id="key"
              name="key"
              type="password"
              autocomplete="current-password"
              required
              placeholder="sy_…"
              aria-describedby={props.error ? 'sign-in-error key-help' : 'key-help'}
              aria-invalid={props.error ? 'true' : undefined}
              autofocus
            />
            <p id="key-help" class="help">
              Create one with <code>npx switchyard keys create --tenant &lt;id&gt; --role operator</code>. The
              key is checked once; the browser keeps only a session cookie.
            </p>
            {props.error ? (
              <p id="sign-in-error" class="message message-error" role="alert">
                <strong>✗ </strong>
                {props.error}
              </p>
            ) : null}
            <button type="submit">Sign in</button>
          </form>
        </main>
      </body>
    </html>
  );
}

/** A status as a word with a symbol, readable without colour; the class only adds colour. */
export function Status({ value }: { value: string }) {
  const symbol: Record<string, string> = {
    open: '⚠',
    failed: '✗',
    error: '✗',
    resolved: '✓',
    accepted: '✓',
    rejected: '✗',
    overdue: '⚠',
    sent: '✓',
    succeeded: '✓',
    success: '✓',
    completed: '✓',
    done: '✓',
    ok: '✓',
    ignored: '–',
    cancelled: '–',
    running: '↻',
    pending: '…',
    queued: '…',
    waiting: '…',
    posted: '✓',
    parked: '⏸',
  };
  return (
    <span class={`status status-${value.replace(/[^a-z_-]/gi, '')}`}>
      <span aria-hidden="true">{symbol[value] ?? '•'} </span>
      {value}
    </span>
  );
}

/** A time as the operator reads it, with the exact instant in the element for machines and tooltips. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return <span>{at}</span>;
  return (
    <time datetime={d.toISOString()} title={d.toISOString()}>
      {d.toISOString().slice(0, 19).replace('T', ' ')}
    </time>
  );
}

/** How long ago, in the largest whole unit; "in …" for a time still to come (a deadline). */
export function ago(at: string | null | undefined, now = Date.now()): string {
  if (!at) return '—';
  const diff = Math.round((now - Date.parse(at)) / 1000);
  const s = Math.abs(diff);
  const span =
    s < 60
      ? `${s} s`
      : s < 3600
        ? `${Math.floor(s / 60)} min`
        : s < 86400
          ? `${Math.floor(s / 3600)} h`
          : `${Math.floor(s / 86400)} d`;
  // A few seconds ahead is clock skew between the store and this process, not a time to come.
  return diff < -5 ? `in ${span}` : `${diff < 0 ? '0 s' : span} ago`;
}

export function Empty({ children }: { children?: Child }) {
  return <p class="empty">{children}</p>;
}
