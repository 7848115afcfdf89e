import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signedHeaders } from '@switchyard/connector-http-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type HubProcess, repoRoot, scratchDir, startHub } from '../support/hub-process.ts';

/**
 * The "done when", as a new user meets it: the example config, no
 * DATABASE_URL (embedded PostgreSQL), the real `switchyard` binary.
 */
const example = readFileSync(join(repoRoot, 'connectors/http-json/examples/order.json'));
const noDatabase = {
  DATABASE_URL: undefined,
  DEMO_WEBHOOK_SECRET: undefined,
  SWITCHYARD_SECRET_KEY: undefined,
};
const scratch = scratchDir('e2e');
let hub: HubProcess | undefined;

const post = (body: Uint8Array | string, headers: Record<string, string>) =>
  fetch(`${hub!.url}/webhooks/demo`, { method: 'POST', body, headers });
const ordersJson = () => {
  const r = cli(scratch.dir, ['orders', 'list', '--json'], noDatabase);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { orders: { externalId: string; totalAmount: number; id: string }[] };
};
const postmasterPid = () =>
  Number(readFileSync(join(scratch.dir, '.switchyard/pgdata/postmaster.pid'), 'utf8').split('\n')[0]);

beforeAll(async () => {
  hub = await startHub(scratch.dir, noDatabase);
});
afterAll(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGTERM');
    await hub.exited;
  }
  scratch.remove();
});

describe('a new user’s hub, end to end', () => {
  it('imports a signed order, shown by `switchyard orders list --json`', async () => {
    const res = await post(example, signedHeaders('dev-secret', example));
    expect(res.status).toBe(200);
    expect(ordersJson().orders).toEqual([
      expect.objectContaining({ externalId: 'WEB-100234', totalAmount: 6924 }),
    ]);
  });

  it('adds nothing for the same POST again, and rejects a bad signature with 401', async () => {
    expect((await post(example, signedHeaders('dev-secret', example))).status).toBe(200);
    expect(ordersJson().orders).toHaveLength(1);
    const bad = await post(example, signedHeaders('not-the-secret', example));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers malformed JSON with a good signature 202, as an exception to list and replay', async () => {
    const body = '{"id": "HALF-AN-ORDER", ';
    const res = await post(body, signedHeaders('dev-secret', body));
    expect(res.status).toBe(202);
    const { exceptionId } = (await res.json()) as { exceptionId: string };
    const listed = cli(scratch.dir, ['exceptions', 'list', '--json'], noDatabase);
    expect(JSON.parse(listed.stdout).exceptions).toEqual([
      expect.objectContaining({ id: exceptionId, status: 'open', replayCount: 0 }),
    ]);
    const replayed = cli(scratch.dir, ['exceptions', 'replay', exceptionId], noDatabase);
    expect(replayed.code).toBe(2);
    expect(replayed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^switchyard: .*failed again: body is not valid JSON/),
    ]);
    const after = JSON.parse(cli(scratch.dir, ['exceptions', 'list', '--json'], noDatabase).stdout);
    expect(after.exceptions).toEqual([expect.objectContaining({ id: exceptionId, replayCount: 1 })]);
  });

  it('comes back with all its data after kill -9, reusing the orphaned PostgreSQL', async () => {
    const before = ordersJson().orders;
    const pgPid = postmasterPid();
    hub!.child.kill('SIGKILL');
    await hub!.exited;
    hub = await startHub(scratch.dir, noDatabase);
    expect(hub.log()).toContain(`reusing the PostgreSQL left running (pid ${pgPid})`);
    expect(ordersJson().orders).toEqual(before);
    const res = await post(example, signedHeaders('dev-secret', example));
    expect(await res.json()).toMatchObject({ status: 'duplicate' });
  });

  it('stops cleanly on SIGTERM, PostgreSQL included; the CLI then runs on its own', async () => {
    const pgPid = postmasterPid();
    hub!.child.kill('SIGTERM');
    expect(await hub!.exited).toBe(0);
    expect(hub!.log()).toContain('PostgreSQL stopped');
    expect(() => process.kill(pgPid, 0)).toThrow();
    expect(ordersJson().orders).toHaveLength(1);
  });
});
