import { createHmac, randomUUID } from 'node:crypto';

/** A QuickBooks webhook event in the CloudEvents shape Intuit posts (since 2026). */
export interface FakeCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  /** `qbo.<entity>.<created|updated|deleted|merged|voided|emailed>.v1`. */
  type: string;
  datacontenttype: 'application/json';
  time: string;
  intuitentityid: string;
  /** The realm (company) id. */
  intuitaccountid: string;
  data: Record<string, unknown>;
}

/** A delivery as Intuit posts it: the exact body and the headers, `intuit-signature` included. */
export interface FakeDelivery {
  body: string;
  headers: Record<string, string>;
}

/** One event: `entity` and `operation` in Intuit's words (`payment`, `created`). */
export function cloudEvent(input: {
  realm: string;
  entity: string;
  id: string;
  operation: string;
  time?: string;
  eventId?: string;
}): FakeCloudEvent {
  return {
    specversion: '1.0',
    id: input.eventId ?? randomUUID(),
    source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
    type: `qbo.${input.entity.toLowerCase()}.${input.operation.toLowerCase()}.v1`,
    datacontenttype: 'application/json',
    time: input.time ?? new Date().toISOString(),
    intuitentityid: input.id,
    intuitaccountid: input.realm,
    data: {},
  };
}

/** The `intuit-signature` of a body: base64 HMAC-SHA256 under the app's verifier token. */
export function intuitSignature(body: string | Uint8Array, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

/** Any body signed as Intuit signs it (a CloudEvents array, the legacy shape, or something malformed). */
export function signedDelivery(body: string, verifierToken: string): FakeDelivery {
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'intuit-signature': intuitSignature(body, verifierToken),
    },
  };
}

/** CloudEvents posted together (one POST may hold several companies' events), signed. */
export function cloudEventsDelivery(events: FakeCloudEvent[], verifierToken: string): FakeDelivery {
  return signedDelivery(JSON.stringify(events), verifierToken);
}
