namespace Strongroom.Storage;

/// <summary>
/// The hot write statements, shared by the per-call path of <see cref="SqlVaultStore"/> and the group-commit writers of each
/// engine, so a batched token is written by exactly the SQL an unbatched one is.
/// </summary>
internal static class WriteStatements
{
    public const string TokenColumns = "id, tenant_id, scheme, first6, last4, pan_length, expiry_month, expiry_year, fingerprint, ciphertext, metadata, created_at, expires_at";

    public const string InsertPciToken =
        $"INSERT INTO pci_tokens ({TokenColumns}) VALUES (@id, @t, @scheme, @first6, @last4, @len, @month, @year, @fp, @ct, @meta, @created, @expires)";

    public const string InsertEvent =
        "INSERT INTO events (id, tenant_id, type, subject_id, data, created_at, dispatched_at) VALUES (@id, @t, @type, @s, @data, @created, NULL)";

    /// <summary>Completes only the still-open reservation the request holds: 0 rows means a retry took it over.</summary>
    public const string CompleteIdempotencyKey =
        "UPDATE idempotency_keys SET status = @status, response = @response WHERE tenant_id = @t AND idem_key = @k AND id = @id AND status IS NULL";

    public const string DeleteExpiredIdempotencyKey = "DELETE FROM idempotency_keys WHERE tenant_id = @t AND idem_key = @k AND expires_at <= @now";

    public const string ReserveIdempotencyKey =
        "INSERT INTO idempotency_keys (id, tenant_id, idem_key, request_digest, status, response, created_at, expires_at) " +
        "VALUES (@id, @t, @k, @digest, NULL, NULL, @created, @expires) ON CONFLICT (tenant_id, idem_key) DO NOTHING";
}
