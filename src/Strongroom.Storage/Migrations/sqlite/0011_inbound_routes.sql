CREATE TABLE pci_token_aliases (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    token_id TEXT NOT NULL REFERENCES pci_tokens (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, alias)
);
CREATE UNIQUE INDEX pci_token_aliases_token ON pci_token_aliases (token_id);
CREATE TABLE inbound_routes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    upstream_url TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX inbound_routes_prefix ON inbound_routes (prefix);
CREATE INDEX inbound_routes_tenant ON inbound_routes (tenant_id);
