CREATE TABLE "group_rules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"group_display_name" text,
	"group_id" uuid,
	"office_id" uuid,
	"license_type_id" uuid,
	"priority" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_rules_one_group" CHECK (("group_rules"."group_display_name" is null) <> ("group_rules"."group_id" is null)),
	CONSTRAINT "group_rules_decides" CHECK ("group_rules"."office_id" is not null or "group_rules"."license_type_id" is not null)
);
--> statement-breakpoint
ALTER TABLE "directories" ADD COLUMN "group_rule_hold_seconds" integer DEFAULT 300 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "matched_rule_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "pinned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "group_rules" ADD CONSTRAINT "group_rules_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_rules" ADD CONSTRAINT "group_rules_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_rules" ADD CONSTRAINT "group_rules_license_type_id_license_types_id_fk" FOREIGN KEY ("license_type_id") REFERENCES "public"."license_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "group_rules_company" ON "group_rules" USING btree ("company_id","created_at");--> statement-breakpoint
ALTER TABLE "directories" ADD CONSTRAINT "directories_group_rule_hold" CHECK ("directories"."group_rule_hold_seconds" between 0 and 86400);