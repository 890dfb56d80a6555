CREATE TABLE network_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme INTEGER NOT NULL,
    first6 TEXT NOT NULL,
    last4 TEXT NOT NULL,
    pan_length INTEGER NOT NULL,
    expiry_month INTEGER NOT NULL,
    expiry_year INTEGER NOT NULL,
    fingerprint BLOB NOT NULL,
    card_ciphertext BLOB NOT NULL,
    token_pan_ciphertext BLOB NOT NULL,
    token_expiry_month INTEGER NOT NULL,
    token_expiry_year INTEGER NOT NULL,
    token_type INTEGER NOT NULL,
    scheme_reference TEXT NOT NULL,
    status INTEGER NOT NULL,
    suspended_by INTEGER NOT NULL,
    pci_token_id TEXT NULL,
    metadata TEXT NULL,
    cryptogram_counter INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX network_tokens_tenant_id ON network_tokens (tenant_id, id);
CREATE UNIQUE INDEX network_tokens_live_card ON network_tokens (tenant_id, fingerprint) WHERE status <> 4;
CREATE TABLE network_token_cryptograms (
    token_id TEXT NOT NULL REFERENCES network_tokens (id) ON DELETE CASCADE,
    counter INTEGER NOT NULL,
    tenant_id TEXT NOT NULL,
    amount INTEGER NULL,
    currency TEXT NULL,
    reference_digest BLOB NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NULL,
    PRIMARY KEY (token_id, counter)
);
CREATE INDEX network_token_cryptograms_expiry ON network_token_cryptograms (expires_at);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    dispatched_at INTEGER NULL
);
CREATE INDEX events_subject ON events (tenant_id, subject_id, seq);
CREATE INDEX events_pending ON events (seq) WHERE dispatched_at IS NULL;
