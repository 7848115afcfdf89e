import { listPostings, listSummaries, moneyWords, summaryBreakdown } from '@switchyard/core';
import { type Flags, limitOf, out, table, UsageError, withHub } from './shared.ts';

const USAGE =
  'usage: switchyard books postings [--connection <books>] [--status <s>] | books summaries | books summary <id>';

const amount = (minor: number | null, currency: string) =>
  minor === null ? '' : moneyWords(minor, currency);

/**
 * `switchyard books postings`: documents posted to the books (newest first); `books summaries`: the daily
 * journals; `books summary <id>`: one journal's lines and the orders behind them (its breakdown).
 */
export async function books(values: Flags, [sub, id]: string[]) {
  if (sub !== 'postings' && sub !== 'summaries' && sub !== 'summary') throw new UsageError(USAGE);
  if (sub === 'summary' && !id) throw new UsageError(USAGE);
  const status = values.status;
  if (status && !['pending', 'parked', 'posted', 'failed'].includes(status))
    throw new UsageError('--status must be pending, parked, posted or failed');
  const limit = limitOf(values, { fallback: 100, max: 1000 });
  await withHub(values, async (hub) => {
    const tenant = hub.tenant(values.tenant);
    if (sub === 'postings') {
      const items = await listPostings(hub.sql, tenant, {
        ...(values.connection ? { booksConnection: values.connection } : {}),
        ...(status ? { status } : {}),
        limit,
      });
      if (values.json) return out({ postings: items });
      if (!items.length) return out('nothing posted to the books yet');
      return out(
        table(
          items.map((p) => ({
            ...p,
            total: amount(p.totalAmount, p.currency),
            booksTotal: amount(p.booksTotal, p.currency),
          })),
          [
            'booksConnection',
            'key',
            'kind',
            'status',
            'externalId',
            'total',
            'booksTotal',
            'postedAt',
            'detail',
          ],
        ),
      );
    }
    if (sub === 'summaries') {
      const items = await listSummaries(hub.sql, tenant, {
        ...(values.connection ? { booksConnection: values.connection } : {}),
        limit,
      });
      if (values.json) return out({ summaries: items });
      if (!items.length) return out('no daily summary yet');
      return out(
        table(
          items.map((s) => ({
            ...s,
            debits: amount(s.debits, s.currency),
            credits: amount(s.credits, s.currency),
          })),
          ['id', 'day', 'currency', 'orders', 'debits', 'credits', 'status', 'externalId'],
        ),
      );
    }
    const found = await summaryBreakdown(hub.sql, tenant, id!);
    if (!found) throw new UsageError(`no summary ${id}: list them with switchyard books summaries`);
    if (values.json) return out(found);
    const { summary: s, entries } = found;
    out(
      [
        `${s.id}: ${s.day} ${s.currency}, ${s.orders} orders, ${s.status}${s.externalId ? `, journal ${s.externalId}` : ''}`,
        table(
          s.lines.map((l) => ({
            account: l.account,
            what: l.description,
            taxCode: l.taxCode ?? '',
            debit: l.side === 'debit' ? amount(l.amount, s.currency) : '',
            credit: l.side === 'credit' ? amount(l.amount, s.currency) : '',
          })),
          ['account', 'what', 'taxCode', 'debit', 'credit'],
        ),
        '',
        table(
          entries.map((e) => ({
            order: e.externalNumber ?? e.orderId,
            id: e.orderId,
            entry: e.kind,
            amount: amount(e.amount, s.currency),
          })),
          ['order', 'id', 'entry', 'amount'],
        ),
      ].join('\n'),
    );
  });
}
