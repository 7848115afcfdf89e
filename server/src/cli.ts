import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inspect, listDocuments, requeue, x12 } from '@switchyard/connector-x12';
import {
  ConfigError,
  type Connection,
  connectionContext,
  describeError,
  formatMoney,
  getOrder,
  HubError,
  listExceptions,
  listOrders,
  mediaType,
  normalize,
  replay,
  runSync,
  zodMessage,
} from '@switchyard/core';
import { replayWithClient } from '@switchyard/workflows';
import { installedConnectors } from './connectors.ts';
import { type Hub, loadConfig, openHub } from './hub.ts';
import { createLogger } from './log.ts';
import { start } from './start.ts';
import { engineKind, triggerEngine } from './workflows.ts';

const HELP = `switchyard — order-integration hub

Usage: switchyard <command> [options]

  start                          run the hub (PORT, default 8080; HOST, default 127.0.0.1)
  migrate                        apply database migrations
  config check                   validate switchyard.config.ts and print what it declares
  normalize <connector> <file>   print the canonical order(s) a stored payload maps to
  orders list                    list orders, newest first (--status, --limit, --after)
  orders show <id>               one order with its timeline
  exceptions list                exceptions, newest first, a page at a time (--status open|resolved|all,
                                 --connection, --kind, --since <time or 24h>, --limit 1..1000, --cursor)
  sync <connection>              pull what changed since the last sync (resumes an interrupted one)
  connections sync-webhooks <connection>   create or repair the vendor's webhook subscriptions (--url)
  backfill <connection> --since <date>   pull history from that date; Ctrl-C stops, running again resumes
  exceptions replay <id>         run an exception's stored input again
  replay <workflow id>           resume a failed order workflow from the step that failed
  edi inspect <file>             the verdict on an X12 file: TA1, 997, errors, orders (--partner <id>)
  edi documents                  what was sent to partners and their acknowledgments (--partner <id>)
  edi resend <document id>       deliver a document whose delivery gave up, once its transport is fixed

Options:
  --config <file>     config file (default ./switchyard.config.ts, or SWITCHYARD_CONFIG)
  --tenant <id>       tenant to act for (needed when the config has several)
  --json              machine-readable output
  --header 'K: V'     with normalize: a header the payload arrived with (repeatable)
  --connection <id>   with normalize: use that connection's settings; with exceptions list: only its own
  --since <date>      with backfill: ISO date or time to start from; with exceptions list: also an age (24h)
  --restart           with sync or backfill: start afresh instead of resuming an interrupted run
  --url <public url>  with sync-webhooks: where vendors reach this hub (default server.publicUrl)
  --partner <id>      with edi: the trading partner connection whose profile applies
  --kind <kind>       with exceptions list: only that kind (normalize, order, ...)
  --cursor <c>        with exceptions list: the page after the one that printed it

Database: DATABASE_URL, or an embedded PostgreSQL under .switchyard/ when unset.`;

/** A usage or input error: exit 2 with one line. */
class UsageError extends Error {}

const log = createLogger();

function out(value: unknown) {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n');
}

async function withHub<T>(values: Flags, fn: (hub: Hub) => Promise<T>): Promise<T> {
  const hub = await openHub({
    log: createLogger({ level: 'error' }),
    configFile: values.config,
    poolSize: 2,
  });
  try {
    return await fn(hub);
  } finally {
    await hub.close();
  }
}

type Flags = {
  config?: string | undefined;
  tenant?: string | undefined;
  json?: boolean | undefined;
  status?: string | undefined;
  limit?: string | undefined;
  after?: string | undefined;
  header?: string[] | undefined;
  connection?: string | undefined;
  port?: string | undefined;
  since?: string | undefined;
  restart?: boolean | undefined;
  url?: string | undefined;
  partner?: string | undefined;
  kind?: string | undefined;
  cursor?: string | undefined;
};

