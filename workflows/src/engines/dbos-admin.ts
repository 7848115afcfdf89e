import { DBOSClient } from '@dbos-inc/dbos-sdk';
import { describeError, type WorkflowState } from '@switchyard/core';
import { replayWithClient, STATES } from './dbos.ts';

/** One step of a workflow as an operator reads it. */
export interface StepOutcome {
  /** The step's key in the workflow (e.g. `capture`, `label:1`), or the engine's name for its own records. */
  key: string;
  status: 'succeeded' | 'failed';
  error?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface WorkflowInspection {
  workflowId: string;
  name: string;
  state: WorkflowState;
  error?: string;
  createdAt?: string;
  updatedAt?: string;
  steps: StepOutcome[];
}

/** What operators do to workflows: look at one, cancel it, replay it from the step that failed. */
export interface WorkflowAdmin {
  inspect(workflowId: string): Promise<WorkflowInspection | undefined>;
  cancel(workflowId: string): Promise<void>;
  replay(workflowId: string): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL's undefined_table and invalid_schema_name, as a client on a database the engine never ran on gets. */
function notMigrated(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000' || /does not exist/.test(String((error as Error)?.message));
}

/** DBOS's own records among a workflow's steps (a wait, a sleep, the time): not the business's steps. */
const ENGINE_RECORDS = /^DBOS\./;

/**
 * The workflow admin for the embedded engine, through a DBOS client on the hub's database: it needs no engine
 * launched in this process (the CLI, an API process without workflows). The client is made on first use.
 */
export function dbosWorkflowAdmin(databaseUrl: string, schema = 'switchyard_dbos'): WorkflowAdmin {
  let client: Promise<DBOSClient> | undefined;
  const clientOf = () => {
    client ??= DBOSClient.create({
      systemDatabaseUrl: databaseUrl,
      systemDatabaseSchemaName: schema,
      applicationName: 'switchyard',
    } as Parameters<typeof DBOSClient.create>[0]);
    return client;
  };
  return {
    async inspect(workflowId) {
      const c = await clientOf();
      let status: Awaited<ReturnType<DBOSClient['getWorkflow']>>;
      try {
        status = await c.getWorkflow(workflowId);
      } catch (error) {
        // The engine has not run on this database yet (its schema is made at its first launch): no workflow.
        if (notMigrated(error)) return undefined;
        throw error;
      }
      if (!status) return undefined;
      const steps = (await c.listWorkflowSteps(workflowId)) ?? [];
      const state = STATES[status.status] ?? 'pending';
      const at = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);
      return {
        workflowId,
        name: status.workflowName,
        state,
        ...(state === 'failed' && status.error ? { error: describeError(status.error) } : {}),
        ...(status.createdAt ? { createdAt: new Date(status.createdAt).toISOString() } : {}),
        ...(status.updatedAt ? { updatedAt: new Date(status.updatedAt).toISOString() } : {}),
        steps: steps
          .filter((s) => !ENGINE_RECORDS.test(s.name))
          .map((s) => {
            const startedAt = at(s.startedAtEpochMs);
            const endedAt = at(s.completedAtEpochMs);
            return {
              key: s.name,
              status: s.error ? ('failed' as const) : ('succeeded' as const),
              ...(s.error ? { error: describeError(s.error) } : {}),
              ...(startedAt ? { startedAt } : {}),
              ...(endedAt ? { endedAt } : {}),
            };
          }),
      };
    },
    async cancel(workflowId) {
      await (await clientOf()).cancelWorkflow(workflowId);
    },
    replay: (workflowId) => replayWithClient(databaseUrl, workflowId, schema),
    async close() {
      if (client) await (await client).destroy();
    },
  };
}
