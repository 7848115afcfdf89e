// The connectors installed in this hub, one line each. A connector folder under connectors/ is a workspace
// package: npm links it at the root, so it needs no line in any package.json (see ../README.md).
export { amazon } from '@switchyard/connector-amazon';
export { easypost } from '@switchyard/connector-easypost';
export { ebay } from '@switchyard/connector-ebay';
export { httpJson } from '@switchyard/connector-http-json';
export { quickbooks } from '@switchyard/connector-quickbooks';
export { shopify } from '@switchyard/connector-shopify';
export { stripe } from '@switchyard/connector-stripe';
export { walmart } from '@switchyard/connector-walmart';
export { woocommerce } from '@switchyard/connector-woocommerce';
export { x12 } from '@switchyard/connector-x12';
export { xero } from '@switchyard/connector-xero';
