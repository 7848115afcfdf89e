import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AnyConnector,
  authModeOf,
  type ConnectionContext,
  CREDENTIAL_HEADERS,
  type InboundRequest,
  mediaType,
} from '../connector/index.ts';
import { type Connection, connectionContext, prepare } from '../intake/index.ts';
import { checkTotals, OrderDraft } from '../order.ts';
import { authChecks } from './auth-contract.ts';
import { requireGolden } from './golden.ts';
import { type HydrationContract, hydrationChecks } from './hydrate-contract.ts';

export interface ContractPayload {
  name: string;
  /** The raw body: bytes, a string, or `{ file }` to read. */
  body: Uint8Array | string | { file: string };
  /** Headers the vendor sends besides the signature (topic, event id...). */
  headers?: Record<string, string>;
}

export interface ContractOptions {
  connector: AnyConnector;
  /** Connection settings and secrets, as config would give them. */
  settings: unknown;
  secrets: Record<string, string>;
  /**
   * Signs a body the way the vendor does, returning the headers to add: the HMAC signature, the shared token, the
   * public-key signature; for `queue` connectors the message attributes, if any.
   */
  sign(body: Uint8Array, secrets: Record<string, string>, now: Date): Record<string, string>;
  /** Payloads in the vendor's real shape, each with a golden file of its canonical output. */
  payloads: (ContractPayload & { golden: string })[];
  /** Payloads that verify but cannot be mapped: normalize must throw a plain, explanatory Error. */
  malformed: ContractPayload[];
  now?: Date;
  /**
   * For `public-key` webhooks: signs a body as an impostor would, with a key the vendor never published but under
   * a key id it did (the kit expects it refused).
   */
  forge?(body: Uint8Array, secrets: Record<string, string>, now: Date): Record<string, string>;
  /**
   * For connectors with `webhook.hydrate`: the thin notifications the vendor sends (the auth, dedupe and
   * credential checks use these; `payloads` are then the fetched records, for the golden checks) and the fake
   * vendor that holds what they name. The hydration checks run on the run's PostgreSQL.
   */
  hydration?: HydrationContract & { notifications: ContractPayload[] };
}

function bytes(body: ContractPayload['body']): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body));
  return new Uint8Array(readFileSync(body.file));
}

/**
 * The checks every connector passes: declaration, each auth mode accepted and rejected (auth-contract.ts),
 * thin-webhook hydration (hydrate-contract.ts),
 * no credential header stored (the common ones and the connector's), stable dedupe keys that survive malformed bodies, golden normalization that
 * yields valid canonical orders whose totals add up, purity, and explanatory
 * errors on malformed input. Call it at the top level of a connector's test file.
 */