async function startHub(values: Flags) {
  const rawPort = values.port ?? process.env.PORT ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new UsageError(`PORT "${rawPort}" is not a port number`);
  const rawWorkers = process.env.SWITCHYARD_WORKERS ?? '1';
  const workers = Number(rawWorkers);
  if (!/^\d+$/.test(rawWorkers) || workers < 1 || workers > 64) {
    throw new UsageError(`SWITCHYARD_WORKERS "${rawWorkers}" must be a whole number from 1 to 64`);
  }
  await start({ configFile: values.config, port, hostname: process.env.HOST ?? '127.0.0.1', workers, log });
}

async function configCheck(values: Flags) {
  const { config, file } = await loadConfig(values.config);
  const summary = {
    file,
    tenants: config.tenants.map((t) => t.id),
    connections: config.connections.map((c) => ({
      id: c.id,
      tenant: c.tenantId,
      connector: c.connector,
      defaultedEnv: c.defaultedEnv,
    })),
    bodyLimit: config.server.bodyLimit,
    server: config.server,
  };
  if (values.json) return out(summary);
  const s = config.server;
  out(`${file}: OK`);
  out(`tenants: ${summary.tenants.join(', ')}`);
  out(
    `server: bodies up to ${s.bodyLimit} bytes, ${s.bodyMemory} bytes of bodies at once, requests within ${s.requestTimeoutMs / 1000} s (headers ${s.headersTimeoutMs / 1000} s), ${s.maxConnections} connections, unhealthy after ${s.unhealthyAfterMs / 1000} s without the database`,
  );
  for (const c of summary.connections) {
    out(
      `connection ${c.id}: ${c.connector} (tenant ${c.tenant})${c.defaultedEnv.length ? ` — uses development defaults for ${c.defaultedEnv.join(', ')}` : ''}`,
    );
  }
}

/** `--limit`: a positive whole number (at most `max` when given), `fallback` (50) when absent. */
function limitOf(values: Flags, { fallback = 50, max }: { fallback?: number; max?: number } = {}): number {
  const limit = values.limit ? Number(values.limit) : fallback;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit "${values.limit}" must be a positive whole number`);
  }
  if (max !== undefined && limit > max) {
    throw new UsageError(`--limit "${values.limit}" must be at most ${max}`);
  }
  return limit;
}

/** A file the command reads, or a one-line usage error naming why it cannot be read. */
function readInput(file: string): Buffer {
  try {
    return readFileSync(resolve(file));
  } catch (error) {
    throw new UsageError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`,
    );
  }
}

async function normalizeFile(values: Flags, [connectorId, file]: string[]) {
  if (!connectorId || !file) throw new UsageError('usage: switchyard normalize <connector> <file>');
  const connector = installedConnectors.get(connectorId);
  if (!connector)
    throw new UsageError(
      `no connector "${connectorId}"; installed: ${[...installedConnectors.keys()].join(', ')}`,
    );
  const body = readInput(file);
  let settings: unknown;
  let secrets: unknown = {};
  if (values.connection) {
    const { config } = await loadConfig(values.config);
    const configured = config.connections.find((c) => c.id === values.connection);
    if (!configured) throw new UsageError(`no connection "${values.connection}" in the config`);
    if (configured.connector !== connectorId)
      throw new UsageError(
        `connection "${values.connection}" uses ${configured.connector}, not ${connectorId}`,
      );
    settings = configured.settings;
    secrets = configured.secrets;
  } else {
    // Normalization reads the payload, rarely the settings: without --connection, the defaults or nothing.
    const parsed = connector.settings.safeParse({});
    settings = parsed.success ? parsed.data : {};
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const at = h.indexOf(':');
    if (at < 1) throw new UsageError(`--header "${h}" must look like "Name: value"`);
    headers[h.slice(0, at).trim().toLowerCase()] = h.slice(at + 1).trim();
  }
  headers['content-type'] ??= connector.webhook?.contentTypes[0] ?? 'application/octet-stream';
  const connection: Connection = {
    id: values.connection ?? 'cli',
    tenantId: 'cli',
    connector,
    settings,
    secrets,
  };
  const result = normalize(connection, {
    headers,
    body: new Uint8Array(body),
    contentType: mediaType(headers['content-type']),
    receivedAt: new Date(),
  });
  if (!result.ok) throw new UsageError(`${file}: ${result.message}`);
  out(result.ignored ? { orders: [], ignored: result.ignored } : { orders: result.drafts });
}

