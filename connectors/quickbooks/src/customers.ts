import { type BooksCustomer, PermanentError, VendorError } from '@switchyard/core';
import { type QuickBooksApi, quoted } from './client.ts';
import { requestIdOf } from './identity.ts';
import type { Customer } from './qbo-types.ts';

/** Customers found or created, per connection and company: a buyer is looked up once per process. */
const known = new Map<string, string>();

/**
 * A name QuickBooks takes as a DisplayName: no colon (it separates a sub-customer from its parent), tab or line
 * break, at most 500 characters.
 */
export function displayNameOf(name: string): string {
  const cleaned = name
    .replace(/[:\t\r\n]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return (cleaned || 'Online customer').slice(0, 500);
}

async function findByName(
  api: QuickBooksApi,
  name: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  const answer = await api.query(`select * from Customer where DisplayName = ${quoted(name)}`, signal);
  const found = (answer.Customer as Customer[] | undefined)?.find((c) => c.Id);
  return found?.Id;
}

/**
 * The QuickBooks Customer of a document: the mapping's `ref` as it is; else the buyer found by DisplayName
 * (one query), or created once (`requestid` from the posting's key and "customer"). Another posting may
 * create the same buyer at the same moment: QuickBooks then refuses the second with 6240 (names are unique),
 * and the one it made is read. A vendor, an employee or an inactive customer holding the name (queries see
 * active customers only) is a refusal a person must settle.
 */
export async function customerIdOf(
  api: QuickBooksApi,
  scope: { connectionId: string; idempotencyKey: string },
  customer: BooksCustomer,
  signal: AbortSignal,
): Promise<string> {
  if (customer.ref) return customer.ref;
  const name = displayNameOf(customer.name);
  const realm = await api.realm(signal);
  const cacheKey = `${scope.connectionId}\u0000${realm}\u0000${name.toLowerCase()}`;
  const cached = known.get(cacheKey);
  if (cached) return cached;
  let id = await findByName(api, name, signal);
  if (!id) {
    try {
      const created = await api.create<Customer>(
        'Customer',
        { DisplayName: name, ...(customer.email ? { PrimaryEmailAddr: { Address: customer.email } } : {}) },
        requestIdOf(scope.idempotencyKey, 'customer'),
        signal,
      );
      id = created.Id;
    } catch (error) {
      if (!(error instanceof VendorError) || error.code !== '6240') throw error;
      id = await findByName(api, name, signal);
      if (!id) {
        throw new PermanentError(
          `QuickBooks has a vendor, an employee or an inactive customer named "${name}", and names are unique across them, so the buyer cannot be created as a customer: rename or reactivate it in QuickBooks, or name a customer in the accounting mapping (customer.ref); then replay the posting`,
          { cause: error },
        );
      }
    }
  }
  known.set(cacheKey, id);
  return id;
}

/** Forgets the customers found (tests). */
export function forgetCustomers(): void {
  known.clear();
}
