import { defineConfig, env } from '@switchyard/core';

/**
 * The example hub: one tenant and three channels. It runs with no secrets set: every
 * secret below falls back to a development default here, in the example only, and
 * the hub warns about each at start. Set the variables before exposing the hub.
 *
 * - `demo`: the generic signed-JSON channel (DEMO_WEBHOOK_SECRET, default "dev-secret").
 * - `shop`: a Shopify store's webhooks; pulling needs SHOPIFY_ACCESS_TOKEN.
 * - `woo`: a WooCommerce shop's webhooks; pulling needs WOO_CONSUMER_KEY and WOO_CONSUMER_SECRET.
 * - `retailer`: an X12 trading partner posting 850s to /edi/retailer (RETAILER_EDI_TOKEN); our 997s go to
 *   RETAILER_EDI_URL (unset: nowhere reachable, so they wait in the outbox: `switchyard edi documents`).
 *
 * The shop addresses come from the environment too, so the test suite points these
 * connections at local fakes (SHOPIFY_API_ORIGIN, WOO_SITE_URL).
 */
export default defineConfig({
  tenants: [{ id: 'demo', name: 'Demo merchant' }],
  connections: [
    {
      id: 'demo',
      tenant: 'demo',
      connector: 'http-json',
      settings: { toleranceSeconds: 300 },
      secrets: { signingSecret: env('DEMO_WEBHOOK_SECRET', { default: 'dev-secret' }) },
    },
    {
      id: 'shop',
      tenant: 'demo',
      connector: 'shopify',
      settings: {
        shop: process.env.SHOPIFY_SHOP ?? 'switchyard-demo.myshopify.com',
        ...(process.env.SHOPIFY_API_ORIGIN ? { apiOrigin: process.env.SHOPIFY_API_ORIGIN } : {}),
      },
      secrets: {
        clientSecret: env('SHOPIFY_CLIENT_SECRET', { default: 'dev-shopify-secret' }),
        accessToken: env('SHOPIFY_ACCESS_TOKEN', { default: 'shpat_dev_token' }),
      },
    },
    {
      id: 'woo',
      tenant: 'demo',
      connector: 'woocommerce',
      settings: { siteUrl: process.env.WOO_SITE_URL ?? 'https://shop.example.com' },
      secrets: {
        webhookSecret: env('WOO_WEBHOOK_SECRET', { default: 'dev-woo-secret' }),
        consumerKey: env('WOO_CONSUMER_KEY', { default: 'ck_dev' }),
        consumerSecret: env('WOO_CONSUMER_SECRET', { default: 'cs_dev' }),
      },
    },
    {
      id: 'retailer',
      tenant: 'demo',
      connector: 'x12',
      settings: {
        partner: { qualifier: 'ZZ', id: 'RETAILER' },
        us: { qualifier: 'ZZ', id: 'DEMOSUPPLY' },
        version: '004010',
        transport: { kind: 'http', url: process.env.RETAILER_EDI_URL ?? 'http://127.0.0.1:9/retailer-edi' },
        items: [
          { buyerPartNumber: 'BP-100', sku: 'MUG-1' },
          { upc: '012345678905', sku: 'CUP-2' },
        ],
        locations: [
          {
            code: '0042',
            name: 'Retailer Store 42',
            line1: '100 Main St',
            city: 'Columbus',
            region: 'OH',
            postalCode: '43004',
          },
        ],
      },
      secrets: { inboundToken: env('RETAILER_EDI_TOKEN', { default: 'dev-retailer-token-0123456789' }) },
    },
  ],
  server: { bodyLimit: '5mb' },
});
