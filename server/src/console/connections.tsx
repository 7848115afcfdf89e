/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { listJobs } from '@switchyard/core';
import type { Hono } from 'hono';
import {
  BACKFILL_JOB,
  connectionHealth,
  SYNC_JOB,
  startSync,
  syncWebhookSubscriptions,
} from '../operator/index.ts';
import { AuthorizeButton, BooksFacts } from './books.tsx';
import { type ConsoleDeps, type ConsoleEnv, field, may, messageOf, operatorOf, viewOf } from './context.ts';
import { JobProgress } from './jobs.tsx';
import { ago, Csrf, Empty, Page, Time } from './layout.tsx';

const TOKEN_WORDS = {
  none: '○ not minted yet',
  valid: '✓ valid',
  expired: '○ expired (minted again on the next call)',
  failed: '⚠ failed',
  'reconnect-needed': '✗ reconnect needed',
} as const;
const TOKEN_CLASS = {
  none: 'status',
  valid: 'status status-ok',
  expired: 'status',
  failed: 'status status-failed',
  'reconnect-needed': 'status status-failed',
} as const;

export function connectionPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  const base = deps.base;

  app.get('/connections', async (c) => {
    const ctx = operatorOf(c, deps);
    const [health, jobs] = await Promise.all([
      connectionHealth(ctx),
      listJobs(deps.hub.sql, ctx.by.tenantId, { limit: 30 }),
    ]);
    const pulls = jobs.filter((j) => j.kind === SYNC_JOB || j.kind === BACKFILL_JOB);
    const operator = may(c, 'operator');
    const view = viewOf(c, deps);
    const html = (
      <Page view={view} title="Connections">
        {health.length ? (
          <ul class="connections">
            {health.map((h) => {
              const pullable = h.capabilities.includes('orders.pull');
              const latest = pulls.find((j) => j.params.connectionId === h.id);
              return (
                <li class="card">
                  <h2>
                    {h.id} <span class="sub">({h.connector})</span>{' '}
                    <span class={h.trouble ? 'status status-failed' : 'status status-ok'}>
                      {h.trouble ? '⚠ trouble' : '✓ healthy'}
                    </span>
                  </h2>
                  {h.trouble ? <p class="error-text">{h.trouble}</p> : null}
                  <dl class="facts">
                    <dt>Last delivery</dt>
                    <dd>
                      {h.lastDeliveryAt ? (
                        <>
                          <Time at={h.lastDeliveryAt} /> ({ago(h.lastDeliveryAt)})
                        </>
                      ) : (
                        'none yet'
                      )}
                    </dd>
                    <dt>Last poll</dt>
                    <dd>
                      {h.lastPollAt ? (
                        <>
                          <Time at={h.lastPollAt} /> ({h.lastPollStatus ?? 'unknown'})
                        </>
                      ) : pullable ? (
                        'never'
                      ) : (
                        'not pulled'
                      )}
                      {h.pollEvery ? ` · every ${h.pollEvery}` : ''}
                    </dd>
                    <dt>Lag</dt>
                    <dd>{h.lagSeconds === null ? '—' : `${h.lagSeconds} s`}</dd>
                    <dt>Vendor calls</dt>
                    <dd>
                      {h.vendorCalls
                        ? `${h.vendorCalls.calls} in ${h.vendorCalls.windowMinutes} min: ${Math.round(h.vendorCalls.errorRate * 100)}% failed, ${Math.round(h.vendorCalls.throttledRate * 100)}% throttled (429)`
                        : 'none counted'}
                    </dd>
                    <dt>Open exceptions</dt>
                    <dd>
                      <a href={`${base}/exceptions?connection=${encodeURIComponent(h.id)}`}>
                        {h.openExceptions}
                      </a>
                    </dd>
                    <dt>Webhooks</dt>
                    <dd>{h.subscription}</dd>
                    {h.tokens.map((t) => (
                      <>
                        <dt>{t.name}</dt>
                        <dd>
                          <span class={TOKEN_CLASS[t.state]}>{TOKEN_WORDS[t.state]}</span>
                          {t.expiresAt && t.state === 'valid' ? (
                            <>
                              {' '}
                              until <Time at={t.expiresAt} />
                            </>
                          ) : null}
                          {t.error ? <> · {t.error}</> : null}
                          {t.notice ? <p class="error-text">{t.notice}</p> : null}
                        </dd>
                      </>
                    ))}
                    {h.notifications ? (
                      <>
                        <dt>Notifications</dt>
                        <dd>
                          {h.notifications.pending} waiting to be fetched
                          {h.notifications.oldestPendingSeconds !== null
                            ? ` (oldest ${h.notifications.oldestPendingSeconds} s)`
                            : ''}
                          {' · last hour: '}
                          {h.notifications.lastHour.fetched
                            ? `${h.notifications.lastHour.fetched} fetched, lag p50 ${h.notifications.lastHour.p50Seconds} s, max ${h.notifications.lastHour.maxSeconds} s`
                            : 'none fetched'}
                        </dd>
                      </>
                    ) : null}
                    {h.shipBy ? (
                      <>
                        <dt>Next ship-by</dt>
                        <dd>
                          <a href={`${base}/orders/${encodeURIComponent(h.shipBy.next.orderId)}`}>
                            {h.shipBy.next.externalId}
                          </a>{' '}
                          by <Time at={h.shipBy.next.at} /> ({ago(h.shipBy.next.at)}) ·{' '}
                          {h.shipBy.dueWithinDay} due within the next day
                          {h.shipBy.overdue ? (
                            <>
                              {' · '}
                              <span class="status status-failed">⚠ {h.shipBy.overdue} overdue</span>
                            </>
                          ) : null}
                        </dd>
                      </>
                    ) : null}
                    <BooksFacts h={h} base={base} />
                  </dl>
                  {latest ? <JobProgress job={latest} base={base} /> : null}
                  {operator ? <AuthorizeButton h={h} view={view} /> : null}
                  {operator && deps.hub.connections.get(h.id)?.connector.webhook?.subscribe ? (
                    <div class="actions">
                      <form method="post" action={`${base}/connections/${encodeURIComponent(h.id)}/webhooks`}>
                        <Csrf view={view} />
                        <button type="submit">Repair webhooks</button>
                      </form>
                    </div>
                  ) : null}
                  {operator && pullable ? (
                    <div class="actions">
                      <form method="post" action={`${base}/connections/${encodeURIComponent(h.id)}/sync`}>
                        <Csrf view={view} />
                        <button type="submit">Sync now</button>
                      </form>
                      <form
                        class="inline-form"
                        method="post"
                        action={`${base}/connections/${encodeURIComponent(h.id)}/sync`}
                      >
                        <Csrf view={view} />
                        <label>
                          Backfill from
                          <input type="date" name="since" required />
                        </label>
                        <button type="submit">Backfill</button>
                      </form>
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        ) : (
          <Empty>This tenant has no connections.</Empty>
        )}
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });

  app.post('/connections/:id/webhooks', async (c) => {
    const id = c.req.param('id');
    const session = c.get('session');
    try {
      const done = await syncWebhookSubscriptions(operatorOf(c, deps), id);
      session.flash.push({
        kind: 'ok',
        text: `${id}'s webhooks point at ${done.url}: ${done.created.length} created, ${done.updated.length} repointed, ${done.unchanged.length} already right`,
      });
    } catch (error) {
      session.flash.push({ kind: 'error', text: messageOf(error, deps, `repairing ${id}'s webhooks`) });
    }
    return c.redirect(`${base}/connections`, 303);
  });

  app.post('/connections/:id/sync', async (c) => {
    const id = c.req.param('id');
    const since = field(await c.req.parseBody({ all: true }), 'since');
    const session = c.get('session');
    try {
      const job = await startSync(operatorOf(c, deps), id, since ? { backfillSince: since } : {});
      session.flash.push({
        kind: 'ok',
        text: `${since ? `backfill from ${since}` : 'sync'} of ${id} queued as job ${job.id}`,
      });
    } catch (error) {
      session.flash.push({ kind: 'error', text: messageOf(error, deps, `syncing ${id}`) });
    }
    return c.redirect(`${base}/connections`, 303);
  });
}
