export {
  HttpTransport,
  Identity,
  ItemCrossReference,
  Location,
  locationFor,
  SftpTransport,
  skuFor,
  TradingPartner,
  type TradingPartnerInput,
} from './partner.ts';
export { chooseRate, type RateChoice, ShippingRule, ShippingRules } from './shipping.ts';
