import { readFileSync } from 'node:fs';
import { httpJson, signedHeaders } from '@switchyard/connector-http-json';
import { loadConfig } from '../hub.ts';
import { type Flags, out, UsageError } from './shared.ts';

const example = JSON.parse(
  readFileSync(new URL('../../../connectors/http-json/examples/order.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { customer: Record<string, unknown>; lines: Record<string, unknown>[] };

const BUYERS = [
  ['Ana Ramos', 'ana.ramos@example.com'],
  ['Kenji Sato', 'kenji.sato@example.com'],
  ['Lea Fischer', 'lea.fischer@example.com'],
  ['Omar Haddad', 'omar.haddad@example.com'],
];

/**
 * The example orders the demo sends: a dozen good ones over the last hour (so the console's overview has a
 * curve), and two a merchant would have to fix (no lines; a negative quantity), which become exceptions.
 */
function demoPayloads(now: Date) {
  const good = Array.from({ length: 12 }, (_, i) => {
    const n = 100300 + i;
    const [name, email] = BUYERS[i % BUYERS.length]!;
    const at = new Date(now.getTime() - (12 - i) * 4 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      ...example,
      id: `WEB-${n}`,
      number: `#${n}`,
      placedAt: at,
      updatedAt: at,
      customer: { ...example.customer, id: `cust-${i % BUYERS.length}`, name, email },
    };
  });
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const bad = [
    { ...example, id: 'WEB-100390', number: '#100390', placedAt: at, updatedAt: at, lines: [] },
    {
      ...example,
      id: 'WEB-100391',
      number: '#100391',
      placedAt: at,
      updatedAt: at,
      lines: example.lines.map((l, i) => (i === 0 ? { ...l, quantity: -2 } : l)),
    },
  ];
  return [...good, ...bad];
}

/**
 * `switchyard demo`: sends the example orders through the running hub's webhook, signed as the example
 * connection's sender would sign them, so the console and the API have something to show. Nothing is written
 * to the database directly: what arrives is what any channel's delivery would make of it.
 */
export async function demo(values: Flags): Promise<void> {
  const { config } = await loadConfig(values.config);
  const connection = config.connections.find(
    (c) => c.connector === httpJson.id && (!values.connection || c.id === values.connection),
  );
  if (!connection) {
    throw new UsageError(
      values.connection
        ? `no http-json connection "${values.connection}" in the config`
        : 'the config has no http-json connection to send the example orders through',
    );
  }
  const secret = (connection.secrets as { signingSecret?: string }).signingSecret;
  if (!secret) throw new UsageError(`connection ${connection.id} has no signingSecret`);
  const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? '8080'}`).replace(/\/$/, '');
  const counts: Record<string, number> = {};
  for (const payload of demoPayloads(new Date())) {
    const body = JSON.stringify(payload);
    let res: Response;
    try {
      res = await fetch(`${base}/webhooks/${connection.id}`, {
        method: 'POST',
        body,
        headers: signedHeaders(secret, body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new UsageError(
        `the hub does not answer at ${base} (${(error as Error).message}); start it with npm start, or pass --url`,
      );
    }
    const answer = (await res.json().catch(() => ({}))) as { status?: string; detail?: string };
    if (res.status >= 400) {
      throw new UsageError(
        `the hub refused the example order ${payload.id}: ${res.status} ${answer.detail ?? ''}`,
      );
    }
    const status = answer.status ?? String(res.status);
    counts[status] = (counts[status] ?? 0) + 1;
  }
  out(
    `sent 14 example deliveries to ${base}/webhooks/${connection.id}: ${Object.entries(counts)
      .map(([s, n]) => `${n} ${s}`)
      .join(
        ', ',
      )}. See them at ${base}/console (sign in with a key from: switchyard keys create --role admin)`,
  );
}
