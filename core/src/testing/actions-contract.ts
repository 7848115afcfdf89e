import { describe, expect, it } from 'vitest';
import type { ActionContext, ActionResult, AnyConnector } from '../connector/index.ts';
import { type Connection, connectionContext } from '../intake/connection.ts';

/** One outbound action the kit calls twice under one idempotency key, as a retried workflow step would. */
export interface ActionCase {
  name: string;
  /** Calls the action once (e.g. `connector.actions!.pushFulfillment!(context, { ... })`). */
  call(context: ActionContext<unknown, unknown>): Promise<ActionResult>;
  /** How many times the fake vendor (msw) has carried out the action's effect so far. */
  effects(): number;
}

export interface ActionsContractOptions {
  connector: AnyConnector;
  settings: unknown;
  secrets: Record<string, string>;
  cases: ActionCase[];
}

/**
 * Outbound actions are idempotent on retry: the same call under the same idempotency key has its effect once
 * and answers the same vendor id; another key is another effect.
 */
export function actionsContract(options: ActionsContractOptions): void {
  const { connector } = options;
  const connection: Connection = {
    id: 'contract',
    tenantId: 'contract',
    connector,
    settings: connector.settings.parse(options.settings),
    secrets: connector.secrets.parse(options.secrets),
  };
  const context = (idempotencyKey: string): ActionContext<unknown, unknown> => ({
    ...connectionContext({ ...connection, id: `contract-${Math.random()}` }),
    idempotencyKey,
    signal: new AbortController().signal,
  });

  describe(`actions contract: ${connector.id}`, () => {
    it.each(options.cases)('$name has its effect once when retried with the same key', async (c) => {
      const key = `contract-${c.name}-${Math.random()}`;
      const before = c.effects();
      const first = await c.call(context(key));
      const retried = await c.call(context(key));
      expect(c.effects() - before, 'effects of two calls under one key').toBe(1);
      expect(retried.externalId).toBe(first.externalId);
      await c.call(context(`${key}-another`));
      expect(c.effects() - before, 'another key is another effect').toBe(2);
    });
  });
}
