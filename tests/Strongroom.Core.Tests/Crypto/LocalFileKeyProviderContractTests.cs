using Microsoft.Extensions.Logging.Abstractions;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

/// <summary>The key-provider contract for the development key file.</summary>
public sealed class LocalFileKeyProviderContractTests : KeyProviderContract, IDisposable
{
    private readonly TempDirectory _directory = new("strongroom-kekfile");
    private readonly Dictionary<IKeyProvider, string> _paths = [];

    protected override IKeyProvider CreateProvider() => Open(_directory.File($"kek-{Guid.NewGuid():N}.json"));

    protected override IKeyProvider OpenAgain(IKeyProvider first) => Open(_paths[first]);

    private LocalFileKeyProvider Open(string path)
    {
        var provider = new LocalFileKeyProvider(
            Microsoft.Extensions.Options.Options.Create(new LocalKeyFileOptions { Path = path }), NullLogger<LocalFileKeyProvider>.Instance);
        _paths[provider] = path;
        return provider;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task KeyFile_StaysOwnerOnly_AfterRotation()
    {
        string path = _directory.File("kek.json");
        LocalFileKeyProvider provider = Open(path);

        await provider.CreateKekVersionAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    public void Dispose() => _directory.Dispose();
}
