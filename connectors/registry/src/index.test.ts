import { type AnyConnector, defineConnector } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectorRegistry, installedConnectors } from './index.ts';

const named = (id: string, title: string) =>
  defineConnector({
    id,
    title,
    capabilities: [],
    settings: z.object({}),
    secrets: z.object({}),
    normalize: () => ({ orders: [] }),
  }) as unknown as AnyConnector;

describe('the connector registry', () => {
  it('lists the installed connectors by their ids', () => {
    expect([...installedConnectors.keys()].sort()).toEqual([
      'easypost',
      'http-json',
      'shopify',
      'stripe',
      'woocommerce',
      'x12',
    ]);
    for (const [id, connector] of installedConnectors) expect(connector.id).toBe(id);
  });

  it('refuses two connectors with one id, naming both', () => {
    expect(() => connectorRegistry([named('acme', 'Acme'), named('acme', 'Acme again')])).toThrow(
      /two installed connectors have the id "acme" \("Acme" and "Acme again"\)/,
    );
  });
});
