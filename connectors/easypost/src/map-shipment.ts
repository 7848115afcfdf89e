import {
  type Parcel,
  type PurchasedLabel,
  parseMoney,
  type ShipAddress,
  type ShippingRate,
} from '@switchyard/core';

// biome-ignore lint/suspicious/noExplicitAny: EasyPost objects as the client returns them; read field by field
export type EasyPostObject = Record<string, any>;

const GRAMS_PER_OUNCE = 28.349523125;
const MM_PER_INCH = 25.4;
/** EasyPost weighs in ounces and measures in inches, to a tenth; rounded up, never under. */
const tenthUp = (value: number) => Math.ceil(value * 10) / 10;

/** The hub's address in EasyPost's fields. */
export const toEasyPostAddress = (a: ShipAddress) => ({
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

/** The hub's parcel (grams, millimetres) in EasyPost's ounces and inches. */
export const toEasyPostParcel = (p: Parcel) => ({
  weight: tenthUp(p.weightGrams / GRAMS_PER_OUNCE),
  ...(p.lengthMm && p.widthMm && p.heightMm
    ? {
        length: tenthUp(p.lengthMm / MM_PER_INCH),
        width: tenthUp(p.widthMm / MM_PER_INCH),
        height: tenthUp(p.heightMm / MM_PER_INCH),
      }
    : {}),
});

/** EasyPost's decimal price ("6.96", USD unless it says) in minor units. */
const priceOf = (rate: EasyPostObject) =>
  parseMoney(String(rate.rate), String(rate.currency ?? 'USD').toUpperCase());

/** An EasyPost rate as the hub's shipping rate, its price in minor units. */
export const rateOf = (r: EasyPostObject): ShippingRate => ({
  rateId: r.id,
  carrier: r.carrier,
  service: r.service,
  price: priceOf(r),
  ...(typeof r.delivery_days === 'number' ? { deliveryDays: r.delivery_days } : {}),
});

/** A bought shipment as the hub's label: its tracking code, the selected rate's carrier, service and price. */
export function labelOf(shipment: EasyPostObject, alreadyBought: boolean): PurchasedLabel {
  const rate = shipment.selected_rate as EasyPostObject;
  return {
    shipmentId: shipment.id,
    trackingCode: shipment.tracking_code,
    carrier: rate.carrier,
    service: rate.service,
    labelUrl: shipment.postage_label?.label_url,
    price: priceOf(rate),
    alreadyBought,
  };
}
