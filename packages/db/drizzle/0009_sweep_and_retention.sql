ALTER TABLE "companies" ADD COLUMN "suspended_retention_days" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "desired_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "users_owed" ON "users" USING btree ("desired_at") WHERE "users"."applied_generation" < "users"."generation";--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_suspended_retention_days" CHECK ("companies"."suspended_retention_days" >= 1);