using System.Data.Common;
using System.Security.Cryptography;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
    // ---- API keys ------------------------------------------------------------------------------------

    private static VaultEvent ApiKeyCreatedEvent(ApiKeyRecord key) => VaultEvents.ApiKeyCreated(key.TenantId, key.Id, "api_key", key.Name, key.CreatedAt);

    private static ApiKeyRecord NewApiKey(Guid tenantId, DateTimeOffset? createdAt = null, string? name = "ci key", DateTimeOffset? expiresAt = null) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), tenantId, name, SecretHasher.Hash(SecretHasher.NewSecret()),
            VaultRights.TokensCreate | VaultRights.TokensRead, createdAt ?? T0, expiresAt, null);

    [SkippableFact]
    public async Task CreateApiKey_Get_RoundTripsEveryField()
    {
        Tenant tenant = await NewTenantAsync();
        ApiKeyRecord withAll = NewApiKey(tenant.Id, expiresAt: T0.AddDays(90)) with { Rights = VaultRights.DataOut | VaultRights.TokensDelete };
        ApiKeyRecord withNulls = NewApiKey(tenant.Id, name: null);

        await Store.CreateApiKeyAsync(withAll, ApiKeyCreatedEvent(withAll), None);
        await Store.CreateApiKeyAsync(withNulls, ApiKeyCreatedEvent(withNulls), None);

        Assert.Equal(withAll, await Store.GetApiKeyAsync(withAll.Id, None));
        Assert.Equal(withNulls, await Store.GetApiKeyAsync(withNulls.Id, None));
    }

    [SkippableFact]
    public async Task GetApiKey_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetApiKeyAsync("0123456789abcdef", None));
    }

    [SkippableFact]
    public async Task CreateApiKey_UnknownTenant_Refused()
    {
        ApiKeyRecord key = NewApiKey(Guid.NewGuid());

        await Assert.ThrowsAnyAsync<DbException>(() => Store.CreateApiKeyAsync(key, ApiKeyCreatedEvent(key), None));

        Assert.Null(await Store.GetApiKeyAsync(key.Id, None));
    }

    [SkippableFact]
    public async Task ListApiKeys_OnlyTheTenantsKeysInCreationOrder()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        ApiKeyRecord second = NewApiKey(tenant.Id, T0.AddMinutes(2));
        ApiKeyRecord first = NewApiKey(tenant.Id, T0.AddMinutes(1));
        ApiKeyRecord third = NewApiKey(tenant.Id, T0.AddMinutes(3));
        await Store.CreateApiKeyAsync(second, ApiKeyCreatedEvent(second), None);
        await Store.CreateApiKeyAsync(first, ApiKeyCreatedEvent(first), None);
        await Store.CreateApiKeyAsync(third, ApiKeyCreatedEvent(third), None);
        await Store.CreateApiKeyAsync(NewApiKey(other.Id, T0), ApiKeyCreatedEvent(NewApiKey(other.Id, T0)), None);

        IReadOnlyList<ApiKeyRecord> keys = await Store.ListApiKeysAsync(tenant.Id, None);

        Assert.Equal([first, second, third], keys);
        Assert.Empty(await Store.ListApiKeysAsync(Guid.NewGuid(), None));
    }

    [SkippableFact]
    public async Task RevokeApiKey_OtherTenant_FalseAndKeyStaysUsable()
    {
        Tenant owner = await NewTenantAsync();
        Tenant attacker = await NewTenantAsync();
        ApiKeyRecord key = NewApiKey(owner.Id);
        await Store.CreateApiKeyAsync(key, ApiKeyCreatedEvent(key), None);

        bool revoked = await Store.RevokeApiKeyAsync(attacker.Id, key.Id, T0.AddHours(1), VaultEvents.ApiKeyDeleted(attacker.Id, key.Id, "api_key", T0.AddHours(1)), None);

        Assert.False(revoked);
        Assert.Null((await Store.GetApiKeyAsync(key.Id, None))!.RevokedAt);
    }

    [SkippableFact]
    public async Task RevokeApiKey_Owner_TrueOnceAndKeepsFirstRevocationTime()
    {
        Tenant owner = await NewTenantAsync();
        ApiKeyRecord key = NewApiKey(owner.Id);
        await Store.CreateApiKeyAsync(key, ApiKeyCreatedEvent(key), None);

        bool first = await Store.RevokeApiKeyAsync(owner.Id, key.Id, T0.AddHours(1), VaultEvents.ApiKeyDeleted(owner.Id, key.Id, "api_key", T0.AddHours(1)), None);
        bool second = await Store.RevokeApiKeyAsync(owner.Id, key.Id, T0.AddHours(2), VaultEvents.ApiKeyDeleted(owner.Id, key.Id, "api_key", T0.AddHours(2)), None);

        Assert.True(first);
        Assert.False(second);
        ApiKeyRecord stored = (await Store.GetApiKeyAsync(key.Id, None))!;
        Assert.Equal(T0.AddHours(1), stored.RevokedAt);
        Assert.False(stored.IsUsableAt(T0.AddHours(1)));
    }

    [SkippableFact]
    public async Task RevokeApiKey_UnknownKey_False()
    {
        Tenant owner = await NewTenantAsync();

        Assert.False(await Store.RevokeApiKeyAsync(owner.Id, "ffffffffffffffff", T0, VaultEvents.ApiKeyDeleted(owner.Id, "ffffffffffffffff", "api_key", T0), None));
    }

    // ---- sub-accounts and signing keys -------------------------------------------------------------

    private async Task<Tenant> NewSubAccountAsync(Guid parentId)
    {
        var tenant = new Tenant(Guid.NewGuid(), "sub", T0, parentId);
        await Store.CreateTenantAsync(tenant, [KeyRecord(tenant.Id, TenantKeyPurpose.Data, 1), KeyRecord(tenant.Id, TenantKeyPurpose.Fingerprint, 1)], None);
        return tenant;
    }

    private static SigningKeyRecord NewSigningKey(Guid tenantId, DateTimeOffset? createdAt = null) => new(
        Guid.NewGuid(), tenantId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), RandomNumberGenerator.GetBytes(Envelope.SealedSize(64)),
        1, "title", true, false, [], 0, null, createdAt ?? T0);

    [SkippableFact]
    public async Task SubAccounts_KeepTheirParent_AndAreListedPerAccount()
    {
        Tenant account = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        Tenant first = await NewSubAccountAsync(account.Id);
        Tenant second = await NewSubAccountAsync(account.Id);
        await NewSubAccountAsync(other.Id);

        IReadOnlyList<Tenant> subs = await Store.ListSubAccountsAsync(account.Id, None);

        Assert.Equal(new[] { first.Id, second.Id }.Order(), subs.Select(t => t.Id).Order());
        Assert.All(subs, t => Assert.Equal(account.Id, t.ParentId));
        Assert.Equal(account.Id, (await Store.GetTenantAsync(first.Id, None))!.ParentId);
        Assert.Null((await Store.GetTenantAsync(account.Id, None))!.ParentId);
    }

    [SkippableFact]
    public async Task SigningKeys_RoundTripAndAreScopedToTheirTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        SigningKeyRecord key = NewSigningKey(tenant.Id) with { AccessEndpoints = [new AccessEndpoint("/api/v4/sub-account/list", "List")], RestrictAccess = true };

        await Store.CreateSigningKeyAsync(key, VaultEvents.ApiKeyCreated(key.TenantId, key.Id.ToString(), "signing_key", key.Title, key.CreatedAt), None);
        SigningKeyRecord? byPublic = await Store.GetSigningKeyByPublicKeyAsync(key.PublicKey, None);
        SigningKeyRecord? byId = await Store.GetSigningKeyAsync(tenant.Id, key.Id, None);
        SigningKeyRecord? wrongTenant = await Store.GetSigningKeyAsync(other.Id, key.Id, None);

        Assert.NotNull(byPublic);
        Assert.Equal(key.SealedSecret, byPublic.SealedSecret);
        Assert.Equal(key.AccessEndpoints, byPublic.AccessEndpoints);
        Assert.True(byPublic.RestrictAccess);
        Assert.Equal(key.Id, byId!.Id);
        Assert.Null(wrongTenant);
        Assert.False(await Store.DeleteSigningKeyAsync(other.Id, key.Id, VaultEvents.ApiKeyDeleted(other.Id, key.Id.ToString(), "signing_key", T0), None));
    }

    [SkippableFact]
    public async Task SigningKeys_ListCountUpdateDelete()
    {
        Tenant tenant = await NewTenantAsync();
        SigningKeyRecord[] keys = [NewSigningKey(tenant.Id, T0), NewSigningKey(tenant.Id, T0.AddSeconds(1)), NewSigningKey(tenant.Id, T0.AddSeconds(2))];
        foreach (SigningKeyRecord key in keys)
        {
            await Store.CreateSigningKeyAsync(key, VaultEvents.ApiKeyCreated(key.TenantId, key.Id.ToString(), "signing_key", key.Title, key.CreatedAt), None);
        }

        IReadOnlyList<SigningKeyRecord> page = await Store.ListSigningKeysAsync(tenant.Id, 2, 1, None);
        bool updated = await Store.UpdateSigningKeyAsync(keys[0] with { Title = "renamed", IsEnabled = false }, None);
        bool deleted = await Store.DeleteSigningKeyAsync(tenant.Id, keys[2].Id, VaultEvents.ApiKeyDeleted(tenant.Id, keys[2].Id.ToString(), "signing_key", T0), None);

        Assert.Equal(new[] { keys[1].Id, keys[2].Id }, page.Select(k => k.Id));
        Assert.True(updated);
        SigningKeyRecord reread = (await Store.GetSigningKeyAsync(tenant.Id, keys[0].Id, None))!;
        Assert.Equal("renamed", reread.Title);
        Assert.False(reread.IsEnabled);
        Assert.True(deleted);
        Assert.Equal(2, await Store.CountSigningKeysAsync(tenant.Id, None));
    }

    [SkippableFact]
    public async Task TryUseSigningKey_NonceMustIncrease_AndOnlyOneConcurrentUseOfANonceWins()
    {
        Tenant tenant = await NewTenantAsync();
        SigningKeyRecord key = NewSigningKey(tenant.Id);
        await Store.CreateSigningKeyAsync(key, VaultEvents.ApiKeyCreated(key.TenantId, key.Id.ToString(), "signing_key", key.Title, key.CreatedAt), None);

        bool first = await Store.TryUseSigningKeyAsync(key.Id, 100, requireIncrease: true, T0.AddSeconds(5), None);
        bool same = await Store.TryUseSigningKeyAsync(key.Id, 100, requireIncrease: true, T0.AddSeconds(6), None);
        bool lower = await Store.TryUseSigningKeyAsync(key.Id, 99, requireIncrease: true, T0.AddSeconds(6), None);
        bool[] racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.TryUseSigningKeyAsync(key.Id, 200, requireIncrease: true, T0.AddSeconds(7), None))));
        bool windowed = await Store.TryUseSigningKeyAsync(key.Id, 1, requireIncrease: false, T0.AddSeconds(8), None);

        Assert.True(first);
        Assert.False(same);
        Assert.False(lower);
        Assert.Single(racing, won => won);
        Assert.True(windowed);
        SigningKeyRecord reread = (await Store.GetSigningKeyAsync(tenant.Id, key.Id, None))!;
        Assert.Equal(200, reread.LastNonce);
        Assert.Equal(T0.AddSeconds(8), reread.LastActivity);
    }

    [SkippableFact]
    public async Task CardTokens_RoundTripAndAreScopedToTheirTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        var token = new CardTokenRecord(Guid.NewGuid(), tenant.Id, CardScheme.Mastercard, "555555", "4444", 16,
            RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(Envelope.SealedSize(20)), T0);

        await Store.InsertCardTokenAsync(token, None);
        CardTokenRecord? read = await Store.GetCardTokenAsync(tenant.Id, token.Id, None);
        CardTokenRecord? foreign = await Store.GetCardTokenAsync(other.Id, token.Id, None);

        Assert.NotNull(read);
        Assert.Equal(token.Ciphertext, read.Ciphertext);
        Assert.Equal(token.Fingerprint, read.Fingerprint);
        Assert.Equal("555555******4444", read.MaskedCardNumber);
        Assert.Equal(T0, read.CreatedAt);
        Assert.Null(foreign);
    }
}
