// The connectors installed in this hub, one line each. A connector folder under connectors/ is a workspace
// package: npm links it at the root, so it needs no line in any package.json (see ../README.md).
export { easypost } from '@switchyard/connector-easypost';
export { httpJson } from '@switchyard/connector-http-json';
export { shopify } from '@switchyard/connector-shopify';
export { stripe } from '@switchyard/connector-stripe';
export { woocommerce } from '@switchyard/connector-woocommerce';
export { x12 } from '@switchyard/connector-x12';
