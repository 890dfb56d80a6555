namespace Strongroom.Core.Crypto;

/// <summary>What kind of record a ciphertext belongs to; part of its AAD so kinds cannot be swapped.</summary>
public enum RecordKind : byte
{
    PciToken = 1,
    IdempotentResponse = 2,
    EphemeralCvc = 3,
    SigningKeySecret = 4,
    CardToken = 5,
    NetworkTokenCard = 6,
    NetworkTokenPan = 7,
    SingleUseToken = 8,
    SingleUseTokenAddress = 9,
    ForwardClientIdentity = 10,
    WebhookSecret = 11,
    WebhookPreviousSecret = 12,
    TenantKey = 16,
}

/// <summary>Builds the AAD context that binds a ciphertext to its tenant, record id and record kind.</summary>
public static class RecordContext
{
    public const int Size = 33;

    public static void Write(Guid tenantId, Guid recordId, RecordKind kind, Span<byte> destination)
    {
        destination[0] = (byte)kind;
        tenantId.TryWriteBytes(destination[1..17], bigEndian: true, out _);
        recordId.TryWriteBytes(destination[17..33], bigEndian: true, out _);
    }

    public static byte[] Create(Guid tenantId, Guid recordId, RecordKind kind)
    {
        var context = new byte[Size];
        Write(tenantId, recordId, kind, context);
        return context;
    }
}

/// <summary>The AAD context of a wrapped tenant key: kind, tenant, purpose and version.</summary>
internal static class TenantKeyContext
{
    public static byte[] Create(Guid tenantId, TenantKeyPurpose purpose, int version)
    {
        var context = new byte[1 + 16 + 1 + 4];
        context[0] = (byte)RecordKind.TenantKey;
        tenantId.TryWriteBytes(context.AsSpan(1, 16), bigEndian: true, out _);
        context[17] = (byte)purpose;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(context.AsSpan(18), version);
        return context;
    }
}
