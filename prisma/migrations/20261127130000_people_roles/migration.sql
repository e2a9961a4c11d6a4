-- People, roles and key scopes (issue 51).
--
-- A person belongs to one tenant: created by an admin, or on first single sign-on (identified by the
-- OpenID provider's issuer and subject). A person has a role in the tenant and may have another in a
-- project (`project_roles`, by project name: a role may be given before the project's first
-- session). Roles, lowest first: reader, member (agents write), maintainer (approves, corrects),
-- admin.
--
-- A key may belong to a person (`person_id`): it then acts as that person, its own role a ceiling.
-- A key may be limited to some projects (`projects`, null: every project of the tenant), made
-- read-only (`read_only`), and given an expiry (`expires_at`: the keys a sign-in mints).
ALTER TYPE "api_key_role" ADD VALUE IF NOT EXISTS 'reader';

CREATE TABLE "people" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "email" VARCHAR(320),
    "issuer" VARCHAR(500),
    "subject" VARCHAR(255),
    "role" "api_key_role" NOT NULL DEFAULT 'member',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),
    CONSTRAINT "people_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "people_tenant_id_issuer_subject_key" ON "people"("tenant_id", "issuer", "subject");
CREATE INDEX "people_tenant_id_email_idx" ON "people"("tenant_id", "email");
ALTER TABLE "people" ADD CONSTRAINT "people_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "project_roles" (
    "person_id" UUID NOT NULL,
    "project" VARCHAR(128) NOT NULL,
    "role" "api_key_role" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "project_roles_pkey" PRIMARY KEY ("person_id", "project")
);
ALTER TABLE "project_roles" ADD CONSTRAINT "project_roles_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "api_keys" ADD COLUMN "person_id" UUID;
ALTER TABLE "api_keys" ADD COLUMN "projects" VARCHAR(128)[];
ALTER TABLE "api_keys" ADD COLUMN "read_only" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "api_keys" ADD COLUMN "expires_at" TIMESTAMPTZ(3);
CREATE INDEX "api_keys_person_id_idx" ON "api_keys"("person_id");
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A person's role or state is part of every principal of their keys: cached keys are dropped when
-- either changes (the channel of migration 20261123090000_batched_capture).
CREATE TRIGGER "people_announce" AFTER UPDATE OR DELETE ON "people" FOR EACH ROW EXECUTE FUNCTION "memflow_announce_api_key"();
-- (project_roles has no `id` for that function's OLD.id: its own, which drops every cached key.)
CREATE FUNCTION "memflow_announce_roles"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('memflow_api_keys', '*');
  RETURN NULL;
END $$;
CREATE TRIGGER "project_roles_announce" AFTER INSERT OR UPDATE OR DELETE ON "project_roles" FOR EACH ROW EXECUTE FUNCTION "memflow_announce_roles"();
