import type { Sql } from 'postgres';
import { HubError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Db } from './orders.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A long operator action the hub runs in the background, with its progress (bulk replay, sync, backfill). */
export interface Job {
  id: string;
  tenantId: string;
  kind: string;
  params: Record<string, unknown>;
  status: JobStatus;
  /** How many items there are in all, when known. */
  total: number | null;
  done: number;
  failed: number;
  cursor: string | null;
  lastError: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

type Row = Omit<Job, 'createdAt' | 'startedAt' | 'finishedAt'> & {
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

const COLUMNS = (sql: Db) => sql`
  id, tenant_id as "tenantId", kind, params, status, total, done, failed, cursor, last_error as "lastError",
  created_by as "createdBy", created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt"`;

function toJob(r: Row): Job {
  return {
    ...r,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export async function createJob(
  tx: Db,
  input: {
    tenantId: string;
    kind: string;
    params: Record<string, unknown>;
    total?: number;
    createdBy: string;
  },
): Promise<Job> {
  const [row] = await tx<Row[]>`
    insert into jobs (id, tenant_id, kind, params, total, created_by)
    values (${newId('job')}, ${input.tenantId}, ${input.kind}, ${tx.json(input.params as never)},
            ${input.total ?? null}, ${input.createdBy})
    returning ${COLUMNS(tx)}`;
  return toJob(row!);
}

export async function getJob(sql: Db, tenantId: string, id: string): Promise<Job | undefined> {
  const [row] = await sql<
    Row[]
  >`select ${COLUMNS(sql)} from jobs where tenant_id = ${tenantId} and id = ${id}`;
  return row ? toJob(row) : undefined;
}

/** A tenant's jobs, newest first: the running ones and the last `limit`. */
export async function listJobs(
  sql: Sql,
  tenantId: string,
  options: { kind?: string; limit?: number } = {},
): Promise<Job[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const rows = await sql<Row[]>`
    select ${COLUMNS(sql)} from jobs
    where tenant_id = ${tenantId} ${options.kind ? sql`and kind = ${options.kind}` : sql``}
    order by created_at desc, id desc limit ${limit}`;
  return rows.map(toJob);
}

/** How long a running job's runner may stay silent before another process takes the job up. */
export const JOB_LEASE_MS = 60_000;

/**
 * Takes the oldest job that is queued, or running under a runner that stopped saying so, for `owner`: one
 * process runs a job at a time. Returns undefined when there is none.
 */
export async function claimJob(sql: Sql, owner: string, kinds: readonly string[]): Promise<Job | undefined> {
  if (!kinds.length) return undefined;
  const [row] = await sql<Row[]>`
    update jobs set status = 'running', owner = ${owner}, heartbeat_at = now(),
      started_at = coalesce(started_at, now())
    where id = (
      select id from jobs
      where kind in ${sql(kinds as string[])}
        and (status = 'queued'
             or (status = 'running' and heartbeat_at < now() - ${`${JOB_LEASE_MS} milliseconds`}::interval))
      order by created_at
      limit 1
      for update skip locked)
    returning ${COLUMNS(sql)}`;
  return row ? toJob(row) : undefined;
}

/**
 * Saves a running job's progress (and where it is, for a resumable job), as its heartbeat. Answers the job's
 * status as it stands after the write: 'cancelled' when an operator cancelled it meanwhile (the runner stops),
 * or 'lost' when another process has taken it over.
 */
export async function saveProgress(
  sql: Db,
  id: string,
  owner: string,
  progress: {
    done: number;
    failed: number;
    cursor?: string | null;
    total?: number;
    lastError?: string | null;
  },
): Promise<'running' | 'cancelled' | 'lost'> {
  const [row] = await sql<{ status: JobStatus; owner: string | null }[]>`
    update jobs set done = ${progress.done}, failed = ${progress.failed}, heartbeat_at = now(),
      cursor = ${progress.cursor === undefined ? sql`cursor` : progress.cursor},
      total = ${progress.total === undefined ? sql`total` : progress.total},
      last_error = ${progress.lastError === undefined ? sql`last_error` : progress.lastError}
    where id = ${id} and owner = ${owner} and status = 'running'
    returning status, owner`;
  if (row) return 'running';
  const [now] = await sql<{ status: JobStatus }[]>`select status from jobs where id = ${id}`;
  return now?.status === 'cancelled' ? 'cancelled' : 'lost';
}

/**
 * Renews a running job's lease without saving progress (a runner's heartbeat between progress saves, so a long
 * page never lets another process take the job over). Answers as `saveProgress` does.
 */
export async function touchJob(
  sql: Db,
  id: string,
  owner: string,
): Promise<'running' | 'cancelled' | 'lost'> {
  const [row] = await sql<{ status: JobStatus }[]>`
    update jobs set heartbeat_at = now() where id = ${id} and owner = ${owner} and status = 'running'
    returning status`;
  if (row) return 'running';
  const [now] = await sql<{ status: JobStatus }[]>`select status from jobs where id = ${id}`;
  return now?.status === 'cancelled' ? 'cancelled' : 'lost';
}

/** Ends a running job of this owner's: succeeded, or failed with the reason. */
export async function finishJob(
  sql: Db,
  id: string,
  owner: string,
  outcome: { status: 'succeeded' | 'failed'; error?: string },
): Promise<void> {
  await sql`
    update jobs set status = ${outcome.status}, finished_at = now(), heartbeat_at = now(),
      last_error = coalesce(${outcome.error ?? null}, last_error)
    where id = ${id} and owner = ${owner} and status = 'running'`;
}

/** Cancels a queued or running job of the tenant; its runner stops at its next progress. */
export async function cancelJob(sql: Db, tenantId: string, id: string): Promise<Job> {
  const [row] = await sql<Row[]>`
    update jobs set status = 'cancelled', finished_at = now()
    where tenant_id = ${tenantId} and id = ${id} and status in ('queued', 'running')
    returning ${COLUMNS(sql)}`;
  if (row) return toJob(row);
  const job = await getJob(sql, tenantId, id);
  if (!job) {
    throw new HubError({
      type: 'job-not-found',
      title: 'No such job',
      status: 404,
      detail: `tenant ${tenantId} has no job ${id}`,
    });
  }
  throw new HubError({
    type: 'job-finished',
    title: 'Job already finished',
    status: 409,
    detail: `job ${id} is ${job.status}: nothing to cancel`,
  });
}
