-- Fencing for hydration claims (issue 11): each claim takes the next number, and a hydrator writes its result only
-- while the row still carries the number of its own claim. A process whose lease ran out (a slow fetch, a paused
-- VM) then cannot overwrite what the process that claimed the row after it wrote.
alter table hydrations add column if not exists claim bigint not null default 0;
