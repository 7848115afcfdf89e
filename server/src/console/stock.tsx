/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { randomUUID } from 'node:crypto';
import type { Level } from '@switchyard/core';
import type { Hono } from 'hono';
import {
  MANUAL_KINDS,
  type ManualKind,
  recordMovement,
  skuDetail,
  stockLevels,
  tenantLocations,
} from '../operator/index.ts';
import { auditHref } from './audit.tsx';
import {
  act,
  type ConsoleContext,
  type ConsoleDeps,
  type ConsoleEnv,
  field,
  localPath,
  may,
  messageOf,
  operatorOf,
  Refusal,
  viewOf,
} from './context.ts';
import { Csrf, Empty, Page, Time, type View } from './layout.tsx';
import { MovementTable } from './stock-movements.tsx';

const PAGE = 50;

type StockQuery = {
  sku: string;
  location: string;
  short: string;
  cursor: string;
};

function stockQuery(c: ConsoleContext): StockQuery {
  const text = (name: string, max: number) => (c.req.query(name) ?? '').trim().slice(0, max);
  return {
    sku: text('sku', 200),
    location: text('location', 63),
    short: c.req.query('short') === '1' ? '1' : '',
    cursor: text('cursor', 400),
  };
}

function queryString(q: Partial<Record<string, string>>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  return p.toString();
}

export const skuHref = (base: string, sku: string) => `${base}/stock/skus/${encodeURIComponent(sku)}`;

/** What may still be promised: the figure, and in words with a symbol when there is none (not by colour alone). */
export function Available({ value }: { value: number }) {
  if (value > 0) return <span>{value}</span>;
  return (
    <span class="status status-short">
      <span aria-hidden="true">⚠ </span>
      {value} · {value < 0 ? 'over-promised' : 'none to promise'}
    </span>
  );
}

const KIND_WORDS: Record<ManualKind, string> = {
  receipt: 'Receipt (units in)',
  adjustment: 'Adjustment (± change)',
  count: 'Count (units on the shelf)',
  return: 'Return (units back)',
  safety: 'Safety stock (units held back)',
};

/** Recording a movement by hand (operators only). The key makes a form sent twice count once. */
export function MovementForm(props: { view: View; locations: string[]; sku?: string; back: string }) {
  const { view, locations } = props;
  if (!locations.length) {
    return (
      <Empty>
        No locations are configured for this tenant: declare them in the config’s top-level locations.
      </Empty>
    );
  }
  return (
    <form class="stock-form" method="post" action={`${view.base}/stock/movements`}>
      <Csrf view={view} />
      <input type="hidden" name="key" value={randomUUID()} />
      <input type="hidden" name="back" value={props.back} />
      <fieldset>
        <legend>Record a movement</legend>
        <label>
          Kind
          <select name="kind">
            {MANUAL_KINDS.map((k) => (
              <option value={k}>{KIND_WORDS[k]}</option>
            ))}
          </select>
        </label>
        <label>
          SKU
          <input name="sku" required maxlength={200} value={props.sku ?? ''} />
        </label>
        <label>
          Location
          <select name="location">
            {locations.map((id) => (
              <option value={id}>{id}</option>
            ))}
          </select>
        </label>
        <label>
          Quantity
          <input name="quantity" type="number" required step={1} inputmode="numeric" />
        </label>
        <label class="reason">
          Reason (needed for an adjustment)
          <input name="reason" maxlength={500} placeholder="e.g. PO 1042 received, 2 damaged" />
        </label>
        <button type="submit">Record</button>
      </fieldset>
    </form>
  );
}

function LevelRows({ levels, base, withSku }: { levels: Level[]; base: string; withSku: boolean }) {
  return (
    <>
      {levels.map((l) => (
        <tr>
          {withSku ? (
            <td data-label="SKU">
              <a href={skuHref(base, l.sku)}>{l.sku}</a>
            </td>
          ) : null}
          <td data-label="Location">{l.locationId}</td>
          <td class="num" data-label="On hand">
            {l.onHand}
          </td>
          <td class="num" data-label="Reserved">
            {l.reserved}
          </td>
          <td class="num" data-label="Safety">
            {l.safetyStock}
          </td>
          <td class="num" data-label="Available">
            <Available value={l.available} />
          </td>
          <td data-label="Updated">
            <Time at={l.updatedAt} />
          </td>
        </tr>
      ))}
    </>
  );
}

