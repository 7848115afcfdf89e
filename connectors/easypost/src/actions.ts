import { type ConnectorActions, PermanentError } from '@switchyard/core';
import { call, clientFor } from './client.ts';
import { type EasyPostObject, labelOf, rateOf, toEasyPostAddress, toEasyPostParcel } from './map-shipment.ts';
import type { EasyPostSecrets, EasyPostSettings } from './settings.ts';

/**
 * EasyPost's shipping actions. EasyPost has no idempotency key: what must happen once (the purchase) is guarded
 * by reading the shipment before buying, and a label refund by reading its refund status first.
 */
export function easypostActions(): ConnectorActions<EasyPostSettings, EasyPostSecrets> {
  return {
    async createShipment(context, { from, to, parcel, reference }) {
      // EasyPost has no idempotency key: a retry after a lost answer leaves an unbought shipment behind, which
      // costs nothing. What must happen once is the purchase (buyLabel).
      const shipment = (await call(context, 'shipment', () =>
        clientFor(context).Shipment.create({
          from_address: toEasyPostAddress(from),
          to_address: toEasyPostAddress(to),
          parcel: toEasyPostParcel(parcel),
          reference,
          options: { label_format: 'PDF' },
        }),
      )) as EasyPostObject;
      const rates = ((shipment.rates ?? []) as EasyPostObject[]).map(rateOf);
      if (!rates.length) {
        const messages = ((shipment.messages ?? []) as EasyPostObject[])
          .map((m) => `${m.carrier}: ${m.message}`)
          .join('; ');
        throw new PermanentError(
          `EasyPost returned no rates for shipment ${shipment.id}${messages ? `: ${messages}` : ''}: check the addresses, the parcel and the carrier accounts`,
        );
      }
      return { shipmentId: shipment.id, rates };
    },

    async buyLabel(context, { shipmentId, rateId }) {
      const api = clientFor(context);
      // Read before buying: a label bought by an earlier attempt of this step is the answer.
      const current = (await call(context, 'shipment read', () =>
        api.Shipment.retrieve(shipmentId),
      )) as EasyPostObject;
      if (current.postage_label) return labelOf(current, true);
      try {
        const bought = (await call(context, 'label purchase', () =>
          api.Shipment.buy(shipmentId, rateId),
        )) as EasyPostObject;
        return labelOf(bought, false);
      } catch (error) {
        // Bought meanwhile by a concurrent attempt (its answer was lost): read again.
        const again = (await call(context, 'shipment read', () =>
          api.Shipment.retrieve(shipmentId),
        )) as EasyPostObject;
        if (again.postage_label) return labelOf(again, true);
        throw error;
      }
    },

    async voidLabel(context, { shipmentId }) {
      const api = clientFor(context);
      const current = (await call(context, 'shipment read', () =>
        api.Shipment.retrieve(shipmentId),
      )) as EasyPostObject;
      if (!current.postage_label) return { status: 'no-label' };
      // Scanned by the carrier: the label is in use and the parcel on its way; nothing to void.
      const tracking = (current.tracker as EasyPostObject | undefined)?.status as string | undefined;
      if (tracking && !['pre_transit', 'unknown'].includes(tracking)) return { status: 'with-carrier' };
      // Already asked: EasyPost keeps the request's state; asking again would be refused.
      if (current.refund_status === 'submitted' || current.refund_status === 'refunded') {
        return { status: current.refund_status };
      }
      const refunded = (await call(context, 'label refund', () =>
        api.Shipment.refund(shipmentId),
      )) as EasyPostObject;
      return { status: refunded.refund_status ?? 'submitted' };
    },
  };
}
