/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import {
  getDelivery,
  getOrderDetail,
  listOrders,
  moneyWords,
  type OrderDetail,
  type OrderPage,
  OrderStatus,
} from '@switchyard/core';
import type { Hono } from 'hono';
import { cancelWorkflow, replayWorkflow, routingOf, tenantLocations, workflowOf } from '../operator/index.ts';
import { auditHref } from './audit.tsx';
import {
  act,
  type ConsoleContext,
  type ConsoleDeps,
  type ConsoleEnv,
  may,
  messageOf,
  operatorOf,
  viewOf,
} from './context.ts';
import { Csrf, Empty, Page, Status, Time, type View } from './layout.tsx';
import { RoutingSection } from './routing.tsx';

const FILTERS = [
  'q',
  'connection',
  'status',
  'placedFrom',
  'placedTo',
  'poNumber',
  'customerEmail',
  'sku',
] as const;
type OrderQuery = Record<(typeof FILTERS)[number] | 'cursor', string>;

function orderQuery(c: ConsoleContext): OrderQuery {
  const q = {} as OrderQuery;
  for (const k of [...FILTERS, 'cursor'] as const) q[k] = (c.req.query(k) ?? '').trim().slice(0, 200);
  return q;
}

function day(value: string, end = false): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  return end ? new Date(d.getTime() + 86_400_000) : d;
}

function queryString(q: Partial<OrderQuery>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return p.toString();
}

const money = moneyWords;

