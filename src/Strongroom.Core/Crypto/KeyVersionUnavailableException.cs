using System.Security.Cryptography;

namespace Strongroom.Core.Crypto;

/// <summary>Which kind of key a <see cref="KeyVersionUnavailableException"/> is about.</summary>
public enum KeyVersionKind
{
    /// <summary>A tenant's data-encryption key (DEK) version, named in a record's envelope header.</summary>
    Data = 1,

    /// <summary>A key-encryption key (KEK) version of the key provider, named in a wrapped key.</summary>
    Kek = 2,
}

/// <summary>
/// A ciphertext names a key version that does not exist even after re-reading the store (DEK) or the key file / HSM
/// (KEK): it was retired or destroyed, or never created. The HTTP layer answers 503 in the dialect's error shape. The
/// message names only the tenant id and version numbers, never anything from the record.
/// </summary>
public sealed class KeyVersionUnavailableException : CryptographicException
{
    public KeyVersionUnavailableException()
    {
    }

    public KeyVersionUnavailableException(string message)
        : base(message)
    {
    }

    public KeyVersionUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private KeyVersionUnavailableException(KeyVersionKind kind, Guid? tenantId, int version, string message)
        : base(message)
    {
        Kind = kind;
        TenantId = tenantId;
        Version = version;
    }

    public KeyVersionKind Kind { get; }

    /// <summary>The tenant whose data key is missing; null for a KEK.</summary>
    public Guid? TenantId { get; }

    public int Version { get; }

    public static KeyVersionUnavailableException DataKey(Guid tenantId, int version) =>
        new(KeyVersionKind.Data, tenantId, version, $"Data key version {version} of tenant {tenantId} does not exist (retired, or never created).");

    public static KeyVersionUnavailableException Kek(int version, string where) =>
        new(KeyVersionKind.Kek, null, version, $"KEK version {version} is not {where} (never created, or destroyed).");
}
