-- Per connection: where the pull stands, and who is running it.
create table sync_state (
  connection_id  text primary key references connections (id),
  -- Resume point of an interrupted sync (the connector's own cursor); null when the last sync completed.
  cursor         text,
  -- The "since" of the run that cursor belongs to (a backfill resumes only with the same one).
  cursor_since   timestamptz,
  -- Everything modified before this time has been pulled.
  watermark      timestamptz,
  -- A lease: one sync of a connection at a time, across hub processes.
  lease_owner    text,
  lease_until    timestamptz,
  last_run_at    timestamptz,
  last_result    jsonb,
  updated_at     timestamptz not null default now()
);
