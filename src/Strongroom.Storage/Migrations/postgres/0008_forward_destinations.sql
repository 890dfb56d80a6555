CREATE TABLE forward_destinations (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scheme text NOT NULL,
    host text NOT NULL,
    port integer NOT NULL,
    allow_private integer NOT NULL,
    ca_certificate text NULL,
    client_identity bytea NULL,
    created_at bigint NOT NULL
);
CREATE INDEX forward_destinations_tenant ON forward_destinations (tenant_id);
