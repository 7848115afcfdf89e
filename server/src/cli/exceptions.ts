import { HubError, listExceptions, replay } from '@switchyard/core';
import { type Flags, limitOf, out, table, UsageError, withHub } from './shared.ts';

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

/** `switchyard exceptions list | replay <id>`. */
export async function exceptions(values: Flags, [sub, id]: string[]) {
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
