CREATE TABLE "breaker_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "held_changes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"directory_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "deactivation_breaker" jsonb;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "held_kind" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "held_active" boolean;--> statement-breakpoint
CREATE INDEX "breaker_events_company" ON "breaker_events" USING btree ("company_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "held_changes_user" ON "held_changes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "held_changes_company" ON "held_changes" USING btree ("company_id","id");