using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Adapters.Pkcs11;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

/// <summary>
/// The key-provider contract for an HSM through PKCS#11, run on the SoftHSM2 token test.sh initialises. Each
/// <see cref="CreateProvider"/> gets labels of its own on the shared token (fresh key storage); <see cref="OpenAgain"/>
/// opens a second, independent provider over the same token and labels.
/// </summary>
public sealed class Pkcs11KeyProviderContractTests : KeyProviderContract, IDisposable
{
    private static readonly byte[] Context = "tenant-key-context"u8.ToArray();
    private static readonly IObjectAttributeFactory Attributes = new Pkcs11InteropFactories().ObjectAttributeFactory;

    private readonly Dictionary<IKeyProvider, Pkcs11KeyProviderOptions> _options = [];
    private readonly List<Pkcs11KeyProvider> _opened = [];

    protected override IKeyProvider CreateProvider() => Open(SoftHsmTestEnvironment.FreshOptions());

    protected override IKeyProvider OpenAgain(IKeyProvider first) => Open(_options[first]);

    protected override void SkipIfUnavailable()
    {
        string? reason = SoftHsmTestEnvironment.SkipReason();
        Skip.If(reason is not null, reason);
    }

    [SkippableFact]
    public async Task FirstStart_CreatesKekVersion1_OnTheToken()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();

