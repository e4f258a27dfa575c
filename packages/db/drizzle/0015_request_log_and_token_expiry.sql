CREATE TABLE "scim_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"directory_id" uuid NOT NULL,
	"token_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"status" integer NOT NULL,
	"scim_type" text,
	"detail" text,
	"user_id" uuid,
	"user_name" text,
	"duration_ms" real NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scim_tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "scim_tokens" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "scim_requests_directory" ON "scim_requests" USING btree ("directory_id","at","id");--> statement-breakpoint
CREATE INDEX "scim_requests_at" ON "scim_requests" USING brin ("at");--> statement-breakpoint
CREATE INDEX "scim_requests_user_name" ON "scim_requests" USING btree ("company_id",lower("user_name")) WHERE "scim_requests"."user_name" is not null;