import { applyOrder, OrderDraft, type Sql } from '@switchyard/core';

/**
 * The API benchmark's data, written with set-based SQL into the real schema after the real migrations:
 * 1,000,000 canonical orders across three tenants (60/30/10 %), each with its `order.created` event, over two
 * years; one order in seven with the raw delivery it came from (what the order detail lists); and 100,000 open
 * exceptions of one tenant, each with its inbox row, cloned from real failed deliveries (see seedExceptions).
 */

export const TENANTS = [
  { id: 'acme', name: 'Acme (60 %)' },
  { id: 'globex', name: 'Globex (30 %)' },
  { id: 'initech', name: 'Initech (10 %)' },
] as const;
export type TenantId = (typeof TENANTS)[number]['id'];
export const connectionOf = (tenant: string) => `${tenant}-web`;
/** The tenant holding the exceptions, and whose queries are timed: the biggest one. */
export const EXCEPTIONS_TENANT: TenantId = 'acme';

/** Order n's tenant: n mod 10 of 0-5 acme, 6-8 globex, 9 initech (interleaved in time, as real traffic). */
const TENANT_OF_N = `(case when n % 10 < 6 then 'acme' when n % 10 < 9 then 'globex' else 'initech' end)`;
/** Order n's external id and number: what an operator pastes from the channel. */
export const externalIdOf = (n: number) => `WEB-${100000 + n}`;
export const externalNumberOf = (n: number) => `#${100000 + n}`;
/** One order in seven has its raw delivery stored (inbox id DELIVERY_BASE + n / 7), so the detail lists it. */
export const DELIVERY_EVERY = 7;
const INBOX_BASE = 1000;
/** Heavy buyers: 5 % of a tenant's orders go to ten B2B accounts (3,000 orders each at acme). */
export const heavyBuyer = (tenant: string, k: number) => `purchasing${k}@${tenant}-account.example.com`;
export const BUYERS = 400_000;

export interface SeedSize {
  orders: number;
  exceptions: number;
}

/** What a database seeded by this file says about itself (a comment on the database), to be reused. */
export const seedSignature = (size: SeedSize) =>
  `switchyard api bench seed v1: ${size.orders} orders, ${size.exceptions} exceptions`;

const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const MONEY = (amount: string) => `jsonb_build_object('amount', ${amount}, 'currency', 'USD')`;

/** A ULID-shaped id (`ord_` + 10 Crockford characters of milliseconds + 16 of a hash), as newId() lays them out. */
function ulid(prefix: string, at: string, salt: string): string {
  const ms = `(extract(epoch from ${at}) * 1000)::bigint`;
  const chars = Array.from(
    { length: 10 },
    (_, i) => `substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((${ms} >> ${5 * (9 - i)}) & 31)::int + 1, 1)`,
  ).join(' || ');
  return `'${prefix}_' || ${chars} || upper(substr(md5(${salt}), 1, 16))`;
}

/** Distinct baskets (1 to 4 lines of the ~5,000 SKUs, skewed to the popular ones) that orders pick from. */
export const BASKETS = 50_000;

/**
 * The baskets, built once: each order takes one at random (twenty orders a basket on average), so the seed
 * builds line JSON 50,000 times instead of a million. Each has its lines as an open order and as a shipped one
 * (fulfilled and shipped quantities), its distinct SKUs sorted (as columns() gives them) and its sums.
 */
function basketsStatement(): string {
  const line = (shipped: boolean) => `jsonb_build_object(
             'id', 'L' || k, 'externalId', 'L' || k, 'sku', sku, 'title', 'Catalogue item ' || sku || ', colour and size',
             'quantity', jsonb_build_object('ordered', q, 'fulfilled', ${shipped ? 'q' : '0'}, 'shipped', ${shipped ? 'q' : '0'},
                                            'cancelled', 0, 'returned', 0),
             'unitOfMeasure', 'EA', 'unitPrice', ${MONEY('price')}, 'discounts', '[]'::jsonb,
             'taxLines', jsonb_build_array(jsonb_build_object('title', 'State tax', 'rate', '0.0725',
                                                               'amount', ${MONEY('tax')})),
             'giftCard', false)`;
  return `
    create unlogged table bench_baskets as
    select basket,
           jsonb_agg(${line(false)} order by k) as lines_open,
           jsonb_agg(${line(true)} order by k) as lines_shipped,
           jsonb_agg(jsonb_build_object('lineId', 'L' || k, 'quantity', q) order by k) as shipped_lines,
           array_agg(distinct sku order by sku) as skus,
           sum(q * price)::bigint as items, sum(tax)::bigint as tax
    from (
      select basket, k, sku, q, price, round(q * price * 0.0725)::bigint as tax
      from (
        select basket, k, 'SKU-' || lpad(floor(random() ^ 3 * 5000)::int::text, 5, '0') as sku,
               1 + floor(random() ^ 2 * 3)::int as q, (499 + floor(random() * 12000))::int as price
        from (select basket, 1 + floor(random() ^ 2 * 4)::int as nlines from generate_series(0, ${BASKETS - 1}) basket) b
        cross join lateral generate_series(1, b.nlines) k
      ) l0
    ) l1
    group by basket`;
}

