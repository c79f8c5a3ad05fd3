-- One transfer between a random pair of distinct accounts: lock both rows in id order, two balance updates, one
-- entry and its two postings, commit. :accounts comes from pgbench -D.
\set a random(1, :accounts)
\set b random(1, :accounts)
\set lo least(:a, :b)
\set hi greatest(:a, :b) + case when :a = :b then 1 else 0 end
begin;
select balance from accounts where id in (:lo, :hi) order by id for update;
update accounts set balance = balance - 1, version = version + 1 where id = :lo;
update accounts set balance = balance + 1, version = version + 1 where id = :hi;
with e as (insert into entries(amount) values (1) returning id)
insert into postings(entry_id, account_id, amount) select e.id, x.acc, x.amt from e, (values (:lo, -1), (:hi, 1)) x(acc, amt);
commit;
