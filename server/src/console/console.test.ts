import { createApiKey, recordException, revokeApiKey, serverLimits } from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { consoleRoutes } from './index.ts';
import { SessionStore, SignInThrottle } from './session.ts';

let db: TestDatabase;
let app: Hono;
const keys: Record<string, string> = {};
const exceptions: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into tenants (id, name) values ('acme', 'Acme'), ('globex', 'Globex')`;
  for (const [name, tenantId, role] of [
    ['acme', 'acme', 'operator'],
    ['globex', 'globex', 'operator'],
    ['viewer', 'acme', 'viewer'],
  ] as const) {
    keys[name] = (await createApiKey(db.sql, { tenantId, role, createdBy: 'test' })).secret;
  }
  for (const tenantId of ['acme', 'globex']) {
    exceptions[tenantId] = await recordException(db.sql, {
      tenantId,
      connectionId: null,
      kind: 'normalize',
      inboxId: null,
      message: `${tenantId}'s broken payload`,
    });
  }
  const hub = {
    sql: db.sql,
    connections: new Map(),
    config: { tenants: [], connections: [], server: serverLimits({ bodyLimit: 1 << 20 }) },
  };
  // Mounted as the hub mounts it.
  app = new Hono().route('/console', consoleRoutes(hub as never, createLogger({ level: 'error' })));
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

/** A browser's cookie jar, in a few lines. */
class Browser {
  cookies = new Map<string, string>();
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await app.request(`http://hub.test/console${path}`, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  async signIn(key: string): Promise<Response> {
    const form = await (await this.fetch('/sign-in')).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
    return this.fetch('/sign-in', { method: 'POST', body: new URLSearchParams({ _csrf: token, key }) });
  }
  async csrf(): Promise<string> {
    const page = await (await this.fetch('/exceptions')).text();
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  }
}

describe('console sign-in', () => {
  it('sends a visitor to sign in, under a strict content security policy', async () => {
    const res = await new Browser().fetch('/exceptions');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Fexceptions');
    expect(res.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves htmx, its sse extension and its own files from the hub', async () => {
    const page = await (await new Browser().fetch('/sign-in')).text();
    const scripts = [...page.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(3);
    for (const src of scripts) {
      expect(src).toMatch(/^\/console\/assets\//);
      const res = await app.request(`http://hub.test${src}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
    expect(page).not.toMatch(/<script>|<style>| style=/);
  });

  it('refuses an unknown key and a form without its token', async () => {
    const browser = new Browser();
    expect((await browser.signIn('sy_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    const res = await browser.fetch('/sign-in', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: 'forged', key: keys.acme! }),
    });
    expect(res.status).toBe(403);
    expect(browser.cookies.has('sy_console')).toBe(false);
  });

  it('keeps a random session id in an httpOnly, SameSite=Strict cookie, never the key', async () => {
    const browser = new Browser();
    const res = await browser.signIn(keys.acme!);
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sy_console='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/console/);
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).not.toContain(keys.acme!.slice(3));
    expect((await browser.fetch('/exceptions')).status).toBe(200);
  });

  it('marks the cookie Secure when the browser came over https', async () => {
    const browser = new Browser();
    await browser.fetch('/sign-in');
    const form = await (await browser.fetch('/sign-in')).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
    const res = await browser.fetch('/sign-in', {
      method: 'POST',
      headers: { 'x-forwarded-proto': 'https' },
      body: new URLSearchParams({ _csrf: token, key: keys.acme! }),
    });
    expect(res.headers.getSetCookie().find((c) => c.startsWith('sy_console='))).toMatch(/; Secure/);
  });
});

describe('console requests', () => {
  it('refuses a POST without the session’s CSRF token, in a field or a header', async () => {
    const browser = new Browser();
    await browser.signIn(keys.acme!);
    const path = `/exceptions/${exceptions.acme}/close`;
    const body = () => new URLSearchParams({ status: 'ignored', reason: 'test' });
    expect((await browser.fetch(path, { method: 'POST', body: body() })).status).toBe(403);
    const wrong = await browser.fetch(path, {
      method: 'POST',
      body: body(),
      headers: { 'x-csrf-token': 'nope' },
    });
    expect(wrong.status).toBe(403);
    const other = new Browser();
    await other.signIn(keys.acme!);
    const stolen = await other.csrf();
    expect(
      (await browser.fetch(path, { method: 'POST', body: body(), headers: { 'x-csrf-token': stolen } }))
        .status,
    ).toBe(403);
  });

  it('shows a tenant its exceptions only, and another’s id as one that does not exist', async () => {
    const browser = new Browser();
    await browser.signIn(keys.globex!);
    const page = await (await browser.fetch('/exceptions')).text();
    expect(page).toContain('globex&#39;s broken payload');
    expect(page).not.toContain('acme');
    const res = await browser.fetch(`/exceptions/${exceptions.acme}`);
    expect(res.status).toBe(303);
    const after = await (await browser.fetch('/exceptions')).text();
    expect(after).toContain(`tenant globex has no exception ${exceptions.acme}`);
  });

  it('gives a viewer no forms to act with', async () => {
    const browser = new Browser();
    await browser.signIn(keys.viewer!);
    const page = await (await browser.fetch(`/exceptions/${exceptions.acme}`)).text();
    expect(page).toContain('acme&#39;s broken payload');
    expect(page).not.toMatch(/Replay as stored|Save edit and replay|Close without replaying/);
  });

  it('ends the sessions of a key that was revoked', async () => {
    const { key, secret } = await createApiKey(db.sql, {
      tenantId: 'acme',
      role: 'operator',
      createdBy: 'test',
    });
    const browser = new Browser();
    await browser.signIn(secret);
    expect((await browser.fetch('/exceptions')).status).toBe(200);
    await revokeApiKey(db.sql, 'acme', key.id);
    // Looked up again at most every 15 s: a session checked just now is trusted until then.
    const realNow = Date.now;
    Date.now = () => realNow() + 20_000;
    try {
      expect((await browser.fetch('/exceptions')).status).toBe(303);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('sessions and the sign-in limit', () => {
  it('ends a session after its idle time and after its absolute time', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 100, absoluteMs: 1000, max: 10 }, () => now);
    const principal = { actor: 'key:k', name: 'k', tenantId: 't', role: 'viewer' as const };
    const s = store.create(principal);
    now = 90;
    expect(store.get(s.id)).toBe(s);
    now = 191;
    expect(store.get(s.id)).toBeUndefined();
    const t = store.create(principal);
    for (now = 200; now < 1300; now += 50) store.get(t.id);
    expect(store.get(t.id)).toBeUndefined();
  });

  it('keeps at most `max` sessions, dropping the oldest', () => {
    const store = new SessionStore({ idleMs: 1e9, absoluteMs: 1e9, max: 2 });
    const principal = { actor: 'key:k', name: 'k', tenantId: 't', role: 'viewer' as const };
    const [a, b, c] = [store.create(principal), store.create(principal), store.create(principal)];
    expect(store.get(a.id)).toBeUndefined();
    expect(store.get(b.id)).toBe(b);
    expect(store.get(c.id)).toBe(c);
  });

  it('refuses a source after ten failed sign-ins until the window passes', () => {
    let now = 0;
    const throttle = new SignInThrottle(10, 1000, () => now);
    for (let i = 0; i < 10; i++) throttle.failed('1.2.3.4');
    expect(throttle.retryAfter('1.2.3.4')).toBe(1);
    expect(throttle.retryAfter('5.6.7.8')).toBe(0);
    now = 1001;
    expect(throttle.retryAfter('1.2.3.4')).toBe(0);
  });
});
