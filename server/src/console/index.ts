import { randomBytes, randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { authenticateKey } from '@switchyard/core';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { OperatorContext } from '../operator/index.ts';
import { assetRoutes } from './assets.ts';
import { auditPages } from './audit.tsx';
import { booksPages } from './books.tsx';
import { connectionPages } from './connections.tsx';
import { type ConsoleContext, type ConsoleDeps, type ConsoleEnv, field, localPath } from './context.ts';
import { ediPages } from './edi.tsx';
import { exceptionPages } from './exceptions.tsx';
import { jobPages } from './jobs.tsx';
import { SignInPage } from './layout.tsx';
import { liveRoutes } from './live.tsx';
import { orderPages } from './orders.tsx';
import { overviewPage } from './overview.tsx';
import { routingActions } from './routing.tsx';
import { SESSION_LIMITS, SessionStore, SignInThrottle, sameToken } from './session.ts';
import { stockPages } from './stock.tsx';

const SESSION_COOKIE = 'sy_console';
/** Before sign-in: the token the sign-in form must carry back (a login form is a form too). */
const SIGN_IN_COOKIE = 'sy_console_sign_in';

/**
 * Nothing but the hub's own files: no inline script or style, no eval, no frames, forms only to the console.
 * htmx is configured (layout.tsx) to need none of what this forbids.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export interface ConsoleOptions {
  /** Where the app is mounted (default '/console'). */
  base?: string;
  /** Passed to every operator function: the job runner's nudge, this process's vendor call figures. */
  operator?: Omit<OperatorContext, 'hub' | 'by' | 'requestId'>;
}

/**
 * The operator console: server-rendered pages (hono/jsx), htmx for partial updates, server-sent events for the
 * live counters and the exceptions inbox. Sign-in with an API key; a session cookie afterwards (the key is
 * never in it); a CSRF token on every form; a strict content security policy. Mounted at /console.
 */
