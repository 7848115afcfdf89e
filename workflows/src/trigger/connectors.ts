import { easypost } from '@switchyard/connector-easypost';
import { httpJson } from '@switchyard/connector-http-json';
import { shopify } from '@switchyard/connector-shopify';
import { stripe } from '@switchyard/connector-stripe';
import { woocommerce } from '@switchyard/connector-woocommerce';
import { x12 } from '@switchyard/connector-x12';
import type { AnyConnector } from '@switchyard/core';

/**
 * The connectors the deployed tasks can call: the same list as the hub's (server/src/connectors.ts). This
 * folder is the Trigger.dev deployment's entry, the one place in workflows/ that imports connectors.
 */
export const deployedConnectors: ReadonlyMap<string, AnyConnector> = new Map<string, AnyConnector>(
  [easypost, httpJson, shopify, stripe, woocommerce, x12]
    .map((c) => c as unknown as AnyConnector)
    .map((c) => [c.id, c]),
);