export function connectorContract(options: ContractOptions): void {
  const { connector } = options;
  const now = options.now ?? new Date();
  const connection: Connection = {
    id: 'contract',
    tenantId: 'contract',
    connector,
    settings: connector.settings.parse(options.settings),
    secrets: connector.secrets.parse(options.secrets),
  };
  const context: ConnectionContext<unknown, unknown> = connectionContext(connection, () => now);
  const lower = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const request = (p: ContractPayload, signWith = options.secrets, sign = options.sign): InboundRequest => {
    const body = bytes(p.body);
    const headers: Record<string, string> = {
      'content-type': connector.webhook?.contentTypes[0] ?? 'application/octet-stream',
      ...lower(p.headers ?? {}),
      ...lower(sign(body, signWith, now)),
    };
    return {
      method: 'POST',
      path: '/webhooks/contract',
      headers,
      body,
      contentType: mediaType(headers['content-type']),
      receivedAt: now,
    };
  };

  // What arrives over the webhook: the thin notifications of a hydrating connector, else the payloads themselves.
  const delivered = options.hydration?.notifications ?? options.payloads;

  describe(`connector contract: ${connector.id}`, () => {
    it('declares a valid id, capabilities and settings that accept the given config', () => {
      expect(connector.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(connector.capabilities.length).toBeGreaterThan(0);
      expect(connector.settings.safeParse(options.settings).success).toBe(true);
      expect(connector.secrets.safeParse(options.secrets).success).toBe(true);
      expect(options.payloads.length).toBeGreaterThan(0);
    });

    if (connector.webhook) {
      const webhook = connector.webhook;
      describe(`auth: ${authModeOf(webhook)}`, () => {
        authChecks({
          connector,
          connection,
          secrets: options.secrets,
          now,
          payloads: delivered,
          request: (i, signWith) => request(delivered[i]!, signWith),
          signingHeaders: (body) => Object.keys(options.sign(body, options.secrets, now)),
          ...(options.forge
            ? { forged: (i: number) => request(delivered[i]!, options.secrets, options.forge) }
            : {}),
        });
      });

      it('stores no credential header, common or declared, and every other header', () => {
        const declared = webhook.credentialHeaders ?? [];
        const credentials = [...CREDENTIAL_HEADERS, ...declared].map((name) => name.toLowerCase());
        for (const p of delivered) {
          const r = request(p);
          const sent = { ...r.headers };
          for (const name of credentials) sent[name] = `credential-${name}`;
          const stored = prepare(connection, { ...r, headers: sent }, () => now).entry.headers;
          for (const name of Object.keys(stored)) {
            expect(credentials, `${p.name}: ${name} is stored`).not.toContain(name.toLowerCase());
          }
          // What the vendor sends besides (its signature, topic, ids) is kept: replay normalizes from it.
          const others = Object.keys(r.headers).filter((name) => !credentials.includes(name));
          expect(Object.keys(stored).sort(), p.name).toEqual(others.sort());
        }
      });

      it('gives the same delivery the same dedupe key, and distinct payloads distinct keys', () => {
        const keys = delivered.map((p) => webhook.dedupeKey(request(p), context));
        delivered.forEach((p, i) => {
          expect(webhook.dedupeKey(request(p), context)).toBe(keys[i]);
        });
        const defined = keys.filter((k) => k !== undefined);
        expect(new Set(defined).size).toBe(defined.length);
      });

      it.each(options.malformed)('does not throw from dedupeKey on a malformed body: $name', (p) => {
        expect(() => webhook.dedupeKey(request(p), context)).not.toThrow();
      });

      if (webhook.hydrate) {
        describe('thin-webhook hydration', () => {
          if (!options.hydration) {
            it('is given the notifications and the fake vendor to hydrate from', () => {
              expect.fail(
                'the connector hydrates: pass `hydration` (notifications, hold, fetches) to the contract',
              );
            });
            return;
          }
          hydrationChecks({
            connector,
            settings: options.settings,
            secrets: options.secrets,
            now,
            hydration: options.hydration,
            notifications: options.hydration.notifications.map((p) => request(p)),
          });
        });
      }
    }

    it.each(options.payloads)('normalizes $name to its golden canonical output', async (p) => {
      const r = request(p);
      const before = Buffer.from(r.body).toString('base64');
      const result = connector.normalize(r, context);
      expect(Buffer.from(r.body).toString('base64'), 'normalize must not mutate its input').toBe(before);
      expect(connector.normalize(r, context), 'normalize must be pure').toEqual(result);
      for (const input of result.orders) {
        const parsed = OrderDraft.safeParse(input);
        expect(parsed.error?.issues ?? []).toEqual([]);
        expect(checkTotals(parsed.data!)).toEqual([]);
        expect(typeof parsed.data!.externalId).toBe('string');
      }
      requireGolden(p.golden);
      await expect(`${JSON.stringify(result, null, 2)}\n`).toMatchFileSnapshot(p.golden);
    });

    it.each(options.malformed)('explains why it cannot map $name', (p) => {
      let thrown: unknown;
      try {
        connector.normalize(request(p), context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message.length).toBeGreaterThan(10);
    });
  });
}
