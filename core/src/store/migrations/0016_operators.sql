-- The operator's surface (issue 12): API keys per tenant, the audit log of what operators did, tracked jobs
-- (bulk replay, sync, backfill), and exceptions an operator ignored or resolved with a reason.

-- A key is shown once; only its SHA-256 is kept (keys are 192 random bits: a fast hash is the right one).
create table if not exists api_keys (
  id            text primary key,
  tenant_id     text not null references tenants (id),
  name          text not null,
  role          text not null check (role in ('admin', 'operator', 'viewer')),
  secret_sha256 bytea not null unique,
  -- The first characters of the key, to tell keys apart in a list without holding them.
  prefix        text not null,
  created_by    text not null,
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create index if not exists api_keys_tenant on api_keys (tenant_id, created_at desc);

-- Who did what, when, to which object, with the state before and after. Append-only.
create table if not exists audit_log (
  id           bigint generated always as identity primary key,
  tenant_id    text not null references tenants (id),
  -- 'key:<id>' for the API and the console, 'cli:<os user>' for the CLI.
  actor        text not null,
  actor_name   text,
  action       text not null,
  target_type  text not null,
  target_id    text not null,
  before       jsonb,
  after        jsonb,
  request_id   text,
  at           timestamptz not null default now()
);
create index if not exists audit_log_tenant on audit_log (tenant_id, id desc);
create index if not exists audit_log_target on audit_log (tenant_id, target_type, target_id, id desc);

-- Long operator actions, run by the hub in the background with progress: bulk replay, sync, backfill.
create table if not exists jobs (
  id           text primary key,
  tenant_id    text not null references tenants (id),
  kind         text not null,
  params       jsonb not null default '{}',
  status       text not null default 'queued'
               check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  total        integer,
  done         integer not null default 0,
  failed       integer not null default 0,
  -- Where a resumable job is (a bulk replay's keyset position), saved with its progress.
  cursor       text,
  last_error   text,
  created_by   text not null,
  created_at   timestamptz not null default now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  -- The process running it and when it last said so: a job whose runner stopped is taken up again.
  owner        text,
  heartbeat_at timestamptz
);
create index if not exists jobs_tenant on jobs (tenant_id, created_at desc, id desc);
create index if not exists jobs_runnable on jobs (created_at) where status in ('queued', 'running');

-- An operator may ignore an exception (with a reason) as well as resolve it.
alter table exceptions drop constraint if exists exceptions_status_check;
alter table exceptions add constraint exceptions_status_check check (status in ('open', 'resolved', 'ignored'));
alter table exceptions add column if not exists resolution text;
alter table exceptions add column if not exists resolved_by text;
-- Counts by reason and connection for the inbox's summary, over open exceptions only.
create index if not exists exceptions_open_counts on exceptions (tenant_id, kind, connection_id) where status = 'open';

-- A connection's last delivery, for its health (the newest row of one connection without scanning its inbox).
create index if not exists inbox_connection_received on inbox (connection_id, received_at desc);
