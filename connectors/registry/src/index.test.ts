import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  it('installs every connector folder, each under its own id', () => {
    // A folder under connectors/ is a connector package unless it is this registry: each must be installed.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const packages = readdirSync(root)
      .filter((dir) => dir !== 'registry' && existsSync(join(root, dir, 'package.json')))
      .map((dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name as string);
    const exported = readFileSync(new URL('./installed.ts', import.meta.url), 'utf8');
    for (const name of packages) expect(exported, `${name} is not in installed.ts`).toContain(`'${name}'`);
    expect(installedConnectors.size).toBe(packages.length);
    for (const [id, connector] of installedConnectors) expect(connector.id).toBe(id);
  });

  it('refuses two connectors with one id, naming both', () => {
    expect(() => connectorRegistry([named('acme', 'Acme'), named('acme', 'Acme again')])).toThrow(
      /two installed connectors have the id "acme" \("Acme" and "Acme again"\)/,
    );
  });
});
