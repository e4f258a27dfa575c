CREATE TABLE "capacity_alerts" (
	"company_id" uuid NOT NULL,
	"pool" text NOT NULL,
	"resource" text NOT NULL,
	"office_id" uuid,
	"license_type_id" uuid,
	"free" integer NOT NULL,
	"threshold" integer NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "capacity_alerts_company_id_pool_pk" PRIMARY KEY("company_id","pool")
);
--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "seats_low_threshold" integer;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "numbers_low_threshold" integer;--> statement-breakpoint
ALTER TABLE "capacity_alerts" ADD CONSTRAINT "capacity_alerts_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_capacity_thresholds" CHECK ("companies"."seats_low_threshold" >= 0 and "companies"."numbers_low_threshold" >= 0);