/**
 * One statement for orders lo..hi: the orders (data built as the http-json connector and OrderDraft would give
 * it, columns as new-orders.ts columns() fills them), the deliveries of one in seven, and one order.created
 * event each (naming its delivery, as the intake's event does).
 */
function ordersStatement(lo: number, hi: number, total: number, headers: string): string {
  return `
    with base as (
      select n, ${TENANT_OF_N} as t,
             date_trunc('second', timestamptz '2024-07-01 00:00Z' + (n::float8 / ${total}) * interval '730 days'
                                   - random() * interval '30 min') as placed,
             random() as r_status, random() as r_buyer, random() as r_upd,
             floor(random() * ${BASKETS})::int as basket
      from generate_series(${lo}::int, ${hi}::int) n
    ), o as (
      select b.*,
             b.placed + (1 + floor(random() * 20))::int * interval '1 second' + random() * interval '1 second' as created,
             case when b.r_status < 0.04 then 'cancelled'
                  when b.n > ${Math.floor(total * 0.997)} then (array['placed', 'accepted', 'in_fulfillment'])[1 + b.n % 3]
                  when b.r_status < 0.12 then 'shipped'
                  when b.r_status < 0.18 then 'closed'
                  else 'delivered' end as status,
             b.r_buyer < 0.05 as b2b,
             case when b.r_buyer < 0.05 then 'purchasing' || floor(b.r_buyer * 200)::int || '@' || b.t || '-account.example.com'
                  else 'buyer' || floor(random() * ${BUYERS})::int || '@example.com' end as email,
             (array['San Francisco', 'Austin', 'Portland', 'Denver', 'Chicago', 'Boston', 'Atlanta', 'Seattle'])[1 + b.n % 8] as city
      from base b
    ), priced as (
      select o.*, l.shipped_lines, l.skus, l.items, l.tax,
             case when o.status in ('shipped', 'delivered', 'closed') then l.lines_shipped else l.lines_open end as lines,
             'WEB-' || (100000 + o.n) as external_id, '#' || (100000 + o.n) as external_number,
             ${ulid('ord', 'o.created', 'o.n::text')} as id,
             case when o.status = 'placed' then o.placed
                  else date_trunc('second', o.placed + o.r_upd * interval '6 days') end as updated,
             case when o.n % 5 = 0 then initcap(o.email) else o.email end as given_email
      from o join bench_baskets l on l.basket = o.basket
    ), shaped as (
      select p.*, p.items + 795 + p.tax as total,
             jsonb_build_object('name', 'Buyer ' || (p.n % 997), 'line1', (p.n % 4000) || ' Market St', 'city', p.city,
                                'region', 'CA', 'postalCode', lpad((p.n % 99999)::text, 5, '0'), 'country', 'US') as address
      from priced p
    ), rows as (
      select s.*, jsonb_build_object(
          'id', s.id, 'tenantId', s.t, 'source', jsonb_build_object('connectionId', s.t || '-web', 'connector', 'http-json'),
          'version', 1, 'externalId', s.external_id, 'externalNumber', s.external_number,
          'kind', case when s.b2b then 'b2b' else 'b2c' end, 'status', s.status, 'currency', 'USD',
          'placedAt', ${ISO('s.placed')}, 'updatedAt', ${ISO('s.updated')},
          'customer', jsonb_build_object('externalId', 'cust-' || md5(s.email), 'email', s.given_email,
                                         'name', 'Buyer ' || (s.n % 997)),
          'billingAddress', s.address, 'shippingAddress', s.address, 'lines', s.lines,
          'shippingLines', jsonb_build_array(jsonb_build_object('code', 'ups-ground', 'title', 'UPS Ground', 'carrier', 'ups',
                                             'price', ${MONEY('795')}, 'discounts', '[]'::jsonb, 'taxLines', '[]'::jsonb)),
          'discounts', '[]'::jsonb, 'adjustments', '[]'::jsonb, 'taxesIncluded', false,
          'totals', jsonb_build_object('items', ${MONEY('s.items')}, 'discount', ${MONEY('0')},
                                       'shipping', ${MONEY('795')}, 'tax', ${MONEY('s.tax')}, 'total', ${MONEY('s.total')}),
          'payments', jsonb_build_array(jsonb_build_object(
              'id', 'pay-1', 'status', case when s.status = 'cancelled' then 'voided' else 'captured' end,
              'gateway', 'stripe', 'reference', 'pi_' || substr(md5(s.id), 1, 24), 'captured', ${MONEY('s.total')})),
          'fulfillments', case when s.status in ('shipped', 'delivered', 'closed') then jsonb_build_array(jsonb_build_object(
              'id', 'F1', 'status', case when s.status = 'shipped' then 'in_transit' else 'delivered' end,
              'lines', s.shipped_lines, 'carrier', 'ups', 'service', 'Ground',
              'trackingNumbers', jsonb_build_array('1Z' || upper(substr(md5(s.external_id), 1, 16))),
              'trackingUrls', '[]'::jsonb, 'shippedAt', ${ISO('s.updated')})) else '[]'::jsonb end,
          'refunds', '[]'::jsonb, 'tags', jsonb_build_array('web'), 'attributes', jsonb_build_object('channel', 'storefront'))
          || case when s.b2b then jsonb_build_object('b2b', jsonb_build_object('poNumber', 'PO-' || s.n)) else '{}'::jsonb end
          as data
      from shaped s
    ), inserted as (
      insert into orders (id, tenant_id, connection_id, connector, external_id, external_number, status, currency,
                          total_amount, po_number, placed_at, source_updated_at, customer_email, skus, version, data,
                          created_at, updated_at)
      select id, t, t || '-web', 'http-json', external_id, external_number, status, 'USD', total,
             case when b2b then 'PO-' || n end, placed, updated, lower(given_email), skus, 1, data, created, created
      from rows
      returning id, tenant_id, status, created_at, external_id
    ), numbered as (
      select i.*, substr(i.external_id, 5)::int - 100000 as n from inserted i
    ), deliveries as (
      insert into inbox (id, tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type,
                         body, status, processed_at)
      overriding system value
      select ${INBOX_BASE} + n / ${DELIVERY_EVERY}, t, t || '-web',
             'order:' || external_id || '@' || (data ->> 'updatedAt'), created - interval '5 ms', 'POST',
             '/webhooks/' || t || '-web', '${headers}'::jsonb, 'application/json',
             convert_to((data - 'id' - 'tenantId' - 'source' - 'version')::text, 'UTF8'), 'processed', created
      from rows where n % ${DELIVERY_EVERY} = 0
    )
    insert into order_events (order_id, tenant_id, version, type, data, inbox_id, at)
    select id, tenant_id, 1, 'order.created', jsonb_build_object('status', status),
           case when n % ${DELIVERY_EVERY} = 0 then ${INBOX_BASE} + n / ${DELIVERY_EVERY} end, created_at
    from numbered`;
}