function OrdersPage(props: { view: View; q: OrderQuery; page: OrderPage; connections: string[] }) {
  const { view, q, page } = props;
  const text = (name: keyof OrderQuery, label: string, type = 'text', placeholder = '') => (
    <label>
      {label}
      <input type={type} name={name} value={q[name]} placeholder={placeholder || undefined} />
    </label>
  );
  return (
    <Page view={view} title="Orders">
      <form class="filters" method="get" action={`${view.base}/orders`} aria-label="Find orders">
        <label class="wide">
          External id or number
          <input type="search" name="q" value={q.q} placeholder="e.g. #100234 or WEB-100234" />
        </label>
        <label>
          Connection
          <select name="connection">
            <option value="">any</option>
            {props.connections.map((id) => (
              <option value={id} selected={q.connection === id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status">
            <option value="">any</option>
            {OrderStatus.options.map((s) => (
              <option value={s} selected={q.status === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {text('placedFrom', 'Placed from', 'date')}
        {text('placedTo', 'Placed to', 'date')}
        {text('poNumber', 'PO number')}
        {text('customerEmail', 'Customer email', 'email')}
        {text('sku', 'SKU')}
        <button type="submit">Search</button>
        <a href={`${view.base}/orders`}>Clear</a>
      </form>
      <div class="table-wrap">
        <table class="list stack">
          <caption class="visually-hidden">Orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Connection</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Total
              </th>
              <th scope="col">Placed</th>
              <th scope="col" class="wide-only">
                Customer
              </th>
              <th scope="col" class="wide-only">
                PO
              </th>
            </tr>
          </thead>
          <tbody>
            {page.orders.map((o) => (
              <tr>
                <td data-label="Order">
                  <a href={`${view.base}/orders/${encodeURIComponent(o.id)}`}>
                    {o.externalNumber ?? o.externalId}
                  </a>
                  <div class="sub">{o.externalId}</div>
                </td>
                <td data-label="Connection">{o.connectionId}</td>
                <td data-label="Status">
                  <Status value={o.status} />
                </td>
                <td class="num" data-label="Total">
                  {money(o.totalAmount, o.currency)}
                </td>
                <td data-label="Placed">
                  <Time at={o.placedAt} />
                </td>
                <td class="wide-only">{o.customerEmail ?? '—'}</td>
                <td class="wide-only">{o.poNumber ?? '—'}</td>
              </tr>
            ))}
            <tr class="empty-row">
              <td colspan={7}>No orders match.</td>
            </tr>
          </tbody>
        </table>
      </div>
      {page.next ? (
        <p class="pager">
          <a href={`${view.base}/orders?${queryString({ ...q, cursor: page.next })}`}>Next page →</a>
        </p>
      ) : null}
    </Page>
  );
}

type Workflow = Awaited<ReturnType<typeof workflowOf>>;

/** Words for a timeline event's data: what changed, which status, which step. */
function eventWords(e: OrderDetail['timeline'][number]): string {
  const d = e.data as Record<string, unknown>;
  const parts: string[] = [];
  const status = d.status as { from?: string; to?: string } | undefined;
  if (status?.from && status.to) parts.push(`status ${status.from} → ${status.to}`);
  else if (typeof d.status === 'string') parts.push(`status ${d.status}`);
  if (Array.isArray(d.changed) && d.changed.length) parts.push(`changed: ${d.changed.join(', ')}`);
  if (e.stepKey) parts.push(`step ${e.stepKey}`);
  // A routing decision is told in full in the Routing section: here its one sentence.
  if ((e.type === 'order.routed' || e.type === 'order.backordered') && typeof d.summary === 'string') {
    parts.push(`${d.summary} (see Routing)`);
    return parts.join(' · ');
  }
  const rest = Object.entries(d).filter(([k]) => k !== 'status' && k !== 'changed');
  if (rest.length) {
    parts.push(
      rest
        .slice(0, 6)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v).slice(0, 80) : String(v)}`)
        .join(', '),
    );
  }
  return parts.join(' · ');
}

/** The order's routing among the tenant's locations, for its Routing section. */
interface RoutingView {
  routing: Awaited<ReturnType<typeof routingOf>> | undefined;
  error?: string | undefined;
  locations: string[];
}

function OrderPageView(props: {
  view: View;
  detail: OrderDetail;
  workflow: Workflow;
  workflowError?: string;
  routing: RoutingView;
  operator: boolean;
}) {
  const { view, detail, workflow, operator } = props;
  const o = detail.order;
  const cur = o.currency;
  const m = (x: { amount: number; currency?: string } | undefined) =>
    x ? money(x.amount, x.currency ?? cur) : '—';
  const wfId = `order:${o.id}`;
  const wfBase = `${view.base}/orders/${encodeURIComponent(o.id)}/workflow`;
  return (
    <Page view={view} title={`Order ${o.externalNumber ?? o.externalId}`}>
      <p>
        <a href={`${view.base}/orders`}>← Orders</a> ·{' '}
        <a href={auditHref(view.base, 'workflow', wfId)}>Audit entries of this order</a>
      </p>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status value={o.status} />
        </dd>
        <dt>External id</dt>
        <dd>{o.externalId}</dd>
        <dt>Connection</dt>
        <dd>
          {o.source.connectionId} ({o.source.connector})
        </dd>
        <dt>Placed</dt>
        <dd>
          <Time at={o.placedAt} />
        </dd>
        <dt>Customer</dt>
        <dd>{[o.customer?.name, o.customer?.email].filter(Boolean).join(', ') || '—'}</dd>
        {o.b2b ? (
          <>
            <dt>PO number</dt>
            <dd>{o.b2b.poNumber}</dd>
          </>
        ) : null}
        <dt>Total</dt>
        <dd>
          <b>{m(o.totals.total)}</b> (items {m(o.totals.items)}, discount {m(o.totals.discount)}, shipping{' '}
          {m(o.totals.shipping)}, tax {m(o.totals.tax)})
        </dd>
        <dt>Version</dt>
        <dd>{o.version}</dd>
      </dl>

      <div class="two">
        <section aria-labelledby="timeline">
          <h2 id="timeline">Timeline</h2>
          {detail.timeline.length ? (
            <ol class="timeline">
              {detail.timeline.map((e) => (
                <li>
                  <p>
                    <b>{e.type}</b> <span class="sub">v{e.version}</span>
                  </p>
                  <p class="sub">
                    <Time at={e.at} />
                    {e.inboxId ? (
                      <>
                        {' '}
                        · from delivery{' '}
                        <a href={`${view.base}/deliveries/${encodeURIComponent(e.inboxId)}`}>{e.inboxId}</a>
                      </>
                    ) : null}
                  </p>
                  {eventWords(e) ? <p>{eventWords(e)}</p> : null}
                </li>
              ))}
            </ol>
          ) : (
            <Empty>No events.</Empty>
          )}
        </section>

        <section aria-labelledby="workflow">
          <h2 id="workflow">Workflow</h2>
          {workflow ? (
            <>
              <p>
                <code>{workflow.workflowId}</code> <Status value={workflow.state} />
                {workflow.error ? <span class="error-text"> — {workflow.error}</span> : null}
              </p>
              {workflow.steps.length ? (
                <ol class="steps">
                  {workflow.steps.map((s) => (
                    <li>
                      <Status value={s.status} /> <b>{s.key}</b>
                      {s.endedAt ? (
                        <span class="sub">
                          {' '}
                          · <Time at={s.endedAt} />
                        </span>
                      ) : null}
                      {s.error ? <p class="error-text">{s.error}</p> : null}
                    </li>
                  ))}
                </ol>
              ) : (
                <Empty>No step has run yet.</Empty>
              )}
              {operator ? (
                <div class="actions">
                  {workflow.state === 'failed' || workflow.state === 'cancelled' ? (
                    <form method="post" action={`${wfBase}/replay`}>
                      <Csrf view={view} />
                      <button type="submit">Replay from the failed step</button>
                    </form>
                  ) : null}
                  {workflow.state === 'pending' || workflow.state === 'queued' ? (
                    <form method="post" action={`${wfBase}/cancel`}>
                      <Csrf view={view} />
                      <button type="submit">Cancel workflow</button>
                    </form>
                  ) : null}
                </div>
              ) : null}
            </>
          ) : (
            <Empty>
              {props.workflowError ??
                (detail.workflowStartedAt
                  ? `Workflow ${wfId} started at ${detail.workflowStartedAt}; its steps are not readable from this process.`
                  : 'No workflow was started for this order (its connection may drive none).')}
            </Empty>
          )}
        </section>
      </div>

      <h2>Lines</h2>
      <div class="table-wrap">
        <table class="list">
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Title</th>
              <th scope="col" class="num">
                Ordered
              </th>
              <th scope="col" class="num">
                Shipped
              </th>
              <th scope="col" class="num">
                Unit price
              </th>
            </tr>
          </thead>
          <tbody>
            {o.lines.map((l) => (
              <tr>
                <td>{l.sku ?? '—'}</td>
                <td>{l.title}</td>
                <td class="num">{l.quantity.ordered}</td>
                <td class="num">{l.quantity.shipped}</td>
                <td class="num">{m(l.unitPrice)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <RoutingSection view={view} orderId={o.id} operator={operator} {...props.routing} />

      <div class="two">
        <section aria-labelledby="payments">
          <h2 id="payments">Payments</h2>
          {o.payments.length ? (
            <ul>
              {o.payments.map((p) => (
                <li>
                  <Status value={p.status} /> {p.gateway} {p.reference ?? ''}{' '}
                  {p.captured ? m(p.captured) : ''}
                </li>
              ))}
            </ul>
          ) : (
            <Empty>None.</Empty>
          )}
        </section>
        <section aria-labelledby="fulfillments">
          <h2 id="fulfillments">Fulfillments</h2>
          {o.fulfillments.length ? (
            <ul>
              {o.fulfillments.map((f) => (
                <li>
                  <Status value={f.status} /> {f.carrier ?? ''} {f.trackingNumbers.join(', ')}
                </li>
              ))}
            </ul>
          ) : (
            <Empty>None.</Empty>
          )}
        </section>
      </div>

      <h2>Raw deliveries</h2>
      {detail.deliveries.length ? (
        <ul>
          {detail.deliveries.map((d) => (
            <li>
              <a href={`${view.base}/deliveries/${encodeURIComponent(d.id)}`}>Delivery {d.id}</a> ·{' '}
              {d.contentType} · {d.bytes} bytes · <Status value={d.status} /> · received{' '}
              <Time at={d.receivedAt} />
              {d.revisionOf ? ` · revision of ${d.revisionOf}` : ''}
            </li>
          ))}
        </ul>
      ) : (
        <Empty>No stored delivery names this order.</Empty>
      )}
    </Page>
  );
}

export function orderPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  const base = deps.base;

  app.get('/orders', async (c) => {
    const tenant = c.get('session').principal.tenantId;
    const q = orderQuery(c);
    const placedFrom = day(q.placedFrom);
    const placedTo = day(q.placedTo, true);
    let page: OrderPage = { orders: [], next: null };
    try {
      page = await listOrders(deps.hub.sql, tenant, {
        ...(q.q ? { q: q.q } : {}),
        ...(q.connection ? { connectionId: q.connection } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(placedFrom ? { placedFrom } : {}),
        ...(placedTo ? { placedTo } : {}),
        ...(q.poNumber ? { poNumber: q.poNumber } : {}),
        ...(q.customerEmail ? { customerEmail: q.customerEmail } : {}),
        ...(q.sku ? { sku: q.sku } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        limit: 50,
      });
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'listing orders') });
    }
    const connections = [...deps.hub.connections.values()]
      .filter((x) => x.tenantId === tenant)
      .map((x) => x.id);
    return c.html(`<!doctype html>${OrdersPage({ view: viewOf(c, deps), q, page, connections })}`);
  });

  app.get('/orders/:id', async (c) => {
    const tenant = c.get('session').principal.tenantId;
    const detail = await getOrderDetail(deps.hub.sql, tenant, c.req.param('id'));
    if (!detail) {
      c.get('session').flash.push({
        kind: 'error',
        text: `tenant ${tenant} has no order ${c.req.param('id')}`,
      });
      return c.redirect(`${base}/orders`, 303);
    }
    let workflow: Workflow;
    let workflowError: string | undefined;
    try {
      // No workflow was started for it: nothing to ask the engine.
      if (detail.workflowStartedAt) workflow = await workflowOf(operatorOf(c, deps), detail.order.id);
    } catch (error) {
      workflowError = messageOf(error, deps, "reading the order's workflow");
    }
    const ctx = operatorOf(c, deps);
    const routing: RoutingView = { routing: undefined, locations: tenantLocations(ctx).map((l) => l.id) };
    try {
      routing.routing = await routingOf(ctx, detail.order.id);
    } catch (error) {
      routing.error = messageOf(error, deps, "reading the order's routing");
    }
    const html = OrderPageView({
      view: viewOf(c, deps),
      detail,
      workflow,
      ...(workflowError ? { workflowError } : {}),
      routing,
      operator: may(c, 'operator'),
    });
    return c.html(`<!doctype html>${html}`);
  });

  for (const verb of ['replay', 'cancel'] as const) {
    app.post(`/orders/:id/workflow/${verb}`, (c) => {
      const id = c.req.param('id');
      return act(
        c,
        deps,
        `${verb === 'replay' ? 'replaying' : 'cancelling'} the workflow`,
        `${base}/orders/${encodeURIComponent(id)}`,
        async () => {
          const ctx = operatorOf(c, deps);
          const after = await (verb === 'replay' ? replayWorkflow : cancelWorkflow)(ctx, `order:${id}`);
          return `workflow order:${id} is now ${after.state}`;
        },
      );
    });
  }

  app.get('/deliveries/:id', async (c) => {
    const tenant = c.get('session').principal.tenantId;
    const d = await getDelivery(deps.hub.sql, tenant, c.req.param('id'));
    if (!d) return c.text(`tenant ${tenant} has no delivery ${c.req.param('id')}`, 404);
    const body = d.bodyEncoding === 'utf8' && /json/i.test(d.contentType) ? pretty(d.body) : d.body;
    const html = (
      <Page view={viewOf(c, deps)} title={`Delivery ${d.id}`}>
        <dl class="facts">
          <dt>Connection</dt>
          <dd>{d.connectionId}</dd>
          <dt>Received</dt>
          <dd>
            <Time at={d.receivedAt} />
          </dd>
          <dt>Status</dt>
          <dd>
            <Status value={d.status} />
          </dd>
          <dt>Request</dt>
          <dd>
            {d.method} {d.path}
          </dd>
          <dt>Dedupe key</dt>
          <dd>
            <code>{d.dedupeKey}</code>
          </dd>
          {d.revisionOf ? (
            <>
              <dt>Revision of</dt>
              <dd>
                <a href={`${base}/deliveries/${encodeURIComponent(d.revisionOf)}`}>{d.revisionOf}</a>
              </dd>
            </>
          ) : null}
        </dl>
        <h2>Headers</h2>
        <p class="sub">Credentials are never stored.</p>
        <pre>{Object.entries(d.headers).map(([k, v]) => `${k}: ${v}\n`)}</pre>
        <h2>
          Body ({d.bytes} bytes, {d.contentType}
          {d.bodyEncoding === 'base64' ? ', shown as base64' : ''})
        </h2>
        <pre class="payload">{body}</pre>
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
