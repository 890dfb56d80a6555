CREATE TABLE forward_destinations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    allow_private INTEGER NOT NULL,
    ca_certificate TEXT NULL,
    client_identity BLOB NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX forward_destinations_tenant ON forward_destinations (tenant_id);
