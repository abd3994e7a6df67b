-- Undoes 0001 completely, the migration ledger included: after it the database is as it
-- was before the first migration.

drop table audit_log;
drop table outbox;
drop table inbox;
drop table bus_dead_letters;
drop table bus_messages;
drop table schema_migrations;
