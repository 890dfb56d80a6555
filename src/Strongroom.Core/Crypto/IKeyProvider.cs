namespace Strongroom.Core.Crypto;

/// <summary>
/// Holds the key-encryption keys (KEKs) and wraps/unwraps tenant data keys with them.
/// A provider never hands out a KEK: an HSM-backed provider does the wrapping inside the device.
/// </summary>
public interface IKeyProvider
{
    /// <summary>Stable provider name recorded with every wrapped key (e.g. <c>local-file</c>, <c>pkcs11</c>).</summary>
    string Name { get; }

    /// <summary>Wraps <paramref name="key"/> under the current KEK, binding <paramref name="context"/> as AAD.</summary>
    ValueTask<WrappedKey> WrapAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);

    /// <summary>Unwraps a key wrapped by this provider under any KEK version it still holds.</summary>
    ValueTask<byte[]> UnwrapAsync(WrappedKey wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default);
}

/// <summary>A data key wrapped by a KEK: which provider, which KEK version, and the opaque wrapped bytes.</summary>
public sealed record WrappedKey(string Provider, int KekVersion, byte[] Blob);
