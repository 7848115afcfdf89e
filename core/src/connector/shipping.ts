/** A postal address as carriers need it. */
export interface ShipAddress {
  name?: string;
  company?: string;
  street1: string;
  street2?: string;
  city: string;
  state?: string;
  zip: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  phone?: string;
  email?: string;
}

/** A parcel: weight in grams, dimensions in millimetres (converted to the vendor's units by the connector). */
export interface Parcel {
  weightGrams: number;
  lengthMm?: number;
  widthMm?: number;
  heightMm?: number;
}

export interface ShippingRate {
  rateId: string;
  carrier: string;
  service: string;
  price: { amount: number; currency: string };
  /** Business days in transit, when the carrier says. */
  deliveryDays?: number;
}

export interface PurchasedLabel {
  shipmentId: string;
  trackingCode: string;
  carrier: string;
  service: string;
  labelUrl: string;
  price: { amount: number; currency: string };
  /** True when the label had been bought already (a retried step): nothing was bought now. */
  alreadyBought: boolean;
}
