CREATE TABLE key_rotation_jobs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    to_version INTEGER NOT NULL,
    status INTEGER NOT NULL,
    stage INTEGER NOT NULL,
    cursor TEXT NULL,
    reencrypted INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER NULL
);
CREATE INDEX key_rotation_jobs_tenant ON key_rotation_jobs (tenant_id, created_at);
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    tenant_id TEXT NULL,
    target TEXT NULL,
    details TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    seal BLOB NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
