import type { ConnectionContext, StoredPayload } from './request.ts';

/**
 * Accounting (`accounting.post`): the documents the hub posts to a merchant's books (QuickBooks Online, Xero),
 * in the vendor's neutral terms. The hub builds them from the canonical order and the merchant's mapping
 * (`@switchyard/mappings` books), with every account, item, tax code and class already resolved to the books'
 * own reference; a connector only turns one into its vendor's shape and posts it once.
 *
 * Every amount is integer minor units of `currency`; the books' answer is read back in minor units too, so the
 * hub can check it to the cent against the order (a difference in the vendor's tax rounding becomes an
 * exception with both figures).
 */

/** A reference in the books: QuickBooks' id ("79"), Xero's code ("200", "OUTPUT2") or id, as the mapping holds it. */
export type BooksRef = string;

/** Where a line is reported (QuickBooks class and department/location; Xero tracking categories). */
export interface BooksTracking {
  /** QuickBooks ClassRef. */
  class?: BooksRef;
  /** QuickBooks DepartmentRef (a "location"). */
  location?: BooksRef;
  /** Xero tracking: category name → option name (at most two categories). */
  categories?: Record<string, string>;
}

/** One line of a sale or a refund. */
export interface BooksLine {
  kind: 'item' | 'shipping' | 'discount' | 'adjustment';
  description: string;
  /** The product or service in the books (QuickBooks Item id, Xero ItemCode), when the mapping names one. */
  item?: BooksRef;
  /** The income account (QuickBooks: the item's own account is used when `item` is set; Xero AccountCode). */
  account: BooksRef;
  quantity: number;
  /** Price of one unit before discounts (minor units; tax included when the document's `taxesIncluded`). */
  unitAmount: number;
  /**
   * The line's amount: quantity × unitAmount less its discount (minor units). A `discount` line carries the
   * (positive) amount taken off the sale.
   */
  amount: number;
  /** Discount already taken off `amount` (minor units). */
  discount?: number;
  /** The books' tax code of this line (QuickBooks TaxCodeRef, Xero TaxType); none: not taxable / no tax code. */
  taxCode?: BooksRef;
  /** The tax on this line as the order has it (minor units). */
  tax: number;
  tracking?: BooksTracking;
}

/** Who the document is for: one customer named in the mapping (a "Shopify customer"), or the order's buyer. */
export interface BooksCustomer {
  /** The books' id of the customer (QuickBooks Customer id, Xero ContactID), when the mapping names one… */
  ref?: BooksRef;
  /** …else the buyer, found by name (and email) in the books or created there once. */
  name: string;
  email?: string;
}

interface Posting {
  /**
   * The posting's stable identity, unique per books connection (e.g. "sale:ord_01H…", "refund:ord_…:rf_…"):
   * written on the document (QuickBooks PrivateNote, Xero Reference) so that a retry after the vendor's
   * idempotency key has expired finds what was posted instead of posting twice (read before write).
   */
  key: string;
  /** The business date of the document (YYYY-MM-DD, the merchant's day). */
  date: string;
  /** ISO 4217. */
  currency: string;
  /** Free text an accountant reads on the document (the order's number and channel). */
  memo: string;
}

/** Totals of a sale or refund as the hub computed them (minor units). */
export interface BooksTotals {
  /** Sum of the lines' amounts (discount lines subtracted). */
  net: number;
  tax: number;
  /** What the customer paid (or is owed): net + tax, or net alone when taxes are included. */
  total: number;
}

/**
 * A sale: a QuickBooks SalesReceipt / Xero ACCREC invoice paid at once (`sales-receipt`, the money received in
 * `depositTo`), or an invoice on terms (`invoice`, paid later: `due` set, no deposit).
 */
export interface SaleDocument extends Posting {
  kind: 'sales-receipt' | 'invoice';
  /** The document number shown to people (the order's number): QuickBooks DocNumber, Xero InvoiceNumber. */
  number: string;
  customer: BooksCustomer;
  lines: BooksLine[];
  taxesIncluded: boolean;
  totals: BooksTotals;
  /** The clearing or undeposited-funds account the payment gateway pays into (`sales-receipt`). */
  depositTo?: BooksRef;
  /** The due date of an invoice (YYYY-MM-DD). */
  due?: string;
  /** The customer's purchase order number (B2B). */
  poNumber?: string;
}

/** Money received against an invoice already posted (QuickBooks Payment with a LinkedTxn, Xero Payment). */
export interface PaymentDocument extends Posting {
  kind: 'payment';
  /** The books' id of the invoice it pays (what `postDocument` answered for it). */
  invoice: string;
  amount: number;
  /** The account the money arrives in (a clearing or bank account). */
  depositTo: BooksRef;
  customer: BooksCustomer;
  reference?: string;
}

