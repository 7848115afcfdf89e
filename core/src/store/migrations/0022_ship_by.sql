-- Marketplace ship-by deadlines (issue 14): the latest time a marketplace expects an order's shipment confirmed
-- (Amazon latestShipDate, eBay shipByDate, Walmart estimatedShipDate), from the canonical order's `shipBy`,
-- beside the JSONB like the other searched columns. Connection health shows each connection's nearest deadline
-- among its orders not yet shipped, read from the partial index below (a handful of rows per connection).
-- Written by columns() (new-orders.ts) on insert and update. Safe to run twice.
alter table orders add column if not exists ship_by timestamptz;

update orders set ship_by = (data ->> 'shipBy')::timestamptz where ship_by is null and data ? 'shipBy';

create index if not exists orders_connection_ship_by on orders (connection_id, ship_by)
  where ship_by is not null and status in ('placed', 'accepted', 'in_fulfillment', 'partially_shipped', 'on_hold');
