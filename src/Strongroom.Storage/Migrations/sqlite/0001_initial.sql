CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE tenant_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    purpose INTEGER NOT NULL,
    version INTEGER NOT NULL,
    provider TEXT NOT NULL,
    kek_version INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, purpose, version)
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name TEXT NULL,
    secret_hash TEXT NOT NULL,
    rights INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NULL,
    revoked_at INTEGER NULL
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE pci_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme INTEGER NOT NULL,
    first6 TEXT NOT NULL,
    last4 TEXT NOT NULL,
    pan_length INTEGER NOT NULL,
    expiry_month INTEGER NOT NULL,
    expiry_year INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    metadata TEXT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NULL
);
CREATE INDEX pci_tokens_tenant_id ON pci_tokens (tenant_id, id);
CREATE INDEX pci_tokens_fingerprint ON pci_tokens (tenant_id, fingerprint);
CREATE INDEX pci_tokens_expiry ON pci_tokens (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind INTEGER NOT NULL,
    status INTEGER NOT NULL,
    token_id TEXT NULL,
    options TEXT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE idempotency_keys (
    id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    request_digest BLOB NOT NULL,
    status INTEGER NULL,
    response BLOB NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
