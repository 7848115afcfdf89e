import { HttpResponse, http } from 'msw';

/**
 * EasyPost's v2 API as `@easypost/api` sees it, in EasyPost's shapes: shipments with their rates, the purchase
 * (which refuses a shipment already bought, as EasyPost does), label refunds. Basic auth with the API key.
 */
// biome-ignore lint/suspicious/noExplicitAny: EasyPost objects
type Json = Record<string, any>;

export interface EasyPostCall {
  method: string;
  path: string;
  body: Json | null;
}

export interface FakeEasyPost {
  shipments: Map<string, Json>;
  calls: EasyPostCall[];
  /** Purchases made (what the merchant pays for). */
  purchases: string[];
  /** The next buy is made, but its answer is lost (a 502 after the purchase). */
  loseNextBuyAnswer: boolean;
  /** Refuse label refunds (the label was scanned, or the refund window has passed). */
  refuseRefunds: boolean;
  /** While set, creating a shipment waits for it (a slow carrier API, to let a test act meanwhile). */
  gate?: Promise<void> | undefined;
  /** The next shipment create is refused with this address error. */
  refuseNextAddress?: string | undefined;
  handlers: ReturnType<typeof http.all>[];
}

export function fakeEasyPost(apiKey: string, origin = 'https://api.easypost.com'): FakeEasyPost {
  let next = 1;
  const id = (prefix: string) => `${prefix}_${String(next++).padStart(8, '0')}fake`;
  const error = (status: number, code: string, message: string, errors: Json[] = []) =>
    HttpResponse.json({ error: { code, message, errors } }, { status });
  const fake: FakeEasyPost = {
    shipments: new Map(),
    calls: [],
    purchases: [],
    loseNextBuyAnswer: false,
    refuseRefunds: false,
    handlers: [],
  };
  const rates = (shipmentId: string, ounces: number) =>
    [
      { carrier: 'USPS', service: 'GroundAdvantage', base: 5.2, days: 4 },
      { carrier: 'USPS', service: 'Priority', base: 8.9, days: 2 },
      { carrier: 'UPS', service: 'Ground', base: 9.75, days: 3 },
      { carrier: 'UPS', service: 'NextDayAir', base: 31.4, days: 1 },
    ].map((r) => ({
      id: id('rate'),
      object: 'Rate',
      shipment_id: shipmentId,
      carrier: r.carrier,
      service: r.service,
      rate: (r.base + ounces * 0.05).toFixed(2),
      currency: 'USD',
      delivery_days: r.days,
      delivery_date_guaranteed: false,
    }));

  fake.handlers = [
    http.all(`${origin}/v2/*`, async ({ request }) => {
      const basic = (request.headers.get('authorization') ?? '').replace(/^Basic /, '');
      if (Buffer.from(basic, 'base64').toString().split(':')[0] !== apiKey) {
        return error(401, 'APIKEY.INVALID', 'The API key provided is invalid.');
      }
      const path = new URL(request.url).pathname;
      const body =
        request.method === 'GET' ? null : ((await request.json().catch(() => null)) as Json | null);
      fake.calls.push({ method: request.method, path, body });

      if (path === '/v2/shipments' && request.method === 'POST') {
        await fake.gate;
        const s = body?.shipment ?? {};
        if (fake.refuseNextAddress) {
          const message = fake.refuseNextAddress;
          fake.refuseNextAddress = undefined;
          return error(422, 'ADDRESS.VERIFY.FAILURE', 'Unable to verify address.', [
            { field: 'street1', message },
          ]);
        }
        const shipmentId = id('shp');
        const shipment: Json = {
          id: shipmentId,
          object: 'Shipment',
          mode: 'test',
          reference: s.reference ?? null,
          status: 'unknown',
          tracking_code: null,
          from_address: { id: id('adr'), object: 'Address', ...s.from_address },
          to_address: { id: id('adr'), object: 'Address', ...s.to_address },
          parcel: { id: id('prcl'), object: 'Parcel', ...s.parcel },
          rates: rates(shipmentId, Number(s.parcel?.weight ?? 0)),
          selected_rate: null,
          postage_label: null,
          refund_status: null,
          messages: [],
          options: s.options ?? {},
        };
        fake.shipments.set(shipmentId, shipment);
        return HttpResponse.json(shipment, { status: 201 });
      }
      const m = /^\/v2\/shipments\/([^/]+)(\/buy|\/refund)?$/.exec(path);
      const shipment = m ? fake.shipments.get(m[1]!) : undefined;
      if (m && !shipment) return error(404, 'NOT_FOUND', 'The requested resource could not be found.');
      if (m && shipment && !m[2] && request.method === 'GET') return HttpResponse.json(shipment);
      if (m && shipment && m[2] === '/buy') {
        if (shipment.postage_label) {
          return error(422, 'SHIPMENT.POSTAGE.EXISTS', 'Shipment already has postage.');
        }
        const rate = (shipment.rates as Json[]).find((r) => r.id === body?.rate?.id);
        if (!rate) return error(422, 'SHIPMENT.RATE.INVALID', 'Rate is not valid for this shipment.');
        const trackingCode = `9400${String(next++).padStart(18, '0')}`;
        Object.assign(shipment, {
          status: 'pre_transit',
          selected_rate: rate,
          tracking_code: trackingCode,
          // EasyPost makes the label's tracker with the purchase; a test moves its status on.
          tracker: { id: id('trk'), object: 'Tracker', tracking_code: trackingCode, status: 'pre_transit' },
          postage_label: {
            id: id('pl'),
            object: 'PostageLabel',
            label_url: `https://easypost-files.s3.amazonaws.com/files/postage_label/${shipment.id}.pdf`,
            label_file_type: 'application/pdf',
          },
        });
        fake.purchases.push(shipment.id);
        if (fake.loseNextBuyAnswer) {
          fake.loseNextBuyAnswer = false;
          return error(502, 'BAD_GATEWAY', 'Bad gateway');
        }
        return HttpResponse.json(shipment);
      }
      if (m && shipment && m[2] === '/refund') {
        if (!shipment.postage_label)
          return error(422, 'SHIPMENT.REFUND.UNAVAILABLE', 'Shipment has no postage.');
        if (shipment.refund_status)
          return error(422, 'SHIPMENT.REFUND.EXISTS', 'A refund was already requested.');
        if (fake.refuseRefunds)
          return error(422, 'SHIPMENT.REFUND.INVALID', 'This label has been scanned and cannot be refunded.');
        shipment.refund_status = 'submitted';
        return HttpResponse.json(shipment);
      }
      return error(404, 'NOT_FOUND', `No route for ${request.method} ${path}`);
    }),
  ];
  return fake;
}
