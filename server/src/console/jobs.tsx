/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { getJob, type Job, listJobs } from '@switchyard/core';
import type { Hono } from 'hono';
import { cancelJobAction } from '../operator/index.ts';
import {
  act,
  type ConsoleDeps,
  type ConsoleEnv,
  field,
  localPath,
  may,
  operatorOf,
  viewOf,
} from './context.ts';
import { Csrf, Empty, Page, Status, Time, type View } from './layout.tsx';

const KIND_WORDS: Record<string, string> = {
  'exception-replay': 'Bulk replay',
  sync: 'Sync',
  backfill: 'Backfill',
};

export function jobTitle(job: Job): string {
  const what = KIND_WORDS[job.kind] ?? job.kind;
  const connection = typeof job.params.connectionId === 'string' ? ` of ${job.params.connectionId}` : '';
  return `${what}${connection}`;
}

/**
 * A job's progress: a native progress bar (no inline style, which the policy forbids) with the figures in
 * words. While the job runs, it asks for itself again every second (htmx) and replaces itself.
 */
export function JobProgress({ job, base }: { job: Job; base: string }) {
  const running = job.status === 'queued' || job.status === 'running';
  const url = `${base}/jobs/${encodeURIComponent(job.id)}/progress`;
  const percent = job.total ? Math.min(100, Math.round((job.done / job.total) * 100)) : null;
  return (
    <section
      class="job"
      id={`job-${job.id}`}
      aria-label={`${jobTitle(job)} progress`}
      hx-get={running ? url : undefined}
      hx-trigger={running ? 'every 1s' : undefined}
      hx-swap={running ? 'outerHTML' : undefined}
      hx-disinherit="*"
    >
      <p class="job-head">
        <a href={`${base}/jobs/${encodeURIComponent(job.id)}`}>{jobTitle(job)}</a>{' '}
        <Status value={job.status} />
      </p>
      <progress
        max={job.total ?? undefined}
        value={job.total || !running ? job.done : undefined}
        aria-label={`${jobTitle(job)}: ${job.done} of ${job.total ?? 'unknown'} done`}
      >
        {percent === null ? `${job.done} done` : `${percent}%`}
      </progress>
      <p class="job-figures" data-job-status={job.status}>
        {job.done} of {job.total ?? '?'} done{percent === null ? '' : ` (${percent}%)`}, {job.failed} failed
        {job.finishedAt ? (
          <>
            {' '}
            · finished <Time at={job.finishedAt} />
          </>
        ) : null}
      </p>
      {job.lastError ? <p class="sub">Last error: {job.lastError}</p> : null}
    </section>
  );
}

/**
 * Cancel, for a job that has not ended. Outside the progress section, which replaces itself every second: the
 * button keeps its focus while the figures move.
 */
function CancelJob({ job, view, back }: { job: Job; view: View; back: string }) {
  if (job.status !== 'queued' && job.status !== 'running') return null;
  return (
    <form class="job-cancel" method="post" action={`${view.base}/jobs/${encodeURIComponent(job.id)}/cancel`}>
      <Csrf view={view} />
      <input type="hidden" name="back" value={back} />
      <button type="submit" aria-label={`Cancel ${jobTitle(job)} (job ${job.id})`}>
        Cancel job
      </button>
    </form>
  );
}

export function jobPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  app.get('/jobs', async (c) => {
    const jobs = await listJobs(deps.hub.sql, c.get('session').principal.tenantId, { limit: 50 });
    const view = viewOf(c, deps);
    const operator = may(c, 'operator');
    const html = (
      <Page view={view} title="Jobs">
        <p class="sub">
          Bulk replays, syncs and backfills, newest first (the last 50). A cancelled job stops after the page
          it is on.
        </p>
        {jobs.length ? (
          <ul class="jobs">
            {jobs.map((job) => (
              <li>
                <JobProgress job={job} base={deps.base} />
                {operator ? <CancelJob job={job} view={view} back={`${deps.base}/jobs`} /> : null}
              </li>
            ))}
          </ul>
        ) : (
          <Empty>No jobs yet.</Empty>
        )}
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });

  app.get('/jobs/:id', async (c) => {
    const job = await getJob(deps.hub.sql, c.get('session').principal.tenantId, c.req.param('id'));
    if (!job) return c.text(`No job ${c.req.param('id')}`, 404);
    const view = viewOf(c, deps);
    const self = `${deps.base}/jobs/${encodeURIComponent(job.id)}`;
    const html = (
      <Page view={view} title={`${jobTitle(job)} · job ${job.id}`}>
        <p>
          <a href={`${deps.base}/jobs`}>← Jobs</a> ·{' '}
          <a href={`${deps.base}/audit?${new URLSearchParams({ targetType: 'job', targetId: job.id })}`}>
            Audit entries of this job
          </a>
        </p>
        <JobProgress job={job} base={deps.base} />
        {may(c, 'operator') ? <CancelJob job={job} view={view} back={self} /> : null}
        <dl class="facts">
          <dt>Asked by</dt>
          <dd>{job.createdBy}</dd>
          <dt>Asked at</dt>
          <dd>
            <Time at={job.createdAt} />
          </dd>
          <dt>Parameters</dt>
          <dd>
            <code>{JSON.stringify(job.params)}</code>
          </dd>
        </dl>
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });

  app.post('/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const back = localPath(
      deps.base,
      field(await c.req.parseBody({ all: true }), 'back'),
      `${deps.base}/jobs`,
    );
    return act(c, deps, 'cancelling the job', back, async () => {
      const job = await cancelJobAction(operatorOf(c, deps), id);
      return `${jobTitle(job)} (job ${job.id}) cancelled after ${job.done} of ${job.total ?? '?'} done`;
    });
  });

  app.get('/jobs/:id/progress', async (c) => {
    const job = await getJob(deps.hub.sql, c.get('session').principal.tenantId, c.req.param('id'));
    if (!job) return c.text(`No job ${c.req.param('id')}`, 404);
    return c.html(String(<JobProgress job={job} base={deps.base} />));
  });
}
