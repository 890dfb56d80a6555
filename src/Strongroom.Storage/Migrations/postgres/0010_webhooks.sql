ALTER TABLE sessions ADD COLUMN expiry_announced_at bigint NULL;
ALTER TABLE events ALTER COLUMN subject_id TYPE text USING subject_id::text;
CREATE INDEX sessions_unannounced ON sessions (expires_at) WHERE expiry_announced_at IS NULL AND status = 1;
CREATE INDEX events_created ON events (tenant_id, created_at);
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url text NOT NULL,
    description text NULL,
    event_types text NOT NULL,
    enabled integer NOT NULL,
    secret bytea NOT NULL,
    previous_secret bytea NULL,
    previous_secret_expires_at bigint NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status integer NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at bigint NOT NULL,
    deadline_at bigint NOT NULL,
    claim_id uuid NULL,
    last_status_code integer NULL,
    last_error text NULL,
    created_at bigint NOT NULL,
    completed_at bigint NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 1;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, created_at);
CREATE TABLE webhook_attempts (
    id uuid PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL,
    attempt integer NOT NULL,
    started_at bigint NOT NULL,
    duration_ms integer NOT NULL,
    status_code integer NULL,
    error text NULL,
    succeeded integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