/** A partner connection's settings from the config, checked by the x12 connector's schema. */
async function partnerProfile(values: Flags) {
  if (!values.partner) return undefined;
  const { config } = await loadConfig(values.config);
  const configured = config.connections.find((c) => c.id === values.partner);
  if (!configured) throw new UsageError(`no connection "${values.partner}" in the config`);
  if (configured.connector !== x12.id) {
    throw new UsageError(`connection "${values.partner}" uses ${configured.connector}, not x12`);
  }
  const parsed = x12.settings.safeParse(configured.settings);
  if (!parsed.success)
    throw new UsageError(`partner "${values.partner}": ${zodMessage(parsed.error, 'settings.')}`);
  return { ...parsed.data, id: configured.id };
}

async function edi(values: Flags, [sub, file]: string[]): Promise<number> {
  if (sub === 'inspect') {
    if (!file) throw new UsageError('usage: switchyard edi inspect <file> [--partner <id>]');
    const body = readInput(file);
    const partner = await partnerProfile(values);
    const report = await inspect(new Uint8Array(body), partner ? { partner } : {});
    if (!report.interchanges.length) {
      throw new UsageError(`${file} is not an X12 file: ${report.problems[0] ?? 'no ISA segment found'}`);
    }
    out(report);
    return 0;
  }
  if (sub === 'documents') {
    await withHub(values, async (hub) => {
      const docs = await listDocuments(hub.sql, {
        tenantId: hub.tenant(values.tenant),
        ...(values.partner ? { connectionId: values.partner } : {}),
        limit: limitOf(values),
      });
      const rows = docs.map((d) => ({
        id: d.id,
        partner: d.connectionId,
        kind: d.kind,
        order: d.orderId ?? '',
        isa: d.isaControl,
        status: d.status,
        ack: d.ackStatus ?? '',
        sent: d.sentAt?.toISOString() ?? '',
        error: d.lastError ?? '',
      }));
      out(values.json ? docs.map(({ body, ...d }) => d) : table(rows, Object.keys(rows[0] ?? { id: '' })));
    });
    return 0;
  }
  if (sub === 'resend') {
    if (!file || !/^\d+$/.test(file)) throw new UsageError('usage: switchyard edi resend <document id>');
    await withHub(values, async (hub) => {
      if (!(await requeue(hub.sql, file))) {
        throw new UsageError(
          `document ${file} is not one whose delivery gave up (see: switchyard edi documents)`,
        );
      }
      out(`document ${file}: queued again; the running hub delivers it`);
    });
    return 0;
  }
  throw new UsageError(
    'usage: switchyard edi inspect <file> [--partner <id>] | edi documents [--partner <id>] | edi resend <document id>',
  );
}

async function orders(values: Flags, [sub, id]: string[]) {
  await withHub(values, async (hub) => {
    const tenant = hub.tenant(values.tenant);
    if (sub === 'list') {
      const limit = limitOf(values);
      const page = await listOrders(hub.sql, tenant, {
        limit,
        after: values.after ?? null,
        ...(values.status ? { status: values.status } : {}),
      });
      if (values.json) return out(page);
      out(
        table(
          page.orders.map((o) => ({
            ...o,
            total: `${formatMoney({ amount: o.totalAmount, currency: o.currency })} ${o.currency}`,
          })),
          ['id', 'connectionId', 'externalId', 'status', 'total', 'placedAt', 'version'],
        ),
      );
      if (page.next) out(`more: switchyard orders list --after ${page.next}`);
      return;
    }
    if (sub === 'show') {
      if (!id) throw new UsageError('usage: switchyard orders show <id>');
      const found = await getOrder(hub.sql, tenant, id);
      if (!found)
        throw new UsageError(`tenant ${tenant} has no order ${id}; list them with: switchyard orders list`);
      return out(found);
    }
    throw new UsageError('usage: switchyard orders list | orders show <id>');
  });
}

