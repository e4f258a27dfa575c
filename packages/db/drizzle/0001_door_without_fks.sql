ALTER TABLE "users" DROP CONSTRAINT "users_company_id_companies_id_fk";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_directory_id_directories_id_fk";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_license_type_id_license_types_id_fk";
--> statement-breakpoint
DROP INDEX "users_company_status";--> statement-breakpoint
DROP INDEX "users_office";--> statement-breakpoint
CREATE INDEX "users_company_waiting" ON "users" USING btree ("company_id","status") WHERE "users"."status" in ('failed', 'suspended');--> statement-breakpoint
CREATE INDEX "users_office" ON "users" USING btree ("office_id") WHERE "users"."office_id" is not null;