CREATE TABLE key_rotation_jobs (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    to_version integer NOT NULL,
    status integer NOT NULL,
    stage integer NOT NULL,
    cursor uuid NULL,
    reencrypted bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    completed_at bigint NULL
);
CREATE INDEX key_rotation_jobs_tenant ON key_rotation_jobs (tenant_id, created_at);
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    tenant_id uuid NULL,
    target text NULL,
    details text NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    seal bytea NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
