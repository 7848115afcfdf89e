/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { listPostings, listSummaries, moneyWords, summaryBreakdown } from '@switchyard/core';
import type { Hono } from 'hono';
import { beginAuthorization, type ConnectionHealth } from '../operator/index.ts';
import { type ConsoleDeps, type ConsoleEnv, field, messageOf, operatorOf, viewOf } from './context.ts';
import { Csrf, Empty, Page, Status, Time, type View } from './layout.tsx';

/**
 * The books in the console: a books connection's authorization (and the button that starts it again when the
 * vendor refused the grant) on its card, and the Books page: documents posted, daily summaries, and a summary's
 * breakdown by order, which is how an accountant traces a journal line back to the orders behind it.
 */

const GRANT_WORDS = {
  'not-authorized': '○ not authorized yet',
  valid: '✓ authorized',
  expired: '○ access token expired (refreshed on the next call)',
  'reconnect-needed': '✗ reconnect needed',
} as const;

/** The authorization and postings of a books connection, as facts of its card. */
export function BooksFacts({ h, base }: { h: ConnectionHealth; base: string }) {
  const a = h.authorization;
  const b = h.books;
  return (
    <>
      {a ? (
        <>
          <dt>Authorization</dt>
          <dd>
            <span
              class={
                a.state === 'valid'
                  ? 'status status-ok'
                  : a.state === 'reconnect-needed'
                    ? 'status status-failed'
                    : 'status'
              }
            >
              {GRANT_WORDS[a.state]}
            </span>
            {a.account ? ` · ${a.accountName ?? 'company'} (${a.account})` : ''}
            {a.authorizedAt ? (
              <>
                {' · since '}
                <Time at={a.authorizedAt} />
              </>
            ) : null}
            {a.error ? <p class="error-text">{a.error}</p> : null}
          </dd>
        </>
      ) : null}
      {b ? (
        <>
          <dt>Postings</dt>
          <dd>
            <a href={`${base}/books?connection=${encodeURIComponent(h.id)}`}>
              {b.postings.posted} posted · {b.postings.pending} pending · {b.postings.parked} parked ·{' '}
              {b.postings.failed} failed
            </a>
            {b.openInvoices ? ` · ${b.openInvoices} invoice${b.openInvoices === 1 ? '' : 's'} open` : ''}
          </dd>
          <dt>Last summary</dt>
          <dd>
            {b.lastSummary
              ? `${b.lastSummary.day} ${b.lastSummary.currency}: ${b.lastSummary.status}`
              : 'none yet'}
          </dd>
        </>
      ) : null}
    </>
  );
}

/** The Authorize button of a connection the merchant authorizes in the vendor's page. */
export function AuthorizeButton({ h, view }: { h: ConnectionHealth; view: View }) {
  if (!h.authorization) return null;
  const again = h.authorization.state !== 'not-authorized';
  return (
    <div class="actions">
      <form
        method="post"
        action={`${view.base}/connections/${encodeURIComponent(h.id)}/authorize`}
        hx-boost="false"
      >
        <Csrf view={view} />
        <button type="submit">{again ? 'Authorize again' : 'Authorize'}</button>
      </form>
    </div>
  );
}