export function LevelTable(props: { levels: Level[]; base: string; withSku: boolean; caption: string }) {
  return (
    <div class="table-wrap">
      <table class="list stack">
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.withSku ? <th scope="col">SKU</th> : null}
            <th scope="col">Location</th>
            <th scope="col" class="num">
              On hand
            </th>
            <th scope="col" class="num">
              Reserved
            </th>
            <th scope="col" class="num">
              Safety
            </th>
            <th scope="col" class="num">
              Available
            </th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          <LevelRows levels={props.levels} base={props.base} withSku={props.withSku} />
          <tr class="empty-row">
            <td colspan={7}>No balances match.</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function StockPage(props: {
  view: View;
  q: StockQuery;
  page: Awaited<ReturnType<typeof stockLevels>>;
  locations: string[];
  operator: boolean;
}) {
  const { view, q, page } = props;
  return (
    <Page view={view} title="Stock">
      <p class="sub">
        Balances by SKU and location. Available = on hand − reserved − safety stock: what the channels are
        offered and orders may be routed to.
      </p>
      <form class="filters" method="get" action={`${view.base}/stock`} aria-label="Find stock">
        <label class="wide">
          SKU starts with
          <input type="search" name="sku" value={q.sku} placeholder="e.g. MUG-" />
        </label>
        <label>
          Location
          <select name="location">
            <option value="">any</option>
            {[...new Set([...props.locations, ...(q.location ? [q.location] : [])])].map((id) => (
              <option value={id} selected={q.location === id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="short" value="1" checked={q.short === '1'} />
          Only with none to promise
        </label>
        <button type="submit">Search</button>
        <a href={`${view.base}/stock`}>Clear</a>
      </form>
      <LevelTable levels={page.items} base={view.base} withSku caption="Stock by SKU and location" />
      <p class="pager">
        {q.cursor ? (
          <a href={`${view.base}/stock?${queryString({ ...q, cursor: '' })}`}>← First page</a>
        ) : null}
        {q.cursor && page.next ? ' · ' : null}
        {page.next ? (
          <a href={`${view.base}/stock?${queryString({ ...q, cursor: page.next })}`}>Next page →</a>
        ) : null}
      </p>
      {props.operator ? (
        <MovementForm view={view} locations={props.locations} back={`${view.base}/stock?${queryString(q)}`} />
      ) : null}
    </Page>
  );
}

function SkuPage(props: {
  view: View;
  detail: Awaited<ReturnType<typeof skuDetail>>;
  location: string;
  cursor: string;
  locations: string[];
  operator: boolean;
}) {
  const { view, detail } = props;
  const self = skuHref(view.base, detail.sku);
  const at = (more: Record<string, string>) =>
    `${self}?${queryString({ location: props.location, ...more })}`;
  return (
    <Page view={view} title={`Stock of ${detail.sku}`}>
      <p>
        <a href={`${view.base}/stock`}>← Stock</a> ·{' '}
        <a href={`${view.base}/orders?${queryString({ sku: detail.sku })}`}>Orders with this SKU</a> ·{' '}
        <a href={auditHref(view.base, 'sku', detail.sku)}>Audit entries of this SKU</a>
      </p>
      <dl class="facts">
        <dt>On hand</dt>
        <dd>{detail.total.onHand}</dd>
        <dt>Reserved</dt>
        <dd>{detail.total.reserved}</dd>
        <dt>Available</dt>
        <dd>
          <Available value={detail.total.available} />
        </dd>
      </dl>
      <h2 id="locations">At each location</h2>
      <LevelTable
        levels={detail.levels}
        base={view.base}
        withSku={false}
        caption={`${detail.sku} by location`}
      />
      <h2 id="movements">Movements{props.location ? ` at ${props.location}` : ''}, newest first</h2>
      <form class="filters" method="get" action={self} aria-label="Movements at one location">
        <label>
          Location
          <select name="location">
            <option value="">every location</option>
            {detail.levels.map((l) => (
              <option value={l.locationId} selected={props.location === l.locationId}>
                {l.locationId}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
      </form>
      <MovementTable movements={detail.movements} base={view.base} />
      <p class="pager">
        {props.cursor ? <a href={at({})}>← Newest</a> : null}
        {props.cursor && detail.next ? ' · ' : null}
        {detail.next ? <a href={at({ cursor: detail.next })}>Older →</a> : null}
      </p>
      {props.operator ? (
        <MovementForm view={view} locations={props.locations} sku={detail.sku} back={self} />
      ) : null}
    </Page>
  );
}

function locationIds(c: ConsoleContext, deps: ConsoleDeps): string[] {
  return tenantLocations(operatorOf(c, deps)).map((l) => l.id);
}

export function stockPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  const base = deps.base;

  app.get('/stock', async (c) => {
    const q = stockQuery(c);
    let page: Awaited<ReturnType<typeof stockLevels>> = { items: [], next: null };
    try {
      page = await stockLevels(operatorOf(c, deps), {
        ...(q.sku ? { sku: q.sku } : {}),
        ...(q.location ? { locationId: q.location } : {}),
        ...(q.short ? { short: true } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
        limit: PAGE,
      });
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'listing stock') });
    }
    const html = StockPage({
      view: viewOf(c, deps),
      q,
      page,
      locations: locationIds(c, deps),
      operator: may(c, 'operator'),
    });
    return c.html(`<!doctype html>${html}`);
  });

  app.get('/stock/skus/:sku', async (c) => {
    const sku = c.req.param('sku');
    const location = (c.req.query('location') ?? '').trim().slice(0, 63);
    const cursor = (c.req.query('cursor') ?? '').trim().slice(0, 400);
    let detail: Awaited<ReturnType<typeof skuDetail>>;
    try {
      detail = await skuDetail(operatorOf(c, deps), sku, {
        ...(location ? { locationId: location } : {}),
        ...(cursor ? { cursor } : {}),
        limit: PAGE,
      });
    } catch (error) {
      c.get('session').flash.push({ kind: 'error', text: messageOf(error, deps, 'opening the SKU') });
      return c.redirect(`${base}/stock`, 303);
    }
    const html = SkuPage({
      view: viewOf(c, deps),
      detail,
      location,
      cursor,
      locations: locationIds(c, deps),
      operator: may(c, 'operator'),
    });
    return c.html(`<!doctype html>${html}`);
  });

  app.post('/stock/movements', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const sku = field(form, 'sku');
    const back = localPath(base, field(form, 'back'), sku ? skuHref(base, sku) : `${base}/stock`);
    return act(c, deps, 'recording the movement', back, async () => {
      const quantity = field(form, 'quantity').replace('\u2212', '-');
      if (!/^[+-]?\d{1,10}$/.test(quantity))
        throw new Refusal(`quantity "${quantity.slice(0, 20)}" is not a whole number`);
      const recorded = await recordMovement(operatorOf(c, deps), {
        sku,
        locationId: field(form, 'location'),
        kind: field(form, 'kind') as ManualKind,
        quantity: Number(quantity),
        reason: field(form, 'reason') || undefined,
        idempotencyKey: `console:${field(form, 'key') || randomUUID()}`,
      });
      const l = recorded.level;
      const figures = `${l.sku} at ${l.locationId}: on hand ${l.onHand}, reserved ${l.reserved}, safety ${l.safetyStock}, available ${l.available}`;
      if (!recorded.applied) return `this form was sent before: nothing was recorded again (${figures})`;
      return `${recorded.movement.kind} of ${recorded.movement.quantity} recorded; ${figures}`;
    });
  });
}
