import type { Sql } from '@switchyard/core';

/**
 * The API benchmark's baselines: each timed API call as the bare SQL the store sends for it (the same text as
 * core/src/store/orders.ts and exceptions.ts), run through postgres.js as prepared statements, with no HTTP, no
 * key check, no validation, no JSON. What the API adds is the ratio of the two. The same statements, prefixed
 * with EXPLAIN (ANALYZE, BUFFERS), give each query's plan.
 */

export interface Statement {
  text: string;
  params: unknown[];
}

const SUMMARY_COLUMNS = `
  id, connection_id as "connectionId", external_id as "externalId", external_number as "externalNumber",
  status, currency, total_amount as "totalAmount", po_number as "poNumber",
  customer_email as "customerEmail", placed_at as "placedAt", source_updated_at as "updatedAt", version,
  created_at as "createdAt",
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"`;

/** listOrders, newest first by created time, with at most one filter (the ones the bench times). */
export function ordersPage(
  tenantId: string,
  limit: number,
  filter: { q?: string; email?: string; cursor?: string } = {},
): Statement {
  const params: unknown[] = [tenantId];
  const where: string[] = ['tenant_id = $1'];
  if (filter.q !== undefined) {
    params.push(filter.q);
    where.push(`(external_id = $${params.length} or external_number = $${params.length})`);
  }
  if (filter.email !== undefined) {
    params.push(filter.email.toLowerCase());
    where.push(`customer_email = $${params.length}`);
  }
  if (filter.cursor !== undefined) {
    const [, at, id] = JSON.parse(Buffer.from(filter.cursor, 'base64url').toString('utf8')) as string[];
    params.push(at, id);
    where.push(`(created_at, id) < ($${params.length - 1}::text::timestamptz, $${params.length})`);
  }
  params.push(limit + 1);
  return {
    text: `select ${SUMMARY_COLUMNS} from orders where ${where.join(' and ')}
           order by created_at desc, id desc limit $${params.length}`,
    params,
  };
}

/** getOrderDetail's three reads, which it sends at once. */
export function orderDetail(tenantId: string, orderId: string): Statement[] {
  return [
    {
      text: `select data, workflow_started_at as "workflowStartedAt" from orders where tenant_id = $1 and id = $2`,
      params: [tenantId, orderId],
    },
    {
      text: `select version, type, data, inbox_id as "inboxId", step_key as "stepKey", at from order_events
             where order_id = $2 and tenant_id = $1 order by id`,
      params: [tenantId, orderId],
    },
    {
      text: `with named as (
               select distinct coalesce(i.revision_of, i.id) as id
               from order_events e join inbox i on i.id = e.inbox_id
               where e.order_id = $2 and e.tenant_id = $1 and i.tenant_id = $1
             ), family as (
               select i.id, i.tenant_id, i.dedupe_key, i.received_at, i.content_type, i.status,
                      octet_length(i.body) as bytes, i.revision_of
               from inbox i join named n on i.id = n.id
               union all
               select i.id, i.tenant_id, i.dedupe_key, i.received_at, i.content_type, i.status,
                      octet_length(i.body) as bytes, i.revision_of
               from inbox i join named n on i.revision_of = n.id where i.revision_of is not null
             )
             select id, dedupe_key as "dedupeKey", received_at as "receivedAt", content_type as "contentType", status,
                    bytes::int as bytes, revision_of as "revisionOf"
             from family where tenant_id = $1
             order by id`,
      params: [tenantId, orderId],
    },
  ];
}

const EXCEPTION_COLUMNS = `
  id, tenant_id as "tenantId", connection_id as "connectionId", kind, inbox_id as "inboxId", message, detail,
  status, resolution, resolved_by as "resolvedBy", replay_count as "replayCount", created_at as "createdAt",
  updated_at as "updatedAt", resolved_at as "resolvedAt"`;

/** listExceptions' first page of open ones, with its count of all that match (an InitPlan). */
export function exceptionsPage(tenantId: string, limit: number): Statement {
  return {
    text: `select ${EXCEPTION_COLUMNS},
                  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt",
                  (select count(*)::int from exceptions where tenant_id = $1 and status = $2) as matching
           from exceptions
           where tenant_id = $3 and status = $4
           order by created_at desc, id desc
           limit $5`,
    params: [tenantId, 'open', tenantId, 'open', limit],
  };
}

/**
 * countExceptions: open ones by reason and connection, from the partial index alone (the oldest open one is a
 * second statement, one backward step of the keyset index, not timed here).
 */
export function exceptionCounts(tenantId: string): Statement {
  return {
    text: `select kind, connection_id as "connectionId", count(*)::int as count
           from exceptions where tenant_id = $1 and status = 'open'
           group by kind, connection_id`,
    params: [tenantId],
  };
}

export function run(sql: Sql, s: Statement) {
  return sql.unsafe(s.text, s.params as never[], { prepare: true });
}

interface PlanNode {
  'Node Type': string;
  Strategy?: string;
  'Parent Relationship'?: string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

function describeNode(node: PlanNode): string {
  const where = node['Index Name']
    ? ` using ${node['Index Name']}`
    : node['Relation Name']
      ? ` on ${node['Relation Name']}`
      : '';
  const loops = node['Actual Loops'] > 1 ? `x${node['Actual Loops']}` : '';
  const fetches = node['Heap Fetches'] ? `, heap fetches ${node['Heap Fetches']}` : '';
  const strategy = node.Strategy && node.Strategy !== 'Plain' ? ` (${node.Strategy.toLowerCase()})` : '';
  const self = `${node['Parent Relationship'] === 'InitPlan' ? 'InitPlan ' : ''}${node['Node Type']}${strategy}${where} (rows ${node['Actual Rows']}${loops}${fetches})`;
  const children = node.Plans ?? [];
  if (children.length === 0) return self;
  if (children.length === 1) return `${self} > ${describeNode(children[0]!)}`;
  return `${self} > [${children.map(describeNode).join('; ')}]`;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a statement as one line: the plan's nodes (index, rows), its buffers and time. */
export async function explain(sql: Sql, s: Statement): Promise<string> {
  const [row] = await sql.unsafe(`explain (analyze, buffers, format json) ${s.text}`, s.params as never[]);
  const [plan] = (row as unknown as { 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number }[] })[
    'QUERY PLAN'
  ];
  const root = plan!.Plan;
  return `${describeNode(root)}; buffers hit ${root['Shared Hit Blocks']} read ${root['Shared Read Blocks']}; ${plan!['Execution Time'].toFixed(2)} ms`;
}
