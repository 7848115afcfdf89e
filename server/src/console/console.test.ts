import { createHash } from 'node:crypto';
import {
  createApiKey,
  createJob,
  getJob,
  listAudit,
  recordAudit,
  recordException,
  revokeApiKey,
  serverLimits,
} from '@switchyard/core';
import { createTestDatabase, type TestDatabase } from '@switchyard/core/testing';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { segmentsOf } from './edi.tsx';
import { consoleRoutes } from './index.ts';
import { SignInThrottle } from './session.ts';

let db: TestDatabase;
let app: Hono;
/** A second hub process over the same database (another worker, or the same hub after a restart). */
let other: Hono;
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
  const mount = () =>
    new Hono().route('/console', consoleRoutes(hub as never, createLogger({ level: 'error' })));
  app = mount();
  other = mount();
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

/** A browser's cookie jar, in a few lines. */
class Browser {
  cookies = new Map<string, string>();
  /** The hub process the next request reaches. */
  hub: () => Hono = () => app;
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await this.hub().request(`http://hub.test/console${path}`, {
      ...init,
      headers,
      redirect: 'manual',
    });
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
});

describe('jobs and the audit log', () => {
  it('cancels a queued job from the jobs page, audited with its state before and after', async () => {
    const job = await createJob(db.sql, {
      tenantId: 'acme',
      kind: 'sync',
      params: { connectionId: 'acme-shop' },
      createdBy: 'test',
    });
    const viewer = new Browser();
    await viewer.signIn(keys.viewer!);
    expect(await (await viewer.fetch('/jobs')).text()).not.toContain('Cancel job');

    const stranger = new Browser();
    await stranger.signIn(keys.globex!);
    const csrfOfStranger = await stranger.csrf();
    await stranger.fetch(`/jobs/${job.id}/cancel`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrfOfStranger }),
    });
    expect(await (await stranger.fetch('/jobs')).text()).toContain(`tenant globex has no job ${job.id}`);
    expect((await getJob(db.sql, 'acme', job.id))!.status).toBe('queued');

    const browser = new Browser();
    await browser.signIn(keys.acme!);
    const page = await (await browser.fetch('/jobs')).text();
    expect(page).toContain(`action="/console/jobs/${job.id}/cancel"`);
    const res = await browser.fetch(`/jobs/${job.id}/cancel`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: await browser.csrf(), back: `/console/jobs/${job.id}` }),
    });
    expect(res.headers.get('location')).toBe(`/console/jobs/${job.id}`);
    const after = await (await browser.fetch(`/jobs/${job.id}`)).text();
    expect(after).toContain(`Sync of acme-shop (job ${job.id}) cancelled`);
    expect(after).not.toContain('Cancel job');
    expect((await getJob(db.sql, 'acme', job.id))!.status).toBe('cancelled');
    const [entry] = (await listAudit(db.sql, 'acme', { targetType: 'job', targetId: job.id })).items;
    expect(entry).toMatchObject({
      action: 'job.cancel',
      before: { status: 'queued', done: 0 },
      after: { status: 'cancelled', done: 0 },
    });

    // Shown on the audit page, filtered to the job, with before and after.
    const audit = await (
      await browser.fetch(`/audit?targetType=job&targetId=${encodeURIComponent(job.id)}`)
    ).text();
    expect(audit).toContain('job.cancel');
    expect(audit).toContain(`href="/console/jobs/${job.id}"`);
    expect(audit).toContain('&quot;status&quot;: &quot;queued&quot;');
    expect(audit).toContain('&quot;status&quot;: &quot;cancelled&quot;');
    // Again: 409 in words.
    await browser.fetch(`/jobs/${job.id}/cancel`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: await browser.csrf() }),
    });
    expect(await (await browser.fetch('/jobs')).text()).toContain('is cancelled: nothing to cancel');
  });

  it('pages the audit log by keyset, filtered by action, and shows another tenant none of it', async () => {
    const by = { actor: 'cli:test', name: 'test', tenantId: 'globex', role: 'admin' as const };
    for (let n = 0; n < 55; n++) {
      await recordAudit(db.sql, by, {
        action: n % 5 ? 'exception.replay' : 'edi.resend',
        targetType: n % 5 ? 'exception' : 'edi-document',
        targetId: `target-${n}`,
        after: { n },
      });
    }
    const browser = new Browser();
    await browser.signIn(keys.globex!);
    const first = await (await browser.fetch('/audit')).text();
    expect(first).toContain('target-54');
    expect(first).not.toContain('acme-shop');
    const next = /href="\/console(\/audit\?cursor=\d+)"/.exec(first)![1]!;
    const second = await (await browser.fetch(next)).text();
    expect(second).toContain('target-0');
    expect(second).not.toContain('target-54');
    expect(second).toContain('← Newest');
    const resends = await (await browser.fetch('/audit?action=edi.resend')).text();
    expect(resends.match(/<li id="audit-/g)).toHaveLength(11);
    expect(resends).toContain('href="/console/edi/documents/target-50"');
    const bad = await (await browser.fetch('/audit?cursor=0')).text();
    expect(bad).toContain('target-54');
  });

  it('shows an interchange one segment a line, whatever its terminator', () => {
    const isa =
      'ISA*00*          *00*          *ZZ*DEMOSUPPLY     *ZZ*RETAILER       *260101*1200*U*00401*000000001*0*P*>';
    expect(segmentsOf(`${isa}~GS*PR*A*B~\nST*855*0001~SE*2*0001~`)).toEqual([
      `${isa}~`,
      'GS*PR*A*B~',
      'ST*855*0001~',
      'SE*2*0001~',
    ]);
    expect(segmentsOf(`${isa}\nGS*PR*A*B\nST*855*0001\n`)).toEqual([isa, 'GS*PR*A*B', 'ST*855*0001']);
  });
});

