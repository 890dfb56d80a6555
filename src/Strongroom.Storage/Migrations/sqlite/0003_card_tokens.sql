CREATE TABLE card_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme INTEGER NOT NULL,
    first6 TEXT NOT NULL,
    last4 TEXT NOT NULL,
    pan_length INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX card_tokens_tenant_id ON card_tokens (tenant_id, id);
CREATE INDEX card_tokens_fingerprint ON card_tokens (tenant_id, fingerprint);
