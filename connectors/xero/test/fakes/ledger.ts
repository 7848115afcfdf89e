import { randomUUID } from 'node:crypto';
import { amount, cents, computeTotals, dayOf, dotnetDate, type Json, type TotalsOptions } from './totals.ts';

/** The documents the fake keeps, by kind (the Accounting API's collection names, camel-cased). */
export type FakeKind =
  | 'contacts'
  | 'invoices'
  | 'creditNotes'
  | 'payments'
  | 'allocations'
  | 'manualJournals'
  | 'bankTransactions';

export interface Applied {
  /** The element as Xero answers it (the stored document, or the element sent when refused). */
  element: Json;
  errors: string[];
}

/**
 * One organisation's books in the fake: what each create checks (as Xero's validation messages say it) and what
 * it changes. Amounts are kept as Xero shows them (decimals) and computed in cents.
 */
export function fakeLedger(options: { totals: () => TotalsOptions; now: () => number }) {
  const docs: Record<FakeKind, Map<string, Json>> = {
    contacts: new Map(),
    invoices: new Map(),
    creditNotes: new Map(),
    payments: new Map(),
    allocations: new Map(),
    manualJournals: new Map(),
    bankTransactions: new Map(),
  };
  const stamp = () => ({ UpdatedDateUTC: dotnetDate(options.now()), _modifiedAt: options.now() });
  const refused = (element: Json, errors: string[]): Applied => ({ element, errors });
  const contactOf = (given: unknown) => {
    const id = (given as Json | undefined)?.ContactID;
    return typeof id === 'string' ? docs.contacts.get(id) : undefined;
  };
  const touch = (doc: Json) => Object.assign(doc, stamp());

  /** Invoices and credit notes: the same lines, totals and numbering. */
  function document(kind: 'invoices' | 'creditNotes', sent: Json): Applied {
    const invoice = kind === 'invoices';
    const errors: string[] = [];
    const types = invoice ? ['ACCREC', 'ACCPAY'] : ['ACCRECCREDIT', 'ACCPAYCREDIT'];
    if (!types.includes(String(sent.Type)))
      errors.push(`${invoice ? 'Invoice' : 'Credit note'} not of valid type for creation`);
    const contact = contactOf(sent.Contact);
    if (!contact) errors.push('A Contact must be specified with this type of transaction');
    const lines = Array.isArray(sent.LineItems) ? (sent.LineItems as Json[]) : [];
    if (lines.length === 0) errors.push('At least one line item is required');
    const date = dayOf(sent.Date ?? new Date(options.now()).toISOString());
    if (!date) errors.push('Date must be a valid date (YYYY-MM-DD)');
    const numberField = invoice ? 'InvoiceNumber' : 'CreditNoteNumber';
    const number =
      typeof sent[numberField] === 'string' && sent[numberField] ? String(sent[numberField]) : undefined;
    if (number && [...docs[kind].values()].some((d) => d[numberField] === number && d.Type === sent.Type)) {
      errors.push(invoice ? 'Invoice # must be unique.' : 'Credit Note # must be unique.');
    }
    const computed = computeTotals(lines, String(sent.LineAmountTypes ?? 'Exclusive'), options.totals());
    errors.push(...computed.errors);
    if (errors.length) return refused(sent, errors);
    const id = randomUUID();
    const due = dayOf(sent.DueDate);
    const stored: Json = {
      Type: sent.Type,
      [invoice ? 'InvoiceID' : 'CreditNoteID']: id,
      [numberField]: number ?? `${invoice ? 'INV' : 'CN'}-${String(docs[kind].size + 1).padStart(4, '0')}`,
      Reference: sent.Reference ?? '',
      Contact: { ContactID: contact!.ContactID, Name: contact!.Name },
      Date: dotnetDate(date!.ms),
      DateString: date!.text,
      ...(due ? { DueDate: dotnetDate(due.ms), DueDateString: due.text } : {}),
      Status: sent.Status ?? 'DRAFT',
      LineAmountTypes: sent.LineAmountTypes ?? 'Exclusive',
      LineItems: computed.lines,
      SubTotal: amount(computed.subTotal),
      TotalTax: amount(computed.totalTax),
      Total: amount(computed.total),
      CurrencyCode: sent.CurrencyCode ?? 'USD',
      CurrencyRate: 1,
      Payments: [],
      ...(invoice
        ? { AmountDue: amount(computed.total), AmountPaid: 0, AmountCredited: 0, CreditNotes: [] }
        : { RemainingCredit: amount(computed.total), Allocations: [] }),
      HasErrors: false,
      ...stamp(),
    };
    docs[kind].set(id, stored);
    return { element: stored, errors: [] };
  }

  /**
   * Takes `c` cents off what an invoice leaves due (or a credit note leaves to use), paid (or, for an
   * invoice, credited); PAID at nothing left.
   */
  function reduce(doc: Json, c: number, how: 'paid' | 'credited' = 'paid') {
    const field = doc.InvoiceID ? 'AmountDue' : 'RemainingCredit';
    doc[field] = amount(cents(doc[field]) - c);
    if (doc.InvoiceID) {
      const by = how === 'paid' ? 'AmountPaid' : 'AmountCredited';
      doc[by] = amount(cents(doc[by]) + c);
    }
    if (cents(doc[field]) === 0) doc.Status = 'PAID';
    touch(doc);
  }

  function payment(sent: Json): Applied {
    const invoiceId = (sent.Invoice as Json | undefined)?.InvoiceID;
    const creditId = (sent.CreditNote as Json | undefined)?.CreditNoteID;
    const target = invoiceId
      ? docs.invoices.get(String(invoiceId))
      : creditId
        ? docs.creditNotes.get(String(creditId))
        : undefined;
    const code = (sent.Account as Json | undefined)?.Code;
    const errors: string[] = [];
    if (!target) errors.push('Invoice or credit note could not be found');
    else if (target.Status !== 'AUTHORISED')
      errors.push('Payments can only be made against Authorised documents');
    if (!code) errors.push('Account code or Account ID is required');
    const c = cents(sent.Amount);
    if (!(c > 0)) errors.push('Payment amount must be greater than zero');
    const left = target ? cents(target.InvoiceID ? target.AmountDue : target.RemainingCredit) : 0;
    if (target && c > left) errors.push('Payment amount exceeds the amount outstanding on this document');
    const date = dayOf(sent.Date ?? new Date(options.now()).toISOString());
    if (!date) errors.push('Date must be a valid date (YYYY-MM-DD)');
    if (errors.length) return refused(sent, errors);
    const id = randomUUID();
    const stored: Json = {
      PaymentID: id,
      Date: dotnetDate(date!.ms),
      Amount: amount(c),
      BankAmount: amount(c),
      Reference: sent.Reference ?? '',
      CurrencyRate: 1,
      PaymentType: target!.InvoiceID ? 'ACCRECPAYMENT' : 'ARCREDITPAYMENT',
      Status: 'AUTHORISED',
      IsReconciled: false,
      HasAccount: true,
      Account: { Code: code },
      ...(target!.InvoiceID
        ? {
            Invoice: {
              InvoiceID: target!.InvoiceID,
              InvoiceNumber: target!.InvoiceNumber,
              Type: target!.Type,
            },
          }
        : { CreditNote: { CreditNoteID: target!.CreditNoteID, CreditNoteNumber: target!.CreditNoteNumber } }),
      ...stamp(),
    };
    docs.payments.set(id, stored);
    (target!.Payments as Json[]).push({
      PaymentID: id,
      Date: stored.Date,
      Amount: stored.Amount,
      Reference: stored.Reference,
    });
    reduce(target!, c);
    return { element: stored, errors: [] };
  }

  function allocation(creditNoteId: string, sent: Json): Applied {
    const credit = docs.creditNotes.get(creditNoteId);
    const invoice = docs.invoices.get(String((sent.Invoice as Json | undefined)?.InvoiceID ?? ''));
    const c = cents(sent.Amount);
    const errors: string[] = [];
    if (!credit) errors.push('Credit note could not be found');
    if (!invoice) errors.push('Invoice could not be found');
    if (credit && credit.Status !== 'AUTHORISED')
      errors.push('Only authorised credit notes can be allocated');
    if (invoice && invoice.Status !== 'AUTHORISED')
      errors.push('Allocations can only be made to Authorised invoices');
    if (!(c > 0)) errors.push('Allocation amount must be greater than zero');
    if (credit && c > cents(credit.RemainingCredit))
      errors.push('The amount being allocated exceeds the remaining credit');
    if (invoice && c > cents(invoice.AmountDue))
      errors.push('The amount being allocated exceeds the amount due on the invoice');
    const date = dayOf(sent.Date ?? new Date(options.now()).toISOString());
    if (!date) errors.push('Date must be a valid date (YYYY-MM-DD)');
    if (errors.length) return refused(sent, errors);
    const id = randomUUID();
    const stored: Json = {
      AllocationID: id,
      Amount: amount(c),
      Date: dotnetDate(date!.ms),
      Invoice: { InvoiceID: invoice!.InvoiceID, InvoiceNumber: invoice!.InvoiceNumber },
      CreditNote: { CreditNoteID: credit!.CreditNoteID, CreditNoteNumber: credit!.CreditNoteNumber },
      IsDeleted: false,
    };
    docs.allocations.set(id, stored);
    (credit!.Allocations as Json[]).push({
      AllocationID: id,
      Amount: stored.Amount,
      Date: stored.Date,
      Invoice: stored.Invoice,
    });
    (invoice!.CreditNotes as Json[]).push({
      CreditNoteID: credit!.CreditNoteID,
      AppliedAmount: stored.Amount,
    });
    reduce(credit!, c);
    reduce(invoice!, c, 'credited');
    return { element: stored, errors: [] };
  }

  function manualJournal(sent: Json): Applied {
    const lines = Array.isArray(sent.JournalLines) ? (sent.JournalLines as Json[]) : [];
    const errors: string[] = [];
    if (typeof sent.Narration !== 'string' || !sent.Narration) errors.push('Narration is a required field');
    if (lines.length < 2) errors.push('A manual journal must have at least two lines');
    const debits = lines.filter((l) => cents(l.LineAmount) > 0).reduce((s, l) => s + cents(l.LineAmount), 0);
    const credits = -lines
      .filter((l) => cents(l.LineAmount) < 0)
      .reduce((s, l) => s + cents(l.LineAmount), 0);
    if (debits !== credits)
      errors.push(`The total debits (${amount(debits)}) must equal total credits (${amount(credits)})`);
    if (lines.some((l) => !l.AccountCode)) errors.push('Account code is required on every journal line');
    const date = dayOf(sent.Date ?? new Date(options.now()).toISOString());
    if (!date) errors.push('Date must be a valid date (YYYY-MM-DD)');
    if (errors.length) return refused(sent, errors);
    const id = randomUUID();
    const stored: Json = {
      ManualJournalID: id,
      Narration: sent.Narration,
      Date: dotnetDate(date!.ms),
      Status: sent.Status ?? 'DRAFT',
      LineAmountTypes: sent.LineAmountTypes ?? 'NoTax',
      JournalLines: lines.map((l) => ({
        LineAmount: amount(cents(l.LineAmount)),
        AccountCode: l.AccountCode,
        Description: l.Description ?? '',
        ...(l.TaxType ? { TaxType: l.TaxType } : {}),
        TaxAmount: 0,
        Tracking: Array.isArray(l.Tracking) ? l.Tracking : [],
        IsBlank: false,
      })),
      ShowOnCashBasisReports: true,
      HasAttachments: false,
      ...stamp(),
    };
    docs.manualJournals.set(id, stored);
    return { element: stored, errors: [] };
  }

  function bankTransaction(sent: Json): Applied {
    const errors: string[] = [];
    if (!['SPEND', 'RECEIVE'].includes(String(sent.Type)))
      errors.push('Bank transaction type must be SPEND or RECEIVE');
    const contact = contactOf(sent.Contact);
    if (!contact) errors.push('A Contact must be specified with this type of transaction');
    const bank = (sent.BankAccount as Json | undefined)?.Code;
    if (!bank) errors.push('A Bank Account must be specified');
    const lines = Array.isArray(sent.LineItems) ? (sent.LineItems as Json[]) : [];
    if (lines.length === 0) errors.push('At least one line item is required');
    const date = dayOf(sent.Date ?? new Date(options.now()).toISOString());
    if (!date) errors.push('Date must be a valid date (YYYY-MM-DD)');
    const computed = computeTotals(lines, String(sent.LineAmountTypes ?? 'Exclusive'), options.totals());
    errors.push(...computed.errors);
    if (errors.length) return refused(sent, errors);
    const id = randomUUID();
    const stored: Json = {
      BankTransactionID: id,
      Type: sent.Type,
      Contact: { ContactID: contact!.ContactID, Name: contact!.Name },
      BankAccount: { Code: bank },
      Date: dotnetDate(date!.ms),
      Reference: sent.Reference ?? '',
      Status: sent.Status ?? 'AUTHORISED',
      LineAmountTypes: sent.LineAmountTypes ?? 'Exclusive',
      LineItems: computed.lines,
      SubTotal: amount(computed.subTotal),
      TotalTax: amount(computed.totalTax),
      Total: amount(computed.total),
      CurrencyCode: sent.CurrencyCode ?? 'USD',
      IsReconciled: false,
      ...stamp(),
    };
    docs.bankTransactions.set(id, stored);
    return { element: stored, errors: [] };
  }

  function contact(sent: Json): Applied {
    const name = typeof sent.Name === 'string' ? sent.Name.trim() : '';
    if (!name) return refused(sent, ['The contact name must be specified']);
    if ([...docs.contacts.values()].some((c) => String(c.Name).toLowerCase() === name.toLowerCase())) {
      return refused(sent, [
        `The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`,
      ]);
    }
    const id = randomUUID();
    const stored: Json = {
      ContactID: id,
      ContactStatus: 'ACTIVE',
      Name: name,
      ...(sent.EmailAddress ? { EmailAddress: sent.EmailAddress } : {}),
      IsSupplier: false,
      IsCustomer: false,
      HasValidationErrors: false,
      ...stamp(),
    };
    docs.contacts.set(id, stored);
    return { element: stored, errors: [] };
  }

  return { docs, document, payment, allocation, manualJournal, bankTransaction, contact, reduce };
}

export type FakeLedger = ReturnType<typeof fakeLedger>;
