using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

/// <summary>The key file's permission checks are Unix file modes; the vault runs on Linux.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalFileKeyProviderTests : IDisposable
{
    private readonly TempDirectory _directory = new("strongroom-kek");

    private static LocalFileKeyProvider Open(string path, bool createIfMissing = true) =>
        new(Options.Create(new LocalKeyFileOptions { Path = path, CreateIfMissing = createIfMissing }), NullLogger<LocalFileKeyProvider>.Instance);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Ctor_MissingFile_CreatesKeyFileWithMode0600()
    {
        string path = _directory.File("nested/dir/kek.json");

        LocalFileKeyProvider provider = Open(path);

        Assert.True(File.Exists(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(1, provider.CurrentVersion);
        Assert.Equal(LocalFileKeyProvider.ProviderName, provider.Name);
    }

    [Fact]
    public void Ctor_MissingFile_WritesOneThirtyTwoByteKey()
    {
        string path = _directory.File("kek.json");

        Open(path);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        Assert.Equal("strongroom-kek/v1", document.RootElement.GetProperty("format").GetString());
        Assert.Equal(1, document.RootElement.GetProperty("current").GetInt32());
        JsonElement key = Assert.Single(document.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(1, key.GetProperty("version").GetInt32());
        Assert.Equal(Envelope.KeySize, Convert.FromBase64String(key.GetProperty("key").GetString()!).Length);
    }

    [Fact]
    public async Task Ctor_ExistingFile_ReloadsSameKek()
    {
        string path = _directory.File("kek.json");
        byte[] dataKey = RandomNumberGenerator.GetBytes(32);
        byte[] context = TenantKeyContext.Create(Guid.NewGuid(), TenantKeyPurpose.Data, 1);
        WrappedKey wrapped = await Open(path).WrapAsync(dataKey, context);
        byte[] before = File.ReadAllBytes(path);

        byte[] unwrapped = await Open(path).UnwrapAsync(wrapped, context);

        Assert.Equal(dataKey, unwrapped);
        Assert.Equal(before, File.ReadAllBytes(path)); // reloading never rewrites the key file
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)] // 0644
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)] // 0640
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite)] // 0602
    public void Ctor_FileAccessibleByOthers_Refuses(UnixFileMode mode)
    {
        string path = _directory.File("kek.json");
        Open(path);
        File.SetUnixFileMode(path, mode);

        var exception = Assert.Throws<InvalidOperationException>(() => Open(path));

        Assert.Contains("0600", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctor_ReadOnlyOwnerFile_Loads()
    {
        string path = _directory.File("kek.json");
        Open(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead); // 0400

        LocalFileKeyProvider provider = Open(path);

        Assert.Equal(1, provider.CurrentVersion);
    }

    [Fact]
    public void Ctor_MissingFileAndCreateOff_ThrowsWithoutCreating()
    {
        string path = _directory.File("kek.json");

        Assert.Throws<InvalidOperationException>(() => Open(path, createIfMissing: false));

        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Ctor_NoPath_Throws(string path)
    {
        Assert.Throws<InvalidOperationException>(() => Open(path));
    }

    [Fact]
    public void Ctor_CurrentVersionMissingFromFile_Throws()
    {
        string path = _directory.File("kek.json");
        string json = $$"""{"format":"strongroom-kek/v1","current":2,"keys":[{"version":1,"created_at":"2031-03-10T09:00:00+00:00","key":"{{Convert.ToBase64String(new byte[32])}}"}]}""";
        File.WriteAllText(path, json);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var exception = Assert.Throws<InvalidOperationException>(() => Open(path));

        Assert.Contains("no valid current key", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrapUnwrap_SameContext_RoundTrips()
    {
        LocalFileKeyProvider provider = Open(_directory.File("kek.json"));
        byte[] dataKey = RandomNumberGenerator.GetBytes(32);
        byte[] context = TenantKeyContext.Create(Guid.NewGuid(), TenantKeyPurpose.Fingerprint, 1);

        WrappedKey wrapped = await provider.WrapAsync(dataKey, context);
        byte[] unwrapped = await provider.UnwrapAsync(wrapped, context);

        Assert.Equal(dataKey, unwrapped);
        Assert.Equal(LocalFileKeyProvider.ProviderName, wrapped.Provider);
        Assert.Equal(1, wrapped.KekVersion);
        Assert.Equal(Envelope.SealedSize(32), wrapped.Blob.Length);
        Assert.True(wrapped.Blob.AsSpan().IndexOf(dataKey) < 0);
    }

    [Fact]
    public async Task Unwrap_OtherTenantOrPurposeOrVersion_Throws()
    {
        LocalFileKeyProvider provider = Open(_directory.File("kek.json"));
        Guid tenant = Guid.NewGuid();
        WrappedKey wrapped = await provider.WrapAsync(RandomNumberGenerator.GetBytes(32), TenantKeyContext.Create(tenant, TenantKeyPurpose.Data, 1));

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(wrapped, TenantKeyContext.Create(Guid.NewGuid(), TenantKeyPurpose.Data, 1)));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(wrapped, TenantKeyContext.Create(tenant, TenantKeyPurpose.Fingerprint, 1)));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(wrapped, TenantKeyContext.Create(tenant, TenantKeyPurpose.Data, 2)));
    }

    [Fact]
    public async Task Unwrap_WithAnotherKeyFile_Throws()
    {
        byte[] context = TenantKeyContext.Create(Guid.NewGuid(), TenantKeyPurpose.Data, 1);
        WrappedKey wrapped = await Open(_directory.File("a.json")).WrapAsync(RandomNumberGenerator.GetBytes(32), context);

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await Open(_directory.File("b.json")).UnwrapAsync(wrapped, context));
    }

    [Fact]
    public async Task Unwrap_UnknownKekVersion_ThrowsNamingTheVersion()
    {
        LocalFileKeyProvider provider = Open(_directory.File("kek.json"));
        byte[] context = TenantKeyContext.Create(Guid.NewGuid(), TenantKeyPurpose.Data, 1);
        byte[] blob = Envelope.Seal(RandomNumberGenerator.GetBytes(32), 7, new byte[32], context);

        var exception = await Assert.ThrowsAsync<KeyVersionUnavailableException>(async () => await provider.UnwrapAsync(new WrappedKey(LocalFileKeyProvider.ProviderName, 7, blob), context));

        Assert.Contains("7", exception.Message, StringComparison.Ordinal);
    }
}
