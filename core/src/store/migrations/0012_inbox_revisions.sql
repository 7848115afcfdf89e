-- A corrected resend of a delivery that failed is stored beside it as a revision (issue 10): the row it revises,
-- so the family of one delivery is found by index, not by scanning a connection's keys.
alter table inbox add column if not exists revision_of bigint references inbox (id);
create index if not exists inbox_revision_of on inbox (revision_of) where revision_of is not null;
