import { type BooksCustomer, PermanentError } from '@switchyard/core';
import { idempotencyKeyOf, quoted } from './amounts.ts';
import type { XeroAccounting } from './client.ts';
import { elementFailure } from './errors.ts';

/**
 * Contacts by name, per organisation, in this process: a buyer found (or created) once is not looked up again
 * for the next order. Bounded: the oldest names are forgotten first.
 */
const known = new Map<string, string>();
const KEEP = 2000;

function remember(key: string, id: string) {
  known.set(key, id);
  if (known.size > KEEP) known.delete(known.keys().next().value!);
}

/** Forgets the contacts known (tests). */
export function forgetContacts(): void {
  known.clear();
}

async function byName(xero: XeroAccounting, name: string): Promise<string | undefined> {
  const body = await xero.call('contact lookup', (api, tenant) =>
    api.getContacts(tenant, undefined, `Name==${quoted(name)}`, undefined, undefined, 1),
  );
  // Xero compares names without regard to case; an archived contact is not returned unless asked for.
  return body.contacts?.find((c) => c.name?.toLowerCase() === name.toLowerCase())?.contactID;
}

/**
 * The ContactID a document is for: the mapping's (`customer.ref`, used as it is), else the contact of that name,
 * created once when the books have none (under an Idempotency-Key of the action's, so a retry replays it; a
 * contact another posting created meanwhile is found again rather than refused).
 */
export async function contactIdOf(
  xero: XeroAccounting,
  customer: BooksCustomer,
  actionKey: string,
): Promise<string> {
  if (customer.ref) return customer.ref;
  const name = customer.name.trim().replace(/\s+/g, ' ');
  if (!name) {
    throw new PermanentError(
      'the document names no customer: give the books mapping a customer (customer.mode single with a ref, or per-buyer with a fallbackName)',
    );
  }
  const key = `${await xero.tenant()}\u0000${name.toLowerCase()}`;
  const cached = known.get(key);
  if (cached) return cached;
  let id = await byName(xero, name);
  if (!id) {
    const body = await xero.call('contact creation', (api, tenant) =>
      api.createContacts(
        tenant,
        { contacts: [{ name, ...(customer.email ? { emailAddress: customer.email } : {}) }] },
        false,
        idempotencyKeyOf(actionKey, 'contact'),
      ),
    );
    const contact = body.contacts?.[0];
    const failure = elementFailure('contact creation', 'PUT /Contacts', contact);
    if (failure) {
      // Two postings for one new buyer: the other created the contact first, and Xero keeps names unique.
      id = /already/i.test(failure.message) ? await byName(xero, name) : undefined;
      if (!id) throw failure;
    } else id = contact!.contactID;
  }
  if (!id) throw new PermanentError(`Xero created the contact "${name}" but answered no ContactID`);
  remember(key, id);
  return id;
}
