ALTER TABLE sessions ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN completed_at bigint NULL;
CREATE TABLE tenant_settings (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
