-- Access tokens' states (issue 14), as the process that minted them last saw them: connection health reads them
-- here, so any hub process (a worker serving the console) shows what the process making the calls knows. Never
-- the token itself: its state, expiry, last failure in words, and the connector's early warning. Safe to run twice.
create table if not exists token_states (
  connection_id text not null references connections (id),
  name          text not null,
  state         text not null,
  expires_at    timestamptz,
  minted_at     timestamptz,
  error         text,
  notice        text,
  updated_at    timestamptz not null default now(),
  primary key (connection_id, name)
);

-- Connection health's last hour of fetched notifications, per connection, without reading every row.
create index if not exists hydrations_connection_hydrated on hydrations (connection_id, hydrated_at)
  where status = 'hydrated';
