CREATE TABLE bin_ranges (
    prefix text PRIMARY KEY,
    scheme integer NOT NULL,
    funding integer NOT NULL,
    bank text NOT NULL,
    country text NOT NULL,
    issuer_id text NOT NULL
);
CREATE TABLE single_use_tokens (
    id uuid PRIMARY KEY,
    public_id text NOT NULL UNIQUE,
    card_id text NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme integer NOT NULL,
    first6 text NOT NULL,
    last4 text NOT NULL,
    pan_length integer NOT NULL,
    expiry_month integer NOT NULL,
    expiry_year integer NOT NULL,
    fingerprint bytea NOT NULL,
    ciphertext bytea NOT NULL,
    address_ciphertext bytea NULL,
    funding integer NULL,
    issuer_bank text NULL,
    issuer_country text NULL,
    issuer_id text NULL,
    client_ip text NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint NULL
);
CREATE INDEX single_use_tokens_expiry ON single_use_tokens (expires_at);