/** The secondary indexes of the seeded tables: dropped before the load, built again (same definitions) after. */
async function secondaryIndexes(sql: Sql, tables: string[]) {
  return sql<{ name: string; def: string }[]>`
    select i.relname as name, pg_get_indexdef(x.indexrelid) as def
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relname in ${sql(tables)} and t.relnamespace = 'public'::regnamespace
      and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
    order by pg_relation_size(x.indrelid) desc, i.relname`;
}

/** Runs tasks two at a time (the machine's cores; PostgreSQL does the work). */
async function twoAtATime(tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all([worker(), worker()]);
}

export interface FailedDelivery {
  inboxId: string;
  /** The order id inside the body, replaced by each clone's own. */
  externalId: string;
}

/**
 * Orders, their events and deliveries, then the exceptions. `headers` are the stored headers of a real delivery
 * (what the intake keeps of a signed http-json POST). Returns the seconds each part took.
 */
export async function seed(
  sql: Sql,
  size: SeedSize,
  failed: FailedDelivery[],
  headers: Record<string, string>,
  progress: (line: string) => void,
): Promise<Record<string, number>> {
  const seconds: Record<string, number> = {};
  const clock = async (name: string, work: () => Promise<void>) => {
    const began = performance.now();
    await work();
    seconds[name] = Number(((performance.now() - began) / 1000).toFixed(1));
    progress(`seed: ${name} ${seconds[name]} s`);
  };
  const tables = ['orders', 'order_events', 'inbox', 'exceptions'];
  const indexes = await secondaryIndexes(sql, tables);
  await clock('drop secondary indexes', async () => {
    for (const index of indexes) await sql`drop index ${sql(index.name)}`;
  });
  const chunk = 25_000;
  const chunks = Array.from({ length: Math.ceil(size.orders / chunk) }, (_, i) => [
    i * chunk + 1,
    Math.min(size.orders, (i + 1) * chunk),
  ]);
  const headerJson = JSON.stringify(headers).replaceAll("'", "''");
  let written = 0;
  await clock(`${BASKETS} baskets`, async () => {
    await sql.unsafe('drop table if exists bench_baskets');
    await sql.unsafe(basketsStatement());
    await sql.unsafe('alter table bench_baskets add primary key (basket)');
    await sql.unsafe('analyze bench_baskets');
  });
  await clock(`orders, events and deliveries (${size.orders})`, () =>
    twoAtATime(
      chunks.map(([lo, hi]) => async () => {
        // Each chunk its own transaction; a commit per 25,000 orders does not wait on fsync much.
        await sql.begin(async (tx) => {
          await tx`set local synchronous_commit = off`;
          await tx.unsafe(ordersStatement(lo!, hi!, size.orders, headerJson));
        });
        written += hi! - lo! + 1;
        if (written % 200_000 < chunk) progress(`seed: ${written} orders`);
      }),
    ),
  );
  await sql.unsafe('drop table bench_baskets');
  await clock(`exceptions (${size.exceptions})`, () => seedExceptions(sql, size, failed));
  await clock(`rebuild ${indexes.length} indexes`, () =>
    twoAtATime(
      indexes.map((index) => async () => {
        await sql.begin(async (tx) => {
          await tx`set local maintenance_work_mem = '256MB'`;
          await tx.unsafe(index.def);
        });
      }),
    ),
  );
  await clock('vacuum analyze, checkpoint', async () => {
    // VACUUM too: it sets the visibility map, as autovacuum does on a live insert-mostly table, so index-only
    // scans (the exceptions' counts) are measured as they run in production, not on a just-loaded table.
    await sql.unsafe(
      `vacuum (analyze) orders, order_events, inbox, exceptions, tenants, connections, api_keys`,
    );
    await sql`checkpoint`;
  });
  return seconds;
}

