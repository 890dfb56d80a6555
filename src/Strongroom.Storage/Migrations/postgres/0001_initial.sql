CREATE TABLE tenants (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    created_at bigint NOT NULL
);
CREATE TABLE tenant_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    purpose integer NOT NULL,
    version integer NOT NULL,
    provider text NOT NULL,
    kek_version integer NOT NULL,
    wrapped bytea NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (tenant_id, purpose, version)
);
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name text NULL,
    secret_hash text NOT NULL,
    rights integer NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NULL,
    revoked_at bigint NULL
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
CREATE TABLE settings (
    name text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE pci_tokens (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme integer NOT NULL,
    first6 text NOT NULL,
    last4 text NOT NULL,
    pan_length integer NOT NULL,
    expiry_month integer NOT NULL,
    expiry_year integer NOT NULL,
    fingerprint bytea NOT NULL,
    ciphertext bytea NOT NULL,
    metadata text NULL,
    created_at bigint NOT NULL,
    expires_at bigint NULL
);
CREATE INDEX pci_tokens_tenant_id ON pci_tokens (tenant_id, id);
CREATE INDEX pci_tokens_fingerprint ON pci_tokens (tenant_id, fingerprint);
CREATE INDEX pci_tokens_expiry ON pci_tokens (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind integer NOT NULL,
    status integer NOT NULL,
    token_id uuid NULL,
    options text NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE idempotency_keys (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    idem_key text NOT NULL,
    request_digest bytea NOT NULL,
    status integer NULL,
    response bytea NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
