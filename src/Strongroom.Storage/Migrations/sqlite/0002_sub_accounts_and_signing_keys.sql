ALTER TABLE tenants ADD COLUMN parent_id TEXT NULL REFERENCES tenants (id);
CREATE INDEX tenants_parent ON tenants (parent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    public_key TEXT NOT NULL UNIQUE,
    sealed_secret BLOB NOT NULL,
    key_type INTEGER NOT NULL,
    title TEXT NULL,
    is_enabled INTEGER NOT NULL,
    restrict_access INTEGER NOT NULL,
    access_endpoints TEXT NOT NULL,
    last_nonce INTEGER NOT NULL,
    last_activity INTEGER NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX signing_keys_tenant ON signing_keys (tenant_id, created_at);
