CREATE TABLE card_tokens (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme integer NOT NULL,
    first6 text NOT NULL,
    last4 text NOT NULL,
    pan_length integer NOT NULL,
    fingerprint bytea NOT NULL,
    ciphertext bytea NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX card_tokens_tenant_id ON card_tokens (tenant_id, id);
CREATE INDEX card_tokens_fingerprint ON card_tokens (tenant_id, fingerprint);
