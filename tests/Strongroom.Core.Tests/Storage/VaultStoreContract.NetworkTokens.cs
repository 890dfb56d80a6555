using System.Security.Cryptography;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
    // ---- network tokens and events --------------------------------------------------------------------

    private static NetworkTokenRecord NewNetworkToken(Guid tenantId, byte[]? fingerprint = null, NetworkTokenStatus status = NetworkTokenStatus.Active) => new(
        Guid.CreateVersion7(), tenantId, CardScheme.Visa, "411111", "1111", 16, 12, 2030, fingerprint ?? RandomNumberGenerator.GetBytes(32),
        RandomNumberGenerator.GetBytes(40), RandomNumberGenerator.GetBytes(40), 12, 2030, NetworkTokenType.Vts, "ref-" + Guid.NewGuid().ToString("N"),
        status, SuspensionParties.None, Guid.NewGuid(), """{"k":"v"}""", 0, T0, T0);

    private static VaultEvent NewEvent(NetworkTokenRecord token, string type, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at), token.TenantId, type, token.Id.ToString(), """{"status":"active"}""", at);

    [SkippableFact]
    public async Task NetworkToken_InsertGet_RoundTripsWithItsEvent()
    {
        Tenant tenant = await NewTenantAsync();
        NetworkTokenRecord token = NewNetworkToken(tenant.Id);
        VaultEvent created = NewEvent(token, VaultEventTypes.NetworkTokenCreated, T0);

        Assert.True(await Store.InsertNetworkTokenAsync(token, created, null, None));

        NetworkTokenRecord? read = await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None);
        Assert.NotNull(read);
        Assert.Equal(token with { Fingerprint = read.Fingerprint, CardCiphertext = read.CardCiphertext, TokenPanCiphertext = read.TokenPanCiphertext }, read);
        Assert.Equal(token.Fingerprint, read.Fingerprint);
        Assert.Equal(token.TokenPanCiphertext, read.TokenPanCiphertext);
        Assert.Equal([created], await Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None));
        Assert.Null(await Store.GetNetworkTokenAsync((await NewTenantAsync()).Id, token.Id, None));
        Assert.Empty(await Store.ListEventsAsync((await NewTenantAsync()).Id, token.Id.ToString(), None));
    }

    [SkippableFact]
    public async Task NetworkToken_OneLiveTokenPerCardAndTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        byte[] fingerprint = RandomNumberGenerator.GetBytes(32);
        NetworkTokenRecord first = NewNetworkToken(tenant.Id, fingerprint);
        NetworkTokenRecord duplicate = NewNetworkToken(tenant.Id, fingerprint);
        Assert.True(await Store.InsertNetworkTokenAsync(first, NewEvent(first, VaultEventTypes.NetworkTokenCreated, T0), null, None));

        Assert.False(await Store.InsertNetworkTokenAsync(duplicate, NewEvent(duplicate, VaultEventTypes.NetworkTokenCreated, T0), null, None));
        Assert.Null(await Store.GetNetworkTokenAsync(tenant.Id, duplicate.Id, None));
        Assert.Empty(await Store.ListEventsAsync(tenant.Id, duplicate.Id.ToString(), None)); // the event rolled back with the row

        NetworkTokenRecord elsewhere = NewNetworkToken(other.Id, fingerprint);
        Assert.True(await Store.InsertNetworkTokenAsync(elsewhere, NewEvent(elsewhere, VaultEventTypes.NetworkTokenCreated, T0), null, None));

        // Once the first is deleted, the card may be tokenized again.
        Assert.True(await Store.UpdateNetworkTokenStatusAsync(first, NetworkTokenStatus.Deleted, SuspensionParties.None, true, T0, NewEvent(first, VaultEventTypes.NetworkTokenDeleted, T0), null, None));
        Assert.True(await Store.InsertNetworkTokenAsync(duplicate, NewEvent(duplicate, VaultEventTypes.NetworkTokenCreated, T0), null, None));
    }

    [SkippableFact]
    public async Task NetworkToken_UpdateStatus_CompareAndSet_EraseEmptiesCiphertexts()
    {
        Tenant tenant = await NewTenantAsync();
        NetworkTokenRecord token = NewNetworkToken(tenant.Id);
        await Store.InsertNetworkTokenAsync(token, NewEvent(token, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        DateTimeOffset later = T0.AddMinutes(1);

        Assert.True(await Store.UpdateNetworkTokenStatusAsync(token, NetworkTokenStatus.Suspended, SuspensionParties.Issuer, false, later, NewEvent(token, VaultEventTypes.NetworkTokenStatusChanged, later), null, None));
        Assert.False(await Store.UpdateNetworkTokenStatusAsync(token, NetworkTokenStatus.Deleted, SuspensionParties.None, true, later, NewEvent(token, VaultEventTypes.NetworkTokenDeleted, later), null, None)); // stale state

        NetworkTokenRecord suspended = (await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!;
        Assert.Equal((NetworkTokenStatus.Suspended, SuspensionParties.Issuer, later), (suspended.Status, suspended.SuspendedBy, suspended.UpdatedAt));
        Assert.Equal(token.CardCiphertext, suspended.CardCiphertext);
        Assert.Equal(2, (await Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None)).Count);

        Assert.True(await Store.UpdateNetworkTokenStatusAsync(suspended, NetworkTokenStatus.Deleted, SuspensionParties.None, true, later, NewEvent(token, VaultEventTypes.NetworkTokenDeleted, later), null, None));
        NetworkTokenRecord deleted = (await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!;
        Assert.Equal(NetworkTokenStatus.Deleted, deleted.Status);
        Assert.Empty(deleted.CardCiphertext);
        Assert.Empty(deleted.TokenPanCiphertext);
        Assert.Equal([VaultEventTypes.NetworkTokenCreated, VaultEventTypes.NetworkTokenStatusChanged, VaultEventTypes.NetworkTokenDeleted],
            (await Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None)).Select(e => e.Type));
    }

    [SkippableFact]
    public async Task Cryptograms_CountersIncrease_OnlyForActiveTokens_SingleUse()
    {
        Tenant tenant = await NewTenantAsync();
        NetworkTokenRecord token = NewNetworkToken(tenant.Id);
        NetworkTokenRecord inactive = NewNetworkToken(tenant.Id, status: NetworkTokenStatus.Inactive);
        await Store.InsertNetworkTokenAsync(token, NewEvent(token, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        await Store.InsertNetworkTokenAsync(inactive, NewEvent(inactive, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        var pending = new CryptogramRecord(token.Id, tenant.Id, 0, 1999, "EUR", null, T0, T0.AddMinutes(10));

        long? first = await Store.IssueCryptogramAsync(pending, NewEvent(token, VaultEventTypes.NetworkTokenCryptogramIssued, T0), null, None);
        long? second = await Store.IssueCryptogramAsync(pending with { ReferenceDigest = RandomNumberGenerator.GetBytes(32) }, NewEvent(token, VaultEventTypes.NetworkTokenCryptogramIssued, T0), null, None);
        long? refused = await Store.IssueCryptogramAsync(pending with { TokenId = inactive.Id }, NewEvent(inactive, VaultEventTypes.NetworkTokenCryptogramIssued, T0), null, None);

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Null(refused);
        Assert.Equal(2, (await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!.CryptogramCounter);
        CryptogramRecord? stored = await Store.GetCryptogramAsync(tenant.Id, token.Id, 1, None);
        Assert.Equal(pending with { Counter = 1 }, stored);

        Assert.True(await Store.UseCryptogramAsync(tenant.Id, token.Id, 1, T0.AddMinutes(1), None));
        Assert.False(await Store.UseCryptogramAsync(tenant.Id, token.Id, 1, T0.AddMinutes(1), None));
        Assert.False(await Store.UseCryptogramAsync(tenant.Id, token.Id, 2, T0.AddMinutes(10), None)); // expired
        Assert.False(await Store.UseCryptogramAsync((await NewTenantAsync()).Id, token.Id, 2, T0, None));
        Assert.Equal(T0.AddMinutes(1), (await Store.GetCryptogramAsync(tenant.Id, token.Id, 1, None))!.UsedAt);

        Assert.True(await Store.PurgeCryptogramsAsync(T0.AddMinutes(10), None) >= 2);
        Assert.Null(await Store.GetCryptogramAsync(tenant.Id, token.Id, 1, None));
    }

    [SkippableFact]
    public async Task TryCompleteSession_WithNetworkToken_ConflictRollsBackTheSessionToo()
    {
        Tenant tenant = await NewTenantAsync();
        byte[] fingerprint = RandomNumberGenerator.GetBytes(32);
        NetworkTokenRecord live = NewNetworkToken(tenant.Id, fingerprint);
        await Store.InsertNetworkTokenAsync(live, NewEvent(live, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.NetworkToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);
        NetworkTokenRecord duplicate = NewNetworkToken(tenant.Id, fingerprint);
        NetworkTokenRecord fresh = NewNetworkToken(tenant.Id);

        SessionWriteResult conflict = await Store.TryCompleteSessionAsync(session.Id, duplicate.Id, T0, new SessionCompletionWrites(NetworkToken: duplicate, Events: [NewEvent(duplicate, VaultEventTypes.NetworkTokenCreated, T0)]), None);
        SessionRecord afterConflict = (await Store.GetSessionAsync(tenant.Id, session.Id, None))!;
        SessionWriteResult completed = await Store.TryCompleteSessionAsync(session.Id, fresh.Id, T0, new SessionCompletionWrites(NetworkToken: fresh, Events: [NewEvent(fresh, VaultEventTypes.NetworkTokenCreated, T0)]), None);

        Assert.Equal(SessionWriteResult.TokenConflict, conflict);
        Assert.Equal(SessionStatus.Created, afterConflict.Status);
        Assert.Equal(SessionWriteResult.Completed, completed);
        Assert.Equal(fresh.Id, (await Store.GetSessionAsync(tenant.Id, session.Id, None))!.TokenId);
        Assert.Single(await Store.ListEventsAsync(tenant.Id, fresh.Id.ToString(), None));
        Assert.Empty(await Store.ListEventsAsync(tenant.Id, duplicate.Id.ToString(), None));
    }
}
