/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { OrderRouting } from '@switchyard/core';
import type { Hono } from 'hono';
import { rerouteAction } from '../operator/index.ts';
import { auditHref } from './audit.tsx';
import { act, type ConsoleDeps, type ConsoleEnv, field, operatorOf, Refusal } from './context.ts';
import { Csrf, Empty, Time, type View } from './layout.tsx';
import { skuHref } from './stock.tsx';

/** A routing decision as the router stored it (mappings' RoutingDecision), read without trusting its shape. */
interface Decision {
  outcome?: string;
  summary?: string;
  candidates?: {
    locationId: string;
    verdict: string;
    reasons?: string[];
    distanceKm?: number;
    has?: number;
  }[];
  backordered?: { sku: string; quantity: number }[];
  cancelled?: { sku: string; quantity: number }[];
}

const SYMBOLS: Record<string, string> = {
  chosen: '✓',
  'passed-over': '–',
  rejected: '✗',
  planned: '…',
  rated: '↻',
  shipped: '✓',
  cancelled: '–',
};

/** A verdict or a shipment's status: a word with a symbol; the class only adds colour. */
function Mark({ value }: { value: string }) {
  return (
    <span class={`status status-${value.replace(/[^a-z_-]/gi, '')}`}>
      <span aria-hidden="true">{SYMBOLS[value] ?? '•'} </span>
      {value}
    </span>
  );
}

/** `…:route-order` is the first round; `…:route-order#3` the third (a backorder routed again). */
function roundOf(key: string): string {
  const round = /route-order#(\d+)$/.exec(key)?.[1];
  if (round) return `Round ${round} (backorder routed again)`;
  return /route-order$/.test(key) ? 'As imported' : key;
}

const units = (lines: { sku: string; quantity: number }[] | undefined) =>
  (lines ?? []).map((l) => `${l.quantity} × ${l.sku}`).join(', ');

function DecisionView({ d, at, label }: { d: Decision; at: string; label: string }) {
  return (
    <section class="decision" aria-label={`Routing decision: ${label}`}>
      <h3>
        {label} · {d.outcome ?? 'unknown outcome'} · <Time at={at} />
      </h3>
      {d.summary ? <p>{d.summary}</p> : null}
      {d.backordered?.length ? <p class="error-text">Backordered: {units(d.backordered)}</p> : null}
      {d.cancelled?.length ? (
        <p class="error-text">Cancelled for lack of stock: {units(d.cancelled)}</p>
      ) : null}
      <div class="table-wrap">
        <table class="list stack">
          <caption class="visually-hidden">Locations considered</caption>
          <thead>
            <tr>
              <th scope="col">Location</th>
              <th scope="col">Verdict</th>
              <th scope="col" class="num">
                Units it has
              </th>
              <th scope="col" class="num">
                Distance
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {(d.candidates ?? []).map((c) => (
              <tr>
                <td data-label="Location">{c.locationId}</td>
                <td data-label="Verdict">
                  <Mark value={c.verdict} />
                </td>
                <td class="num" data-label="Has">
                  {c.has ?? '—'}
                </td>
                <td class="num" data-label="Distance">
                  {c.distanceKm === undefined ? 'unknown' : `${c.distanceKm} km`}
                </td>
                <td data-label="Why">
                  <ul class="reasons">
                    {(c.reasons ?? []).map((r) => (
                      <li>{r}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
            <tr class="empty-row">
              <td colspan={5}>No location was considered.</td>
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The order page's Routing section: each decision explained, the shipments, and moving a planned one. */
export function RoutingSection(props: {
  view: View;
  orderId: string;
  routing: OrderRouting | undefined;
  error?: string | undefined;
  locations: string[];
  operator: boolean;
}) {
  const { view, routing, orderId } = props;
  const action = (n: number) => `${view.base}/orders/${encodeURIComponent(orderId)}/shipments/${n}/reroute`;
  return (
    <section aria-labelledby="routing">
      <h2 id="routing">Routing</h2>
      {props.error ? <p class="error-text">{props.error}</p> : null}
      {!routing || (!routing.decisions.length && !routing.shipments.length) ? (
        <Empty>
          Not routed: the order is not sent among locations (its channel routes none, or not yet).
        </Empty>
      ) : (
        <>
          {routing.decisions.map((d) => (
            <DecisionView d={(d.decision ?? {}) as Decision} at={d.at} label={roundOf(d.key)} />
          ))}
          <h3>Shipments</h3>
          <div class="table-wrap">
            <table class="list stack">
              <caption class="visually-hidden">The order's shipments</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    #
                  </th>
                  <th scope="col">Leaves from</th>
                  <th scope="col">Status</th>
                  <th scope="col">Lines</th>
                  <th scope="col" class="num">
                    Units held
                  </th>
                  {props.operator ? <th scope="col">Move</th> : null}
                </tr>
              </thead>
              <tbody>
                {routing.shipments.map((s) => (
                  <tr>
                    <td class="num" data-label="Shipment">
                      {s.n}
                    </td>
                    <td data-label="Leaves from">{s.locationId}</td>
                    <td data-label="Status">
                      <Mark value={s.status} />
                    </td>
                    <td data-label="Lines">
                      {s.lines.map((l, i) => (
                        <>
                          {i ? ', ' : ''}
                          {l.quantity} × <a href={skuHref(view.base, l.sku)}>{l.sku}</a>
                        </>
                      ))}
                    </td>
                    <td class="num" data-label="Held">
                      {s.held}
                    </td>
                    {props.operator ? (
                      <td data-label="Move">
                        {s.status === 'planned' && props.locations.some((l) => l !== s.locationId) ? (
                          <form class="inline-form" method="post" action={action(s.n)}>
                            <Csrf view={view} />
                            <label>
                              To
                              <select name="to" aria-label={`Move shipment ${s.n} to`}>
                                {props.locations
                                  .filter((l) => l !== s.locationId)
                                  .map((l) => (
                                    <option value={l}>{l}</option>
                                  ))}
                              </select>
                            </label>
                            <button type="submit">Move shipment {s.n}</button>
                          </form>
                        ) : (
                          <span class="sub">
                            {s.status === 'planned' ? 'no other location' : 'its label is made'}
                          </span>
                        )}
                      </td>
                    ) : null}
                  </tr>
                ))}
                <tr class="empty-row">
                  <td colspan={6}>No shipments yet.</td>
                </tr>
              </tbody>
            </table>
          </div>
          <p class="sub">
            <a href={auditHref(view.base, 'order', orderId)}>Shipments moved by hand</a> ·{' '}
            <a href={`${view.base}/stock`}>Stock</a>
          </p>
        </>
      )}
    </section>
  );
}

/** Moving a planned shipment from the order page (operators). */
export function routingActions(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  app.post('/orders/:id/shipments/:n/reroute', async (c) => {
    const id = c.req.param('id');
    const n = c.req.param('n');
    const to = field(await c.req.parseBody({ all: true }), 'to');
    return act(
      c,
      deps,
      'moving the shipment',
      `${deps.base}/orders/${encodeURIComponent(id)}#routing`,
      async () => {
        if (!/^[1-9]\d{0,4}$/.test(n))
          throw new Refusal(`shipment "${n.slice(0, 20)}" is not a shipment number`);
        return (await rerouteAction(operatorOf(c, deps), id, Number(n), to)).message;
      },
    );
  });
}