/** `--since`: an ISO date or date-time, or an age (`90m`, `24h`, `7d`, `2w`) counted back from now. */
function sinceOf(values: Flags): Date | undefined {
  const raw = values.since;
  if (raw === undefined) return undefined;
  const age = /^(\d{1,6})([mhdw])$/.exec(raw);
  if (age) {
    const minutes = { m: 1, h: 60, d: 60 * 24, w: 60 * 24 * 7 }[age[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(Date.now() - Number(age[1]) * minutes * 60_000);
  }
  const at = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)
    ? new Date(raw)
    : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new UsageError(
      `--since "${raw}" must be an ISO date or date-time (2026-01-31, 2026-01-31T09:00:00Z) or an age (90m, 24h, 7d, 2w)`,
    );
  }
  return at;
}

/** An argument as a POSIX shell reads it back: quoted only when it must be. */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `exceptions list`: its flags checked before the database is opened, then one page. */
async function listExceptionsPage(values: Flags) {
  const status = (values.status ?? 'open') as 'open' | 'resolved' | 'all';
  if (!['open', 'resolved', 'all'].includes(status))
    throw new UsageError('--status must be open, resolved or all');
  // listExceptions' default page and its largest.
  const limit = limitOf(values, { fallback: 100, max: 1000 });
  const since = sinceOf(values);
  const filter = {
    status,
    ...(values.connection ? { connectionId: values.connection } : {}),
    ...(values.kind ? { kind: values.kind } : {}),
    ...(since ? { since } : {}),
  };
  await withHub(values, async (hub) => {
    const tenant = hub.tenant(values.tenant);
    let page: Awaited<ReturnType<typeof listExceptions>>;
    try {
      page = await listExceptions(hub.sql, tenant, { ...filter, limit, cursor: values.cursor ?? null });
    } catch (error) {
      if (error instanceof HubError && error.problem.type === 'invalid-cursor') {
        throw new UsageError(
          `--cursor "${values.cursor!.length > 40 ? `${values.cursor!.slice(0, 37)}...` : values.cursor}" is not a cursor this list printed; copy it from the previous page, or leave it out to start from the newest`,
        );
      }
      throw error;
    }
    if (values.json) return out({ exceptions: page.items, next: page.next, remaining: page.remaining });
    if (!page.items.length) {
      const what = [
        values.cursor ? 'no more' : 'no',
        status === 'all' ? '' : status,
        'exceptions',
        values.connection ? `for connection ${values.connection}` : '',
        values.kind ? `of kind ${values.kind}` : '',
        since ? `since ${since.toISOString()}` : '',
      ];
      const typo =
        values.connection && !hub.connections.has(values.connection)
          ? ` (no connection "${values.connection}" is configured; configured: ${[...hub.connections.keys()].join(', ')})`
          : '';
      return out(`${what.filter(Boolean).join(' ')}${typo}`);
    }
    out(
      table(
        page.items.map((e) => ({
          ...e,
          message: e.message.length > 80 ? `${e.message.slice(0, 77)}...` : e.message,
        })),
        ['id', 'kind', 'connectionId', 'status', 'replayCount', 'createdAt', 'message'],
      ),
    );
    if (!page.next) return;
    // The same filters again, an age pinned to the time it meant on this page, so the pages fit together.
    const again = [
      'switchyard',
      ...(values.config ? ['--config', values.config] : []),
      ...(values.tenant ? ['--tenant', values.tenant] : []),
      'exceptions',
      'list',
      ...(values.status ? ['--status', status] : []),
      ...(values.connection ? ['--connection', values.connection] : []),
      ...(values.kind ? ['--kind', values.kind] : []),
      ...(since ? ['--since', since.toISOString()] : []),
      ...(values.limit ? ['--limit', String(limit)] : []),
      '--cursor',
      page.next,
    ];
    out(
      `${page.remaining} more after these ${page.items.length}; next page: ${again.map(shellWord).join(' ')}`,
    );
  });
}

