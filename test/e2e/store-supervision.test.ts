import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { type EmbeddedServer, startEmbedded } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * Issue 10, defects 2 and 10, through the real binary: the hub's store goes away (its embedded PostgreSQL
 * killed with SIGKILL, or the DATABASE_URL server stopped). The hub restarts its own embedded server, with
 * backoff while it cannot; /healthz turns 503 once the store has been away longer than server.unhealthyAfter
 * and 200 again when it is back; neither /healthz nor /readyz shows anyone the database's error text; and
 * the same pools take orders again once the server is back on its port.
 */
const example = JSON.parse(readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'), 'utf8'));
const withUnhealthyAfter = (dir: string) => {
  const config = readFileSync(join(repoRoot, 'switchyard.config.ts'), 'utf8');
  const patched = config.replace(
    "server: { bodyLimit: '5mb' }",
    "server: { bodyLimit: '5mb', unhealthyAfter: '2s' }",
  );
  expect(patched).not.toBe(config);
  writeFileSync(join(dir, 'switchyard.config.ts'), patched);
};
const order = (id: string) => JSON.stringify({ ...example, id });
const post = (hub: HubProcess, body: string) =>
  fetch(`${hub.url}/webhooks/demo`, { method: 'POST', body, headers: signedHeaders('dev-secret', body) });
const get = async (hub: HubProcess, path: string) => {
  const res = await fetch(`${hub.url}${path}`).catch((error: unknown) => {
    throw new Error(`GET ${path} failed (${String(error)}); the hub's log:\n${hub.log()}`);
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
/** What the database's own errors look like: none of it may reach an HTTP answer. */
const ERROR_TEXT = /ECONN|CONNECTION_|connect |refused|127\.0\.0\.1|terminat|password|FATAL|:\/\//i;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const stop = async (hub: HubProcess | undefined) => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
};

/** The store is away: /readyz and then /healthz say so, with no error text. */
async function expectUnhealthyWithoutErrorText(hub: HubProcess) {
  let ready = await get(hub, '/readyz');
  await eventually(
    '/readyz to answer 503',
    async () => {
      ready = await get(hub, '/readyz');
      return ready.status === 503;
    },
    { timeoutMs: 30_000, describe: hub.log },
  );
  expect(ready.type).toBe('application/problem+json');
  expect(JSON.parse(ready.text)).toEqual({
    type: 'urn:switchyard:problem:not-ready',
    title: 'Not ready',
    status: 503,
    detail: 'the database does not answer',
    fix: 'retry later; the hub log says why',
  });
  // The error itself went to the log.
  await eventually('the readyz failure in the log', () =>
    /not ready: the database does not answer/.test(hub.log()),
  );

  let health = await get(hub, '/healthz');
  await eventually(
    '/healthz to answer 503',
    async () => {
      health = await get(hub, '/healthz');
      return health.status === 503;
    },
    { timeoutMs: 30_000, describe: hub.log },
  );
  expect(health.type).toBe('application/problem+json');
  const body = JSON.parse(health.text);
  expect(body).toEqual({
    type: 'urn:switchyard:problem:unhealthy',
    title: 'Unhealthy',
    status: 503,
    detail: expect.stringMatching(
      /^the database has not answered for \d+ s \(server\.unhealthyAfter: 2 s\)$/,
    ),
    fix: expect.any(String),
    storeDownSeconds: expect.any(Number),
  });
  expect(body.storeDownSeconds).toBeGreaterThanOrEqual(2);
  expect(health.text).not.toMatch(ERROR_TEXT);
}

/** The store is back: healthy, ready, and the same pool stores a new order. */
async function expectBackInService(hub: HubProcess, id: string) {
  await eventually(
    '/healthz to answer 200 again',
    async () => {
      const health = await get(hub, '/healthz');
      return health.status === 200 && health.text === '{"status":"ok"}';
    },
    { timeoutMs: 60_000, describe: hub.log },
  );
  let res: Response | undefined;
  await eventually(
    'a new order to be accepted',
    async () => {
      res = await post(hub, order(id));
      return res.status !== 503;
    },
    { timeoutMs: 30_000, describe: hub.log },
  );
  expect(res!.status).toBe(200);
  expect(await res!.json()).toMatchObject({ status: 'accepted' });
  expect(await get(hub, '/readyz')).toMatchObject({ status: 200, text: '{"status":"ready"}' });
}

describe('the embedded PostgreSQL dies under a running hub', () => {
  const noDatabase = {
    DATABASE_URL: undefined,
    DEMO_WEBHOOK_SECRET: undefined,
    SWITCHYARD_SECRET_KEY: undefined,
  };
  let scratch: ReturnType<typeof scratchDir>;
  let hub: HubProcess | undefined;
  beforeAll(() => {
    scratch = scratchDir('store-supervision');
  });
  afterAll(async () => {
    await stop(hub);
    scratch?.remove();
  });
  const data = () => realpathSync(join(scratch.dir, '.switchyard', 'pgdata'));
  const postmasterPid = () => Number(readFileSync(join(data(), 'postmaster.pid'), 'utf8').split('\n')[0]);

  it('is restarted by the hub (with backoff while it cannot start); /healthz fails meanwhile and recovers', async () => {
    withUnhealthyAfter(scratch.dir);
    hub = await startHub(scratch.dir, noDatabase);
    expect((await post(hub, order('SUP-1'))).status).toBe(200);
    expect(await get(hub, '/healthz')).toMatchObject({ status: 200, text: '{"status":"ok"}' });

    // A server started now would refuse its config: the restarts fail until the line is gone.
    const conf = join(data(), 'postgresql.conf');
    const original = readFileSync(conf, 'utf8');
    const killed = postmasterPid();
    try {
      writeFileSync(conf, `${original}\nno_such_setting = 1\n`);
      process.kill(killed, 'SIGKILL');

      await expectUnhealthyWithoutErrorText(hub);
      const refused = await post(hub, order('SUP-2'));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({
        type: 'urn:switchyard:problem:store-unavailable',
        detail: 'the payload could not be stored; nothing was kept',
        fix: 'retry later',
      });
      await eventually('two failed restarts, logged as errors', () => {
        const failed = hub!.log().match(/ error .*restarting PostgreSQL failed \(attempt \d+\)/g) ?? [];
        return failed.length >= 2;
      });
      expect(hub.log()).toMatch(
        new RegExp(`error .*PostgreSQL \\(pid ${killed}\\) .*exited without being stopped`),
      );
      expect(hub.log()).not.toContain('PostgreSQL restarted');
    } finally {
      writeFileSync(conf, original);
    }

    await expectBackInService(hub, 'SUP-2');
    expect(hub.log()).toMatch(/info .*PostgreSQL restarted \(pid \d+\)/);
    expect(hub.log()).toMatch(/the store answers again/);
    const restarted = postmasterPid();
    expect(restarted).not.toBe(killed);

    // Our own stop is not a crash: the server goes down with the hub and stays down.
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
    expect(hub.log()).toContain('PostgreSQL stopped');
    await eventually('the restarted PostgreSQL to be gone', () => !alive(restarted));
    expect(hub.log().match(/PostgreSQL restarted/g)).toHaveLength(1);
  }, 240_000);
});

describe('the DATABASE_URL server stops under hub workers (SWITCHYARD_WORKERS=2)', () => {
  let scratch: ReturnType<typeof scratchDir>;
  // The database the hub is pointed at: a server of this test's own, stopped and started by the test. As
  // root its data goes under sharedRoot when the scratch folder is private.
  let sharedRoot: string;
  let dbDir: string;
  let server: EmbeddedServer | undefined;
  let hub: HubProcess | undefined;
  beforeAll(() => {
    scratch = scratchDir('store-supervision-url');
    sharedRoot = mkdtempSync(join(tmpdir(), 'switchyard-shared-'));
    chmodSync(sharedRoot, 0o755);
    dbDir = join(scratch.dir, 'db');
  });
  afterAll(async () => {
    await stop(hub);
    await server?.stop();
    scratch?.remove();
    if (sharedRoot) rmSync(sharedRoot, { recursive: true, force: true });
  });

  it("each worker's /healthz follows its own pool, with no error text, and the pools reconnect", async () => {
    server = await startEmbedded({ dir: dbDir, sharedRoot, supervise: false });
    withUnhealthyAfter(scratch.dir);
    hub = await startHub(scratch.dir, {
      DATABASE_URL: server.url,
      SWITCHYARD_WORKERS: '2',
      DEMO_WEBHOOK_SECRET: undefined,
    });
    expect((await post(hub, order('URL-1'))).status).toBe(200);

    // A fast shutdown of the server (what an operator or a failover does), not the hub's.
    const pid = Number(
      readFileSync(join(realpathSync(join(dbDir, 'pgdata')), 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    const port = server.port;
    process.kill(pid, 'SIGINT');
    await eventually('the database server to stop', () => !alive(pid), { timeoutMs: 30_000 });

    await expectUnhealthyWithoutErrorText(hub);

    server = await startEmbedded({ dir: dbDir, sharedRoot, supervise: false });
    expect(server.port).toBe(port);
    await expectBackInService(hub, 'URL-2');
  }, 240_000);
});
