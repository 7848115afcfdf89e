-- Whether the stored cursor belongs to a backfill (which may be a vendor's bulk export) rather than to a
-- scheduled sync: a sync never resumes, overwrites or clears a backfill's cursor.
alter table sync_state add column cursor_backfill boolean not null default false;