export function booksPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  const base = deps.base;

  // Gives the operator the vendor's consent page as a link (the console's form-action policy keeps a form from
  // redirecting off the hub); the vendor sends them back to /oauth/callback.
  app.post('/connections/:id/authorize', async (c) => {
    const id = c.req.param('id');
    try {
      const origin = new URL(c.req.url).origin;
      const started = await beginAuthorization(operatorOf(c, deps), id, { fallbackBase: origin });
      const title = deps.hub.connections.get(id)?.connector.title ?? id;
      const html = (
        <Page view={viewOf(c, deps)} title={`Authorize ${id}`}>
          <p>
            Sign in to {title}, choose the company and allow access; {title} then sends you back to{' '}
            <code>{started.redirectUri}</code>, which must be registered as a redirect URI of your app.
          </p>
          <p>
            {/* Off the hub: never a boosted request (htmx boosts a link on the hub's host name even at another
                port, then refuses it as cross-origin, and the click does nothing). */}
            <a class="button" href={started.url} rel="noreferrer" hx-boost="false">
              Continue to {title}
            </a>
          </p>
          <p class="sub">
            The link works once, until <Time at={started.expiresAt} />.
          </p>
        </Page>
      );
      return c.html(`<!doctype html>${html}`);
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, `authorizing ${id}`) });
      return c.redirect(`${base}/connections`, 303);
    }
  });

  app.get('/books', async (c) => {
    const ctx = operatorOf(c, deps);
    const connection = field(c.req.query(), 'connection');
    const status = field(c.req.query(), 'status');
    const [postings, summaries] = await Promise.all([
      listPostings(deps.hub.sql, ctx.by.tenantId, {
        ...(connection ? { booksConnection: connection } : {}),
        ...(status ? { status } : {}),
        limit: 100,
      }),
      listSummaries(deps.hub.sql, ctx.by.tenantId, {
        ...(connection ? { booksConnection: connection } : {}),
        limit: 30,
      }),
    ]);
    const html = (
      <Page view={viewOf(c, deps)} title="Books">
        <h2>Daily summaries</h2>
        {summaries.length ? (
          <table>
            <thead>
              <tr>
                <th>Day</th>
                <th>Books</th>
                <th>Currency</th>
                <th>Orders</th>
                <th class="num">Debits</th>
                <th class="num">Credits</th>
                <th>Status</th>
                <th>In the books</th>
              </tr>
            </thead>
            <tbody>
              {summaries.map((s) => (
                <tr>
                  <td>
                    <a href={`${base}/books/summaries/${encodeURIComponent(s.id)}`}>{s.day}</a>
                  </td>
                  <td>{s.booksConnection}</td>
                  <td>{s.currency}</td>
                  <td>{s.orders}</td>
                  <td class="num">{moneyWords(s.debits, s.currency)}</td>
                  <td class="num">{moneyWords(s.credits, s.currency)}</td>
                  <td>
                    <Status value={s.status} />
                  </td>
                  <td>{s.externalId ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>No daily summary yet.</Empty>
        )}
        <h2>Documents</h2>
        {postings.length ? (
          <table>
            <thead>
              <tr>
                <th>Posted</th>
                <th>Order</th>
                <th>Document</th>
                <th>Books</th>
                <th class="num">Total</th>
                <th class="num">Books' total</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {postings.map((p) => (
                <tr>
                  <td>{p.postedAt ? <Time at={p.postedAt} /> : '—'}</td>
                  <td>
                    {p.orderId ? (
                      <a href={`${base}/orders/${encodeURIComponent(p.orderId)}`}>{p.orderId}</a>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {p.kind}
                    {p.number ? ` ${p.number}` : ''}
                    {p.externalId ? ` (${p.externalId})` : ''}
                    {p.paidAt ? ' · paid' : ''}
                  </td>
                  <td>{p.booksConnection}</td>
                  <td class="num">{moneyWords(p.totalAmount, p.currency)}</td>
                  <td class="num">{p.booksTotal === null ? '—' : moneyWords(p.booksTotal, p.currency)}</td>
                  <td>
                    <Status value={p.status} />
                    {p.detail ? <p class="error-text">{p.detail}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>Nothing posted to the books yet.</Empty>
        )}
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });

  app.get('/books/summaries/:id', async (c) => {
    const ctx = operatorOf(c, deps);
    const found = await summaryBreakdown(deps.hub.sql, ctx.by.tenantId, c.req.param('id'));
    if (!found) return c.notFound();
    const { summary: s, entries } = found;
    const html = (
      <Page view={viewOf(c, deps)} title={`Summary ${s.day} ${s.currency}`}>
        <p>
          {s.booksConnection} · {s.orders} orders · debits {moneyWords(s.debits, s.currency)} · credits{' '}
          {moneyWords(s.credits, s.currency)} · <Status value={s.status} />
          {s.externalId ? ` · journal ${s.externalId} in the books` : ''}
        </p>
        <h2>Journal</h2>
        <table>
          <thead>
            <tr>
              <th>Account</th>
              <th>What</th>
              <th>Tax code</th>
              <th class="num">Debit</th>
              <th class="num">Credit</th>
            </tr>
          </thead>
          <tbody>
            {s.lines.map((l) => (
              <tr>
                <td>{l.account}</td>
                <td>{l.description}</td>
                <td>{l.taxCode ?? ''}</td>
                <td class="num">{l.side === 'debit' ? moneyWords(l.amount, s.currency) : ''}</td>
                <td class="num">{l.side === 'credit' ? moneyWords(l.amount, s.currency) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Orders behind it</h2>
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Entry</th>
              <th class="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr>
                <td>
                  <a href={`${base}/orders/${encodeURIComponent(e.orderId)}`}>
                    {e.externalNumber ?? e.orderId}
                  </a>
                </td>
                <td>{e.kind}</td>
                <td class="num">{moneyWords(e.amount, s.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });
}
