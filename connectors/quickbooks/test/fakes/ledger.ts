import { currencyExponent, formatMoney, parseMoney } from '@switchyard/core';
import { type FakeEntity, type FakeObject, type FakeRealm, objectsOf, qboTime, refuse } from './state.ts';

/**
 * The fake's books: what QuickBooks checks when a transaction is created, and the figures it computes itself.
 * TotalAmt is the fake's own sum of the lines and TxnTaxDetail.TotalTax, never the request's; `taxSkew` adds
 * minor units to the tax (QuickBooks rounding its tax its own way) so the hub's check can be seen to work.
 */
export interface LedgerOptions {
  now: () => number;
  /** Minor units added to the tax of every taxed sales document (QuickBooks' rounding differing). */
  taxSkew: number;
}

type Body = Record<string, unknown>;
type Line = Record<string, unknown> & { Amount?: unknown; DetailType?: unknown };

const SALES: readonly FakeEntity[] = ['SalesReceipt', 'Invoice', 'RefundReceipt', 'CreditMemo'];

const refOf = (value: unknown) => (value as { value?: unknown } | undefined)?.value;

function minor(value: unknown, currency: string, element: string): number {
  if (typeof value !== 'number' && typeof value !== 'string') {
    return refuse(
      '2020',
      'Required param missing, need to supply the required value for the API',
      element,
      element,
    );
  }
  try {
    return parseMoney(value, currency, { round: 'half-even' }).amount;
  } catch {
    return refuse(
      '2010',
      'Request has invalid or unsupported property',
      `${element}: ${String(value)}`,
      element,
    );
  }
}

const decimal = (amount: number, currency: string) => Number(formatMoney({ amount, currency }));

/** Qty × UnitPrice in minor units, rounded half up, as QuickBooks checks a sales line's Amount. */
function extended(qty: number, unitPrice: number, currency: string): number {
  const q = BigInt(Math.round(qty * 1e6));
  const u = BigInt(Number(unitPrice.toFixed(7)).toFixed(7).replace('.', ''));
  const product = q * u * 10n ** BigInt(currencyExponent(currency)); // scaled by 1e13
  const negative = product < 0n;
  const abs = negative ? -product : product;
  const rounded = (abs + 5n * 10n ** 12n) / 10n ** 13n;
  return Number(negative ? -rounded : rounded);
}

function checkDocNumber(body: Body) {
  const number = body.DocNumber;
  if (typeof number === 'string' && number.length > 21) {
    refuse(
      '6000',
      'A business validation error has occurred while processing your request',
      `String length is either shorter or longer than supported by specification. Min:0 Max:21 supported. Supplied length:${number.length}`,
      'DocNumber',
    );
  }
}

/** The lines of a sales document, checked, with their ids; the net in minor units. */
function salesLines(body: Body, currency: string): { lines: Line[]; net: number } {
  const lines = (Array.isArray(body.Line) ? body.Line : []) as Line[];
  if (!lines.some((l) => l.DetailType === 'SalesItemLineDetail')) {
    refuse('6000', 'A business validation error has occurred', 'You must add at least one line item', 'Line');
  }
  if (lines.filter((l) => l.DetailType === 'DiscountLineDetail').length > 1) {
    refuse('6000', 'A business validation error has occurred', 'Only one discount line is allowed', 'Line');
  }
  let net = 0;
  const out = lines.map((line, i) => {
    const amount = minor(line.Amount, currency, `Line[${i}].Amount`);
    if (line.DetailType === 'SalesItemLineDetail') {
      const detail = (line.SalesItemLineDetail ?? {}) as Record<string, unknown>;
      if (!refOf(detail.ItemRef)) {
        refuse(
          '2020',
          'Required param missing, need to supply the required value for the API',
          'ItemRef',
          'ItemRef',
        );
      }
      const qty = Number(detail.Qty ?? 1);
      const unit = detail.UnitPrice;
      if (typeof unit === 'number' && extended(qty, unit, currency) !== amount) {
        refuse(
          '6070',
          'Amount is not equal to UnitPrice * Qty',
          `Line ${i + 1}: ${qty} × ${unit} ≠ ${line.Amount}`,
          'Amount',
        );
      }
      net += amount;
    } else if (line.DetailType === 'DiscountLineDetail') {
      net -= amount;
    } else {
      refuse(
        '2010',
        'Request has invalid or unsupported property',
        `Line DetailType ${String(line.DetailType)}`,
      );
    }
    return { ...line, Id: String(i + 1), LineNum: i + 1 };
  });
  return { lines: out, net };
}

function sales(entity: FakeEntity, body: Body, currency: string, options: LedgerOptions): Body {
  if (!refOf(body.CustomerRef)) refuse('2020', 'Required param missing', 'CustomerRef', 'CustomerRef');
  if (entity === 'RefundReceipt' && !refOf(body.DepositToAccountRef)) {
    refuse(
      '2020',
      'Required param missing, need to supply the required value for the API',
      'DepositToAccountRef',
      'DepositToAccountRef',
    );
  }
  const { lines, net } = salesLines(body, currency);
  const given = (body.TxnTaxDetail as { TotalTax?: unknown } | undefined)?.TotalTax;
  const requested = given === undefined ? 0 : minor(given, currency, 'TxnTaxDetail.TotalTax');
  const tax = requested === 0 ? 0 : requested + options.taxSkew;
  const total = net + tax;
  return {
    ...body,
    Line: [
      ...lines,
      { DetailType: 'SubTotalLineDetail', Amount: decimal(net, currency), SubTotalLineDetail: {} },
    ],
    TxnTaxDetail: { ...(body.TxnTaxDetail as object), TotalTax: decimal(tax, currency) },
    TotalAmt: decimal(total, currency),
    ...(entity === 'Invoice' ? { Balance: decimal(total, currency), LinkedTxn: [] } : {}),
    ...(entity === 'SalesReceipt' || entity === 'RefundReceipt' ? { Balance: 0 } : {}),
    ...(entity === 'CreditMemo'
      ? { Balance: decimal(total, currency), RemainingCredit: decimal(total, currency) }
      : {}),
  };
}

