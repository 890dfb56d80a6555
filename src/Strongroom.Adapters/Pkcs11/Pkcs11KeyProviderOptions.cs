namespace Strongroom.Adapters.Pkcs11;

/// <summary>
/// Options of the HSM key provider (section <c>Strongroom:Pkcs11</c>): which PKCS#11 module, which token, and the
/// labels of the vault's keys on it.
/// </summary>
public sealed class Pkcs11KeyProviderOptions
{
    public const string Section = "Strongroom:Pkcs11";

    /// <summary>Path of the vendor's PKCS#11 module, e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c>, <c>/usr/safenet/lunaclient/lib/libCryptoki2_64.so</c>, <c>/opt/cloudhsm/lib/libcloudhsm_pkcs11.so</c>.</summary>
    public string LibraryPath { get; set; } = "";

    /// <summary>Label of the token (HSM partition) holding the keys. Set this or <see cref="SlotId"/>, not both; a label survives slot renumbering.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>Slot of the token, when it is not chosen by <see cref="TokenLabel"/>.</summary>
    public ulong? SlotId { get; set; }

    /// <summary>
    /// PIN of the token's normal user (CKU_USER; for CloudHSM <c>user:password</c> of a crypto user). Bound from configuration
    /// like everything else, so it can come from the environment (<c>Strongroom__Pkcs11__UserPin</c>); in production inject it
    /// from a secret store (Vault, a Kubernetes secret, the cloud's secret manager), never from a checked-in settings file.
    /// </summary>
    public string UserPin { get; set; } = "";

    /// <summary>KEK version <c>n</c> is the AES-256 key labelled <c>{KeyLabelPrefix}{n}</c>.</summary>
    public string KeyLabelPrefix { get; set; } = "strongroom-kek-v";

    /// <summary>Label of the HMAC key that seals the audit chain (a separate key, never a KEK).</summary>
    public string AuditKeyLabel { get; set; } = "strongroom-audit-v1";

    /// <summary>
    /// Generate KEK version 1 (on first start) and the audit key (on first seal) on the token when missing. Turn off where
    /// the HSM officers provision the keys themselves, so a wrong token or label is an error rather than a fresh, empty vault.
    /// </summary>
    public bool CreateKeysIfMissing { get; set; } = true;

    /// <summary>At most this many PKCS#11 sessions are open at once; idle ones are kept for reuse.</summary>
    public int MaxSessions { get; set; } = 8;
}
