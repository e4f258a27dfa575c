ALTER TABLE "directories" ADD COLUMN "domains" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "directories" ADD COLUMN "master" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "directories" ADD COLUMN "adopt_existing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "master_changed_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "directories_one_master" ON "directories" USING btree ("company_id") WHERE "directories"."master";