import { randomUUID } from 'node:crypto';
import type { ActionContext, BooksDocument } from '@switchyard/core';
import { actionsContract } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { xero } from '../src/index.ts';
import type { Secrets, Settings } from '../src/settings.ts';
import { fee, invoice, journal, payment, refund, sale } from './documents.ts';
import { type FakeKind, fakeXero } from './fakes/index.ts';
import { grantOn, secretsFor, settingsFor } from './support.ts';

/**
 * The actions contract on postDocument, one organisation per kind (each its own pace): two calls under one
 * idempotency key have their effect once and answer the same id; another key (another document) is another.
 */
const kinds = ['sales-receipt', 'invoice', 'payment', 'refund', 'journal', 'fee'] as const;
const fake = fakeXero({
  tenants: kinds.map((kind) => ({ tenantId: randomUUID(), tenantName: `Books for ${kind}` })),
});
const server = setupServer(...fake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const tenantOf = (kind: (typeof kinds)[number]) => fake.tenants[kinds.indexOf(kind)]!.tenantId;
/** An unpaid invoice in the books, for payments and refunds to act on. */
function unpaidInvoice(tenant: string): string {
  const ledger = fake.ledger(tenant);
  const contact =
    [...ledger.docs.contacts.values()][0]?.ContactID ?? fake.addContact('Northwind Camping Co.', tenant);
  const applied = ledger.document('invoices', {
    Type: 'ACCREC',
    Contact: { ContactID: contact },
    LineItems: [{ Description: 'Tent', Quantity: 1, UnitAmount: 500, AccountCode: '4000' }],
    Date: '2026-12-01',
    Status: 'AUTHORISED',
  });
  return String(applied.element.InvoiceID);
}

const documentFor: Record<(typeof kinds)[number], (key: string, tenant: string) => BooksDocument> = {
  // Numbers from the key's tail, as for invoices: digits alone could make two keys one invoice number.
  'sales-receipt': (key) =>
    sale(`sale:${key}`, { customer: { name: 'Shopify customer' }, number: `SH-${key.slice(-12)}` }),
  invoice: (key) => invoice(`sale:${key}`, { number: `B2B-${key.slice(-12)}` }),
  payment: (key, tenant) => payment(`payment:${key}`, unpaidInvoice(tenant), 10_000),
  refund: (key, tenant) => ({
    ...refund(`refund:${key}`, unpaidInvoice(tenant), true),
    number: `RF-${key.slice(-12)}`,
  }),
  journal: (key) => journal(`journal:${key}`),
  fee: (key) => fee(`fee:${key}`),
};
const effectKind: Record<(typeof kinds)[number], FakeKind> = {
  'sales-receipt': 'invoices',
  invoice: 'invoices',
  payment: 'payments',
  refund: 'creditNotes',
  journal: 'manualJournals',
  fee: 'bankTransactions',
};
const short = (key: string) => key.replace(/[^\w-]/g, '').slice(-24);

actionsContract({
  connector: xero as never,
  settings: settingsFor(fake),
  secrets: secretsFor(fake),
  cases: kinds.map((kind) => {
    const tenant = tenantOf(kind);
    const access = grantOn(fake, tenant);
    /** The document of an idempotency key: the same on a retry, another for another key. */
    const made = new Map<string, BooksDocument>();
    return {
      name: `postDocument (${kind})`,
      call: (context: ActionContext<unknown, unknown>) => {
        const key = context.idempotencyKey;
        if (!made.has(key)) made.set(key, documentFor[kind](short(key), tenant));
        const withGrant = { ...context, authorization: access } as ActionContext<Settings, Secrets>;
        return xero.actions!.postDocument!(withGrant, { document: made.get(key)! });
      },
      effects: () => fake.documents(effectKind[kind], tenant).length,
    };
  }),
});
