import { formatMoney, getOrder, listOrders, ORDERS_PAGE_MAX } from '@switchyard/core';
import { type Flags, limitOf, out, table, UsageError, withHub } from './shared.ts';

/** `switchyard orders list | show <id>`. */
export async function orders(values: Flags, [sub, id]: string[]) {
  await withHub(values, async (hub) => {
    const tenant = hub.tenant(values.tenant);
    if (sub === 'list') {
      const limit = limitOf(values, { max: ORDERS_PAGE_MAX });
      const page = await listOrders(hub.sql, tenant, {
        limit,
        cursor: values.after ?? null,
        ...(values.status ? { status: values.status } : {}),
      });
      if (values.json) return out(page);
      out(
        table(
          page.orders.map((o) => ({
            ...o,
            total: `${formatMoney({ amount: o.totalAmount, currency: o.currency })} ${o.currency}`,
          })),
          ['id', 'connectionId', 'externalId', 'status', 'total', 'placedAt', 'version'],
        ),
      );
      if (page.next) out(`more: switchyard orders list --after ${page.next}`);
      return;
    }
    if (sub === 'show') {
      if (!id) throw new UsageError('usage: switchyard orders show <id>');
      const found = await getOrder(hub.sql, tenant, id);
      if (!found)
        throw new UsageError(`tenant ${tenant} has no order ${id}; list them with: switchyard orders list`);
      return out(found);
    }
    throw new UsageError('usage: switchyard orders list | orders show <id>');
  });
}
