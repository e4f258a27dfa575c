CREATE TABLE "companies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"default_area_code" text NOT NULL,
	"billing_day" integer DEFAULT 1 NOT NULL,
	"extension_start" integer DEFAULT 100 NOT NULL,
	"extension_end" integer DEFAULT 9999 NOT NULL,
	"auto_purchase_licenses" boolean DEFAULT true NOT NULL,
	"prevent_other_sso" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "companies_billing_day" CHECK ("companies"."billing_day" between 1 and 31),
	CONSTRAINT "companies_extension_range" CHECK ("companies"."extension_start" >= 0 and "companies"."extension_end" >= "companies"."extension_start")
);
--> statement-breakpoint
CREATE TABLE "license_types" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"name" text NOT NULL,
	"monthly_price_cents" integer NOT NULL,
	"assigns_did" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "license_types_price" CHECK ("license_types"."monthly_price_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "offices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"name" text NOT NULL,
	"country" text NOT NULL,
	"main" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "seats" (
	"office_id" uuid NOT NULL,
	"license_type_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"purchased" integer DEFAULT 0 NOT NULL,
	"used" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "seats_office_id_license_type_id_pk" PRIMARY KEY("office_id","license_type_id"),
	CONSTRAINT "seats_used_in_range" CHECK ("seats"."used" >= 0 and "seats"."used" <= "seats"."purchased")
);
--> statement-breakpoint
CREATE TABLE "directories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scim_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"directory_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"hint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "group_members_group_id_user_id_pk" PRIMARY KEY("group_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"directory_id" uuid NOT NULL,
	"display_name" text NOT NULL,
	"external_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "carrier_orders" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"area_code" text NOT NULL,
	"e164" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "charges" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"office_id" uuid NOT NULL,
	"license_type_id" uuid NOT NULL,
	"user_id" uuid,
	"quantity" integer NOT NULL,
	"unit_price_cents" integer NOT NULL,
	"amount_cents" integer NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"idempotency_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "extension_pool" (
	"company_id" uuid NOT NULL,
	"extension" integer NOT NULL,
	"user_id" uuid
);
--> statement-breakpoint
CREATE TABLE "numbers" (
	"e164" text PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"office_id" uuid,
	"assigned_user_id" uuid,
	"source" text DEFAULT 'pool' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"generation" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sandbox_carrier_sales" (
	"e164" text PRIMARY KEY NOT NULL,
	"area_code" text NOT NULL,
	"seq" integer NOT NULL,
	"idempotency_key" text NOT NULL,
	"sold_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"company_id" uuid NOT NULL,
	"directory_id" uuid NOT NULL,
	"user_name" text NOT NULL,
	"external_id" text,
	"display_name" text,
	"email" text,
	"active" boolean NOT NULL,
	"resource" jsonb NOT NULL,
	"password_hash" text,
	"password_pending" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"license_type_id" uuid NOT NULL,
	"office_hints" jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"generation" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'provisioning' NOT NULL,
	"error_code" text,
	"error_detail" text,
	"office_id" uuid,
	"matched_by" text,
	"matched_value" text,
	"seat_license_type_id" uuid,
	"did" text,
	"extension" integer,
	"did_allocations" integer DEFAULT 0 NOT NULL,
	"applied_generation" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "license_types" ADD CONSTRAINT "license_types_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offices" ADD CONSTRAINT "offices_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_license_type_id_license_types_id_fk" FOREIGN KEY ("license_type_id") REFERENCES "public"."license_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "seats" ADD CONSTRAINT "seats_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directories" ADD CONSTRAINT "directories_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scim_tokens" ADD CONSTRAINT "scim_tokens_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scim_tokens" ADD CONSTRAINT "scim_tokens_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "carrier_orders" ADD CONSTRAINT "carrier_orders_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charges" ADD CONSTRAINT "charges_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charges" ADD CONSTRAINT "charges_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charges" ADD CONSTRAINT "charges_license_type_id_license_types_id_fk" FOREIGN KEY ("license_type_id") REFERENCES "public"."license_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "extension_pool" ADD CONSTRAINT "extension_pool_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "extension_pool" ADD CONSTRAINT "extension_pool_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "numbers" ADD CONSTRAINT "numbers_assigned_user_id_users_id_fk" FOREIGN KEY ("assigned_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_directory_id_directories_id_fk" FOREIGN KEY ("directory_id") REFERENCES "public"."directories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_license_type_id_license_types_id_fk" FOREIGN KEY ("license_type_id") REFERENCES "public"."license_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_office_id_offices_id_fk" FOREIGN KEY ("office_id") REFERENCES "public"."offices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_seat_license_type_id_license_types_id_fk" FOREIGN KEY ("seat_license_type_id") REFERENCES "public"."license_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "license_types_company_name" ON "license_types" USING btree ("company_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "offices_company_name" ON "offices" USING btree ("company_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "offices_one_main" ON "offices" USING btree ("company_id") WHERE "offices"."main";--> statement-breakpoint
CREATE INDEX "offices_company_created" ON "offices" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "seats_company" ON "seats" USING btree ("company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "directories_company_name" ON "directories" USING btree ("company_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "scim_tokens_hash" ON "scim_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "scim_tokens_directory" ON "scim_tokens" USING btree ("directory_id");--> statement-breakpoint
CREATE INDEX "group_members_user" ON "group_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "groups_directory_display_name" ON "groups" USING btree ("directory_id",lower("display_name"));--> statement-breakpoint
CREATE UNIQUE INDEX "groups_directory_external_id" ON "groups" USING btree ("directory_id","external_id") WHERE "groups"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "groups_directory_list" ON "groups" USING btree ("directory_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_company" ON "audit_events" USING btree ("company_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "charges_idempotency_key" ON "charges" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "charges_company" ON "charges" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "extension_pool_pk" ON "extension_pool" USING btree ("company_id","extension");--> statement-breakpoint
CREATE INDEX "extension_pool_free" ON "extension_pool" USING btree ("company_id","extension") WHERE "extension_pool"."user_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "extension_pool_user" ON "extension_pool" USING btree ("user_id") WHERE "extension_pool"."user_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "numbers_assigned_user" ON "numbers" USING btree ("assigned_user_id") WHERE "numbers"."assigned_user_id" is not null;--> statement-breakpoint
CREATE INDEX "numbers_free" ON "numbers" USING btree ("company_id","office_id","e164" collate "C") WHERE "numbers"."assigned_user_id" is null;--> statement-breakpoint
CREATE INDEX "numbers_company" ON "numbers" USING btree ("company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sandbox_carrier_sales_key" ON "sandbox_carrier_sales" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "sandbox_carrier_sales_seq" ON "sandbox_carrier_sales" USING btree ("area_code","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "users_company_username" ON "users" USING btree ("company_id",lower("user_name")) WHERE "users"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "users_directory_external_id" ON "users" USING btree ("directory_id","external_id") WHERE "users"."deleted_at" is null and "users"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "users_directory_list" ON "users" USING btree ("directory_id","id") WHERE "users"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "users_company_extension" ON "users" USING btree ("company_id","extension") WHERE "users"."extension" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "users_did" ON "users" USING btree ("did") WHERE "users"."did" is not null;--> statement-breakpoint
CREATE INDEX "users_company_status" ON "users" USING btree ("company_id","status");--> statement-breakpoint
CREATE INDEX "users_office" ON "users" USING btree ("office_id");--> statement-breakpoint
CREATE INDEX "users_password_pending" ON "users" USING btree ("id") WHERE "users"."password_pending" is not null;