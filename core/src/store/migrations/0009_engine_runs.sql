-- The run an external engine (Trigger.dev) has for each workflow id, as the hub recorded it when it started or
-- replayed the workflow: the engine's own listing is eventually consistent and forgets runs after 7 days.
create table engine_runs (
  workflow_id text primary key,
  run_id      text not null,
  updated_at  timestamptz not null default now()
);
