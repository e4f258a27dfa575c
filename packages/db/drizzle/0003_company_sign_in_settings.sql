ALTER TABLE "companies" ADD COLUMN "microsoft_tenant_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "google_hosted_domains" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "saml_idp_initiated" boolean DEFAULT true NOT NULL;