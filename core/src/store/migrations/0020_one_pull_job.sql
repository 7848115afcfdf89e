-- At most one queued or running sync/backfill job per connection: two operators pressing "sync now" at once get
-- one job and a 409, not two jobs racing for the connection's lease.
create unique index if not exists jobs_one_pull on jobs (tenant_id, (params ->> 'connectionId'))
  where kind in ('sync', 'backfill') and status in ('queued', 'running');
