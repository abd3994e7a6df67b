-- Undoes 0006: the flags go with their table; their history stays in audit_log.

drop table feature_flags;
