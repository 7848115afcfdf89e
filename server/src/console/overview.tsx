/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { overview } from '../operator/index.ts';
import { type ConsoleDeps, type ConsoleEnv, operatorOf, viewOf } from './context.ts';
import { JobProgress } from './jobs.tsx';
import { ago, Empty, Page, Time } from './layout.tsx';

type Overview = Awaited<ReturnType<typeof overview>>;

/**
 * Sixty bars, one a minute, oldest on the left: drawn with SVG attributes (the policy allows no inline style),
 * labelled in words for whoever cannot see it.
 */
function MinuteBars({ series, label }: { series: number[]; label: string }) {
  const peak = Math.max(1, ...series);
  return (
    <svg class="bars" viewBox="0 0 120 32" preserveAspectRatio="none" role="img" aria-label={label}>
      {series.map((n, i) => {
        const h = n ? Math.max(1.5, (n / peak) * 30) : 0;
        return <rect x={i * 2} y={32 - h} width="1.6" height={h} />;
      })}
      <line x1="0" y1="31.75" x2="120" y2="31.75" class="axis" />
    </svg>
  );
}

function OverviewPage({ data }: { data: Overview }) {
  const ex = data.exceptions;
  return (
    <>
      <section class="cards" aria-label="Figures">
        <div class="card">
          <h2>Open exceptions</h2>
          <p class="big">{ex.open}</p>
          <p class="sub">
            {ex.oldestOpenAt ? (
              <>
                oldest recorded <Time at={ex.oldestOpenAt} /> ({ago(ex.oldestOpenAt)})
              </>
            ) : (
              'none open'
            )}
          </p>
        </div>
        <div class="card">
          <h2>Queues</h2>
          <ul class="tally">
            <li>
              <span>deliveries waiting to be normalized</span>
              <b>{data.queues.received}</b>
            </li>
            <li>
              <span>orders waiting for their workflow</span>
              <b>{data.queues.awaitingWorkflow}</b>
            </li>
            <li>
              <span>jobs queued or running</span>
              <b>{data.queues.jobsRunning}</b>
            </li>
          </ul>
        </div>
        <div class="card">
          <h2>Connections in trouble</h2>
          {data.connectionsInTrouble.length ? (
            <ul class="trouble">
              {data.connectionsInTrouble.map((c) => (
                <li>
                  <b>⚠ {c.id}</b>: {c.trouble}
                </li>
              ))}
            </ul>
          ) : (
            <p>✓ None.</p>
          )}
        </div>
      </section>

      <section aria-labelledby="per-minute">
        <h2 id="per-minute">Orders per minute, last hour</h2>
        {data.ordersPerMinute.length ? (
          <ul class="series">
            {data.ordersPerMinute.map((s) => (
              <li>
                <p>
                  <b>{s.connectionId}</b>: {s.total} order{s.total === 1 ? '' : 's'} in the hour, at most{' '}
                  {Math.max(...s.lastHour)} in a minute
                </p>
                <MinuteBars
                  series={s.lastHour}
                  label={`${s.connectionId}: ${s.total} orders in the last hour; per minute, oldest first: ${s.lastHour.join(', ')}`}
                />
              </li>
            ))}
          </ul>
        ) : (
          <Empty>No orders in the last hour.</Empty>
        )}
      </section>

      <section aria-labelledby="by-reason">
        <h2 id="by-reason">Open exceptions by reason</h2>
        {ex.byKind.length ? (
          <ul class="tally narrow">
            {ex.byKind.map((k) => (
              <li>
                <a href={`exceptions?kind=${encodeURIComponent(k.kind)}`}>{k.kind}</a>
                <b>{k.count}</b>
              </li>
            ))}
          </ul>
        ) : (
          <Empty>None open.</Empty>
        )}
      </section>
    </>
  );
}

export function overviewPage(app: Hono<ConsoleEnv>, deps: ConsoleDeps) {
  app.get('/', async (c) => {
    const data = await overview(operatorOf(c, deps));
    const running = data.jobs.filter((j) => j.status === 'queued' || j.status === 'running');
    const html = (
      <Page view={viewOf(c, deps)} title="Overview">
        <OverviewPage data={data} />
        {running.length ? (
          <section aria-labelledby="jobs">
            <h2 id="jobs">Jobs running</h2>
            {running.map((job) => (
              <JobProgress job={job} base={deps.base} />
            ))}
          </section>
        ) : null}
      </Page>
    );
    return c.html(`<!doctype html>${html}`);
  });
}
