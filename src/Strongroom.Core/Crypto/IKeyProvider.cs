namespace Strongroom.Core.Crypto;

/// <summary>
/// Holds the key-encryption keys (KEKs) and wraps/unwraps tenant data keys with them, plus a separate
/// audit-seal key. A provider never hands out a KEK: an HSM-backed provider does the wrapping inside the device.
/// Several processes (server nodes, the CLI) may use one provider at once, so a version another process
/// created must be found on demand, and the current version re-read before wrapping.
/// </summary>
public interface IKeyProvider
{
    /// <summary>Stable provider name recorded with every wrapped key (e.g. <c>local-file</c>, <c>pkcs11</c>).</summary>
    string Name { get; }

    /// <summary>Wraps <paramref name="key"/> under the current KEK, binding <paramref name="context"/> as AAD.</summary>
    ValueTask<WrappedKey> WrapAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);

    /// <summary>Unwraps a key wrapped by this provider under any KEK version it still holds; a retired version fails with a <see cref="System.Security.Cryptography.CryptographicException"/>.</summary>
    ValueTask<byte[]> UnwrapAsync(WrappedKey wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);

    /// <summary>The KEK versions the provider holds, ascending; the last is current.</summary>
    ValueTask<IReadOnlyList<int>> ListKekVersionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates a new KEK version (inside the device for an HSM) and makes it current; returns its number.</summary>
    ValueTask<int> CreateKekVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Destroys KEK <paramref name="version"/> for good. Refused for the current version. Anything still wrapped under it becomes unreadable.</summary>
    ValueTask DestroyKekVersionAsync(int version, CancellationToken cancellationToken = default);

    /// <summary>HMAC-SHA256 of <paramref name="data"/> under the provider's audit-seal key (a separate key, never a KEK; inside the device for an HSM).</summary>
    ValueTask<byte[]> AuditSealAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}

/// <summary>A data key wrapped by a KEK: which provider, which KEK version, and the opaque wrapped bytes.</summary>
public sealed record WrappedKey(string Provider, int KekVersion, byte[] Blob);
