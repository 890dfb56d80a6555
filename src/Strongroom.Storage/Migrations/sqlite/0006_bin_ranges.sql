CREATE TABLE bin_ranges (
    prefix TEXT PRIMARY KEY,
    scheme INTEGER NOT NULL,
    funding INTEGER NOT NULL,
    bank TEXT NOT NULL,
    country TEXT NOT NULL,
    issuer_id TEXT NOT NULL
);
CREATE TABLE single_use_tokens (
    id TEXT PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    card_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme INTEGER NOT NULL,
    first6 TEXT NOT NULL,
    last4 TEXT NOT NULL,
    pan_length INTEGER NOT NULL,
    expiry_month INTEGER NOT NULL,
    expiry_year INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    address_ciphertext BLOB NULL,
    funding INTEGER NULL,
    issuer_bank TEXT NULL,
    issuer_country TEXT NULL,
    issuer_id TEXT NULL,
    client_ip TEXT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NULL
);
CREATE INDEX single_use_tokens_expiry ON single_use_tokens (expires_at);
