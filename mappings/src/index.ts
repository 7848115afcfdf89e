export {
  clearingOf,
  customerOf,
  documentNumber,
  memoOf,
  refundDocument,
  refundLines,
  saleDocument,
  saleLines,
  taxCodeOf,
  totalsOf,
  trackingOf,
} from './books-documents.ts';
export { journalSides, refundJournal, saleJournal, sumJournal } from './books-journal.ts';
export {
  BooksMapping,
  BooksMappingError,
  type BooksMappingInput,
  BooksTrackingMapping,
} from './books-mapping.ts';
export { ChannelStock, ChannelStockLocation, StockBuffer, shownQuantity } from './channel-stock.ts';
export { coordinatesOf, DistanceTable, distanceKm, type LatLon } from './distance.ts';
export {
  CountryCode,
  LocationAddress,
  LocationId,
  StockLocation,
  type StockLocationInput,
  shipFromAddress,
} from './locations.ts';
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
export {
  type RoutedShipment,
  type RoutingCandidate,
  type RoutingDecision,
  type RoutingInput,
  type RoutingLine,
  type RoutingOutcome,
  RoutingRules,
  routeOrder,
} from './routing.ts';
export { EXACT_SEARCH_LIMIT } from './routing-cover.ts';
export { chooseRate, type RateChoice, ShippingRule, ShippingRules } from './shipping.ts';
