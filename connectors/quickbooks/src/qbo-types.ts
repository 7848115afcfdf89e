/**
 * The QuickBooks Online entities as this connector writes and reads them (JSON, minor version 75): only the
 * fields it sets or reads. Amounts are JSON numbers in the transaction's currency, as QuickBooks sends them;
 * they become integer minor units at once (amounts.ts).
 */
export interface Ref {
  value: string;
  name?: string;
  type?: string;
}

export interface SalesItemLine {
  Id?: string;
  Description?: string;
  Amount: number;
  DetailType: 'SalesItemLineDetail';
  SalesItemLineDetail: {
    ItemRef: Ref;
    Qty: number;
    UnitPrice: number;
    TaxCodeRef?: Ref;
    ClassRef?: Ref;
    /** The line's amount with tax, on a TaxInclusive document. */
    TaxInclusiveAmt?: number;
  };
}

export interface DiscountLine {
  Description?: string;
  Amount: number;
  DetailType: 'DiscountLineDetail';
  DiscountLineDetail: { PercentBased: false; DiscountAccountRef: Ref; ClassRef?: Ref };
}

export interface SubTotalLine {
  Amount: number;
  DetailType: 'SubTotalLineDetail';
  SubTotalLineDetail: Record<string, never>;
}

export type SalesLine = SalesItemLine | DiscountLine | SubTotalLine;

export interface TxnTaxDetail {
  TotalTax?: number;
  TxnTaxCodeRef?: Ref;
}

export interface MetaData {
  CreateTime?: string;
  LastUpdatedTime?: string;
}

/** What every transaction answers besides its own fields. */
export interface Transaction {
  Id: string;
  SyncToken?: string;
  MetaData?: MetaData;
  DocNumber?: string;
  TxnDate?: string;
  PrivateNote?: string;
  CurrencyRef?: Ref;
  TotalAmt?: number;
  TxnTaxDetail?: TxnTaxDetail;
  /** Invoices: what is left to pay. */
  Balance?: number;
  /** CDC: a deleted object comes back as `{ status: "Deleted", Id, MetaData }`. */
  status?: string;
}

/** SalesReceipt, Invoice, RefundReceipt, CreditMemo as written. */
export interface SalesTransaction {
  DocNumber: string;
  TxnDate: string;
  CurrencyRef: Ref;
  CustomerRef: Ref;
  PrivateNote: string;
  Line: SalesLine[];
  TxnTaxDetail: TxnTaxDetail;
  GlobalTaxCalculation: 'TaxExcluded' | 'TaxInclusive';
  DepositToAccountRef?: Ref;
  DueDate?: string;
  PONumber?: string;
  DepartmentRef?: Ref;
  ClassRef?: Ref;
  BillEmail?: { Address: string };
}

export interface PaymentTransaction {
  TxnDate: string;
  CurrencyRef: Ref;
  CustomerRef: Ref;
  TotalAmt: number;
  DepositToAccountRef: Ref;
  PrivateNote: string;
  PaymentRefNum?: string;
  Line: { Amount: number; LinkedTxn: { TxnId: string; TxnType: 'Invoice' }[] }[];
}

export interface JournalEntryLine {
  Description: string;
  Amount: number;
  DetailType: 'JournalEntryLineDetail';
  JournalEntryLineDetail: {
    PostingType: 'Debit' | 'Credit';
    AccountRef: Ref;
    ClassRef?: Ref;
    DepartmentRef?: Ref;
    TaxCodeRef?: Ref;
    TaxApplicableOn?: 'Sales';
  };
}

export interface JournalEntryTransaction {
  DocNumber: string;
  TxnDate: string;
  CurrencyRef: Ref;
  PrivateNote: string;
  Line: JournalEntryLine[];
}

export interface PurchaseTransaction {
  PaymentType: 'Cash';
  AccountRef: Ref;
  DocNumber: string;
  TxnDate: string;
  CurrencyRef: Ref;
  PrivateNote: string;
  EntityRef?: Ref;
  Line: {
    Description: string;
    Amount: number;
    DetailType: 'AccountBasedExpenseLineDetail';
    AccountBasedExpenseLineDetail: { AccountRef: Ref };
  }[];
}

export interface PaymentRead extends Transaction {
  Line?: { Amount?: number; LinkedTxn?: { TxnId?: string; TxnType?: string }[] }[];
}

export interface Customer {
  Id: string;
  DisplayName?: string;
  Active?: boolean;
}

/** The entities this connector creates, by the name their endpoint and their answer use. */
export type EntityName =
  | 'SalesReceipt'
  | 'Invoice'
  | 'Payment'
  | 'RefundReceipt'
  | 'CreditMemo'
  | 'JournalEntry'
  | 'Purchase'
  | 'Customer';
