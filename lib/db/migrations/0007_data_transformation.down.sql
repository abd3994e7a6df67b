-- Undoes 0007 in one statement, so the migration's transaction drops both tables or neither.
-- Turn DataTransformationFeature off first (infra/runbooks/feature-rollback.md).

drop table transformation_script_versions, transformation_scripts;
