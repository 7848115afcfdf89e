/**
 * Amazon's carrier codes for shipment confirmations (`packageDetail.carrierCode`, required in every marketplace),
 * from the label's carrier as EasyPost and people name it. A carrier Amazon has no code for is sent as `Other`
 * with its name in `carrierName`, as Amazon asks.
 */
const CODES: Record<string, string> = {
  usps: 'USPS',
  ups: 'UPS',
  upsmailinnovations: 'UPS Mail Innovations',
  fedex: 'FedEx',
  fedexsmartpost: 'FedEx SmartPost',
  dhl: 'DHL',
  dhlexpress: 'DHL',
  dhlecommerce: 'DHL eCommerce',
  dhlecs: 'DHL eCommerce',
  ontrac: 'OnTrac',
  lasership: 'Lasership',
  amazonshipping: 'Amazon Shipping',
  amzl: 'Amazon Shipping',
  canadapost: 'Canada Post',
  purolator: 'Purolator',
  royalmail: 'Royal Mail',
  parcelforce: 'Parcelforce',
  dpd: 'DPD',
  gls: 'GLS',
  hermes: 'Hermes',
  evri: 'Hermes',
  deutschepost: 'Deutsche Post',
  laposte: 'La Poste',
  colissimo: 'Colissimo',
  correos: 'Correos',
  postnl: 'PostNL',
  australiapost: 'Australia Post',
  japanpost: 'Japan Post',
  yamato: 'Yamato Transport',
  yamatotransport: 'Yamato Transport',
  sagawa: 'Sagawa Express',
  sagawaexpress: 'Sagawa Express',
  indiapost: 'India Post',
  bluedart: 'Blue Dart',
};

/** `{ carrierCode }` for a carrier Amazon knows, `{ carrierCode: 'Other', carrierName }` for any other. */
export function carrierOf(carrier: string | undefined): { carrierCode: string; carrierName?: string } {
  const name = carrier?.trim();
  if (!name) return { carrierCode: 'Other', carrierName: 'Unknown carrier' };
  const code = CODES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
  return code ? { carrierCode: code } : { carrierCode: 'Other', carrierName: name };
}
