import { API_VERSION, shopify } from '@switchyard/connector-shopify';
import { fakeShopify, shopifyNode } from '@switchyard/connector-shopify/testing';
import { woocommerce } from '@switchyard/connector-woocommerce';
import { fakeWooCommerce, wooOrder } from '@switchyard/connector-woocommerce/testing';
import type { AnyConnector } from '@switchyard/core';
import { pullContract } from '@switchyard/core/testing';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';

/** The contract kit's pull checks, for every connector that pulls, against its fake vendor API. */
const wooSite = 'https://woo-contract.example.com';
const woo = fakeWooCommerce(wooSite, 'ck_contract_1', 'cs_contract_1');
const shop = 'contract-demo.myshopify.com';
const shopFake = fakeShopify(shop, API_VERSION, 'shpat_contract_1', {
  max: 1000,
  restoreRate: 1000,
  costPerNode: 10,
});
const server = setupServer(...woo.handlers, ...shopFake.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const at = (i: number) => new Date(Date.UTC(2026, 10, 20, 9, 0, i)).toISOString();

pullContract({
  connector: woocommerce as unknown as AnyConnector,
  settings: { siteUrl: wooSite, pageSize: 10, requestsPerSecond: 50 },
  secrets: { webhookSecret: 'wc-contract', consumerKey: 'ck_contract_1', consumerSecret: 'cs_contract_1' },
  pageSize: 10,
  prepare({ records, throttleFirst, deny }) {
    woo.orders = Array.from({ length: records }, (_, i) => wooOrder(8000 + i, at(i + 1).slice(0, 19)));
    woo.throttleNext = throttleFirst ? 1 : 0;
    woo.deny = !!deny;
  },
});

pullContract({
  connector: shopify as unknown as AnyConnector,
  settings: { shop, pageSize: 10 },
  secrets: { clientSecret: 'shpss_contract_0123', accessToken: 'shpat_contract_1' },
  pageSize: 10,
  prepare({ records, throttleFirst, deny }) {
    shopFake.nodes = Array.from({ length: records }, (_, i) =>
      shopifyNode(`90071992547${String(500000 + i)}`, at(i + 1)),
    );
    shopFake.bucket.available = throttleFirst ? 0 : shopFake.bucket.max;
    shopFake.bucket.at = Date.now();
    shopFake.deny = !!deny;
  },
});
