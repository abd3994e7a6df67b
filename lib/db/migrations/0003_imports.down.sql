drop table import_staging;
drop table import_errors;
drop table import_chunks;
drop table import_jobs;
