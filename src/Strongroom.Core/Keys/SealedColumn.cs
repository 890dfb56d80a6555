using Strongroom.Core.Crypto;

namespace Strongroom.Core.Keys;

/// <summary>
/// Every column that holds ciphertext sealed under a tenant DEK, with the record kind its AAD names. DEK rotation
/// walks these in order; adding a sealed column anywhere means adding it here (a test checks the schema for
/// blob columns this list does not know).
/// </summary>
public enum SealedColumn
{
    PciTokenCard = 0,
    CardTokenCard = 1,
    NetworkTokenCard = 2,
    NetworkTokenPan = 3,
    SingleUseTokenCard = 4,
    SingleUseTokenAddress = 5,
    IdempotentResponse = 6,
    SigningKeySecret = 7,
    ForwardClientIdentity = 8,
    WebhookSecret = 9,
    WebhookPreviousSecret = 10,
}

/// <summary>One sealed value of a tenant: the record id its AAD binds, and the envelope.</summary>
public sealed record SealedValue(Guid RecordId, byte[] Envelope);

public static class SealedColumns
{
    public static IReadOnlyList<SealedColumn> All { get; } = Enum.GetValues<SealedColumn>();

    public static RecordKind KindOf(SealedColumn column) => column switch
    {
        SealedColumn.PciTokenCard => RecordKind.PciToken,
        SealedColumn.CardTokenCard => RecordKind.CardToken,
        SealedColumn.NetworkTokenCard => RecordKind.NetworkTokenCard,
        SealedColumn.NetworkTokenPan => RecordKind.NetworkTokenPan,
        SealedColumn.SingleUseTokenCard => RecordKind.SingleUseToken,
        SealedColumn.SingleUseTokenAddress => RecordKind.SingleUseTokenAddress,
        SealedColumn.IdempotentResponse => RecordKind.IdempotentResponse,
        SealedColumn.ForwardClientIdentity => RecordKind.ForwardClientIdentity,
        SealedColumn.WebhookSecret => RecordKind.WebhookSecret,
        SealedColumn.WebhookPreviousSecret => RecordKind.WebhookPreviousSecret,
        _ => RecordKind.SigningKeySecret,
    };

    /// <summary>(table, id column, sealed column): constants only, so the store may splice them into SQL.</summary>
    public static (string Table, string Id, string Column) Location(SealedColumn column) => column switch
    {
        SealedColumn.PciTokenCard => ("pci_tokens", "id", "ciphertext"),
        SealedColumn.CardTokenCard => ("card_tokens", "id", "ciphertext"),
        SealedColumn.NetworkTokenCard => ("network_tokens", "id", "card_ciphertext"),
        SealedColumn.NetworkTokenPan => ("network_tokens", "id", "token_pan_ciphertext"),
        SealedColumn.SingleUseTokenCard => ("single_use_tokens", "id", "ciphertext"),
        SealedColumn.SingleUseTokenAddress => ("single_use_tokens", "id", "address_ciphertext"),
        SealedColumn.IdempotentResponse => ("idempotency_keys", "id", "response"),
        SealedColumn.ForwardClientIdentity => ("forward_destinations", "id", "client_identity"),
        SealedColumn.WebhookSecret => ("webhook_endpoints", "id", "secret"),
        SealedColumn.WebhookPreviousSecret => ("webhook_endpoints", "id", "previous_secret"),
        _ => ("signing_keys", "id", "sealed_secret"),
    };
}

public enum RotationJobStatus
{
    Running = 1,
    Completed = 2,
}

/// <summary>
/// A DEK rotation of one tenant: every sealed value re-encrypted under <see cref="ToVersion"/>, column by column
/// (<see cref="Stage"/> indexes <see cref="SealedColumns.All"/>), in id order after <see cref="Cursor"/>. The row
/// is updated after every batch, so a crashed job resumes where it stopped.
/// </summary>
public sealed record RotationJob(
    Guid Id,
    Guid TenantId,
    int ToVersion,
    RotationJobStatus Status,
    int Stage,
    Guid? Cursor,
    long Reencrypted,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CompletedAt = null);