        Assert.Equal([1], await provider.ListKekVersionsAsync());
        Assert.Equal("pkcs11", provider.Name);
    }

    [SkippableFact]
    public async Task Keys_OnTheToken_AreSensitiveAndNeverExtractable()
    {
        SkipIfUnavailable();
        var provider = (Pkcs11KeyProvider)CreateProvider();
        Pkcs11KeyProviderOptions options = _options[provider];
        await provider.AuditSealAsync("create the audit key"u8.ToArray());

        foreach (string label in new[] { provider.KekLabel(1), options.AuditKeyLabel })
        {
            provider.UseSession(session =>
            {
                IObjectHandle key = Assert.Single(FindByLabel(session, label));
                List<IObjectAttribute> attributes = session.GetAttributeValue(key,
                    [CKA.CKA_TOKEN, CKA.CKA_PRIVATE, CKA.CKA_SENSITIVE, CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE, CKA.CKA_VALUE_LEN]);
                Assert.True(attributes[0].GetValueAsBool(), $"{label}: CKA_TOKEN");
                Assert.True(attributes[1].GetValueAsBool(), $"{label}: CKA_PRIVATE");
                Assert.True(attributes[2].GetValueAsBool(), $"{label}: CKA_SENSITIVE");
                Assert.True(attributes[3].GetValueAsBool(), $"{label}: CKA_ALWAYS_SENSITIVE");
                Assert.False(attributes[4].GetValueAsBool(), $"{label}: CKA_EXTRACTABLE");
                Assert.True(attributes[5].GetValueAsBool(), $"{label}: CKA_NEVER_EXTRACTABLE");
                Assert.Equal(32UL, attributes[6].GetValueAsUlong());

                // The key value itself cannot be read: the module answers CKR_ATTRIBUTE_SENSITIVE.
                List<IObjectAttribute> value = session.GetAttributeValue(key, [CKA.CKA_VALUE]);
                Assert.True(value[0].CannotBeRead, $"{label}: CKA_VALUE was readable");
                return 0;
            });
        }
    }

    [SkippableFact]
    public async Task RestartedProvider_UnwrapsWhatAnEarlierInstanceWrapped()
    {
        SkipIfUnavailable();
        var first = (Pkcs11KeyProvider)CreateProvider();
        Pkcs11KeyProviderOptions options = _options[first];
        byte[] key = RandomNumberGenerator.GetBytes(32);
        await first.CreateKekVersionAsync();
        WrappedKey wrapped = await first.WrapAsync(key, Context);
        byte[] seal = await first.AuditSealAsync("head"u8.ToArray());
        first.Dispose(); // its sessions close; the next instance logs in again

        Pkcs11KeyProvider restarted = Open(options);

        Assert.Equal(2, wrapped.KekVersion);
        Assert.Equal([1, 2], await restarted.ListKekVersionsAsync());
        Assert.Equal(key, await restarted.UnwrapAsync(wrapped, Context));
        Assert.Equal(seal, await restarted.AuditSealAsync("head"u8.ToArray()));
    }

    [SkippableFact]
    public async Task WrappedBlob_IsAnEnvelope_UnderTheKek()
    {
        SkipIfUnavailable();
        // A KEK whose value the test knows (imported extractable, for this test only) shows what the device computed:
        // the blob is exactly Envelope's AES-256-GCM format, IV, tag, header and context as AAD included.
        Pkcs11KeyProviderOptions options = SoftHsmTestEnvironment.FreshOptions();
        byte[] kek = RandomNumberGenerator.GetBytes(32);
        ((Pkcs11KeyProvider)CreateProvider()).UseSession(session => session.CreateObject(
        [
            Attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            Attributes.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            Attributes.Create(CKA.CKA_TOKEN, true),
            Attributes.Create(CKA.CKA_ENCRYPT, true),
            Attributes.Create(CKA.CKA_DECRYPT, true),
            Attributes.Create(CKA.CKA_LABEL, options.KeyLabelPrefix + "1"),
            Attributes.Create(CKA.CKA_VALUE, kek),
        ]));
        Pkcs11KeyProvider provider = Open(options);
        byte[] key = RandomNumberGenerator.GetBytes(32);

        WrappedKey wrapped = await provider.WrapAsync(key, Context);

        Assert.Equal(Envelope.SealedSize(key.Length), wrapped.Blob.Length);
        Assert.Equal(1, Envelope.ReadKeyVersion(wrapped.Blob));
        Assert.Equal(key, Envelope.Open(kek, wrapped.Blob, Context));
        Assert.Equal(key, await provider.UnwrapAsync(new WrappedKey("pkcs11", 1, Envelope.Seal(kek, 1, key, Context)), Context));
    }

    [SkippableFact]
    public async Task ConcurrentWrapAndUnwrap_OnOneProvider()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();

        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            byte[] key = RandomNumberGenerator.GetBytes(32);
            byte[] context = BitConverter.GetBytes(i);
            WrappedKey wrapped = await provider.WrapAsync(key, context);
            Assert.Equal(key, await provider.UnwrapAsync(wrapped, context));
            Assert.Equal(32, (await provider.AuditSealAsync(context)).Length);
        })));
    }

    [SkippableFact]
    public async Task Unwrap_OfAnotherProvidersKey_Fails()
    {
        SkipIfUnavailable();
        IKeyProvider provider = CreateProvider();
        WrappedKey wrapped = await provider.WrapAsync(RandomNumberGenerator.GetBytes(32), Context);

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await provider.UnwrapAsync(wrapped with { Provider = "local-file" }, Context));
        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await CreateProvider().UnwrapAsync(wrapped, Context)); // other labels, other KEK
    }

    [SkippableFact]
    public void NoKeysOnTheToken_WithCreateKeysIfMissingOff_IsAnError()
    {
        SkipIfUnavailable();
        Pkcs11KeyProviderOptions options = SoftHsmTestEnvironment.FreshOptions();
        options.CreateKeysIfMissing = false;

        Assert.Throws<InvalidOperationException>(() => Open(options));
    }

    [Fact]
    public void Registration_ReplacesTheKeyFile()
    {
        var services = new ServiceCollection();
        services.AddStrongroomKeyFile();

        services.AddStrongroomPkcs11();

        Assert.Single(services, d => d.ServiceType == typeof(IKeyProvider));
        Assert.Contains(services, d => d.ServiceType == typeof(Pkcs11KeyProvider) && d.Lifetime == ServiceLifetime.Singleton);
        Assert.DoesNotContain(services, d => d.ImplementationType == typeof(LocalFileKeyProvider));
    }

    public void Dispose()
    {
        foreach (Pkcs11KeyProvider provider in _opened)
        {
            provider.Dispose();
        }
    }

    private static List<IObjectHandle> FindByLabel(ISession session, string label) => session.FindAllObjects(
    [
        Attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        Attributes.Create(CKA.CKA_LABEL, label),
    ]);

    private Pkcs11KeyProvider Open(Pkcs11KeyProviderOptions options)
    {
        var provider = new Pkcs11KeyProvider(Microsoft.Extensions.Options.Options.Create(options), NullLogger<Pkcs11KeyProvider>.Instance);
        _options[provider] = options;
        _opened.Add(provider);
        return provider;
    }
}
