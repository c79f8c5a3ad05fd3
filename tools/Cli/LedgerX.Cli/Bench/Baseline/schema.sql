-- The raw-SQL baseline's schema: the least a double-entry transfer needs (balances, one entry, two postings).
-- :accounts is set by `ledgerx bench --baseline` (psql -v): the uniform pairs come from 1..accounts, and the hot
-- mode's receivers from 2..accounts+1 with account 1 as the one payer, as in the ledger's own hot mode.
create table accounts(id int primary key, balance bigint not null, version bigint not null default 0);
create table entries(id bigserial primary key, created_at timestamptz not null default now(), amount bigint not null);
create table postings(id bigserial primary key, entry_id bigint not null, account_id int not null, amount bigint not null);
insert into accounts select g, 1000000000 from generate_series(1, :accounts + 1) g;
-- Fresh statistics before the first run, so the baseline's plans do not depend on when autoanalyze runs either.
analyze;