/**
 * Money given back on a sale already posted: a QuickBooks RefundReceipt (paid out of `refundFrom`), or a Xero
 * ACCRECCREDIT credit note refunded out of `refundFrom` (a sale paid at once) or allocated to the unpaid
 * invoice (`allocate`).
 */
export interface RefundDocument extends Posting {
  kind: 'refund';
  /** The sale refunded: its kind and the books' id (QuickBooks may not need it; Xero allocates against it). */
  sale: { kind: SaleDocument['kind']; externalId: string };
  number: string;
  customer: BooksCustomer;
  lines: BooksLine[];
  taxesIncluded: boolean;
  totals: BooksTotals;
  /** The account the money leaves (the gateway's clearing account). */
  refundFrom: BooksRef;
  /** Credit an unpaid invoice instead of paying money out (Xero allocation; QuickBooks CreditMemo). */
  allocate?: boolean;
}

/** One side of a journal line. */
export interface JournalLine {
  side: 'debit' | 'credit';
  account: BooksRef;
  amount: number;
  description: string;
  taxCode?: BooksRef;
  tracking?: BooksTracking;
}

/** A day's summary (QuickBooks JournalEntry, Xero ManualJournal): debits equal credits, checked before posting. */
export interface JournalDocument extends Posting {
  kind: 'journal';
  /** The summary's number (QuickBooks DocNumber; Xero Narration carries it). */
  number: string;
  lines: JournalLine[];
}

/** A fee the gateway kept (Stripe's balance transaction fee): an expense paid out of the clearing account. */
export interface FeeDocument extends Posting {
  kind: 'fee';
  amount: number;
  /** The expense account (merchant fees). */
  account: BooksRef;
  /** The clearing account the gateway took it from. */
  paidFrom: BooksRef;
  /** The gateway as a supplier in the books (QuickBooks Vendor id / Xero ContactID), when the mapping names one. */
  vendor?: BooksRef;
  description: string;
}

export type BooksDocument = SaleDocument | PaymentDocument | RefundDocument | JournalDocument | FeeDocument;

/** What the books hold after a posting, read from their answer. */
export interface PostedDocument {
  /** The books' id of the document (QuickBooks Id, Xero InvoiceID / CreditNoteID / PaymentID / ManualJournalID). */
  externalId: string;
  /** The number the books gave or kept (DocNumber / InvoiceNumber). */
  number?: string;
  /** The books' own total and tax, in minor units, as they computed them (their tax rounding). */
  total: number;
  tax: number;
  /** True when the document was found already posted (read before write), not created by this call. */
  found?: boolean;
}

/** An invoice's state in the books, as a change or a read tells it. */
export interface BooksInvoiceState {
  /** The books' id of the invoice. */
  invoice: string;
  status: 'open' | 'paid' | 'voided';
  /** What is left to pay (minor units). */
  balance: number;
  currency: string;
  /** When the books recorded the change (ISO 8601), when they say. */
  at?: string;
}

/** A change the books report: an entity of theirs that was created, updated or deleted. */
export interface BooksChange {
  /** The vendor's event id (QuickBooks CloudEvent `id`) or a key built from the event (Xero has none). */
  eventId: string;
  /** The company the change is in (QuickBooks realm id, Xero tenant id). */
  account: string;
  /** The entity, in the vendor's words, lower case: "invoice", "payment", "creditnote". */
  entity: string;
  id: string;
  operation: string;
  at?: string;
}

/**
 * How the books tell the hub of money received (a B2B invoice paid in the books): a verified webhook delivery
 * names changes (pure), and the hub asks what they mean for the invoices it posted (reads, after the answer);
 * a periodic read fills the gaps a lost webhook would leave (QuickBooks change data capture, Xero
 * `If-Modified-Since`).
 */
export interface BooksIntake<Settings, Secrets> {
  /** The changes a stored webhook delivery names (one POST may hold several companies). Pure; never throws. */
  changes(payload: StoredPayload): BooksChange[];
  /**
   * The invoices a change concerns, as the books have them now (a payment: the invoices it pays; an invoice:
   * itself). Reads; an entity the hub does not follow answers [].
   */
  invoicesOf(
    context: ConnectionContext<Settings, Secrets>,
    change: BooksChange,
    signal: AbortSignal,
  ): Promise<BooksInvoiceState[]>;
  /**
   * Invoices changed since `since` (at most the vendor's look-back: QuickBooks' CDC keeps 30 days), within
   * the read budget: one call per window where the vendor allows.
   */
  invoicesChangedSince(
    context: ConnectionContext<Settings, Secrets>,
    since: Date,
    signal: AbortSignal,
  ): Promise<BooksInvoiceState[]>;
}
