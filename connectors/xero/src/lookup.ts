import type { BankTransaction, CreditNote, Invoice, ManualJournal, Payment } from 'xero-node';
import { quoted } from './amounts.ts';
import type { XeroAccounting } from './client.ts';

/**
 * Read before write: whether a posting's document is in the books already, found by the key written on it.
 * Xero replays a create under the same Idempotency-Key only for minutes; these reads are what makes a retry
 * hours later (a workflow resumed after a crash, a replayed exception) find the document instead of posting it
 * twice. Each is one GET with an optimised `where` (Reference is one of Xero's indexed filters), page 1 so the
 * answer holds the whole document. A deleted document does not count; a voided one does (someone voided it on
 * purpose: posting it again would undo that).
 */

const live = (status: unknown) => String(status ?? '') !== 'DELETED';

export async function findInvoice(xero: XeroAccounting, key: string): Promise<Invoice | undefined> {
  const body = await xero.call('invoice lookup', (api, tenant) =>
    api.getInvoices(
      tenant,
      undefined,
      `Reference==${quoted(key)}`,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      1,
    ),
  );
  return body.invoices?.find((i) => i.reference === key && String(i.type) === 'ACCREC' && live(i.status));
}

export async function findCreditNote(xero: XeroAccounting, key: string): Promise<CreditNote | undefined> {
  const body = await xero.call('credit note lookup', (api, tenant) =>
    api.getCreditNotes(tenant, undefined, `Reference==${quoted(key)}`, undefined, 1),
  );
  return body.creditNotes?.find((c) => c.reference === key && live(c.status));
}

export async function findPayment(xero: XeroAccounting, key: string): Promise<Payment | undefined> {
  const body = await xero.call('payment lookup', (api, tenant) =>
    api.getPayments(tenant, undefined, `Reference==${quoted(key)}`, undefined, 1),
  );
  return body.payments?.find((p) => p.reference === key && live(p.status));
}

/** A journal's narration carries the key in brackets (see narrationOf). */
export async function findJournal(xero: XeroAccounting, key: string): Promise<ManualJournal | undefined> {
  const marker = `[${key}]`;
  const body = await xero.call('manual journal lookup', (api, tenant) =>
    api.getManualJournals(tenant, undefined, `Narration.Contains(${quoted(marker)})`, undefined, 1),
  );
  return body.manualJournals?.find((j) => j.narration?.includes(marker) && live(j.status));
}

export async function findBankTransaction(
  xero: XeroAccounting,
  key: string,
): Promise<BankTransaction | undefined> {
  const body = await xero.call('bank transaction lookup', (api, tenant) =>
    api.getBankTransactions(tenant, undefined, `Reference==${quoted(key)}`, undefined, 1),
  );
  return body.bankTransactions?.find((b) => b.reference === key && live(b.status));
}
