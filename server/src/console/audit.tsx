/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { type AuditEntry, type AuditPage, listAudit } from '@switchyard/core';
import type { Hono } from 'hono';
import { type ConsoleContext, type ConsoleDeps, type ConsoleEnv, messageOf, viewOf } from './context.ts';
import { Empty, Page, Time, type View } from './layout.tsx';

const PAGE = 50;

/** What operators do, as the operator functions record it (a filter may name another: it is matched as typed). */
const ACTIONS = [
  'exception.replay',
  'exception.edit',
  'exception.resolve',
  'exception.ignore',
  'exception.bulk-replay',
  'workflow.replay',
  'workflow.cancel',
  'job.cancel',
  'connection.sync',
  'connection.backfill',
  'edi.resend',
  'key.create',
  'key.revoke',
] as const;

const TARGET_TYPES = ['exception', 'workflow', 'job', 'connection', 'edi-document', 'key'] as const;

interface AuditQuery {
  targetType: string;
  targetId: string;
  action: string;
  cursor: string;
}

function auditQuery(c: ConsoleContext): AuditQuery {
  const text = (name: string, max: number) => (c.req.query(name) ?? '').trim().slice(0, max);
  return {
    targetType: text('targetType', 50),
    targetId: text('targetId', 200),
    action: text('action', 100),
    cursor: /^[1-9]\d{0,17}$/.test(c.req.query('cursor') ?? '') ? c.req.query('cursor')! : '',
  };
}

/** The audit entries of one object, as the pages of exceptions, orders, jobs and EDI documents link to them. */
export function auditHref(base: string, targetType: string, targetId: string): string {
  return `${base}/audit?${new URLSearchParams({ targetType, targetId })}`;
}

function queryString(q: Partial<AuditQuery>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return p.toString();
}

/** The console's page of an audited object, where it has one. */
function targetHref(base: string, e: AuditEntry): string | undefined {
  const id = encodeURIComponent(e.targetId);
  switch (e.targetType) {
    case 'exception':
      return `${base}/exceptions/${id}`;
    case 'job':
      return `${base}/jobs/${id}`;
    case 'edi-document':
      return `${base}/edi/documents/${id}`;
    case 'connection':
      return `${base}/connections`;
    case 'workflow':
      return e.targetId.startsWith('order:')
        ? `${base}/orders/${encodeURIComponent(e.targetId.slice('order:'.length))}`
        : undefined;
    default:
      return undefined;
  }
}

/**
 * A before or after state as indented JSON. A stored payload (`body`, as an edit records it) is shown parsed
 * when it is JSON, so that an edit reads as the change it made rather than as one escaped line.
 */
function pretty(value: unknown): string {
  const expand = (v: unknown): unknown => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        if (k === 'body' && typeof x === 'string' && /^\s*[[{]/.test(x)) {
          try {
            return [k, JSON.parse(x)];
          } catch {
            return [k, x];
          }
        }
        return [k, x];
      }),
    );
  };
  return JSON.stringify(expand(value), null, 2);
}

function Entry({ e, base }: { e: AuditEntry; base: string }) {
  const href = targetHref(base, e);
  const changed = e.before != null || e.after != null;
  return (
    <li id={`audit-${e.id}`}>
      <p class="audit-head">
        <b class="audit-action">{e.action}</b>
        <span>
          {href ? <a href={href}>{`${e.targetType} ${e.targetId}`}</a> : `${e.targetType} ${e.targetId}`}
        </span>
      </p>
      <p class="sub">
        <Time at={e.at} /> · by {e.actorName ? `${e.actorName} (${e.actor})` : e.actor}
        {e.requestId ? ` · request ${e.requestId}` : ''}
      </p>
      {changed ? (
        <details>
          <summary>
            Before and after <span class="visually-hidden">{`of ${e.action} on ${e.targetId}`}</span>
          </summary>
          <div class="before-after">
            <div>
              <h3>Before</h3>
              {e.before == null ? <Empty>Nothing recorded.</Empty> : <pre>{pretty(e.before)}</pre>}
            </div>
            <div>
              <h3>After</h3>
              {e.after == null ? <Empty>Nothing recorded.</Empty> : <pre>{pretty(e.after)}</pre>}
            </div>
          </div>
        </details>
      ) : null}
    </li>
  );
}

function AuditLogPage({ view, q, page }: { view: View; q: AuditQuery; page: AuditPage }) {
  const filter = { targetType: q.targetType, targetId: q.targetId, action: q.action };
  const filtered = Boolean(q.targetType || q.targetId || q.action);
  return (
    <Page view={view} title="Audit log">
      <p class="sub">Who did what, when, to which object, with its state before and after; newest first.</p>
      <form class="filters" method="get" action={`${view.base}/audit`} aria-label="Filter the audit log">
        <label>
          Target type
          <select name="targetType">
            <option value="">any</option>
            {[...new Set([...TARGET_TYPES, ...(q.targetType ? [q.targetType] : [])])].map((t) => (
              <option value={t} selected={q.targetType === t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label class="wide target-id">
          Target id
          <input
            type="search"
            name="targetId"
            value={q.targetId}
            placeholder="e.g. an exception's or job's id"
          />
        </label>
        <label>
          Action
          <select name="action">
            <option value="">any</option>
            {[...new Set([...ACTIONS, ...(q.action ? [q.action] : [])])].map((a) => (
              <option value={a} selected={q.action === a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
        <a href={`${view.base}/audit`}>Clear</a>
      </form>
      {page.items.length ? (
        <ol class="audit" aria-label="Audit entries">
          {page.items.map((e) => (
            <Entry e={e} base={view.base} />
          ))}
        </ol>
      ) : (
        <Empty>
          {filtered ? 'No entry matches.' : 'Nothing has been done through the API, console or CLI yet.'}
        </Empty>
      )}
      <p class="pager">
        {q.cursor ? <a href={`${view.base}/audit?${queryString(filter)}`}>← Newest</a> : null}
        {q.cursor && page.next ? ' · ' : null}
        {page.next ? (
          <a href={`${view.base}/audit?${queryString({ ...filter, cursor: page.next })}`}>Older entries →</a>
        ) : null}
      </p>
    </Page>
  );
}

export function auditPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  app.get('/audit', async (c) => {
    const q = auditQuery(c);
    let page: AuditPage = { items: [], next: null };
    try {
      page = await listAudit(deps.hub.sql, c.get('session').principal.tenantId, {
        ...(q.targetType ? { targetType: q.targetType } : {}),
        ...(q.targetId ? { targetId: q.targetId } : {}),
        ...(q.action ? { action: q.action } : {}),
        cursor: q.cursor || null,
        limit: PAGE,
      });
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'reading the audit log') });
    }
    return c.html(`<!doctype html>${AuditLogPage({ view: viewOf(c, deps), q, page })}`);
  });
}
