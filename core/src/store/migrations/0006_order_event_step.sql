-- The workflow step that wrote a timeline event: written once per step, whatever the retries and recoveries.
alter table order_events add column step_key text;
create unique index order_events_step on order_events (order_id, step_key) where step_key is not null;