/**
 * 100,000 open exceptions of one tenant, each with its stored input. Cloned from real failed deliveries that the
 * bench posted through the real webhook first (`failed`): the same headers, path, kind, message and detail the
 * intake wrote, each clone's body naming its own order id. Their payloads fail normalization (no lines, a bad
 * currency, a bad amount), so a replay fails again the same way: the exception stays open, its replay count goes
 * up, nothing else is written. That keeps the seed reusable across runs and the replay's work predictable.
 */
async function seedExceptions(sql: Sql, size: SeedSize, failed: FailedDelivery[]): Promise<void> {
  const firstId = INBOX_BASE + Math.floor(size.orders / DELIVERY_EVERY) + 1;
  const originals = failed.map((f, v) => ({ ...f, v }));
  await sql.begin(async (tx) => {
    await tx`set local synchronous_commit = off`;
    await tx`
      with source as (
        select f.v, f.external_id, i.tenant_id, i.connection_id, i.dedupe_key, i.method, i.path, i.headers,
               i.content_type, convert_from(i.body, 'UTF8') as body, e.kind, e.message, e.detail::text as detail
        from jsonb_to_recordset(${sql.json(originals.map((o) => ({ v: o.v, inbox_id: o.inboxId, external_id: o.externalId })) as never)})
               as f(v int, inbox_id bigint, external_id text)
        join inbox i on i.id = f.inbox_id
        join exceptions e on e.inbox_id = i.id and e.status = 'open'
      ), clones as (
        select k, s.*, 'WEB-X' || (100000 + k) as clone_id,
               now() - ((${size.exceptions} - k)::float8 / ${size.exceptions}) * interval '30 days'
                 - random() * interval '1 min' as at
        from generate_series(1, ${size.exceptions}) k
        join source s on s.v = k % ${originals.length}
      ), inboxed as (
        insert into inbox (id, tenant_id, connection_id, dedupe_key, received_at, method, path, headers, content_type,
                           body, status, processed_at)
        overriding system value
        select ${firstId - 1} + k, tenant_id, connection_id, replace(dedupe_key, external_id, clone_id), at, method, path,
               headers, content_type, convert_to(replace(body, '"' || external_id || '"', '"' || clone_id || '"'), 'UTF8'),
               'failed', at
        from clones
      )
      insert into exceptions (id, tenant_id, connection_id, kind, inbox_id, message, detail, created_at, updated_at)
      select ${sql.unsafe(ulid('exc', 'at', 'k::text'))}, tenant_id, connection_id, kind, ${firstId - 1} + k,
             replace(message, external_id, clone_id), replace(detail, external_id, clone_id)::jsonb, at, at
      from clones`;
    // The originals go: the tenant holds exactly the seeded number.
    const ids = failed.map((f) => f.inboxId);
    await tx`delete from exceptions where inbox_id in ${tx(ids)}`;
    await tx`delete from inbox where id in ${tx(ids)}`;
    await tx`select setval(pg_get_serial_sequence('inbox', 'id'), (select max(id) from inbox))`;
  });
}