export function consoleRoutes(
  hub: Pick<Hub, 'sql' | 'connections' | 'config'> & Partial<Pick<Hub, 'box'>>,
  log: Logger,
  options: ConsoleOptions = {},
) {
  const base = options.base ?? '/console';
  const sessions = new SessionStore(hub.sql);
  const throttle = new SignInThrottle();
  const assets = assetRoutes(base);
  const deps: ConsoleDeps = {
    hub,
    log,
    base,
    assets: assets.urls,
    sessions,
    operator: options.operator ?? {},
  };
  const app = new Hono<ConsoleEnv>();

  app.use('*', async (c, next) => {
    // The overview is at /console: a router mounting this app matches no route for /console/.
    if (c.req.path === `${base}/`) return c.redirect(base, 308);
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('x-frame-options', 'DENY');
    c.header('referrer-policy', 'no-referrer');
    c.header('cross-origin-opener-policy', 'same-origin');
    if (!c.req.path.startsWith(`${base}/assets/`)) c.header('cache-control', 'no-store');
  });
  app.route('/assets', assets.routes);

  app.get('/sign-in', async (c) => {
    if (await sessions.get(getCookie(c, SESSION_COOKIE))) return c.redirect(base, 303);
    return signInForm(c, deps, undefined, c.req.query('next'));
  });

  app.post('/sign-in', async (c) => {
    const form = await c.req.parseBody();
    const next = localPath(base, field(form, 'next'), base);
    const pre = getCookie(c, SIGN_IN_COOKIE);
    if (!pre || !sameToken(field(form, '_csrf'), pre)) {
      return signInForm(c, deps, 'The sign-in form expired; sign in again.', next, 403);
    }
    const source = sourceOf(c);
    const wait = throttle.retryAfter(source);
    if (wait) {
      c.header('retry-after', String(wait));
      return signInForm(c, deps, `Too many failed sign-ins from here; try again in ${wait} s.`, next, 429);
    }
    const principal = await authenticateKey(hub.sql, field(form, 'key'));
    if (!principal) {
      throttle.failed(source);
      // The key is not logged, not even in part.
      log.warn('console sign-in refused: unknown or revoked key', { source });
      return signInForm(c, deps, 'That key is unknown or revoked.', next, 401);
    }
    throttle.succeeded(source);
    const session = await sessions.create(principal);
    deleteCookie(c, SIGN_IN_COOKIE, cookieOptions(c, base));
    setCookie(c, SESSION_COOKIE, session.id, {
      ...cookieOptions(c, base),
      maxAge: Math.floor(SESSION_LIMITS.absoluteMs / 1000),
    });
    log.info('console sign-in', { actor: principal.actor, tenant: principal.tenantId, role: principal.role });
    return c.redirect(next, 303);
  });

  // Everything below needs a session, and every POST its CSRF token.
  app.use('*', async (c, next) => {
    // One query: the session, unexpired, of a key not revoked (a revoked key's sessions end at once).
    const session = await sessions.get(getCookie(c, SESSION_COOKIE));
    if (!session) {
      const to = `${base}/sign-in${c.req.method === 'GET' ? `?next=${encodeURIComponent(c.req.path)}` : ''}`;
      if (c.req.header('hx-request')) {
        c.header('hx-redirect', to);
        return c.body(null, 401);
      }
      if (c.req.header('accept')?.includes('text/event-stream')) return c.body(null, 401);
      return c.redirect(to, 303);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const header = c.req.header('x-csrf-token');
      const token = header ?? field(await c.req.parseBody({ all: true }), '_csrf');
      if (!sameToken(token, session.csrf)) {
        log.warn('console request refused: missing or wrong CSRF token', { path: c.req.path });
        return c.text(
          'This form is out of date (CSRF token missing or wrong); reload the page and try again.',
          403,
        );
      }
    }
    c.set('session', session);
    // The hub's request id (http/metrics.ts, checked and echoed): the same in the answer, the logs and the audit.
    if (!c.get('requestId')) c.set('requestId', randomUUID());
    const flash = JSON.stringify(session.flash);
    await next();
    // Messages added (by an action, for the page after its redirect) or taken (by the page shown) are kept in the
    // database before the answer leaves: the next request may reach another process.
    if (JSON.stringify(session.flash) !== flash) await sessions.save(session);
  });

  app.post('/sign-out', async (c) => {
    await sessions.end(c.get('session').id);
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c, base));
    return c.redirect(`${base}/sign-in`, 303);
  });

  overviewPage(app, deps);
  orderPages(app, deps);
  routingActions(app, deps);
  stockPages(app, deps);
  exceptionPages(app, deps);
  jobPages(app, deps);
  auditPages(app, deps);
  connectionPages(app, deps);
  booksPages(app, deps);
  ediPages(app, deps);
  liveRoutes(app, deps);

  app.notFound((c) => c.text(`No console page at ${c.req.path}`, 404));
  app.onError((error, c) => {
    log.error('console page failed', {
      path: c.req.path,
      error: error instanceof Error ? error.message : '',
    });
    return c.text('This page failed; the hub log has the reason. Go back and try again.', 500);
  });
  return app;
}

function signInForm(
  c: ConsoleContext,
  deps: ConsoleDeps,
  error: string | undefined,
  next: string | undefined,
  status: 200 | 401 | 403 | 429 = 200,
) {
  const token = randomBytes(24).toString('base64url');
  setCookie(c, SIGN_IN_COOKIE, token, { ...cookieOptions(c, deps.base), maxAge: 3600 });
  const page = SignInPage({
    base: deps.base,
    assets: deps.assets,
    token,
    error,
    next: localPath(deps.base, next, ''),
  });
  return c.html(`<!doctype html>${page}`, status);
}

/** httpOnly, SameSite=Strict, only under the console; Secure when the browser reached us over https. */
function cookieOptions(c: ConsoleContext, base: string): CookieOptions {
  const https = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  return { path: base, httpOnly: true, sameSite: 'Strict', secure: https };
}

/** Who is signing in, for the failed sign-in limit: the peer address (a test's request has none). */
function sourceOf(c: ConsoleContext): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
