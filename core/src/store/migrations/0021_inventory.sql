-- The inventory ledger (issue 13): stock per (tenant, SKU, location), every change an append-only movement, the
-- reservations orders hold, the routing decisions and the shipments they made, and the SKUs whose channel figures
-- are due. Safe to run twice.

-- The balance of one SKU at one location. Written only with a movement, in the movement's transaction; the
-- movements' changes summed give the same figures (checkLedger). on_hand may fall below reserved after a count
-- finds less than was promised (shrinkage): available is then negative and shown as 0 to the channels; a
-- reservation never makes it negative (reserveStock's `where` below its row lock).
create table if not exists stock_levels (
  tenant_id text not null references tenants (id),
  sku text not null,
  location_id text not null,
  on_hand bigint not null default 0 check (on_hand >= 0),
  reserved bigint not null default 0 check (reserved >= 0),
  safety_stock bigint not null default 0 check (safety_stock >= 0),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, sku, location_id)
);
create index if not exists stock_levels_location on stock_levels (tenant_id, location_id, sku);

-- Every change to a balance, never updated or deleted. `quantity` is what the movement says (a count's new
-- figure, an adjustment's signed change, the units received, reserved, released, shipped or returned); the two
-- *_change columns are its effect, the *_after columns the balance it left. The idempotency key makes a movement
-- recorded twice (a retried step, a CSV loaded again) count once.
create table if not exists stock_movements (
  id bigserial primary key,
  tenant_id text not null references tenants (id),
  sku text not null,
  location_id text not null,
  kind text not null check (kind in ('receipt', 'adjustment', 'reservation', 'release', 'shipment', 'return', 'count', 'safety')),
  quantity bigint not null,
  on_hand_change bigint not null,
  reserved_change bigint not null,
  on_hand_after bigint not null,
  reserved_after bigint not null,
  reason text,
  source_ref text,
  actor text,
  idempotency_key text not null,
  created_at timestamptz not null default now(),
  unique (tenant_id, idempotency_key)
);
create index if not exists stock_movements_level on stock_movements (tenant_id, sku, location_id, id desc);
create index if not exists stock_movements_recent on stock_movements (tenant_id, id desc);

-- Where an order was sent: one row per routing (the workflow's route step, or an operator's reroute), with the
-- decision as explained on the order's timeline.
create table if not exists order_routings (
  key text primary key,
  tenant_id text not null references tenants (id),
  order_id text not null references orders (id),
  decision jsonb not null,
  created_at timestamptz not null default now()
);
create index if not exists order_routings_order on order_routings (order_id, created_at);

-- The order's shipments as routed: the location each leaves from (an operator may move a planned one) and how
-- far it has gone. The shipping steps read the location here, so a rerouted shipment is shipped from its new place.
create table if not exists order_shipments (
  order_id text not null references orders (id),
  n int not null check (n >= 1),
  tenant_id text not null references tenants (id),
  routing_key text not null references order_routings (key),
  location_id text not null,
  lines jsonb not null,
  status text not null default 'planned' check (status in ('planned', 'rated', 'shipped', 'cancelled')),
  updated_at timestamptz not null default now(),
  primary key (order_id, n)
);

-- The units an order holds at a location, per shipment and line; shipped and released count down what is still
-- held (quantity - shipped - released).
create table if not exists stock_reservations (
  id bigserial primary key,
  tenant_id text not null references tenants (id),
  order_id text not null references orders (id),
  shipment_n int not null,
  line_id text not null,
  sku text not null,
  location_id text not null,
  quantity bigint not null check (quantity > 0),
  shipped bigint not null default 0 check (shipped >= 0),
  released bigint not null default 0 check (released >= 0),
  created_at timestamptz not null default now(),
  check (shipped + released <= quantity),
  unique (order_id, shipment_n, line_id, location_id)
);
create index if not exists stock_reservations_open on stock_reservations (tenant_id, sku, location_id)
  where shipped + released < quantity;

-- Changes whose figures on the channels are due: a row per ledger change, appended (never updated, so writers
-- take no lock another writer or the pusher could wait on). The pusher takes a SKU's rows together (a burst is
-- one push), and deletes those it pushed; rows that came meanwhile make the SKU due again. A SKU is taken once
-- its changes have settled for a moment, or once its oldest has waited long enough, so a steady stream still goes out.
create table if not exists stock_change_log (
  id bigserial primary key,
  tenant_id text not null references tenants (id),
  sku text not null,
  at timestamptz not null default now()
);
create index if not exists stock_change_log_sku on stock_change_log (tenant_id, sku, id);

-- Which pusher holds a SKU (owner), until when: one at a time, so an older figure is never sent after a newer
-- one. A pusher renews its claim before each channel and gives a SKU up once the claim is no longer its own.
create table if not exists stock_push_claims (
  tenant_id text not null references tenants (id),
  sku text not null,
  owner text not null,
  claimed_until timestamptz not null,
  primary key (tenant_id, sku)
);

-- What each channel was last told for a SKU at one of its locations ('' for a channel with one figure), and the
-- channel's id of the item (which its own stock webhooks name).
create table if not exists stock_pushes (
  connection_id text not null references connections (id),
  sku text not null,
  channel_location text not null default '',
  quantity bigint not null,
  channel_item text,
  pushed_at timestamptz not null default now(),
  -- When the channel last reported this figure from its own admin (a stock webhook): an older report is stale.
  reported_at timestamptz,
  primary key (connection_id, sku, channel_location)
);
create index if not exists stock_pushes_item on stock_pushes (connection_id, channel_item);
