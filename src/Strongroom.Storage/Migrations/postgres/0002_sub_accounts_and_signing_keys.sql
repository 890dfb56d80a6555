ALTER TABLE tenants ADD COLUMN parent_id uuid NULL REFERENCES tenants (id);
CREATE INDEX tenants_parent ON tenants (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE signing_keys (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    public_key text NOT NULL UNIQUE,
    sealed_secret bytea NOT NULL,
    key_type integer NOT NULL,
    title text NULL,
    is_enabled integer NOT NULL,
    restrict_access integer NOT NULL,
    access_endpoints text NOT NULL,
    last_nonce bigint NOT NULL,
    last_activity bigint NULL,
    created_at bigint NOT NULL
);
CREATE INDEX signing_keys_tenant ON signing_keys (tenant_id, created_at);
