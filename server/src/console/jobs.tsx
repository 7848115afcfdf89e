/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { getJob, type Job, listJobs } from '@switchyard/core';
import type { Hono } from 'hono';
import { type ConsoleDeps, type ConsoleEnv, viewOf } from './context.ts';
import { Empty, Page, Status, Time } from './layout.tsx';

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

export function jobPages(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  app.get('/jobs', async (c) => {
    const jobs = await listJobs(deps.hub.sql, c.get('session').principal.tenantId, { limit: 50 });
    const html = (
      <Page view={viewOf(c, deps)} title="Jobs">
        {jobs.length ? (
          jobs.map((job) => <JobProgress job={job} base={deps.base} />)
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
    const html = (
      <Page view={viewOf(c, deps)} title={`${jobTitle(job)} · job ${job.id}`}>
        <p>
          <a href={`${deps.base}/jobs`}>← Jobs</a>
        </p>
        <JobProgress job={job} base={deps.base} />
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

  app.get('/jobs/:id/progress', async (c) => {
    const job = await getJob(deps.hub.sql, c.get('session').principal.tenantId, c.req.param('id'));
    if (!job) return c.text(`No job ${c.req.param('id')}`, 404);
    return c.html(String(<JobProgress job={job} base={deps.base} />));
  });
}
