import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import EasyPostClient from '@easypost/api';
import {
  type ActionContext,
  type ConnectorActions,
  type Parcel,
  PermanentError,
  type PurchasedLabel,
  parseMoney,
  type ShipAddress,
  type ShippingRate,
  withinBudget,
} from '@switchyard/core';
import type { EasyPostSettings } from './index.ts';

type Secrets = { apiKey: string; webhookSecret: string };
type Context = ActionContext<EasyPostSettings, Secrets>;
// biome-ignore lint/suspicious/noExplicitAny: EasyPost objects as the client returns them; read field by field
type Json = Record<string, any>;

/**
 * The client's superagent opens a new connection (and, against EasyPost, a new TLS session) for every request
 * unless it is handed an agent: one keep-alive agent per protocol for the process.
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** One client per action call (the context object). */
const clients = new WeakMap<object, InstanceType<typeof EasyPostClient>>();
const client = (context: Context) => {
  let c = clients.get(context);
  if (!c) {
    const baseUrl = context.settings.apiOrigin
      ? `${context.settings.apiOrigin.replace(/\/+$/, '')}/v2/`
      : 'https://api.easypost.com/v2/';
    const agent = agents[new URL(baseUrl).protocol as keyof typeof agents] ?? agents['https:'];
    c = new EasyPostClient(context.secrets.apiKey, {
      timeout: context.settings.timeoutSeconds * 1000,
      baseUrl,
      requestMiddleware: (request: { agent(a: unknown): unknown }) => request.agent(agent),
    } as ConstructorParameters<typeof EasyPostClient>[1]);
    clients.set(context, c);
  }
  return c;
};

/**
 * An EasyPost failure in words to act on. Refused input (an address the carrier cannot serve, a rate that
 * expired, a wrong key) is a PermanentError; 408, 429 and 5xx and dropped connections stay retryable.
 */
function failure(error: unknown, what: string): Error {
  const e = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    errors?: { field?: string; message?: string }[];
  };
  const fields = (e.errors ?? []).map((f) => `${f.field}: ${f.message}`).join('; ');
  const message = `EasyPost ${what} failed: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}${fields ? ` — ${fields}` : ''}`;
  if (e.statusCode === 401 || e.statusCode === 403) {
    return new PermanentError(`EasyPost refused the API key for the ${what}: check secrets.apiKey`, {
      cause: error,
    });
  }
  if (
    e.statusCode !== undefined &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    e.statusCode !== 408 &&
    e.statusCode !== 429
  ) {
    return new PermanentError(message, { cause: error });
  }
  return new Error(message, { cause: error });
}

/** One EasyPost call of the connection: within its request budget, failing in words to act on. */
const call = async <T>(context: Context, what: string, run: () => Promise<T>): Promise<T> => {
  try {
    await withinBudget(
      `easypost:${context.connectionId}`,
      { perSecond: context.settings.requestsPerSecond, burst: 10 },
      context.signal,
    );
    return await run();
  } catch (error) {
    throw failure(error, what);
  }
};

const GRAMS_PER_OUNCE = 28.349523125;
const MM_PER_INCH = 25.4;
/** EasyPost weighs in ounces and measures in inches, to a tenth; rounded up, never under. */
const tenthUp = (value: number) => Math.ceil(value * 10) / 10;

const address = (a: ShipAddress) => ({
  name: a.name,
  company: a.company,
  street1: a.street1,
  street2: a.street2,
  city: a.city,
  state: a.state,
  zip: a.zip,
  country: a.country,
  phone: a.phone,
  email: a.email,
});

const parcel = (p: Parcel) => ({
  weight: tenthUp(p.weightGrams / GRAMS_PER_OUNCE),
  ...(p.lengthMm && p.widthMm && p.heightMm
    ? {
        length: tenthUp(p.lengthMm / MM_PER_INCH),
        width: tenthUp(p.widthMm / MM_PER_INCH),
        height: tenthUp(p.heightMm / MM_PER_INCH),
      }
    : {}),
});

const rateOf = (r: Json): ShippingRate => ({
  rateId: r.id,
  carrier: r.carrier,
  service: r.service,
  price: parseMoney(String(r.rate), String(r.currency ?? 'USD').toUpperCase()),
  ...(typeof r.delivery_days === 'number' ? { deliveryDays: r.delivery_days } : {}),
});

function labelOf(shipment: Json, alreadyBought: boolean): PurchasedLabel {
  const rate = shipment.selected_rate as Json;
  return {
    shipmentId: shipment.id,
    trackingCode: shipment.tracking_code,
    carrier: rate.carrier,
    service: rate.service,
    labelUrl: shipment.postage_label?.label_url,
    price: parseMoney(String(rate.rate), String(rate.currency ?? 'USD').toUpperCase()),
    alreadyBought,
  };
}

export function easypostActions(): ConnectorActions<EasyPostSettings, Secrets> {
  return {
    async createShipment(context, { from, to, parcel: box, reference }) {
      // EasyPost has no idempotency key: a retry after a lost answer leaves an unbought shipment behind, which
      // costs nothing. What must happen once is the purchase (buyLabel).
      const shipment = (await call(context, 'shipment', () =>
        client(context).Shipment.create({
          from_address: address(from),
          to_address: address(to),
          parcel: parcel(box),
          reference,
          options: { label_format: 'PDF' },
        }),
      )) as Json;
      const rates = ((shipment.rates ?? []) as Json[]).map(rateOf);
      if (!rates.length) {
        const messages = ((shipment.messages ?? []) as Json[])
          .map((m) => `${m.carrier}: ${m.message}`)
          .join('; ');
        throw new PermanentError(
          `EasyPost returned no rates for shipment ${shipment.id}${messages ? `: ${messages}` : ''}: check the addresses, the parcel and the carrier accounts`,
        );
      }
      return { shipmentId: shipment.id, rates };
    },

    async buyLabel(context, { shipmentId, rateId }) {
      const api = client(context);
      // Read before buying: a label bought by an earlier attempt of this step is the answer.
      const current = (await call(context, 'shipment read', () => api.Shipment.retrieve(shipmentId))) as Json;
      if (current.postage_label) return labelOf(current, true);
      try {
        const bought = (await call(context, 'label purchase', () =>
          api.Shipment.buy(shipmentId, rateId),
        )) as Json;
        return labelOf(bought, false);
      } catch (error) {
        // Bought meanwhile by a concurrent attempt (its answer was lost): read again.
        const again = (await call(context, 'shipment read', () => api.Shipment.retrieve(shipmentId))) as Json;
        if (again.postage_label) return labelOf(again, true);
        throw error;
      }
    },

    async voidLabel(context, { shipmentId }) {
      const api = client(context);
      const current = (await call(context, 'shipment read', () => api.Shipment.retrieve(shipmentId))) as Json;
      if (!current.postage_label) return { status: 'no-label' };
      // Scanned by the carrier: the label is in use and the parcel on its way; nothing to void.
      const tracking = (current.tracker as Json | undefined)?.status as string | undefined;
      if (tracking && !['pre_transit', 'unknown'].includes(tracking)) return { status: 'with-carrier' };
      // Already asked: EasyPost keeps the request's state; asking again would be refused.
      if (current.refund_status === 'submitted' || current.refund_status === 'refunded') {
        return { status: current.refund_status };
      }
      const refunded = (await call(context, 'label refund', () => api.Shipment.refund(shipmentId))) as Json;
      return { status: refunded.refund_status ?? 'submitted' };
    },
  };
}

export type { Context as EasyPostActionContext };
