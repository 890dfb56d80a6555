using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Keys;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Operations;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Sessions;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Support;

/// <summary>
/// The vault core services wired by hand over a real store: a development key file in a temp directory,
/// a fake clock and the in-memory security-code store — what AddStrongroomCore registers, minus DI.
/// </summary>
public sealed class VaultHarness : IDisposable
{
    private readonly TempDirectory _keyDirectory = new("strongroom-keys");

    public VaultHarness(IVaultStore store, VaultOptions? vaultOptions = null, ManualClock? time = null)
    {
        Store = store;
        Time = time ?? new ManualClock();
        Options = vaultOptions ?? new VaultOptions();
        IOptions<VaultOptions> options = Microsoft.Extensions.Options.Options.Create(Options);
        KeyProvider = new LocalFileKeyProvider(
            Microsoft.Extensions.Options.Options.Create(new LocalKeyFileOptions { Path = _keyDirectory.File("kek.json") }),
            NullLogger<LocalFileKeyProvider>.Instance);
        Keyring = new TenantKeyring(store, KeyProvider, Time, options);
        SecurityCodes = new InMemorySecurityCodeStore(Time);
        Audit = new Strongroom.Core.Audit.AuditLog(store, store, KeyProvider, Time, NullLogger<Strongroom.Core.Audit.AuditLog>.Instance);
        Credentials = new CredentialCache(options, Time, new StoreOnlyCredentialChangePublisher());
        Tenants = new TenantService(store, Credentials, Keyring, Audit, Time, NullLogger<TenantService>.Instance);
        ApiKeys = new ApiKeyService(store, store, Credentials, Audit, Time, NullLogger<ApiKeyService>.Instance);
        Tokens = new PciTokenService(store, Keyring, SecurityCodes, Time, options, NullLogger<PciTokenService>.Instance);
        NetworkTokens = new NetworkTokenService(store, store, store, Keyring, Tokens, new SimulatedTokenServiceProvider(), Audit, Time, options, NullLogger<NetworkTokenService>.Instance);
        Sessions = new SessionService(store, store, Tokens, NetworkTokens, Time, options, new CardRulesService(store, Audit), Audit, NullLogger<SessionService>.Instance);
        Bins = new BinService(store, Time, NullLogger<BinService>.Instance);
        SingleUse = new SingleUseTokenService(store, Keyring, Tokens, SecurityCodes, Bins, Time, options, NullLogger<SingleUseTokenService>.Instance);
        KeyRotation = new KeyRotationService(store, store, KeyProvider, Keyring, SecurityCodes, Credentials, Audit, Time, NullLogger<KeyRotationService>.Instance);
        Idempotency = new IdempotencyService(store, Keyring, Time, options);
        Sweeper = new VaultSweeper(store, store, store, store, store, store, SecurityCodes, Time, options, NullLogger<VaultSweeper>.Instance);
    }

    public IVaultStore Store { get; }

    public ManualClock Time { get; }

    public VaultOptions Options { get; }

    public LocalFileKeyProvider KeyProvider { get; }

    public TenantKeyring Keyring { get; }

    public InMemorySecurityCodeStore SecurityCodes { get; }

    public CredentialCache Credentials { get; }

    public TenantService Tenants { get; }

    public ApiKeyService ApiKeys { get; }

    public PciTokenService Tokens { get; }

    public NetworkTokenService NetworkTokens { get; }

    public SessionService Sessions { get; }

    public BinService Bins { get; }

    public SingleUseTokenService SingleUse { get; }

    public Strongroom.Core.Audit.AuditLog Audit { get; }

    public KeyRotationService KeyRotation { get; }

    public IdempotencyService Idempotency { get; }

    public VaultSweeper Sweeper { get; }

    /// <summary>A validated test card at this harness's clock.</summary>
    public ValidCard Card(string pan, string? securityCode = null, string? cardholderName = null) =>
        TestCards.Valid(pan, Time.GetUtcNow(), securityCode, cardholderName);

    public Task<Tenant> NewTenantAsync(string name = "Test tenant") => Tenants.CreateAsync(name, CancellationToken.None);

    public void Dispose()
    {
        Sweeper.Dispose();
        Audit.Dispose();
        SecurityCodes.Dispose();
        _keyDirectory.Dispose();
    }
}
