using System.Security.Cryptography;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

/// <summary>
/// What every <see cref="IKeyProvider"/> must do, whatever holds the KEK (a key file, an HSM through PKCS#11).
/// A concrete subclass supplies two providers over the same key storage, standing for two processes
/// (a server node and the CLI) so version changes made by one must be seen by the other.
/// </summary>
public abstract class KeyProviderContract
{
    private static readonly byte[] Context = "tenant-key-context"u8.ToArray();

    /// <summary>A provider over fresh key storage.</summary>
    protected abstract IKeyProvider CreateProvider();

    /// <summary>A second provider over the same storage as <paramref name="first"/> (another process).</summary>
    protected abstract IKeyProvider OpenAgain(IKeyProvider first);

    /// <summary>Skips the test when the provider's backing part is not available here (and fails on CI).</summary>
    protected virtual void SkipIfUnavailable()
    {
    }

    [SkippableFact]
    public async Task Wrap_Unwrap_RoundTrips_UnderTheCurrentVersion()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();
        byte[] key = RandomNumberGenerator.GetBytes(32);

        WrappedKey wrapped = await provider.WrapAsync(key, Context);

        Assert.Equal(provider.Name, wrapped.Provider);
        Assert.Equal((await provider.ListKekVersionsAsync())[^1], wrapped.KekVersion);
        Assert.False(wrapped.Blob.AsSpan().IndexOf(key) >= 0, "the wrapped blob contains the key");
        Assert.Equal(key, await provider.UnwrapAsync(wrapped, Context));
    }

    [SkippableFact]
    public async Task Unwrap_WithAnotherContextOrTamperedBlob_Fails()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();
        WrappedKey wrapped = await provider.WrapAsync(RandomNumberGenerator.GetBytes(32), Context);
        byte[] tampered = (byte[])wrapped.Blob.Clone();
        tampered[^1] ^= 1;

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(wrapped, "another-context"u8.ToArray()));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(wrapped with { Blob = tampered }, Context));
    }

    [SkippableFact]
    public async Task CreateKekVersion_BecomesCurrent_OldWrapsStillOpen_OtherProcessSeesIt()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();
        IKeyProvider other = OpenAgain(provider);
        byte[] key = RandomNumberGenerator.GetBytes(32);
        WrappedKey before = await provider.WrapAsync(key, Context);

        int created = await provider.CreateKekVersionAsync();
        WrappedKey after = await other.WrapAsync(key, Context);

        Assert.Equal(before.KekVersion + 1, created);
        Assert.Equal(created, after.KekVersion);
        Assert.Equal([before.KekVersion, created], await other.ListKekVersionsAsync());
        Assert.Equal(key, await other.UnwrapAsync(before, Context));
        Assert.Equal(key, await provider.UnwrapAsync(after, Context));
    }

    [SkippableFact]
    public async Task DestroyKekVersion_MakesItsWrapsUnreadable_CurrentCannotBeDestroyed()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();
        IKeyProvider other = OpenAgain(provider);
        WrappedKey old = await provider.WrapAsync(RandomNumberGenerator.GetBytes(32), Context);
        int current = await provider.CreateKekVersionAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.DestroyKekVersionAsync(current));
        await other.DestroyKekVersionAsync(old.KekVersion);

        Assert.Equal([current], await provider.ListKekVersionsAsync());
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(old, Context));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await OpenAgain(provider).UnwrapAsync(old, Context));
    }

    [SkippableFact]
    public async Task AuditSeal_IsAKeyedMac_StableAcrossProcesses()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();
        byte[] data = "chain-head"u8.ToArray();

        byte[] seal = await provider.AuditSealAsync(data);

        Assert.Equal(32, seal.Length);
        Assert.Equal(seal, await OpenAgain(provider).AuditSealAsync(data));
        Assert.NotEqual(seal, await provider.AuditSealAsync("chain-head!"u8.ToArray()));
        Assert.NotEqual(seal, SHA256.HashData(data));
        Assert.NotEqual(seal, await CreateProvider().AuditSealAsync(data)); // another installation, another key
    }
}