async function exceptions(values: Flags, [sub, id]: string[]) {
  if (sub === 'list') return listExceptionsPage(values);
  await withHub(values, async (hub) => {
    const tenant = hub.tenant(values.tenant);
    if (sub === 'replay') {
      if (!id) throw new UsageError('usage: switchyard exceptions replay <id>');
      const outcome = await replay(hub.sql, tenant, id, hub.connections);
      if (values.json) out(outcome);
      else if (outcome.status === 'resolved')
        out(
          `${id}: resolved (${outcome.orders.map((o) => `${o.orderId} ${o.result}`).join(', ') || outcome.ignored || 'nothing to import'})`,
        );
      if (outcome.status === 'failed') {
        throw new HubError({
          type: 'replay-failed',
          title: 'Replay failed',
          status: 422,
          detail: `${id} failed again: ${outcome.message}`,
          fix: 'fix the mapping or the connector, then replay again',
        });
      }
      return;
    }
    throw new UsageError('usage: switchyard exceptions list | exceptions replay <id>');
  });
}

async function pull(values: Flags, command: 'sync' | 'backfill', [id]: string[]): Promise<number> {
  if (!id)
    throw new UsageError(
      `usage: switchyard ${command} <connection>${command === 'backfill' ? ' --since <date>' : ''}`,
    );
  let since: Date | undefined;
  if (command === 'backfill') {
    since = values.since ? new Date(values.since) : undefined;
    if (!since || Number.isNaN(since.getTime()))
      throw new UsageError('backfill needs --since <date>, e.g. --since 2026-01-01');
  }
  return withHub(values, async (hub) => {
    const connection = connectionOf(hub, id);
    const stop = new AbortController();
    const onSignal = () => {
      process.stderr.write('\nstopping after the current page; run the same command again to resume\n');
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    const began = Date.now();
    let lastPageAt = began;
    let firstRecords: { at: number; records: number } | undefined;
    const tty = process.stderr.isTTY;
    try {
      const report = await runSync(hub.sql, connection, {
        ...(since ? { since, backfill: true } : {}),
        ...(values.restart ? { restart: true } : {}),
        signal: stop.signal,
        onPage: ({ pages, records, missedByWebhooks, remaining, status }) => {
          // The rate counts from the first records, not from a wait for the vendor's export before them.
          if (records > 0 && !firstRecords) firstRecords = { at: lastPageAt, records: 0 };
          lastPageAt = Date.now();
          const since = firstRecords ?? { at: began, records: 0 };
          const rate = Math.round(
            (records - since.records) / Math.max((Date.now() - since.at) / 1000, 0.001),
          );
          const eta =
            remaining !== undefined && rate > 0
              ? `, ${remaining} left, about ${Math.ceil(remaining / rate)} s`
              : '';
          const line = status
            ? `${command} ${id}: ${status}`
            : `${command} ${id}: ${pages} pages, ${records} orders, ${missedByWebhooks} new to the hub, ${rate}/s${eta}`;
          process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      if (report.status === 'busy')
        throw new UsageError(`another process is syncing ${id} right now; try again when it is done`);
      out(
        values.json
          ? report
          : `${id}: ${report.status}, ${report.records} orders pulled, ${report.missedByWebhooks} the hub did not have, ${report.alreadyReceived} already received, ${report.exceptions} exceptions`,
      );
      return report.status === 'completed' ? 0 : 130;
    } finally {
      process.off('SIGINT', onSignal);
    }
  });
}

/** The configured connection by id, or a usage error naming those there are. */
function connectionOf(hub: Hub, id: string) {
  const connection = hub.connections.get(id);
  if (!connection)
    throw new UsageError(`no connection "${id}"; configured: ${[...hub.connections.keys()].join(', ')}`);
  return connection;
}

async function syncWebhooks(values: Flags, id: string | undefined) {
  if (!id)
    throw new UsageError('usage: switchyard connections sync-webhooks <connection> [--url <public url>]');
  await withHub(values, async (hub) => {
    const connection = connectionOf(hub, id);
    const subscribe = connection.connector.webhook?.subscribe;
    if (!subscribe)
      throw new UsageError(
        `connector ${connection.connector.id} cannot manage its webhook subscriptions; set them up in its admin`,
      );
    const base = (values.url ?? hub.config.server.publicUrl)?.replace(/\/+$/, '');
    if (!base || !/^https?:\/\//.test(base)) {
      throw new UsageError(
        'pass --url https://<where the vendor reaches this hub>, or set server.publicUrl in the config',
      );
    }
    const url = `${base}/webhooks/${id}`;
    const result = await subscribe(connectionContext(connection), {
      url,
      signal: new AbortController().signal,
    });
    out(
      values.json
        ? { url, ...result }
        : `${id} → ${url}: ${result.created.length} created, ${result.updated.length} repointed, ${result.unchanged.length} already right`,
    );
  });
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        tenant: { type: 'string' },
        json: { type: 'boolean' },
        status: { type: 'string' },
        limit: { type: 'string' },
        after: { type: 'string' },
        header: { type: 'string', multiple: true },
        connection: { type: 'string' },
        port: { type: 'string' },
        since: { type: 'string' },
        restart: { type: 'boolean' },
        url: { type: 'string' },
        partner: { type: 'string' },
        kind: { type: 'string' },
        cursor: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`switchyard: ${describeError(error)} (see switchyard --help)\n`);
    return 2;
  }
  const values = parsed.values as Flags & { help?: boolean };
  const [command, ...rest] = parsed.positionals;
  try {
    if (values.help || !command || command === 'help') {
      out(HELP);
      return command || values.help ? 0 : 2;
    }
    switch (command) {
      case 'start':
        await startHub(values);
        return -1; // keeps running
      case 'migrate':
        await withHub(values, async (hub) => out(`migrations applied on ${hub.databaseLabel}`));
        return 0;
      case 'config':
        if (rest[0] !== 'check') throw new UsageError('usage: switchyard config check');
        await configCheck(values);
        return 0;
      case 'normalize':
        await normalizeFile(values, rest);
        return 0;
      case 'orders':
        await orders(values, rest);
        return 0;
      case 'exceptions':
        await exceptions(values, rest);
        return 0;
      case 'sync':
      case 'backfill':
        return await pull(values, command, rest);
      case 'replay':
        if (!rest[0]) throw new UsageError('usage: switchyard replay <workflow id>, e.g. order:ord_01J…');
        await withHub(values, async (hub) => {
          if (engineKind() === 'trigger') await (await triggerEngine(hub.sql)).replay(rest[0]!);
          else await replayWithClient(hub.databaseUrl, rest[0]!);
          out(`${rest[0]}: replaying from the step that failed; the running hub picks it up`);
        });
        return 0;
      case 'edi':
        return await edi(values, rest);
      case 'connections':
        if (rest[0] !== 'sync-webhooks')
          throw new UsageError(
            'usage: switchyard connections sync-webhooks <connection> [--url <public url>]',
          );
        await syncWebhooks(values, rest[1]);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (see switchyard --help)`);
    }
  } catch (error) {
    const message =
      error instanceof ConfigError
        ? `${error.issues.length} config problem(s):\n${error.issues.map((i) => `  ${i.path}: ${i.problem} — fix: ${i.fix}`).join('\n')}`
        : describeError(error);
    process.stderr.write(`switchyard: ${message}\n`);
    return error instanceof UsageError ||
      error instanceof ConfigError ||
      (error instanceof HubError && error.problem.status < 500)
      ? 2
      : 1;
  }
}
