/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  countExceptions,
  type ExceptionFilter,
  type HubException,
  listExceptions,
  type ReplayOutcome,
} from '@switchyard/core';
import type { Hono } from 'hono';
import {
  closeException,
  editAndReplay,
  exceptionDetail,
  replayException,
  startBulkReplay,
} from '../operator/index.ts';
import { auditHref } from './audit.tsx';
import {
  act,
  type ConsoleContext,
  type ConsoleDeps,
  type ConsoleEnv,
  field,
  fields,
  may,
  messageOf,
  operatorOf,
  Refusal,
  viewOf,
} from './context.ts';
import { ago, Csrf, Empty, Page, Status, Time, type View } from './layout.tsx';

/** Most exceptions "Replay selected" takes at once; more is a bulk replay (a job, throttled). */
const SELECTED_MAX = 200;
const PAGE = 50;

/** The inbox's filter, as the query string gives it. */
interface InboxQuery {
  status: 'open' | 'resolved' | 'ignored' | 'all';
  connection: string;
  kind: string;
  /** Older than: '', '1h', '24h', '7d'. */
  age: string;
  /** Recorded on or after this day (YYYY-MM-DD). */
  since: string;
  cursor: string;
}

const AGES: Record<string, number> = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 };

function inboxQuery(c: ConsoleContext): InboxQuery {
  const status = c.req.query('status');
  return {
    status: status === 'resolved' || status === 'ignored' || status === 'all' ? status : 'open',
    connection: c.req.query('connection') ?? '',
    kind: c.req.query('kind') ?? '',
    age: AGES[c.req.query('age') ?? ''] ? c.req.query('age')! : '',
    since: /^\d{4}-\d{2}-\d{2}$/.test(c.req.query('since') ?? '') ? c.req.query('since')! : '',
    cursor: c.req.query('cursor') ?? '',
  };
}

function filterOf(q: Pick<InboxQuery, 'connection' | 'kind' | 'age' | 'since'>): ExceptionFilter {
  return {
    ...(q.connection ? { connectionId: q.connection } : {}),
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.age ? { before: new Date(Date.now() - AGES[q.age]!) } : {}),
    ...(q.since ? { since: new Date(`${q.since}T00:00:00Z`) } : {}),
  };
}

/** The query string of a filter (for links, the live stream and the bulk replay). */
function queryString(q: Partial<Record<string, string>>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return p.toString();
}

function tenantConnections(deps: ConsoleDeps, tenantId: string): string[] {
  return [...deps.hub.connections.values()].filter((c) => c.tenantId === tenantId).map((c) => c.id);
}