class Rollback extends Error {}

/**
 * Checks seeded orders against the hub's own code: each sampled order's data must parse as a canonical order
 * unchanged, and `applyOrder` (which writes the columns through new-orders.ts columns()) given the same draft
 * under another external id must write the same columns. Done in a transaction that is rolled back.
 */
export async function checkSeededOrders(sql: Sql, sample = 50): Promise<void> {
  const rows = await sql<Record<string, unknown>[]>`
    select id, tenant_id, connection_id, external_number, status, currency, total_amount::text as total_amount,
           po_number, placed_at, source_updated_at, customer_email, skus, data
    from orders tablesample system (1) where connector = 'http-json' and external_id like 'WEB-1%' limit ${sample}`;
  if (!rows.length) throw new Error('seed check: no seeded order found');
  const compared = [
    'external_number',
    'status',
    'currency',
    'total_amount',
    'po_number',
    'placed_at',
    'source_updated_at',
    'customer_email',
    'skus',
  ];
  for (const row of rows) {
    const {
      id: _id,
      tenantId: _t,
      source: _s,
      version: _v,
      ...draftInput
    } = row.data as Record<string, unknown>;
    const parsed = OrderDraft.safeParse(draftInput);
    if (!parsed.success)
      throw new Error(`seed check: order ${row.id} is not canonical: ${parsed.error.message}`);
    if (JSON.stringify(sortKeys(parsed.data)) !== JSON.stringify(sortKeys(draftInput))) {
      throw new Error(
        `seed check: order ${row.id} changes when parsed as an OrderDraft (a default is missing)`,
      );
    }
    try {
      await sql.begin(async (tx) => {
        const draft = { ...parsed.data, externalId: `${parsed.data.externalId}-check` };
        const source = {
          tenantId: String(row.tenant_id),
          connectionId: String(row.connection_id),
          connector: 'http-json',
        };
        const applied = await applyOrder(tx as unknown as Sql, source, draft, null);
        const [real] = await tx<Record<string, unknown>[]>`
          select external_number, status, currency, total_amount::text as total_amount, po_number, placed_at,
                 source_updated_at, customer_email, skus
          from orders where id = ${applied.orderId}`;
        for (const column of compared) {
          const a = JSON.stringify(real![column]);
          const b = JSON.stringify(row[column]);
          if (a !== b) throw new Error(`seed check: order ${row.id} has ${column} ${b}, the hub writes ${a}`);
        }
        throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
    }
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
