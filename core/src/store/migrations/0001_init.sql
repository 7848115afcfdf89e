-- Tenants and their connections, from switchyard.config.ts (synced at start).
create table tenants (
  id          text primary key,
  name        text not null,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table connections (
  id          text primary key,
  tenant_id   text not null references tenants (id),
  connector   text not null,
  settings    jsonb not null default '{}',
  -- AES-256-GCM sealed JSON of the resolved secrets (see core/src/secrets.ts).
  secrets     text,
  -- false once the connection is removed from the config; its history stays.
  active      boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index connections_tenant on connections (tenant_id);

-- Every accepted inbound payload, raw, stored once per (connection, dedupe key).
create table inbox (
  id            bigint generated always as identity primary key,
  tenant_id     text not null references tenants (id),
  connection_id text not null references connections (id),
  dedupe_key    text not null,
  received_at   timestamptz not null default now(),
  method        text not null,
  path          text not null,
  headers       jsonb not null,
  content_type  text not null,
  body          bytea not null,
  status        text not null check (status in ('processed', 'ignored', 'failed')),
  processed_at  timestamptz,
  constraint inbox_once unique (connection_id, dedupe_key)
);
create index inbox_tenant_received on inbox (tenant_id, received_at desc);

-- Canonical orders: the whole order as JSONB, the columns we filter on beside it.
create table orders (
  id                 text primary key,
  tenant_id          text not null references tenants (id),
  connection_id      text not null references connections (id),
  connector          text not null,
  external_id        text not null,
  external_number    text,
  status             text not null,
  currency           text not null,
  total_amount       bigint not null,
  po_number          text,
  placed_at          timestamptz not null,
  source_updated_at  timestamptz not null,
  version            integer not null check (version > 0),
  data               jsonb not null,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint orders_once unique (tenant_id, connection_id, external_id)
);
create index orders_tenant_created on orders (tenant_id, created_at desc, id desc);
create index orders_tenant_status on orders (tenant_id, status);
create index orders_tenant_po on orders (tenant_id, po_number) where po_number is not null;

-- The timeline: one row per change, in order.
create table order_events (
  id         bigint generated always as identity primary key,
  order_id   text not null references orders (id),
  tenant_id  text not null,
  version    integer not null,
  type       text not null,
  data       jsonb not null default '{}',
  inbox_id   bigint references inbox (id),
  at         timestamptz not null default now()
);
create index order_events_order on order_events (order_id, id);

-- What failed, why, on which input; replayable.
create table exceptions (
  id             text primary key,
  tenant_id      text not null references tenants (id),
  connection_id  text references connections (id),
  kind           text not null,
  inbox_id       bigint references inbox (id),
  message        text not null,
  detail         jsonb not null default '{}',
  status         text not null default 'open' check (status in ('open', 'resolved')),
  replay_count   integer not null default 0,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  resolved_at    timestamptz
);
create index exceptions_tenant_status on exceptions (tenant_id, status, created_at desc);
create unique index exceptions_open_per_input on exceptions (inbox_id) where status = 'open';