/** One row of the inbox: also what the live stream sends for a new exception. */
export function ExceptionRow({
  e,
  base,
  selectable,
}: {
  e: HubException;
  base: string;
  selectable: boolean;
}) {
  return (
    <tr id={`exc-${e.id}`}>
      {selectable ? (
        <td class="pick" data-label="Select">
          {e.status === 'open' ? (
            <input
              type="checkbox"
              name="ids"
              value={e.id}
              form="selected"
              aria-label={`Select exception ${e.id}`}
              data-pick="exceptions"
            />
          ) : null}
        </td>
      ) : null}
      <td data-label="Recorded">
        <Time at={e.createdAt} />
        <div class="sub">{ago(e.createdAt)}</div>
      </td>
      <td data-label="Connection">{e.connectionId ?? '—'}</td>
      <td data-label="Reason">{e.kind}</td>
      <td class="message-cell" data-label="Message">
        <a href={`${base}/exceptions/${encodeURIComponent(e.id)}`}>{clip(e.message, 160)}</a>
      </td>
      <td data-label="Status">
        <Status value={e.status} />
      </td>
      <td class="num" data-label="Replays">
        {e.replayCount}
      </td>
    </tr>
  );
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function Filters({
  view,
  q,
  connections,
  kinds,
}: {
  view: View;
  q: InboxQuery;
  connections: string[];
  kinds: string[];
}) {
  return (
    <form class="filters" method="get" action={`${view.base}/exceptions`} aria-label="Filter exceptions">
      <label>
        Status
        <select name="status">
          {(['open', 'resolved', 'ignored', 'all'] as const).map((s) => (
            <option value={s} selected={q.status === s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Connection
        <select name="connection">
          <option value="">any</option>
          {connections.map((id) => (
            <option value={id} selected={q.connection === id}>
              {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason
        <select name="kind">
          <option value="">any</option>
          {[...new Set([...kinds, ...(q.kind ? [q.kind] : [])])].map((k) => (
            <option value={k} selected={q.kind === k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      <label>
        Older than
        <select name="age">
          <option value="">any age</option>
          <option value="1h" selected={q.age === '1h'}>
            1 hour
          </option>
          <option value="24h" selected={q.age === '24h'}>
            1 day
          </option>
          <option value="7d" selected={q.age === '7d'}>
            7 days
          </option>
        </select>
      </label>
      <label>
        Recorded since
        <input type="date" name="since" value={q.since} />
      </label>
      <button type="submit">Filter</button>
      <a href={`${view.base}/exceptions`}>Clear</a>
    </form>
  );
}

function Counts({ view, counts }: { view: View; counts: Awaited<ReturnType<typeof countExceptions>> }) {
  return (
    <section class="cards" aria-label="Open exceptions by reason and connection">
      <div class="card">
        <h2>Open, by reason</h2>
        {counts.byKind.length ? (
          <ul class="tally">
            {counts.byKind.map((k) => (
              <li>
                <a href={`${view.base}/exceptions?${queryString({ kind: k.kind })}`}>{k.kind}</a>
                <b>{k.count}</b>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>None open.</Empty>
        )}
      </div>
      <div class="card">
        <h2>Open, by connection</h2>
        {counts.byConnection.length ? (
          <ul class="tally">
            {counts.byConnection.map((k) => (
              <li>
                {k.connectionId ? (
                  <a href={`${view.base}/exceptions?${queryString({ connection: k.connectionId })}`}>
                    {k.connectionId}
                  </a>
                ) : (
                  <span>no connection</span>
                )}
                <b>{k.count}</b>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>None open.</Empty>
        )}
      </div>
    </section>
  );
}

function InboxPage(props: {
  view: View;
  q: InboxQuery;
  page: Awaited<ReturnType<typeof listExceptions>>;
  counts: Awaited<ReturnType<typeof countExceptions>>;
  connections: string[];
  operator: boolean;
}) {
  const { view, q, page, counts, operator } = props;
  const filter = { connection: q.connection, kind: q.kind, age: q.age, since: q.since };
  const matching = page.items.length + page.remaining;
  // New exceptions are open and newest: the live stream adds them to the first page of an open filter.
  const live =
    q.status === 'open' && !q.cursor
      ? queryString({
          rows: '1',
          connection: q.connection,
          kind: q.kind,
          since: q.since,
          after: page.items[0]?.createdAt ?? new Date().toISOString(),
          last: page.items[0]?.id ?? '',
        })
      : undefined;
  return (
    <Page view={view} title="Exceptions" {...(live ? { live } : {})}>
      <Counts view={view} counts={counts} />
      <Filters view={view} q={q} connections={props.connections} kinds={counts.byKind.map((k) => k.kind)} />
      <p class="summary" id="matching">
        {matching} {q.status === 'all' ? '' : q.status} exception{matching === 1 ? '' : 's'} match
        {q.cursor ? ' from this page on' : ''}.{live ? ' New ones appear here as they are recorded.' : ''}
      </p>
      {operator && q.status === 'open' ? (
        <div class="actions">
          <form id="selected" method="post" action={`${view.base}/exceptions/replay-selected`}>
            <Csrf view={view} />
            <input
              type="hidden"
              name="back"
              value={`${view.base}/exceptions?${queryString({ ...filter, status: q.status })}`}
            />
            <button type="submit">Replay selected</button>
          </form>
          <form method="post" action={`${view.base}/exceptions/bulk-replay`}>
            <Csrf view={view} />
            {Object.entries(filter).map(([k, v]) => (v ? <input type="hidden" name={k} value={v} /> : null))}
            <button type="submit" disabled={!matching}>
              Replay all {page.items.length + page.remaining} matching (as a job)
            </button>
          </form>
        </div>
      ) : null}
      <div class="table-wrap">
        <table class="list stack">
          <caption class="visually-hidden">Exceptions, newest first</caption>
          <thead>
            <tr>
              {operator && q.status === 'open' ? (
                <th scope="col" class="pick">
                  <input type="checkbox" data-pick-all="exceptions" aria-label="Select all on this page" />
                </th>
              ) : null}
              <th scope="col">Recorded</th>
              <th scope="col">Connection</th>
              <th scope="col">Reason</th>
              <th scope="col">Message</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Replays
              </th>
            </tr>
          </thead>
          <tbody
            id="exception-rows"
            sse-swap={live ? 'exception' : undefined}
            hx-swap="afterbegin"
            hx-disinherit="*"
          >
            {page.items.map((e) => (
              <ExceptionRow e={e} base={view.base} selectable={operator && q.status === 'open'} />
            ))}
            <tr class="empty-row">
              <td colspan={7}>No exceptions match.</td>
            </tr>
          </tbody>
        </table>
      </div>
      {page.next ? (
        <p class="pager">
          <a href={`${view.base}/exceptions?${queryString({ ...q, cursor: page.next })}`}>Next page →</a>
        </p>
      ) : null}
    </Page>
  );
}

function ExceptionPage(props: {
  view: View;
  detail: Awaited<ReturnType<typeof exceptionDetail>>;
  operator: boolean;
}) {
  const { view, detail, operator } = props;
  const e = detail.exception;
  const input = detail.input;
  const json = input ? /json/i.test(input.contentType) : false;
  const body = input && json && input.encoding === 'utf8' ? pretty(input.body) : (input?.body ?? '');
  const back = `${view.base}/exceptions/${encodeURIComponent(e.id)}`;
  return (
    <Page view={view} title={`Exception ${e.id}`}>
      <p>
        <a href={`${view.base}/exceptions`}>← Exceptions</a> ·{' '}
        <a href={auditHref(view.base, 'exception', e.id)}>Audit entries of this exception</a>
      </p>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status value={e.status} />
          {e.resolution ? ` — ${e.resolution}` : ''}
        </dd>
        <dt>Reason</dt>
        <dd>{e.kind}</dd>
        <dt>Connection</dt>
        <dd>{e.connectionId ?? '—'}</dd>
        <dt>Recorded</dt>
        <dd>
          <Time at={e.createdAt} /> ({ago(e.createdAt)})
        </dd>
        <dt>Replays</dt>
        <dd>{e.replayCount}</dd>
        {e.resolvedBy ? (
          <>
            <dt>Closed by</dt>
            <dd>{e.resolvedBy}</dd>
          </>
        ) : null}
      </dl>
      <h2>Error</h2>
      <p class="error-text">{e.message}</p>
      {Object.keys(e.detail).length ? (
        <details>
          <summary>Detail</summary>
          <pre>{JSON.stringify(e.detail, null, 2)}</pre>
        </details>
      ) : null}
      {operator && e.status === 'open' ? (
        <section aria-labelledby="act">
          <h2 id="act">Act on it</h2>
          <div class="actions">
            <form method="post" action={`${back}/replay`}>
              <Csrf view={view} />
              <button type="submit">Replay as stored</button>
            </form>
          </div>
          <form class="close-form" method="post" action={`${back}/close`}>
            <Csrf view={view} />
            <fieldset>
              <legend>Close without replaying</legend>
              <label>
                As
                <select name="status">
                  <option value="resolved">resolved (dealt with elsewhere)</option>
                  <option value="ignored">ignored (nothing will be done)</option>
                </select>
              </label>
              <label>
                Reason
                <input
                  name="reason"
                  required
                  maxlength={2000}
                  placeholder="e.g. re-keyed by hand in the channel"
                />
              </label>
              <button type="submit">Close</button>
            </fieldset>
          </form>
        </section>
      ) : null}
      <h2>Stored input</h2>
      {input ? (
        <>
          <p>
            Delivery{' '}
            <a href={`${view.base}/deliveries/${encodeURIComponent(input.inboxId)}`}>{input.inboxId}</a>,{' '}
            {input.contentType}, received <Time at={input.receivedAt} />
          </p>
          {operator && detail.editable && input.encoding === 'utf8' ? (
            <form
              class="edit-form"
              method="post"
              action={`${back}/edit`}
              data-json={json ? 'true' : undefined}
            >
              <Csrf view={view} />
              <label for="payload">
                Payload{json ? ' (JSON, checked before it is sent)' : ''}: the original is kept; your edit is
                stored beside it and replayed
              </label>
              <textarea
                id="payload"
                name="body"
                rows={18}
                spellcheck={false}
                aria-describedby="payload-error"
                data-json-input={json ? 'true' : undefined}
              >
                {body}
              </textarea>
              <p id="payload-error" class="field-error" role="alert" aria-live="assertive"></p>
              <button type="submit">Save edit and replay</button>
            </form>
          ) : (
            <pre class="payload">{body}</pre>
          )}
        </>
      ) : (
        <Empty>This exception has no stored input.</Empty>
      )}
    </Page>
  );
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function outcomeText(id: string, outcome: ReplayOutcome): string {
  if (outcome.status === 'resolved') {
    const n = outcome.orders.length;
    return `replayed ${id}: resolved${n ? `, ${n} order${n === 1 ? '' : 's'} imported` : ''}${outcome.ignored ? ` (${outcome.ignored})` : ''}`;
  }
  throw new Refusal(`replayed ${id}: failed again: ${outcome.message}`);
}

export function exceptionPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  const base = deps.base;

  app.get('/exceptions', async (c) => {
    const tenant = c.get('session').principal.tenantId;
    const q = inboxQuery(c);
    const filter = filterOf(q);
    const [page, counts] = await Promise.all([
      listExceptions(deps.hub.sql, tenant, {
        ...filter,
        status: q.status,
        limit: PAGE,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      }).catch((error) => {
        c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'listing exceptions') });
        return { items: [], next: null, remaining: 0 };
      }),
      countExceptions(deps.hub.sql, tenant),
    ]);
    const html = InboxPage({
      view: viewOf(c, deps),
      q,
      page,
      counts,
      connections: tenantConnections(deps, tenant),
      operator: may(c, 'operator'),
    });
    return c.html(`<!doctype html>${html}`);
  });

  app.get('/exceptions/:id', async (c) => {
    let detail: Awaited<ReturnType<typeof exceptionDetail>>;
    try {
      detail = await exceptionDetail(operatorOf(c, deps), c.req.param('id'));
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'opening the exception') });
      return c.redirect(`${base}/exceptions`, 303);
    }
    const html = ExceptionPage({ view: viewOf(c, deps), detail, operator: may(c, 'operator') });
    return c.html(`<!doctype html>${html}`);
  });

  app.post('/exceptions/:id/replay', (c) => {
    const id = c.req.param('id');
    return act(c, deps, 'replaying', `${base}/exceptions/${encodeURIComponent(id)}`, async () =>
      outcomeText(id, await replayException(operatorOf(c, deps), id)),
    );
  });

  app.post('/exceptions/:id/edit', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody({ all: true });
    const body = typeof form.body === 'string' ? form.body : '';
    return act(c, deps, 'editing and replaying', `${base}/exceptions/${encodeURIComponent(id)}`, async () => {
      const { inboxId, outcome } = await editAndReplay(operatorOf(c, deps), id, body.replace(/\r\n/g, '\n'));
      return `edit stored as delivery ${inboxId}; ${outcomeText(id, outcome)}`;
    });
  });

  app.post('/exceptions/:id/close', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody({ all: true });
    const status = field(form, 'status') === 'ignored' ? 'ignored' : 'resolved';
    return act(c, deps, `marking ${status}`, `${base}/exceptions/${encodeURIComponent(id)}`, async () => {
      await closeException(operatorOf(c, deps), id, { status, reason: field(form, 'reason') });
      return `${id} marked ${status}`;
    });
  });

  app.post('/exceptions/replay-selected', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const ids = [...new Set(fields(form, 'ids'))];
    const back = localPathOr(base, field(form, 'back'), `${base}/exceptions`);
    return act(c, deps, 'replaying the selected exceptions', back, async () => {
      if (!ids.length) throw new Refusal('select at least one exception first');
      if (ids.length > SELECTED_MAX) {
        throw new Refusal(
          `${ids.length} selected: at most ${SELECTED_MAX} at once; use "Replay all matching" instead`,
        );
      }
      const ctx = operatorOf(c, deps);
      let resolved = 0;
      const failures: string[] = [];
      for (const id of ids) {
        try {
          const outcome = await replayException(ctx, id);
          if (outcome.status === 'resolved') resolved++;
          else failures.push(`${id}: ${outcome.message}`);
        } catch (error) {
          failures.push(`${id}: ${messageOf(error, deps, 'replaying')}`);
        }
      }
      const text = `replayed ${ids.length}: ${resolved} resolved, ${failures.length} still failing`;
      if (failures.length) throw new Refusal(`${text} (${clip(failures.join('; '), 600)})`);
      return text;
    });
  });

  app.post('/exceptions/bulk-replay', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const q = {
      connection: field(form, 'connection'),
      kind: field(form, 'kind'),
      age: AGES[field(form, 'age')] ? field(form, 'age') : '',
      since: /^\d{4}-\d{2}-\d{2}$/.test(field(form, 'since')) ? field(form, 'since') : '',
    };
    const session = c.get('session');
    try {
      const job = await startBulkReplay(operatorOf(c, deps), filterOf(q));
      session.flash.push({
        kind: 'ok',
        text: `bulk replay queued as job ${job.id} (${job.total ?? '?'} exceptions)`,
      });
      return c.redirect(`${base}/jobs/${encodeURIComponent(job.id)}`, 303);
    } catch (error) {
      session.flash.push({ kind: 'error', text: messageOf(error, deps, 'starting a bulk replay') });
      return c.redirect(`${base}/exceptions?${queryString(q)}`, 303);
    }
  });
}

function localPathOr(base: string, candidate: string, fallback: string): string {
  return candidate.startsWith(`${base}/`) && !/[\\\s]|\/\//.test(candidate) ? candidate : fallback;
}