function payment(realm: FakeRealm, body: Body, currency: string): Body {
  if (!refOf(body.CustomerRef)) refuse('2020', 'Required param missing', 'CustomerRef', 'CustomerRef');
  const total = minor(body.TotalAmt, currency, 'TotalAmt');
  const lines = (Array.isArray(body.Line) ? body.Line : []) as Line[];
  const invoices = objectsOf(realm, 'Invoice');
  let applied = 0;
  const updates: [FakeObject, number][] = [];
  for (const line of lines) {
    const amount = minor(line.Amount, currency, 'Line.Amount');
    for (const link of (line.LinkedTxn ?? []) as { TxnId?: string; TxnType?: string }[]) {
      const invoice = link.TxnType === 'Invoice' ? invoices.get(String(link.TxnId)) : undefined;
      if (!invoice)
        refuse('610', 'Object Not Found', `Invoice ${String(link.TxnId)} was not found`, 'LinkedTxn');
      const balance = minor(invoice!.Balance, currency, 'Balance');
      if (amount > balance) {
        refuse(
          '6000',
          'A business validation error has occurred',
          `Payment of ${line.Amount} exceeds the open balance of invoice ${link.TxnId}`,
        );
      }
      updates.push([invoice!, balance - amount]);
    }
    applied += amount;
  }
  if (applied > total)
    refuse('6000', 'A business validation error has occurred', 'The applied amount exceeds TotalAmt');
  return { ...body, UnappliedAmt: decimal(total - applied, currency), __invoiceUpdates: updates };
}

function journal(body: Body, currency: string): Body {
  let debits = 0;
  let credits = 0;
  for (const line of (Array.isArray(body.Line) ? body.Line : []) as Line[]) {
    const amount = minor(line.Amount, currency, 'Line.Amount');
    const detail = (line.JournalEntryLineDetail ?? {}) as { PostingType?: string; AccountRef?: unknown };
    if (!refOf(detail.AccountRef)) refuse('2020', 'Required param missing', 'AccountRef', 'AccountRef');
    if (detail.PostingType === 'Debit') debits += amount;
    else if (detail.PostingType === 'Credit') credits += amount;
    else refuse('2010', 'Request has invalid or unsupported property', 'PostingType', 'PostingType');
  }
  if (debits !== credits)
    refuse('6000', 'A business validation error has occurred', 'Transaction Not Balanced');
  return { ...body, TotalAmt: decimal(debits, currency) };
}

function purchase(body: Body, currency: string): Body {
  if (!refOf(body.AccountRef)) refuse('2020', 'Required param missing', 'AccountRef', 'AccountRef');
  if (!body.PaymentType) refuse('2020', 'Required param missing', 'PaymentType', 'PaymentType');
  let total = 0;
  for (const line of (Array.isArray(body.Line) ? body.Line : []) as Line[]) {
    total += minor(line.Amount, currency, 'Line.Amount');
  }
  return { ...body, TotalAmt: decimal(total, currency) };
}

function customer(realm: FakeRealm, body: Body): Body {
  const name = typeof body.DisplayName === 'string' ? body.DisplayName.trim() : '';
  if (!name) refuse('2020', 'Required param missing', 'DisplayName', 'DisplayName');
  const taken = (['Customer', 'Vendor'] as const).some((e) =>
    [...objectsOf(realm, e).values()].some((o) => String(o.DisplayName).toLowerCase() === name.toLowerCase()),
  );
  if (taken) {
    refuse(
      '6240',
      'Duplicate Name Exists Error',
      `The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.`,
    );
  }
  return { ...body, DisplayName: name, Active: true, Balance: 0 };
}

/** Creates an object in the realm, or throws the Fault QuickBooks would answer. */
export function createObject(
  realm: FakeRealm,
  entity: FakeEntity,
  body: Body,
  options: LedgerOptions,
): FakeObject {
  const currency = String(refOf(body.CurrencyRef) ?? 'USD');
  checkDocNumber(body);
  let made: Body;
  if (SALES.includes(entity)) made = sales(entity, body, currency, options);
  else if (entity === 'Payment') made = payment(realm, body, currency);
  else if (entity === 'JournalEntry') made = journal(body, currency);
  else if (entity === 'Purchase') made = purchase(body, currency);
  else made = customer(realm, body);
  const at = qboTime(options.now());
  const { __invoiceUpdates, ...fields } = made as Body & { __invoiceUpdates?: [FakeObject, number][] };
  for (const [invoice, balance] of __invoiceUpdates ?? []) {
    invoice.Balance = decimal(balance, currency);
    invoice.SyncToken = String(Number(invoice.SyncToken) + 1);
    invoice.MetaData = { ...(invoice.MetaData as object), LastUpdatedTime: at };
  }
  const object: FakeObject = {
    ...fields,
    ...(entity !== 'Customer' && entity !== 'Vendor'
      ? { TxnDate: body.TxnDate ?? at.slice(0, 10), CurrencyRef: { value: currency } }
      : {}),
    Id: String(realm.nextId++),
    SyncToken: '0',
    domain: 'QBO',
    sparse: false,
    MetaData: { CreateTime: at, LastUpdatedTime: at },
  };
  objectsOf(realm, entity).set(object.Id, object);
  return object;
}
