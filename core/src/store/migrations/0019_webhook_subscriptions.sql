-- What the last repair of a connection's webhook subscriptions did (switchyard connections sync-webhooks, the
-- API, the console), for the connection's health: where they point, when, and what was changed or failed.
create table if not exists webhook_subscriptions (
  connection_id text primary key references connections (id),
  url           text not null,
  synced_at     timestamptz not null default now(),
  ok            boolean not null,
  result        jsonb not null default '{}',
  error         text
);
