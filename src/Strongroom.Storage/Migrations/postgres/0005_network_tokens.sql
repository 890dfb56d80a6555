CREATE TABLE network_tokens (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme integer NOT NULL,
    first6 text NOT NULL,
    last4 text NOT NULL,
    pan_length integer NOT NULL,
    expiry_month integer NOT NULL,
    expiry_year integer NOT NULL,
    fingerprint bytea NOT NULL,
    card_ciphertext bytea NOT NULL,
    token_pan_ciphertext bytea NOT NULL,
    token_expiry_month integer NOT NULL,
    token_expiry_year integer NOT NULL,
    token_type integer NOT NULL,
    scheme_reference text NOT NULL,
    status integer NOT NULL,
    suspended_by integer NOT NULL,
    pci_token_id uuid NULL,
    metadata text NULL,
    cryptogram_counter bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX network_tokens_tenant_id ON network_tokens (tenant_id, id);
CREATE UNIQUE INDEX network_tokens_live_card ON network_tokens (tenant_id, fingerprint) WHERE status <> 4;
CREATE TABLE network_token_cryptograms (
    token_id uuid NOT NULL REFERENCES network_tokens (id) ON DELETE CASCADE,
    counter bigint NOT NULL,
    tenant_id uuid NOT NULL,
    amount bigint NULL,
    currency text NULL,
    reference_digest bytea NULL UNIQUE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint NULL,
    PRIMARY KEY (token_id, counter)
);
CREATE INDEX network_token_cryptograms_expiry ON network_token_cryptograms (expires_at);
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type text NOT NULL,
    subject_id uuid NOT NULL,
    data text NOT NULL,
    created_at bigint NOT NULL,
    dispatched_at bigint NULL
);
CREATE INDEX events_subject ON events (tenant_id, subject_id, seq);
CREATE INDEX events_pending ON events (seq) WHERE dispatched_at IS NULL;
