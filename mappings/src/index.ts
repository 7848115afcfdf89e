export { chooseRate, type RateChoice, ShippingRule, ShippingRules } from './shipping.ts';
