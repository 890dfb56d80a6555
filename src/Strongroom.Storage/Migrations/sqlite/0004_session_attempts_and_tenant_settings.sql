ALTER TABLE sessions ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN completed_at INTEGER NULL;
CREATE TABLE tenant_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