/** The stored row of a browser's session: by the SHA-256 of the cookie's value, which is all the table keeps. */
function sessionKey(browser: Browser): Buffer {
  return createHash('sha256').update(browser.cookies.get('sy_console')!).digest();
}

describe('sessions in the database', () => {
  it('keeps only the SHA-256 of the session id, and the key not at all', async () => {
    const browser = new Browser();
    await browser.signIn(keys.acme!);
    const id = browser.cookies.get('sy_console')!;
    const rows = await db.sql<
      { id: Buffer; keyId: string; tenant: string; expiresAt: Date; createdAt: Date }[]
    >`
      select id_sha256 as id, key_id as "keyId", tenant_id as tenant, expires_at as "expiresAt",
             created_at as "createdAt"
      from console_sessions where id_sha256 = ${sessionKey(browser)}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tenant).toBe('acme');
    const dump = JSON.stringify(await db.sql`select * from console_sessions`);
    expect(dump).not.toContain(id);
    expect(dump).not.toContain(keys.acme!.slice(3));
    // Idle time first: two hours from sign-in (the twelve-hour limit bounds it as it moves on).
    const idle = rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime();
    expect(idle).toBeGreaterThan(2 * 3600_000 - 5_000);
    expect(idle).toBeLessThanOrEqual(2 * 3600_000 + 5_000);
  });

  it('is valid on another hub process over the same database, messages and all', async () => {
    const browser = new Browser();
    await browser.signIn(keys.acme!);
    const id = await recordException(db.sql, {
      tenantId: 'acme',
      connectionId: null,
      kind: 'normalize',
      inboxId: null,
      message: 'closed through one process, told by the other',
    });
    const csrf = await browser.csrf();
    browser.hub = () => other;
    const page = await browser.fetch('/exceptions');
    expect(page.status).toBe(200);
    // The form's token is the session's, whichever process drew the form.
    const closed = await browser.fetch(`/exceptions/${id}/close`, {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, status: 'ignored', reason: 'test across processes' }),
    });
    expect(closed.status).toBe(303);
    // The redirect is answered by the first process: the message waited in the database.
    browser.hub = () => app;
    const after = await (await browser.fetch(`/exceptions/${id}`)).text();
    expect(after).toContain(`${id} marked ignored`);
    // Shown once.
    expect(await (await browser.fetch(`/exceptions/${id}`)).text()).not.toContain(`${id} marked ignored`);
  });

  it('ends the sessions of a key at once when it is revoked', async () => {
    const { key, secret } = await createApiKey(db.sql, {
      tenantId: 'acme',
      role: 'operator',
      createdBy: 'test',
    });
    const browser = new Browser();
    await browser.signIn(secret);
    expect((await browser.fetch('/exceptions')).status).toBe(200);
    await revokeApiKey(db.sql, 'acme', key.id);
    expect((await browser.fetch('/exceptions')).status).toBe(303);
    browser.hub = () => other;
    expect((await browser.fetch('/exceptions')).status).toBe(303);
  });

  it('refuses an expired session, idle or past its absolute time, and deletes ended ones', async () => {
    const browser = new Browser();
    await browser.signIn(keys.acme!);
    expect((await browser.fetch('/exceptions')).status).toBe(200);
    await db.sql`update console_sessions set expires_at = now() - interval '1 second'
                 where id_sha256 = ${sessionKey(browser)}`;
    const res = await browser.fetch('/exceptions');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/console\/sign-in/);
    // A sign-in sweeps ended sessions away.
    await new Browser().signIn(keys.acme!);
    expect(
      await db.sql`select 1 from console_sessions where id_sha256 = ${sessionKey(browser)}`,
    ).toHaveLength(0);
  });

  it('moves the idle limit on at most once a minute, never past the absolute limit', async () => {
    const browser = new Browser();
    await browser.signIn(keys.acme!);
    const row = async () =>
      (
        await db.sql<{ lastSeenAt: Date; expiresAt: Date; createdAt: Date }[]>`
          select last_seen_at as "lastSeenAt", expires_at as "expiresAt", created_at as "createdAt"
          from console_sessions where id_sha256 = ${sessionKey(browser)}`
      )[0]!;
    const first = await row();
    await browser.fetch('/exceptions');
    expect((await row()).lastSeenAt).toEqual(first.lastSeenAt);
    // Signed in 11 h 30 min ago, last seen 5 minutes ago: the next request moves last use on, and the end to
    // twelve hours after sign-in (sooner than two hours from now).
    await db.sql`update console_sessions
                 set created_at = now() - interval '11 hours 30 minutes', last_seen_at = now() - interval '5 minutes'
                 where id_sha256 = ${sessionKey(browser)}`;
    expect((await browser.fetch('/exceptions')).status).toBe(200);
    const moved = await row();
    expect(Date.now() - moved.lastSeenAt.getTime()).toBeLessThan(30_000);
    expect(moved.expiresAt.getTime() - moved.createdAt.getTime()).toBe(12 * 3600_000);
  });

  it('deletes the session when its operator signs out', async () => {
    const browser = new Browser();
    await browser.signIn(keys.acme!);
    const key = sessionKey(browser);
    const csrf = await browser.csrf();
    const res = await browser.fetch('/sign-out', {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(res.status).toBe(303);
    expect(await db.sql`select 1 from console_sessions where id_sha256 = ${key}`).toHaveLength(0);
    expect(browser.cookies.has('sy_console')).toBe(false);
  });
});

describe('the sign-in limit', () => {
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
