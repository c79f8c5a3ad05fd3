-- One transfer from the hot account 1 to a random receiver: every transaction locks the same row (the worst case of
-- row locking, which the ledger's group commit turns into its best case). :accounts comes from pgbench -D.
\set b random(2, :accounts + 1)
begin;
select balance from accounts where id in (1, :b) order by id for update;
update accounts set balance = balance - 1, version = version + 1 where id = 1;
update accounts set balance = balance + 1, version = version + 1 where id = :b;
with e as (insert into entries(amount) values (1) returning id)
insert into postings(entry_id, account_id, amount) select e.id, x.acc, x.amt from e, (values (1, -1), (:b, 1)) x(acc, amt);
commit;
