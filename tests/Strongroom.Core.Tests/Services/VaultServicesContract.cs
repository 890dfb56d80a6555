using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Core.Audit;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Operations;
using Strongroom.Core.Sessions;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Services;

/// <summary>
/// The core services (tenants, API keys, PCI tokens, idempotency, sweeper, admin token) over a real store,
/// run on each engine by a concrete subclass. Each test builds its own <see cref="VaultHarness"/> (own key
/// file, own fake clock) and its own tenants on the class's shared database.
/// </summary>
public abstract class VaultServicesContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected VaultServicesContract(StoreFixture fixture)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        Fixture = fixture;
    }

    protected StoreFixture Fixture { get; }

    private VaultHarness NewHarness(VaultOptions? options = null) => new(Fixture.Store, options);

    // ---- TenantService -------------------------------------------------------------------------------

    [SkippableFact]
    public async Task TenantService_Create_PersistsTenantWithWrappedKeys()
    {
        using VaultHarness vault = NewHarness();

        Tenant tenant = await vault.Tenants.CreateAsync("  Acme Payments  ", None);

        Assert.Equal("Acme Payments", tenant.Name);
        Assert.Equal(vault.Time.GetUtcNow(), tenant.CreatedAt);
        Assert.Equal(tenant, await vault.Tenants.GetAsync(tenant.Id, None));
        Assert.Contains(tenant, await vault.Tenants.ListAsync(None));
        var keys = await vault.Store.GetTenantKeysAsync(tenant.Id, None);
        Assert.Equal([TenantKeyPurpose.Data, TenantKeyPurpose.Fingerprint], keys.Select(k => k.Purpose).ToArray());
        Assert.All(keys, k => Assert.Equal(LocalFileKeyProvider.ProviderName, k.Provider));
        Assert.Equal(tenant.Id, (await vault.Keyring.GetAsync(tenant.Id, None)).TenantId);
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    public async Task TenantService_Create_InvalidName_ThrowsArgumentException(string name)
    {
        using VaultHarness vault = NewHarness();
        int before = (await vault.Tenants.ListAsync(None)).Count;

        await Assert.ThrowsAsync<ArgumentException>(() => vault.Tenants.CreateAsync(name, None));

        Assert.Equal(before, (await vault.Tenants.ListAsync(None)).Count);
    }

    [SkippableFact]
    public async Task TenantService_Create_NameTooLong_ThrowsArgumentException()
    {
        using VaultHarness vault = NewHarness();

        await Assert.ThrowsAsync<ArgumentException>(() => vault.Tenants.CreateAsync(new string('n', Tenant.MaxNameLength + 1), None));
    }

    // ---- ApiKeyService -------------------------------------------------------------------------------

    [SkippableFact]
    public async Task ApiKeyService_Create_ReturnsKeyOnceAndStoresOnlyItsHash()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();

        IssuedApiKey issued = await vault.ApiKeys.CreateAsync(tenant.Id, "  ci  ", VaultRights.DefaultApiKey, 3600, Actor.Admin, None);

        Assert.StartsWith($"srk_{issued.Record.Id}.", issued.Key, StringComparison.Ordinal);
        string secret = issued.Key[(issued.Key.IndexOf('.', StringComparison.Ordinal) + 1)..];
        ApiKeyRecord stored = (await vault.Store.GetApiKeyAsync(issued.Record.Id, None))!;
        Assert.Equal(issued.Record, stored);
        Assert.Equal("ci", stored.Name);
        Assert.DoesNotContain(secret, stored.SecretHash, StringComparison.Ordinal);
        Assert.True(SecretHasher.Verify(secret, stored.SecretHash));
        Assert.Equal(vault.Time.GetUtcNow().AddHours(1), stored.ExpiresAt);
        Assert.DoesNotContain(secret, issued.ToString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ApiKeyService_Authenticate_IssuedKey_ReturnsTenantPrincipal()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        IssuedApiKey issued = await vault.ApiKeys.CreateAsync(tenant.Id, null, VaultRights.TokensRead | VaultRights.DataOut, null, Actor.Admin, None);

        Principal? principal = await vault.ApiKeys.AuthenticateAsync(issued.Key, None);

        Assert.Equal(new Principal(PrincipalKind.ApiKey, tenant.Id, issued.Record.Id, VaultRights.TokensRead | VaultRights.DataOut), principal);
        Assert.True(principal!.Has(VaultRights.DataOut));
        Assert.False(principal.Has(VaultRights.TokensCreate));
    }

    [SkippableFact]
    public async Task ApiKeyService_Authenticate_WrongOrMalformedKey_ReturnsNull()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        IssuedApiKey issued = await vault.ApiKeys.CreateAsync(tenant.Id, null, VaultRights.DefaultApiKey, null, Actor.Admin, None);
        string id = issued.Record.Id;

        string?[] presented =
        [
            null,
            "",
            $"srk_{id}.{SecretHasher.NewSecret()}",
            $"srk_{id}.",
            $"srk_.{SecretHasher.NewSecret()}",
            $"srk_{id}",
            issued.Key[4..],
            "srk_0000000000000000." + SecretHasher.NewSecret(),
            issued.Key + "x",
            issued.Key + new string('a', 200),
        ];

        foreach (string? key in presented)
        {
            Assert.Null(await vault.ApiKeys.AuthenticateAsync(key, None));
        }

        Assert.NotNull(await vault.ApiKeys.AuthenticateAsync(issued.Key, None));
    }

    [SkippableFact]
    public async Task ApiKeyService_CreateAndRevoke_AppendTheirOwnAuditEntries_AndARefusedRevokeNone()
    {
        using VaultHarness vault = NewHarness();
        Tenant owner = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        IssuedApiKey issued = await vault.ApiKeys.CreateAsync(owner.Id, null, VaultRights.TokensRead, 60, Actor.ApiKey("k1"), None);

        Assert.False(await vault.ApiKeys.RevokeAsync(other.Id, issued.Record.Id, Actor.Admin, None));
        Assert.True(await vault.ApiKeys.RevokeAsync(owner.Id, issued.Record.Id, Actor.Operator, None));

        Assert.Empty(await vault.Audit.ListAsync(new AuditQuery(TenantId: other.Id), None));
        IReadOnlyList<AuditEntry> entries = await vault.Audit.ListAsync(new AuditQuery(TenantId: owner.Id), None);
        Assert.Collection(entries,
            created =>
            {
                Assert.Equal(("api-key:k1", AuditActions.ApiKeyCreated, owner.Id, issued.Record.Id), (created.Actor, created.Action, created.TenantId!.Value, created.Target!));
                Assert.Equal("""{"scopes":"tokens:read","expires_in":"60"}""", created.DetailsJson);
            },
            revoked => Assert.Equal(("operator", AuditActions.ApiKeyRevoked, owner.Id, issued.Record.Id), (revoked.Actor, revoked.Action, revoked.TenantId!.Value, revoked.Target!)));
    }

    [SkippableFact]
    public async Task ApiKeyService_Revoke_OnlyByOwnerAndThenRefused()
    {
        using VaultHarness vault = NewHarness();
        Tenant owner = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        IssuedApiKey issued = await vault.ApiKeys.CreateAsync(owner.Id, null, VaultRights.DefaultApiKey, null, Actor.Admin, None);

        Assert.False(await vault.ApiKeys.RevokeAsync(other.Id, issued.Record.Id, Actor.Admin, None));
        Assert.NotNull(await vault.ApiKeys.AuthenticateAsync(issued.Key, None));
        Assert.True(await vault.ApiKeys.RevokeAsync(owner.Id, issued.Record.Id, Actor.Admin, None));

        Assert.Null(await vault.ApiKeys.AuthenticateAsync(issued.Key, None));
        Assert.NotNull(Assert.Single(await vault.ApiKeys.ListAsync(owner.Id, None)).RevokedAt);
    }

    [SkippableFact]
    public async Task ApiKeyService_Authenticate_AfterExpiry_ReturnsNull()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        IssuedApiKey issued = await vault.ApiKeys.CreateAsync(tenant.Id, null, VaultRights.DefaultApiKey, 60, Actor.Admin, None);

        vault.Time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(await vault.ApiKeys.AuthenticateAsync(issued.Key, None));
        vault.Time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await vault.ApiKeys.AuthenticateAsync(issued.Key, None));
    }

    [SkippableFact]
    public async Task ApiKeyService_Create_AdminRightsOrUnknownTenant_Refused()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => vault.ApiKeys.CreateAsync(tenant.Id, null, VaultRights.All, null, Actor.Admin, None));
        await Assert.ThrowsAsync<TenantNotFoundException>(() => vault.ApiKeys.CreateAsync(Guid.NewGuid(), null, VaultRights.DefaultApiKey, null, Actor.Admin, None));

        Assert.Empty(await vault.ApiKeys.ListAsync(tenant.Id, None));
    }

    [SkippableFact]
    public async Task ApiKeyService_List_OnlyTheTenantsKeys()
    {
        using VaultHarness vault = NewHarness();
        Tenant a = await vault.NewTenantAsync();
        Tenant b = await vault.NewTenantAsync();
        IssuedApiKey keyA = await vault.ApiKeys.CreateAsync(a.Id, "a", VaultRights.DefaultApiKey, null, Actor.Admin, None);
        await vault.ApiKeys.CreateAsync(b.Id, "b", VaultRights.DefaultApiKey, null, Actor.Admin, None);

        IReadOnlyList<ApiKeyRecord> listed = await vault.ApiKeys.ListAsync(a.Id, None);

        Assert.Equal([keyA.Record], listed);
    }

    // ---- AdminTokenService ---------------------------------------------------------------------------

    [SkippableFact]
    public async Task AdminTokenService_GeneratesOnceAndEveryNodeVerifiesIt()
    {
        // The only test in this class that touches the admin_token_hash setting of the shared database.
        var first = new AdminTokenService(Fixture.Store, Options.Create(new AdminOptions()), NullLogger<AdminTokenService>.Instance);
        var second = new AdminTokenService(Fixture.Store, Options.Create(new AdminOptions()), NullLogger<AdminTokenService>.Instance);

        string? token = await first.EnsureInitializedAsync(None);
        string? again = await second.EnsureInitializedAsync(None);

        Assert.NotNull(token);
        Assert.StartsWith(AdminTokenService.Prefix, token, StringComparison.Ordinal);
        Assert.Null(again);
        Assert.True(first.Verify(token));
        Assert.True(second.Verify(token));
        Assert.False(second.Verify(token + "x"));
        Assert.False(second.Verify(null));
        string stored = (await Fixture.Store.GetSettingAsync(AdminTokenService.SettingName, None))!;
        Assert.DoesNotContain(token[AdminTokenService.Prefix.Length..], stored, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AdminTokenService_ConfiguredToken_IsTheOnlyOneAccepted()
    {
        var service = new AdminTokenService(Fixture.Store, Options.Create(new AdminOptions { Token = "sra_configured-secret" }), NullLogger<AdminTokenService>.Instance);

        string? generated = await service.EnsureInitializedAsync(None);

        Assert.Null(generated);
        Assert.True(service.Verify("sra_configured-secret"));
        Assert.False(service.Verify("sra_other"));
    }

    // ---- PciTokenService -----------------------------------------------------------------------------

    [SkippableFact]
    public async Task PciTokens_Create_ReturnsMaskedCardAndStoresOnlyCiphertext()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();

        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Amex, "8642", "Grace Hopper"), TokenOptions.None, None);

        Assert.Equal(new MaskedCard("Grace Hopper", 12, vault.Time.GetUtcNow().Year + 3, "378282*****0005", CardScheme.AmericanExpress), token.Card);
        Assert.Equal(vault.Time.GetUtcNow(), token.CreatedAt);
        Assert.Null(token.ExpiresAt);
        PciTokenRecord record = (await vault.Store.GetPciTokenAsync(tenant.Id, token.Id, vault.Time.GetUtcNow(), None))!;
        Assert.Equal(("378282", "0005", 15), (record.First6, record.LastFour, record.PanLength));
        Assert.Equal(32, record.Fingerprint.Length);
        Assert.True(record.Ciphertext.AsSpan().IndexOf(Encoding.ASCII.GetBytes(TestCards.Amex)) < 0);
        Assert.True(record.Ciphertext.AsSpan().IndexOf(Encoding.UTF8.GetBytes("Grace Hopper")) < 0);
        Assert.Equal(7, token.Id.Version);
    }

    [SkippableFact]
    public async Task PciTokens_Get_DecryptsNameAndReturnsMetadata()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        var metadata = new Dictionary<string, string> { ["order"] = "A-1001" };
        PciToken created = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, null, "Zoë Ørsted"), new TokenOptions(3600, metadata), None);

        PciToken? read = await vault.Tokens.GetAsync(tenant.Id, created.Id, None);

        Assert.NotNull(read);
        Assert.Equal(created.Card, read.Card);
        Assert.Equal("Zoë Ørsted", read.Card.CardholderName);
        Assert.Equal(metadata, read.Metadata);
        Assert.Equal(created.CreatedAt.AddHours(1), read.ExpiresAt);
    }

    [SkippableFact]
    public async Task PciTokens_OtherTenant_CannotReadDeleteOrTouchSecurityCode()
    {
        using VaultHarness vault = NewHarness();
        Tenant owner = await vault.NewTenantAsync();
        Tenant attacker = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(owner.Id, vault.Card(TestCards.Visa, "123"), TokenOptions.None, None);

        Assert.Null(await vault.Tokens.GetAsync(attacker.Id, token.Id, None));
        Assert.False(await vault.Tokens.DeleteAsync(attacker.Id, token.Id, None));
        Assert.Null(await vault.Tokens.IsSecurityCodeAvailableAsync(attacker.Id, token.Id, None));
        Assert.False(await vault.Tokens.DeleteSecurityCodeAsync(attacker.Id, token.Id, None));
        Assert.Null(await vault.Sessions.CreateForSecurityCodeAsync(attacker.Id, token.Id, None));
        Assert.Empty((await vault.Tokens.ListAsync(attacker.Id, null, 10, None)).Items);

        Assert.NotNull(await vault.Tokens.GetAsync(owner.Id, token.Id, None));
        Assert.True(await vault.Tokens.IsSecurityCodeAvailableAsync(owner.Id, token.Id, None));
        Assert.Equal("123", vault.SecurityCodes.Read(owner.Id, token.Id));
    }

    [SkippableFact]
    public async Task PciTokens_Fingerprint_SamePanSameTenantMatchesButNotAcrossTenants()
    {
        using VaultHarness vault = NewHarness();
        Tenant a = await vault.NewTenantAsync();
        Tenant b = await vault.NewTenantAsync();
        DateTimeOffset now = vault.Time.GetUtcNow();

        PciToken a1 = await vault.Tokens.CreateAsync(a.Id, vault.Card(TestCards.Visa, null, "One"), TokenOptions.None, None);
        PciToken a2 = await vault.Tokens.CreateAsync(a.Id, vault.Card(TestCards.Visa, null, "Two"), TokenOptions.None, None);
        PciToken a3 = await vault.Tokens.CreateAsync(a.Id, vault.Card(TestCards.Mastercard), TokenOptions.None, None);
        PciToken b1 = await vault.Tokens.CreateAsync(b.Id, vault.Card(TestCards.Visa, null, "One"), TokenOptions.None, None);

        async Task<byte[]> FingerprintAsync(Guid tenant, Guid id) => (await vault.Store.GetPciTokenAsync(tenant, id, now, None))!.Fingerprint;
        byte[] visaA = await FingerprintAsync(a.Id, a1.Id);
        Assert.Equal(visaA, await FingerprintAsync(a.Id, a2.Id));
        Assert.NotEqual(visaA, await FingerprintAsync(a.Id, a3.Id));
        Assert.NotEqual(visaA, await FingerprintAsync(b.Id, b1.Id));
    }

    [SkippableFact]
    public async Task PciTokens_List_PagesWithHasMore()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        var created = new List<Guid>();
        for (int i = 0; i < 5; i++)
        {
            created.Add((await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, null, $"Holder {i}"), TokenOptions.None, None)).Id);
            vault.Time.Advance(TimeSpan.FromMilliseconds(1)); // v7 ids: creation order is id order
        }

        PciTokenPage first = await vault.Tokens.ListAsync(tenant.Id, null, 2, None);
        PciTokenPage second = await vault.Tokens.ListAsync(tenant.Id, first.Items[^1].Id, 2, None);
        PciTokenPage last = await vault.Tokens.ListAsync(tenant.Id, second.Items[^1].Id, 2, None);
        PciTokenPage exact = await vault.Tokens.ListAsync(tenant.Id, null, 5, None);

        Assert.Equal(created[0..2], first.Items.Select(t => t.Id));
        Assert.True(first.HasMore);
        Assert.Equal(created[2..4], second.Items.Select(t => t.Id));
        Assert.True(second.HasMore);
        Assert.Equal(created[4..5], last.Items.Select(t => t.Id));
        Assert.False(last.HasMore);
        Assert.False(exact.HasMore);
        Assert.Equal(5, exact.Items.Count);
        Assert.Equal("Holder 0", first.Items[0].Card.CardholderName);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(PciTokenService.MaxPageSize + 1)]
    public async Task PciTokens_List_LimitOutOfRange_Throws(int limit)
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => vault.Tokens.ListAsync(tenant.Id, null, limit, None));
    }

    [SkippableFact]
    public async Task PciTokens_Delete_ErasesTokenAndSecurityCode()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123"), TokenOptions.None, None);

        bool deleted = await vault.Tokens.DeleteAsync(tenant.Id, token.Id, None);

        Assert.True(deleted);
        Assert.Null(await vault.Tokens.GetAsync(tenant.Id, token.Id, None));
        Assert.False(vault.SecurityCodes.Contains(tenant.Id, token.Id));
        Assert.Null(await vault.Tokens.IsSecurityCodeAvailableAsync(tenant.Id, token.Id, None));
        Assert.False(await vault.Tokens.DeleteAsync(tenant.Id, token.Id, None));
    }

    [SkippableFact]
    public async Task PciTokens_SecurityCode_AvailableUntilDeletedOrTtl()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SecurityCodeTtl = TimeSpan.FromMinutes(30) });
        Tenant tenant = await vault.NewTenantAsync();
        PciToken withCode = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123"), TokenOptions.None, None);
        PciToken withoutCode = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);
        PciToken toForget = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Amex, "8642"), TokenOptions.None, None);

        Assert.True(await vault.Tokens.IsSecurityCodeAvailableAsync(tenant.Id, withCode.Id, None));
        Assert.False(await vault.Tokens.IsSecurityCodeAvailableAsync(tenant.Id, withoutCode.Id, None));
        Assert.Null(await vault.Tokens.IsSecurityCodeAvailableAsync(tenant.Id, Guid.NewGuid(), None));

        Assert.True(await vault.Tokens.DeleteSecurityCodeAsync(tenant.Id, toForget.Id, None));
        Assert.False(await vault.Tokens.IsSecurityCodeAvailableAsync(tenant.Id, toForget.Id, None));
        Assert.False(await vault.Tokens.DeleteSecurityCodeAsync(tenant.Id, Guid.NewGuid(), None));

        vault.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.False(await vault.Tokens.IsSecurityCodeAvailableAsync(tenant.Id, withCode.Id, None));
        Assert.NotNull(await vault.Tokens.GetAsync(tenant.Id, withCode.Id, None)); // the token outlives its code
    }

    [SkippableFact]
    public async Task PciTokens_ExpiringToken_HiddenAfterExpiryAndCodeTtlCappedByIt()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SecurityCodeTtl = TimeSpan.FromHours(1) });
        Tenant tenant = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123"), new TokenOptions(60, null), None);
        Assert.Equal(token.CreatedAt.AddSeconds(60), token.ExpiresAt);

        vault.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(await vault.Tokens.GetAsync(tenant.Id, token.Id, None));
        Assert.True(vault.SecurityCodes.Contains(tenant.Id, token.Id));
        vault.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await vault.Tokens.GetAsync(tenant.Id, token.Id, None));
        Assert.False(vault.SecurityCodes.Contains(tenant.Id, token.Id));
        Assert.DoesNotContain((await vault.Tokens.ListAsync(tenant.Id, null, 100, None)).Items, t => t.Id == token.Id);
    }

    [SkippableFact]
    public async Task PciTokens_CiphertextCopiedToAnotherRow_FailsToDecrypt()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, null, "Victim"), TokenOptions.None, None);
        PciTokenRecord record = (await vault.Store.GetPciTokenAsync(tenant.Id, token.Id, vault.Time.GetUtcNow(), None))!;

        // Someone with write access to the database clones the row under a new id: the AAD binds the ciphertext to its id.
        PciTokenRecord clone = record with { Id = Guid.NewGuid() };
        await vault.Store.InsertPciTokenAsync(clone, VaultEvents.PciTokenCreated(clone), null, None);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => vault.Tokens.GetAsync(tenant.Id, clone.Id, None));
        Assert.Equal("Victim", (await vault.Tokens.GetAsync(tenant.Id, token.Id, None))!.Card.CardholderName);
    }

    [SkippableFact]
    public async Task PciTokens_UnknownTenant_ThrowsTenantNotFound()
    {
        using VaultHarness vault = NewHarness();

        await Assert.ThrowsAsync<TenantNotFoundException>(() => vault.Tokens.CreateAsync(Guid.NewGuid(), vault.Card(TestCards.Visa), TokenOptions.None, None));
    }

    [SkippableFact]
    public async Task Sessions_CreateForPciToken_StoresOptionsAndTtl()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SessionTtl = TimeSpan.FromMinutes(5) });
        Tenant tenant = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        var options = new TokenOptions(120, new Dictionary<string, string> { ["cart"] = "42" });

        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, options, None);

        Assert.Equal(SessionKind.PciToken, session.Kind);
        Assert.Equal(SessionStatus.Created, session.Status);
        Assert.Equal(vault.Time.GetUtcNow().AddMinutes(5), session.ExpiresAt);
        Assert.Contains("\"expires_in_seconds\":120", session.OptionsJson, StringComparison.Ordinal);
        Assert.Equal(session, await vault.Store.GetSessionAsync(tenant.Id, session.Id, None));
        Assert.Null(await vault.Store.GetSessionAsync(other.Id, session.Id, None));
        Assert.Equal(SessionStatus.Created, session.StatusAt(vault.Time.GetUtcNow().AddMinutes(5).AddMilliseconds(-1)));
        Assert.Equal(SessionStatus.Expired, session.StatusAt(vault.Time.GetUtcNow().AddMinutes(5)));
    }

    [SkippableFact]
    public async Task Sessions_CreateForSecurityCode_OnlyForExistingToken()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);

        SessionRecord? session = await vault.Sessions.CreateForSecurityCodeAsync(tenant.Id, token.Id, None);
        SessionRecord? none = await vault.Sessions.CreateForSecurityCodeAsync(tenant.Id, Guid.NewGuid(), None);

        Assert.NotNull(session);
        Assert.Equal(SessionKind.SecurityCode, session.Kind);
        Assert.Equal(token.Id, session.TokenId);
        Assert.Null(none);
        Assert.Equal(session, await vault.Store.GetSessionAsync(tenant.Id, session.Id, None));
    }

    // ---- SessionService: completion -----------------------------------------------------------------

    private static CardInput Entered(VaultHarness vault, string pan, string? securityCode = null, string? name = null) => new()
    {
        AccountNumber = pan,
        ExpiryMonth = 12,
        ExpiryYear = vault.Time.GetUtcNow().Year + 2,
        SecurityCode = securityCode,
        CardholderName = name,
    };

    [SkippableFact]
    public async Task Sessions_Complete_CreatesTheTokenWithTheSessionsOptions()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        var options = new TokenOptions(600, new Dictionary<string, string> { ["order"] = "42" });
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, options, None);

        SessionCompletion result = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Visa, "123", "Jane Doe"), None);

        Assert.Equal(SessionCompletionOutcome.Completed, result.Outcome);
        Guid tokenId = result.Session!.Record.TokenId!.Value;
        PciToken? token = await vault.Tokens.GetAsync(tenant.Id, tokenId, None);
        Assert.NotNull(token);
        Assert.Equal("411111******1111", token.Card.MaskedAccountNumber);
        Assert.Equal("Jane Doe", token.Card.CardholderName);
        Assert.Equal("42", token.Metadata!["order"]);
        Assert.Equal(token.CreatedAt.AddSeconds(600), token.ExpiresAt);
        Assert.Equal("123", vault.SecurityCodes.Read(tenant.Id, tokenId));

        SessionView? view = await vault.Sessions.GetAsync(tenant.Id, session.Id, None);
        Assert.Equal(SessionStatus.Completed, view!.Status);
        Assert.Equal(tokenId, view.Record.TokenId);
        Assert.Equal("411111******1111", view.Card!.MaskedAccountNumber);
        Assert.Equal(vault.Time.GetUtcNowMilliseconds(), view.Record.CompletedAt);
    }

    [SkippableFact]
    public async Task Sessions_CompleteTwice_SecondIsAlreadyCompleted_AndNoSecondToken()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        SessionCompletion first = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Visa), None);
        SessionCompletion second = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Mastercard), None);

        Assert.Equal(SessionCompletionOutcome.Completed, first.Outcome);
        Assert.Equal(SessionCompletionOutcome.AlreadyCompleted, second.Outcome);
        Assert.Equal(first.Session!.Record.TokenId, second.Session!.Record.TokenId);
        Assert.Single((await vault.Tokens.ListAsync(tenant.Id, null, 10, None)).Items);
    }

    [SkippableFact]
    public async Task Sessions_ConcurrentCompletions_YieldOneToken()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        SessionCompletion[] results = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(_ => Task.Run(() => vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Visa), None))));

        Assert.Equal(1, results.Count(r => r.Outcome == SessionCompletionOutcome.Completed));
        Assert.All(results.Where(r => r.Outcome != SessionCompletionOutcome.Completed), r => Assert.Equal(SessionCompletionOutcome.AlreadyCompleted, r.Outcome));
        Assert.Single((await vault.Tokens.ListAsync(tenant.Id, null, 10, None)).Items);
    }

    [SkippableFact]
    public async Task Sessions_CompleteAfterTtl_IsExpired_AndWritesNothing()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SessionTtl = TimeSpan.FromMinutes(15) });
        Tenant tenant = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        vault.Time.Advance(TimeSpan.FromMinutes(15));
        SessionCompletion result = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Visa), None);

        Assert.Equal(SessionCompletionOutcome.Expired, result.Outcome);
        Assert.Equal(SessionStatus.Expired, (await vault.Sessions.GetAsync(tenant.Id, session.Id, None))!.Status);
        Assert.Empty((await vault.Tokens.ListAsync(tenant.Id, null, 10, None)).Items);
    }

    [SkippableFact]
    public async Task Sessions_FailedAttempts_CountDown_ThenLock()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SessionMaxFailedAttempts = 3 });
        Tenant tenant = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);
        CardInput badLuhn = Entered(vault, "4111111111111112");

        SessionCompletion first = await vault.Sessions.CompleteAsync(session.Id, badLuhn, None);
        SessionCompletion second = await vault.Sessions.CompleteAsync(session.Id, badLuhn, None);
        SessionCompletion third = await vault.Sessions.CompleteAsync(session.Id, badLuhn, None);
        SessionCompletion valid = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Visa), None);

        Assert.Equal(SessionCompletionOutcome.Invalid, first.Outcome);
        Assert.Contains(first.Errors, e => e.Field == CardField.AccountNumber);
        Assert.Equal(2, first.Session!.AttemptsRemaining);
        Assert.Equal(1, second.Session!.AttemptsRemaining);
        Assert.Equal(SessionCompletionOutcome.Invalid, third.Outcome);
        Assert.Equal(SessionStatus.Locked, third.Session!.Status);
        Assert.Equal(SessionCompletionOutcome.Locked, valid.Outcome);
        Assert.Empty((await vault.Tokens.ListAsync(tenant.Id, null, 10, None)).Items);
    }

    [SkippableFact]
    public async Task Sessions_InvalidThenValid_Completes()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        SessionCompletion invalid = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Amex, "12"), None);
        SessionCompletion valid = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Amex, "1234"), None);

        Assert.Equal(SessionCompletionOutcome.Invalid, invalid.Outcome);
        Assert.Contains(invalid.Errors, e => e.Field == CardField.SecurityCode);
        Assert.Equal(SessionCompletionOutcome.Completed, valid.Outcome);
        Assert.Equal(1, valid.Session!.Record.FailedAttempts);
    }

    [SkippableFact]
    public async Task Sessions_SecurityCodeSession_KeepsTheNewCodeForItsToken()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Amex), TokenOptions.None, None);
        SessionRecord session = (await vault.Sessions.CreateForSecurityCodeAsync(tenant.Id, token.Id, None))!;

        SessionCompletion wrongLength = await vault.Sessions.CompleteAsync(session.Id, new CardInput { SecurityCode = "12" }, None);
        SessionCompletion result = await vault.Sessions.CompleteAsync(session.Id, new CardInput { SecurityCode = "4321" }, None);

        Assert.Equal(SessionCompletionOutcome.Invalid, wrongLength.Outcome);
        Assert.Equal(SessionCompletionOutcome.Completed, result.Outcome);
        Assert.Equal(token.Id, result.Session!.Record.TokenId);
        Assert.Equal("4321", vault.SecurityCodes.Read(tenant.Id, token.Id));
        Assert.Single((await vault.Tokens.ListAsync(tenant.Id, null, 10, None)).Items);
    }

    [SkippableFact]
    public async Task Sessions_OtherTenant_CannotRead_UnknownSessionIsNotFound()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        Assert.Null(await vault.Sessions.GetAsync(other.Id, session.Id, None));
        Assert.NotNull(await vault.Sessions.GetAsync(tenant.Id, session.Id, None));
        Assert.Equal(SessionCompletionOutcome.NotFound, (await vault.Sessions.CompleteAsync(Guid.NewGuid(), Entered(vault, TestCards.Visa), None)).Outcome);
    }

    [SkippableFact]
    public async Task Sessions_Ids_AreRandomVersion4()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();

        SessionRecord a = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);
        SessionRecord b = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        Assert.Equal(4, a.Id.Version);
        Assert.Equal(4, b.Id.Version);
        Assert.NotEqual(a.Id.ToString()[..8], b.Id.ToString()[..8]); // not time-ordered like the v7 token ids
    }

    [SkippableFact]
    public async Task Sessions_AllowedOrigins_RoundTripPerTenant()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();

        await vault.Sessions.SetAllowedOriginsAsync(tenant.Id, ["https://shop.example", "https://shop.example", "http://127.0.0.1:8080"], Actor.Admin, None);

        Assert.Equal(["https://shop.example", "http://127.0.0.1:8080"], await vault.Sessions.GetAllowedOriginsAsync(tenant.Id, None));
        Assert.Empty(await vault.Sessions.GetAllowedOriginsAsync(other.Id, None));
        await vault.Sessions.SetAllowedOriginsAsync(tenant.Id, [], Actor.Admin, None);
        Assert.Empty(await vault.Sessions.GetAllowedOriginsAsync(tenant.Id, None));
    }

    // ---- NetworkTokenService -------------------------------------------------------------------------

    [SkippableFact]
    public async Task NetworkTokens_FromPan_SealsCardAndTokenPanUnderTheirOwnKinds()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();

        NetworkTokenResult result = await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card(TestCards.Mastercard, "123", "Jane Doe"), null, null, None);

        Assert.Equal(NetworkTokenOutcome.Done, result.Outcome);
        NetworkToken token = result.Token!;
        Assert.Equal((NetworkTokenType.Mdes, NetworkTokenStatus.Active, "555555******4444", "Jane Doe"), (token.Type, token.Status, token.Card.MaskedAccountNumber, token.Card.CardholderName));
        NetworkTokenRecord record = (await vault.Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!;
        TenantKeySet keys = await vault.Keyring.GetAsync(tenant.Id, None);
        string tokenPan = Encoding.ASCII.GetString(keys.Open(RecordKind.NetworkTokenPan, token.Id, record.TokenPanCiphertext));
        Assert.StartsWith("520473", tokenPan, StringComparison.Ordinal);
        Assert.Throws<AuthenticationTagMismatchException>(() => keys.Open(RecordKind.NetworkTokenCard, token.Id, record.TokenPanCiphertext));
        Assert.Throws<AuthenticationTagMismatchException>(() => keys.Open(RecordKind.PciToken, token.Id, record.CardCiphertext));
        Assert.Equal(NetworkTokenOutcome.Conflict, (await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card(TestCards.Mastercard), null, null, None)).Outcome);
    }

    [SkippableFact]
    public async Task NetworkTokens_FromPciToken_OfThisTenantOnly_UnsupportedAndDeclinedRefused()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        PciToken pci = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123", "Jo"), TokenOptions.None, None);

        NetworkTokenResult fromPci = await vault.NetworkTokens.CreateFromPciTokenAsync(tenant.Id, pci.Id, null, None);
        NetworkTokenResult crossTenant = await vault.NetworkTokens.CreateFromPciTokenAsync(other.Id, pci.Id, null, None);
        NetworkTokenResult jcb = await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card(TestCards.Jcb), null, null, None);
        NetworkTokenResult declined = await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card("4000000000000051"), null, null, None);

        Assert.Equal(pci.Id, fromPci.Token!.PciTokenId);
        Assert.Equal("Jo", fromPci.Token.Card.CardholderName);
        Assert.Equal(NetworkTokenOutcome.NotFound, crossTenant.Outcome);
        Assert.Equal(NetworkTokenOutcome.UnsupportedScheme, jcb.Outcome);
        Assert.Equal(NetworkTokenOutcome.Declined, declined.Outcome);
        Assert.True(await vault.Tokens.DeleteAsync(tenant.Id, pci.Id, None));
        Assert.Equal(NetworkTokenStatus.Active, (await vault.NetworkTokens.GetAsync(tenant.Id, fromPci.Token.Id, None))!.Status); // independent lifecycles
    }

    [SkippableFact]
    public async Task NetworkTokens_Lifecycle_TwoPartySuspension_DeleteErases_EventsRecorded()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        Guid id = (await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), null, null, None)).Token!.Id;

        NetworkTokenResult merchantSuspends = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Suspend, SuspensionParties.Merchant, "customer request", None);
        NetworkTokenResult issuerSuspends = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Suspend, SuspensionParties.Issuer, "fraud check", None);
        NetworkTokenResult merchantResumes = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Resume, SuspensionParties.Merchant, null, None);
        NetworkTokenResult merchantAgain = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Resume, SuspensionParties.Merchant, null, None);
        NetworkTokenResult issuerResumes = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Resume, SuspensionParties.Issuer, null, None);
        NetworkTokenResult deleted = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Delete, SuspensionParties.Merchant, null, None);
        NetworkTokenResult afterDelete = await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Suspend, SuspensionParties.Merchant, null, None);

        Assert.Equal(NetworkTokenStatus.Suspended, merchantSuspends.Token!.Status);
        Assert.Equal(SuspensionParties.Merchant | SuspensionParties.Issuer, issuerSuspends.Token!.SuspendedBy);
        Assert.Equal((NetworkTokenStatus.Suspended, SuspensionParties.Issuer), (merchantResumes.Token!.Status, merchantResumes.Token.SuspendedBy));
        Assert.Equal(NetworkTokenOutcome.Refused, merchantAgain.Outcome);
        Assert.Equal(NetworkTokenStatus.Active, issuerResumes.Token!.Status);
        Assert.Equal(NetworkTokenStatus.Deleted, deleted.Token!.Status);
        Assert.Equal(NetworkTokenOutcome.Refused, afterDelete.Outcome);
        NetworkTokenRecord record = (await vault.Store.GetNetworkTokenAsync(tenant.Id, id, None))!;
        Assert.Empty(record.TokenPanCiphertext);
        Assert.Empty(record.CardCiphertext);

        IReadOnlyList<VaultEvent> events = (await vault.NetworkTokens.ListEventsAsync(tenant.Id, id, None))!;
        Assert.Equal(6, events.Count); // created, 4 changes, deleted
        Assert.Contains("\"party\":\"issuer\"", events[2].DataJson, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"fraud check\"", events[2].DataJson, StringComparison.Ordinal);
        Assert.Equal(VaultEventTypes.NetworkTokenDeleted, events[^1].Type);
        Assert.Null(await vault.NetworkTokens.ListEventsAsync((await vault.NewTenantAsync()).Id, id, None));
    }

    [SkippableFact]
    public async Task NetworkTokens_Cryptogram_SingleUse_ForgeryAndExpiryDetected()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { CryptogramTtl = TimeSpan.FromMinutes(10) });
        Tenant tenant = await vault.NewTenantAsync();
        Guid id = (await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), null, null, None)).Token!.Id;

        IssuedCryptogram first = (await vault.NetworkTokens.CreateCryptogramAsync(tenant.Id, id, 1999, "EUR", false, Actor.Admin, None)).Cryptogram!;
        IssuedCryptogram second = (await vault.NetworkTokens.CreateCryptogramAsync(tenant.Id, id, null, null, false, Actor.Admin, None)).Cryptogram!;
        IssuedCryptogram reference = (await vault.NetworkTokens.CreateCryptogramAsync(tenant.Id, id, null, null, true, Actor.Admin, None)).Cryptogram!;

        Assert.StartsWith("489537", first.TokenPan, StringComparison.Ordinal);
        Assert.NotEqual(first.Material!.Cryptogram, second.Material!.Cryptogram);
        Assert.Null(reference.Material);
        Assert.StartsWith("cref_", reference.Reference, StringComparison.Ordinal);
        Assert.Equal(CryptogramCheck.Forged, await vault.NetworkTokens.VerifyCryptogramAsync(tenant.Id, id, first.Material.Cryptogram, 2000, "EUR", None));
        Assert.Equal(CryptogramCheck.Valid, await vault.NetworkTokens.VerifyCryptogramAsync(tenant.Id, id, first.Material.Cryptogram, 1999, "EUR", None));
        Assert.Equal(CryptogramCheck.AlreadyUsed, await vault.NetworkTokens.VerifyCryptogramAsync(tenant.Id, id, first.Material.Cryptogram, 1999, "EUR", None));
        vault.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(CryptogramCheck.Expired, await vault.NetworkTokens.VerifyCryptogramAsync(tenant.Id, id, second.Material.Cryptogram, null, null, None));
    }

    [SkippableFact]
    public async Task NetworkTokens_Outcome0077_IssuerSuspendsAtFirstCryptogram()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        Guid id = (await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card("4000000000000077"), null, null, None)).Token!.Id;

        CryptogramResult refused = await vault.NetworkTokens.CreateCryptogramAsync(tenant.Id, id, null, null, false, Actor.Admin, None);

        Assert.Equal(NetworkTokenOutcome.Refused, refused.Outcome);
        NetworkToken token = (await vault.NetworkTokens.GetAsync(tenant.Id, id, None))!;
        Assert.Equal((NetworkTokenStatus.Suspended, SuspensionParties.Issuer), (token.Status, token.SuspendedBy));
        await vault.NetworkTokens.ApplyAsync(tenant.Id, id, NetworkTokenAction.Resume, SuspensionParties.Issuer, null, None);
        Assert.Equal(NetworkTokenOutcome.Done, (await vault.NetworkTokens.CreateCryptogramAsync(tenant.Id, id, null, null, false, Actor.Admin, None)).Outcome);
    }

    [SkippableFact]
    public async Task Sessions_NetworkTokenSession_ProvisionsOnCompletion_UnsupportedSchemeCountsAsAFailedAttempt()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        SessionRecord session = await vault.Sessions.CreateForNetworkTokenAsync(tenant.Id, new Dictionary<string, string> { ["order"] = "7" }, None);

        SessionCompletion jcb = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Jcb), None);
        SessionCompletion visa = await vault.Sessions.CompleteAsync(session.Id, Entered(vault, TestCards.Visa), None);

        Assert.Equal(SessionCompletionOutcome.Invalid, jcb.Outcome);
        Assert.Equal(NetworkTokenService.UnsupportedSchemeMessage, Assert.Single(jcb.Errors).Message);
        Assert.Equal(SessionCompletionOutcome.Completed, visa.Outcome);
        NetworkToken token = (await vault.NetworkTokens.GetAsync(tenant.Id, visa.Session!.Record.TokenId!.Value, None))!;
        Assert.Equal("7", token.Metadata!["order"]);
        Assert.Equal("411111******1111", visa.Session.Card!.MaskedAccountNumber);
    }

    // ---- SingleUseTokenService and BinService ---------------------------------------------------------

    [SkippableFact]
    public async Task SingleUse_Create_SealsCardAndAddress_ResolvesBin_FingerprintPerTenant()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        var address = new Dictionary<string, string> { ["country"] = "Kuwait", ["line1"] = "Salmiya, 21" };

        SingleUseToken token = await vault.SingleUse.CreateAsync(tenant.Id, vault.Card("4508750015741019", "100", "test user"), address, "192.168.1.20", None);
        SingleUseToken again = await vault.SingleUse.CreateAsync(tenant.Id, vault.Card("4508750015741019"), null, null, None);
        SingleUseToken elsewhere = await vault.SingleUse.CreateAsync(other.Id, vault.Card("4508750015741019"), null, null, None);

        Assert.Matches("^tok_[A-Za-z0-9]{24}$", token.Record.PublicId);
        Assert.Matches("^card_[A-Za-z0-9]{24}$", token.Record.CardId);
        Assert.Equal((CardFunding.Debit, "THE CO-OPERATIVE BANK PLC", "GB", "bnk_TS06A1120231227Kx242704090"),
            (token.Record.Funding, token.Record.IssuerBank, token.Record.IssuerCountry, token.Record.IssuerId));
        Assert.Equal(vault.Time.GetUtcNowMilliseconds().AddMinutes(5), token.Record.ExpiresAt);
        Assert.Equal(token.Fingerprint, again.Fingerprint);
        Assert.NotEqual(token.Fingerprint, elsewhere.Fingerprint);
        Assert.Equal(32, Convert.FromBase64String(Uri.UnescapeDataString(token.Fingerprint)).Length);
        Assert.Equal("100", vault.SecurityCodes.Read(tenant.Id, token.Record.Id));

        SingleUseToken? read = await vault.SingleUse.GetAsync(tenant.Id, token.Record.PublicId, None);
        Assert.Equal("test user", read!.CardholderName);
        Assert.Equal(address.ToList(), read.Address);
        Assert.False(read.Used);
        Assert.Null(await vault.SingleUse.GetAsync(other.Id, token.Record.PublicId, None));

        SingleUseTokenRecord stored = (await vault.Store.GetSingleUseTokenAsync(tenant.Id, token.Record.PublicId, None))!;
        Assert.False(ByteSearch.Contains(stored.AddressCiphertext!, Encoding.UTF8.GetBytes("Salmiya")));
    }

    [SkippableFact]
    public async Task SingleUse_ConsumeIntoPciToken_OnceOnly_CarriesCardAndCode()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        SingleUseToken token = await vault.SingleUse.CreateAsync(tenant.Id, vault.Card(TestCards.Amex, "1234", "Ada"), null, null, None);
        var options = new TokenOptions(600, new Dictionary<string, string> { ["order"] = "9" });

        SingleUseConsumption[] results = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(_ => Task.Run(() => vault.SingleUse.ConsumeIntoPciTokenAsync(tenant.Id, token.Record.PublicId, options, None))));

        SingleUseConsumption winner = Assert.Single(results, r => r.Outcome == SingleUseOutcome.Done);
        Assert.All(results.Where(r => r != winner), r => Assert.Equal(SingleUseOutcome.AlreadyUsed, r.Outcome));
        PciToken pci = winner.Token!;
        Assert.Equal(("378282*****0005", "Ada", "9"), (pci.Card.MaskedAccountNumber, pci.Card.CardholderName, pci.Metadata!["order"]));
        Assert.Equal("1234", vault.SecurityCodes.Read(tenant.Id, pci.Id));
        Assert.Null(vault.SecurityCodes.Read(tenant.Id, token.Record.Id));
        Assert.Single((await vault.Tokens.ListAsync(tenant.Id, null, 10, None)).Items);

        SingleUseToken? used = await vault.SingleUse.GetAsync(tenant.Id, token.Record.PublicId, None);
        Assert.True(used!.Used);
        Assert.Null(used.CardholderName);
    }

    [SkippableFact]
    public async Task SingleUse_Expired_NotFoundOrUnusable()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SingleUseTokenTtl = TimeSpan.FromMinutes(5) });
        Tenant tenant = await vault.NewTenantAsync();
        SingleUseToken token = await vault.SingleUse.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123"), null, null, None);

        vault.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Null(await vault.SingleUse.GetAsync(tenant.Id, token.Record.PublicId, None));
        Assert.Equal(SingleUseOutcome.Expired, (await vault.SingleUse.ConsumeIntoPciTokenAsync(tenant.Id, token.Record.PublicId, TokenOptions.None, None)).Outcome);
        Assert.Equal(SingleUseOutcome.NotFound, (await vault.SingleUse.ConsumeIntoPciTokenAsync(tenant.Id, "tok_missing", TokenOptions.None, None)).Outcome);
        SweepResult swept = await vault.Sweeper.SweepOnceAsync(None);
        Assert.True(swept.Tokens >= 1);
        Assert.Null(await vault.Store.GetSingleUseTokenAsync(tenant.Id, token.Record.PublicId, None));
        Assert.Null(vault.SecurityCodes.Read(tenant.Id, token.Record.Id));
    }

    [SkippableFact]
    public async Task Bins_Import_ReplacesTheShippedTable_AllBadFileKeepsThePrevious()
    {
        // Uses a fresh database: the BIN table is instance-wide.
        StoreDatabase database = await Fixture.CreateDatabaseAsync(); // disposed with the fixture
        IVaultStore store = database.NewStore();
        await store.MigrateAsync(None);
        using VaultHarness vault = new(store);
        Pan visa = TestCards.Parse(TestCards.Visa);
        Assert.Equal("JPMORGAN CHASE BANK N.A.", (await vault.Bins.LookupAsync(visa, None)).Bank);

        BinImportResult imported = await vault.Bins.ImportAsync(new StringReader("prefix,scheme,funding,bank,country\n411111,visa,DEBIT,IMPORTED BANK,DE\nbad,row"), null, None);
        BinImportResult rejected = await vault.Bins.ImportAsync(new StringReader("prefix,scheme,funding,bank,country\nbad,row"), null, None);

        Assert.Equal(1, imported.Imported);
        Assert.Single(imported.Rejections);
        Assert.Equal(0, rejected.Imported);
        CardMetadata metadata = await vault.Bins.LookupAsync(visa, None);
        Assert.Equal(("IMPORTED BANK", CardFunding.Debit, "DE"), (metadata.Bank, metadata.Funding, metadata.Country));
        Assert.Null((await vault.Bins.LookupAsync(TestCards.Parse(TestCards.Amex), None)).Bank); // the shipped rows are replaced, not merged
    }

    // ---- IdempotencyService --------------------------------------------------------------------------

    private const string Scope = "POST /api/pci/tokens";

    private static string NewKey() => "idem-" + Guid.NewGuid().ToString("N");

    [SkippableFact]
    public async Task Idempotency_FirstRequest_ProceedsThenRepeatReplaysStoredResponse()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        byte[] request = Encoding.UTF8.GetBytes("""{"card":{"number":"4111111111111111"}}""");
        byte[] response = Encoding.UTF8.GetBytes("""{"id":"tok_1","card":{"name":"Ada"}}""");

        IdempotencyDecision first = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, request, None);
        await vault.Idempotency.CompleteAsync(tenant.Id, key, ReservationOf(first), 201, response, None);
        IdempotencyDecision repeat = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, request, None);

        Assert.IsType<IdempotencyDecision.Proceed>(first);
        var replay = Assert.IsType<IdempotencyDecision.Replay>(repeat);
        Assert.Equal(201, replay.Status);
        Assert.Equal(response, replay.Body);
    }

    [SkippableFact]
    public async Task Idempotency_StoredResponseAndDigest_AreNotInTheClear()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        byte[] request = Encoding.UTF8.GetBytes("""{"card":{"number":"4111111111111111"}}""");
        byte[] response = Encoding.UTF8.GetBytes("""{"card":{"name":"Cardholder Ada"}}""");

        IdempotencyDecision begun = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, request, None);
        await vault.Idempotency.CompleteAsync(tenant.Id, key, ReservationOf(begun), 201, response, None);

        IdempotencyRecord record = (await vault.Store.GetIdempotencyKeyAsync(tenant.Id, key, vault.Time.GetUtcNow(), None))!;
        Assert.NotNull(record.Response);
        Assert.True(record.Response.AsSpan().IndexOf("Cardholder Ada"u8) < 0);
        Assert.Equal(Envelope.SealedSize(response.Length), record.Response.Length);
        Assert.NotEqual(SHA256.HashData(request), record.RequestDigest);
        Assert.Equal(32, record.RequestDigest.Length);
    }

    [SkippableFact]
    public async Task Idempotency_SecondRequestWhileFirstRuns_ConflictInProgress()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();

        await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);
        vault.Time.Advance(vault.Options.IdempotencyReservationTimeout);
        IdempotencyDecision second = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        Assert.Equal(new IdempotencyDecision.Conflict(InProgress: true), second);
    }

    [SkippableFact]
    public async Task Idempotency_SameKeyDifferentBodyOrScope_ConflictNotInProgress()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        IdempotencyDecision begun = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{\"a\":1}"u8.ToArray(), None);
        await vault.Idempotency.CompleteAsync(tenant.Id, key, ReservationOf(begun), 201, [1], None);

        IdempotencyDecision otherBody = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{\"a\":2}"u8.ToArray(), None);
        IdempotencyDecision otherScope = await vault.Idempotency.BeginAsync(tenant.Id, key, "POST /api/pci/sessions", "{\"a\":1}"u8.ToArray(), None);

        Assert.Equal(new IdempotencyDecision.Conflict(InProgress: false), otherBody);
        Assert.Equal(new IdempotencyDecision.Conflict(InProgress: false), otherScope);
    }

    [SkippableFact]
    public async Task Idempotency_Release_LetsTheClientRetry()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        IdempotencyDecision begun = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        await vault.Idempotency.ReleaseAsync(tenant.Id, key, ReservationOf(begun), None);
        IdempotencyDecision retry = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{\"different\":true}"u8.ToArray(), None);

        Assert.IsType<IdempotencyDecision.Proceed>(retry);
    }

    [SkippableFact]
    public async Task Idempotency_AbandonedReservation_IsTakenOverAfterTimeout()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { IdempotencyReservationTimeout = TimeSpan.FromSeconds(30) });
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        vault.Time.Advance(TimeSpan.FromSeconds(31));
        IdempotencyDecision takeover = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);
        IdempotencyDecision afterTakeover = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        Assert.IsType<IdempotencyDecision.Proceed>(takeover);
        Assert.Equal(new IdempotencyDecision.Conflict(InProgress: true), afterTakeover);
    }

    [SkippableFact]
    public async Task Idempotency_AfterKeyTtl_KeyIsFreshAgain()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { IdempotencyKeyTtl = TimeSpan.FromMinutes(10) });
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        IdempotencyDecision begun = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{\"a\":1}"u8.ToArray(), None);
        await vault.Idempotency.CompleteAsync(tenant.Id, key, ReservationOf(begun), 201, [1], None);

        vault.Time.Advance(TimeSpan.FromMinutes(10));
        IdempotencyDecision decision = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{\"a\":2}"u8.ToArray(), None);

        Assert.IsType<IdempotencyDecision.Proceed>(decision);
    }

    [SkippableFact]
    public async Task Idempotency_SameKeyOtherTenant_Independent()
    {
        using VaultHarness vault = NewHarness();
        Tenant a = await vault.NewTenantAsync();
        Tenant b = await vault.NewTenantAsync();
        string key = NewKey();
        IdempotencyDecision begun = await vault.Idempotency.BeginAsync(a.Id, key, Scope, "{}"u8.ToArray(), None);
        await vault.Idempotency.CompleteAsync(a.Id, key, ReservationOf(begun), 201, [1], None);

        IdempotencyDecision forB = await vault.Idempotency.BeginAsync(b.Id, key, Scope, "{}"u8.ToArray(), None);

        Assert.IsType<IdempotencyDecision.Proceed>(forB);
    }

    [SkippableFact]
    public async Task Idempotency_ConcurrentFirstRequests_ExactlyOneProceeds()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();

        IdempotencyDecision[] decisions = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(_ => Task.Run(() => vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None))));

        Assert.Single(decisions, d => d is IdempotencyDecision.Proceed);
        Assert.All(decisions.Where(d => d is not IdempotencyDecision.Proceed), d => Assert.Equal(new IdempotencyDecision.Conflict(InProgress: true), d));
    }

    [SkippableFact]
    public async Task Idempotency_CompleteWithoutReservation_IsANoOp()
    {
        using VaultHarness vault = NewHarness();
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();

        await vault.Idempotency.CompleteAsync(tenant.Id, key, Guid.NewGuid(), 201, [1], None);

        Assert.Null(await vault.Store.GetIdempotencyKeyAsync(tenant.Id, key, vault.Time.GetUtcNow(), None));
        Assert.IsType<IdempotencyDecision.Proceed>(await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None));
    }

    // ---- VaultSweeper --------------------------------------------------------------------------------

    [SkippableFact]
    public async Task Sweeper_SweepOnce_ErasesEverythingExpiredAndNothingElse()
    {
        using VaultHarness vault = NewHarness(new VaultOptions
        {
            SecurityCodeTtl = TimeSpan.FromMinutes(30),
            SessionTtl = TimeSpan.FromMinutes(15),
            SessionRetention = TimeSpan.FromMinutes(30),
            IdempotencyKeyTtl = TimeSpan.FromHours(1),
        });
        Tenant tenant = await vault.NewTenantAsync();
        DateTimeOffset start = vault.Time.GetUtcNow();
        PciToken expiring = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123"), new TokenOptions(60, null), None);
        PciToken lasting = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Mastercard, "456"), TokenOptions.None, None);
        SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);
        string key = NewKey();
        await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        vault.Time.Advance(TimeSpan.FromHours(2));
        var result = await vault.Sweeper.SweepOnceAsync(None);

        Assert.True(result.Tokens >= 1, $"tokens {result.Tokens}");
        Assert.True(result.Sessions >= 1, $"sessions {result.Sessions}");
        Assert.True(result.IdempotencyKeys >= 1, $"idempotency keys {result.IdempotencyKeys}");
        Assert.Equal(1, result.SecurityCodes); // the lasting token's code hit its TTL; the expiring token's went with the token
        Assert.Equal(result.Tokens + result.Sessions + result.IdempotencyKeys + result.SecurityCodes, result.Total);
        Assert.Null(await vault.Store.GetPciTokenAsync(tenant.Id, expiring.Id, start, None)); // erased, not just hidden
        Assert.NotNull(await vault.Store.GetPciTokenAsync(tenant.Id, lasting.Id, vault.Time.GetUtcNow(), None));
        Assert.Null(await vault.Store.GetSessionAsync(tenant.Id, session.Id, None)); // past expiry plus retention
        Assert.Null(await vault.Store.GetIdempotencyKeyAsync(tenant.Id, key, start, None));
        Assert.Equal(0, vault.SecurityCodes.Count);
    }

    [SkippableFact]
    public async Task Sweeper_BackgroundService_SweepsOnItsInterval()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { SweepInterval = TimeSpan.FromMilliseconds(200) });
        Tenant tenant = await vault.NewTenantAsync();
        DateTimeOffset start = vault.Time.GetUtcNow();
        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), new TokenOptions(1, null), None);
        vault.Time.Advance(TimeSpan.FromSeconds(2));

        await vault.Sweeper.StartAsync(None);
        try
        {
            // Bounded wait: the timer is real (only the wall clock is fake), so a tick comes every 200 ms.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (await vault.Store.GetPciTokenAsync(tenant.Id, token.Id, start, None) is not null && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        finally
        {
            await vault.Sweeper.StopAsync(None);
        }

        Assert.Null(await vault.Store.GetPciTokenAsync(tenant.Id, token.Id, start, None));
    }

    private static Guid ReservationOf(IdempotencyDecision decision) => Assert.IsType<IdempotencyDecision.Proceed>(decision).ReservationId;

    [SkippableFact]
    public async Task Idempotency_ConcurrentRetriesOfAnAbandonedReservation_OnlyOneProceeds()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { IdempotencyReservationTimeout = TimeSpan.FromSeconds(30) });
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);
        vault.Time.Advance(TimeSpan.FromSeconds(31));

        IdempotencyDecision[] retries = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None))));

        Assert.Single(retries, d => d is IdempotencyDecision.Proceed);
        Assert.All(retries.Where(d => d is not IdempotencyDecision.Proceed), d => Assert.Equal(new IdempotencyDecision.Conflict(InProgress: true), d));
    }

    [SkippableFact]
    public async Task Idempotency_LateCompletionOfATakenOverReservation_IsIgnored()
    {
        using VaultHarness vault = NewHarness(new VaultOptions { IdempotencyReservationTimeout = TimeSpan.FromSeconds(30) });
        Tenant tenant = await vault.NewTenantAsync();
        string key = NewKey();
        IdempotencyDecision slow = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);
        vault.Time.Advance(TimeSpan.FromSeconds(31));
        IdempotencyDecision takeover = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        await vault.Idempotency.CompleteAsync(tenant.Id, key, ReservationOf(slow), 200, [1], None);
        await vault.Idempotency.CompleteAsync(tenant.Id, key, ReservationOf(takeover), 201, [2], None);
        IdempotencyDecision replay = await vault.Idempotency.BeginAsync(tenant.Id, key, Scope, "{}"u8.ToArray(), None);

        var replayed = Assert.IsType<IdempotencyDecision.Replay>(replay);
        Assert.Equal(201, replayed.Status);
        Assert.Equal(new byte[] { 2 }, replayed.Body);
    }
}
