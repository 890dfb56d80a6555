CREATE TABLE pci_token_aliases (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    alias text NOT NULL,
    token_id uuid NOT NULL REFERENCES pci_tokens (id) ON DELETE CASCADE,
    created_at bigint NOT NULL,
    PRIMARY KEY (tenant_id, alias)
);
CREATE UNIQUE INDEX pci_token_aliases_token ON pci_token_aliases (token_id);
CREATE TABLE inbound_routes (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    prefix text NOT NULL,
    upstream_url text NOT NULL,
    definition text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX inbound_routes_prefix ON inbound_routes (prefix);
CREATE INDEX inbound_routes_tenant ON inbound_routes (tenant_id);
