/**
 * Walmart's carrier names (`CarrierNameType.carrier` in its Order Management OpenAPI): a shipping update names
 * one of them, or gives `otherCarrier` with a tracking URL.
 */
export const WALMART_CARRIERS = [
  'UPS',
  'USPS',
  'FedEx',
  'Airborne',
  'OnTrac',
  'DHL Ecommerce - US',
  'DHL',
  'LS',
  'UDS',
  'UPSMI',
  'FDX',
  'PILOT',
  'ESTES',
  'SAIA',
  'FDS Express',
  'Seko Worldwide',
  'HIT Delivery',
  'FEDEXSP',
  'RL Carriers',
  'Metropolitan Warehouse & Delivery',
  'China Post',
  'YunExpress',
  'Yellow Freight Sys',
  'AIT Worldwide Logistics',
  'Chukou1',
  'Sendle',
  'Landmark Global',
  'Sunyou',
  'Yanwen',
  '4PX',
  'GLS',
  'OSM Worldwide',
  'FIRST MILE',
  'AM Trucking',
  'CEVA',
  'India Post',
  'SF Express',
  'CNE',
  'TForce Freight',
  'AxleHire',
  'LSO',
  'Royal Mail',
  'ABF Freight System',
  'WanB',
  'Roadrunner Freight',
  'Meyer Distribution',
  'AAA Cooper',
  'Canada Post',
  'Southeastern Freight Lines',
  'Japan Post',
  'Correos de Mexico',
  'XPO Logistics',
  'JD Logistics',
  'YDH',
  'JCEX',
  'Flyt',
  'Deutsche Post',
] as const;

/** Walmart's ship methods (`methodCode`): a shipping update must give the order's own. */
export const METHOD_CODES = ['Standard', 'Express', 'OneDay', 'Freight', 'WhiteGlove', 'Value'] as const;

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Names labels and carriers' APIs use (EasyPost's carrier codes among them) for Walmart's. */
const ALIASES: Readonly<Record<string, string>> = {
  unitedstatespostalservice: 'USPS',
  fedexdefault: 'FedEx',
  fedexground: 'FedEx',
  fedexexpress: 'FedEx',
  fedexsmartpost: 'FEDEXSP',
  upsdap: 'UPS',
  upsground: 'UPS',
  upsmailinnovations: 'UPSMI',
  dhlexpress: 'DHL',
  dhlecommerce: 'DHL Ecommerce - US',
  dhlecommerceus: 'DHL Ecommerce - US',
  dhlglobalmail: 'DHL Ecommerce - US',
  lasership: 'LS',
  unitedeliveryservice: 'UDS',
  osm: 'OSM Worldwide',
  firstmile: 'FIRST MILE',
  xpo: 'XPO Logistics',
  abf: 'ABF Freight System',
  rl: 'RL Carriers',
  tforce: 'TForce Freight',
};

const BY_NAME = new Map<string, string>([
  ...WALMART_CARRIERS.map((c) => [squash(c), c] as [string, string]),
  ...Object.entries(ALIASES),
]);

/** Walmart's name of a carrier (case, spaces and punctuation ignored), or undefined for one it does not list. */
export function walmartCarrier(carrier: string): string | undefined {
  return BY_NAME.get(squash(carrier));
}
