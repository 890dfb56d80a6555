namespace Strongroom.Core.Crypto;

/// <summary>What a tenant key is for. Separate keys per purpose: a fingerprint key never encrypts, a data key never MACs.</summary>
public enum TenantKeyPurpose : byte
{
    /// <summary>The data encryption key (DEK) that seals card data.</summary>
    Data = 1,

    /// <summary>The HMAC-SHA256 key for PAN fingerprints and other keyed digests of card data.</summary>
    Fingerprint = 2,
}

/// <summary>
/// A tenant key as stored: wrapped by a KEK of <see cref="Provider"/>, never in the clear.
/// Versions only grow; old data-key versions stay until every record sealed with them is re-encrypted.
/// </summary>
public sealed record TenantKeyRecord(
    Guid TenantId,
    TenantKeyPurpose Purpose,
    int Version,
    string Provider,
    int KekVersion,
    byte[] Wrapped,
    DateTimeOffset CreatedAt);
