import {
  type ActionContext,
  type AnyConnector,
  appendOrderEvent,
  type Connection,
  connectionContext,
  type Order,
  type OrderStatus,
  orderStatusOf,
  type PartnerDocuments,
  PermanentError,
  type Sql,
  type StepContext,
  type StepRetry,
  type Undo,
  type WorkflowContext,
} from '@switchyard/core';
import type { FulfillmentPlan } from '../plan.ts';

export interface OrderWorkflowDeps {
  sql: Sql;
  connections: ReadonlyMap<string, Connection>;
  /** The plan for an order's connection; undefined means the hub drives no side effects for it. */
  plan(order: Order): FulfillmentPlan | undefined;
  /**
   * For a B2B partner's connection (X12): the documents it expects. The order is then acknowledged (855)
   * before it ships, and its ship notice (856) and invoice (810) go instead of a fulfillment push.
   */
  documents?(connection: Connection): PartnerDocuments | undefined;
}

/** A running order workflow: the engine's context and what the steps reach (database, connections). */
export interface Flow {
  ctx: WorkflowContext;
  deps: OrderWorkflowDeps;
}

/** What a step's body gets: the engine's step context, the workflow's deps, and the timeline. */
export interface StepRun extends StepContext {
  deps: OrderWorkflowDeps;
  workflowId: string;
  /** Appends an event to the order's timeline under this step's key: a step run again writes nothing twice. */
  record(orderId: string, type: string, data: Record<string, unknown>): Promise<unknown>;
}

/** What an undo's body gets: what a step's body gets, and the reason for undoing. */
export type UndoRun = StepRun & { reason: string };

/** An undo as an order step declares it. */
export type OrderUndo<T = unknown> = Omit<Undo<T>, 'run'> & { run?(step: UndoRun): Promise<T> };

/**
 * A step of the order workflow, defined once (as Medusa's `createStep`): its key (a function of its input
 * for a step run per shipment), its body, and the undo it registers once it succeeded.
 */
export interface StepDefinition<I, O> {
  key: string | ((input: I) => string);
  invoke(input: I, step: StepRun): Promise<O>;
  // biome-ignore lint/suspicious/noExplicitAny: an undo's result is its own business
  compensate?(output: O, input: I): OrderUndo<any> | undefined;
  retry?: StepRetry;
}

/** A step's result with the order's status read right after its effect, in the same step. */
export interface Checked<O> {
  key: string;
  value: O;
  status: OrderStatus | null;
}

const keyOf = <I>(key: StepDefinition<I, unknown>['key'], input: I) =>
  typeof key === 'string' ? key : key(input);

const runOf = (flow: Flow, step: StepContext): StepRun => ({
  ...step,
  deps: flow.deps,
  workflowId: flow.ctx.workflowId,
  record: (orderId, type, data) =>
    appendOrderEvent(flow.deps.sql, { orderId, type, data, stepKey: step.idempotencyKey }),
});

function run<I, O, R>(
  flow: Flow,
  definition: StepDefinition<I, O>,
  input: I,
  body: (step: StepRun) => Promise<R>,
  outputOf: (result: R) => O,
) {
  const undo = definition.compensate;
  return flow.ctx.step(keyOf(definition.key, input), (s) => body(runOf(flow, s)), {
    ...(definition.retry ? { retry: definition.retry } : {}),
    ...(undo
      ? {
          compensate: (result: R) => {
            const declared = undo(outputOf(result), input);
            if (!declared?.run) return declared as Undo | undefined;
            const { run: undoRun, ...rest } = declared;
            return {
              ...rest,
              run: (s: StepContext & { reason: string }) => undoRun({ ...runOf(flow, s), reason: s.reason }),
            };
          },
        }
      : {}),
  });
}

/** A step: `(flow, input) => output`, checkpointed under its key, its undo registered once it succeeded. */
export function createStep<I, O>(definition: StepDefinition<I, O>) {
  return (flow: Flow, input: I): Promise<O> =>
    run(
      flow,
      definition,
      input,
      (s) => definition.invoke(input, s),
      (o: O) => o,
    );
}

/**
 * A step that comes before an irreversible one: it does its effect first (safe to repeat: read first, or an
 * idempotency key), then reads the order's status, and the answer is recorded with the effect. So the next
 * irreversible step is never taken for an order cancelled meanwhile, and an effect once done is never
 * forgotten: a step retried or recovered after its effect repeats the effect's read-first, finds it done, and
 * only then looks at the status.
 */
export function createCheckedStep<I extends { order: Order }, O>(definition: StepDefinition<I, O>) {
  return async (flow: Flow, input: I): Promise<Checked<O>> => {
    const done = await run(
      flow,
      definition,
      input,
      async (s) => {
        const value = await definition.invoke(input, s);
        return { value, status: await orderStatusOf(flow.deps.sql, input.order.id) };
      },
      (r: { value: O }) => r.value,
    );
    return { key: keyOf(definition.key, input), ...done };
  };
}

/** A configured connection by id, or a permanent failure naming what is missing. */
export function connection(deps: OrderWorkflowDeps, id: string | undefined, what: string): Connection {
  const found = id ? deps.connections.get(id) : undefined;
  if (!found) throw new PermanentError(`no ${what} connection "${id ?? ''}" configured`);
  return found;
}

export const actionsOf = (c: Connection) => (c.connector as AnyConnector).actions ?? {};

/** The context of a connector's outbound action, under the step's idempotency key. */
export const act = (c: Connection, idempotencyKey: string): ActionContext<unknown, unknown> => ({
  ...connectionContext(c),
  idempotencyKey,
  signal: new AbortController().signal,
});
