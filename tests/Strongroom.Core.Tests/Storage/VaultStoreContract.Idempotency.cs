using Strongroom.Core.Idempotency;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
    // ---- idempotency keys ----------------------------------------------------------------------------

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_New_TrueAndReadableAsReservation()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0);

        bool reserved = await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        Assert.True(reserved);
        IdempotencyRecord? stored = await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0, None);
        Assert.NotNull(stored);
        Assert.Equal(reservation.Id, stored.Id);
        Assert.Equal(reservation.TenantId, stored.TenantId);
        Assert.Equal(reservation.Key, stored.Key);
        Assert.Equal(reservation.RequestDigest, stored.RequestDigest);
        Assert.Null(stored.Status);
        Assert.Null(stored.Response);
        Assert.Equal(reservation.CreatedAt, stored.CreatedAt);
        Assert.Equal(reservation.ExpiresAt, stored.ExpiresAt);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_SameKeyAgain_ConflictKeepsFirst()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord first = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(first, T0, None);

        bool second = await Store.TryReserveIdempotencyKeyAsync(NewReservation(tenant.Id, key, T0.AddSeconds(1)), T0.AddSeconds(1), None);

        Assert.False(second);
        Assert.Equal(first.Id, (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0.AddSeconds(1), None))!.Id);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_SameKeyOtherTenant_IsIndependent()
    {
        Tenant a = await NewTenantAsync();
        Tenant b = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord forA = NewReservation(a.Id, key, T0);
        IdempotencyRecord forB = NewReservation(b.Id, key, T0);

        Assert.True(await Store.TryReserveIdempotencyKeyAsync(forA, T0, None));
        Assert.True(await Store.TryReserveIdempotencyKeyAsync(forB, T0, None));

        Assert.Equal(forA.Id, (await Store.GetIdempotencyKeyAsync(a.Id, key, T0, None))!.Id);
        Assert.Equal(forB.Id, (await Store.GetIdempotencyKeyAsync(b.Id, key, T0, None))!.Id);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_Concurrently_ExactlyOneWins()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord[] attempts = [.. Enumerable.Range(0, 8).Select(_ => NewReservation(tenant.Id, key, T0))];

        bool[] results = await Task.WhenAll(attempts.Select(r => Task.Run(() => Store.TryReserveIdempotencyKeyAsync(r, T0, None))));

        int winner = Assert.Single(Enumerable.Range(0, attempts.Length), i => results[i]);
        Assert.Equal(attempts[winner].Id, (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0, None))!.Id);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_ExpiredRecord_IsReplaced()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord old = NewReservation(tenant.Id, key, T0, TimeSpan.FromMinutes(1));
        await Store.TryReserveIdempotencyKeyAsync(old, T0, None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, key, old.Id, 201, [1, 2, 3], None);
        DateTimeOffset later = T0.AddMinutes(1);
        IdempotencyRecord replacement = NewReservation(tenant.Id, key, later);

        bool reserved = await Store.TryReserveIdempotencyKeyAsync(replacement, later, None);

        Assert.True(reserved);
        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, key, later, None))!;
        Assert.Equal(replacement.Id, stored.Id);
        Assert.Null(stored.Status);
        Assert.Null(stored.Response);
    }

    [SkippableFact]
    public async Task GetIdempotencyKey_AtExpiry_ReturnsNull()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0, TimeSpan.FromMinutes(1));
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        Assert.NotNull(await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0.AddMinutes(1).AddMilliseconds(-1), None));
        Assert.Null(await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0.AddMinutes(1), None));
        Assert.Null(await Store.GetIdempotencyKeyAsync(Guid.NewGuid(), reservation.Key, T0, None));
    }

    [SkippableFact]
    public async Task CompleteIdempotencyKey_StoresResponseOnceOnly()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.CompleteIdempotencyKeyAsync(tenant.Id, reservation.Key, reservation.Id, 201, [1, 2, 3], None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, reservation.Key, reservation.Id, 500, [9], None);

        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0, None))!;
        Assert.Equal(201, stored.Status);
        Assert.Equal(new byte[] { 1, 2, 3 }, stored.Response);
        Assert.Equal(reservation.Id, stored.Id);
    }

    [SkippableFact]
    public async Task CompleteIdempotencyKey_OtherTenant_DoesNotTouchIt()
    {
        Tenant owner = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(owner.Id, NewKey(), T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.CompleteIdempotencyKeyAsync(other.Id, reservation.Key, reservation.Id, 201, [1], None);
        await Store.ReleaseIdempotencyKeyAsync(other.Id, reservation.Key, reservation.Id, None);

        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(owner.Id, reservation.Key, T0, None))!;
        Assert.Equal(reservation.Id, stored.Id);
        Assert.Null(stored.Status);
    }

    [SkippableFact]
    public async Task ReleaseIdempotencyKey_Reserved_FreesTheKey()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord reservation = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.ReleaseIdempotencyKeyAsync(tenant.Id, key, reservation.Id, None);

        Assert.Null(await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0, None));
        Assert.True(await Store.TryReserveIdempotencyKeyAsync(NewReservation(tenant.Id, key, T0), T0, None));
    }

    [SkippableFact]
    public async Task ReleaseIdempotencyKey_Completed_KeepsTheResponse()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord reservation = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, key, reservation.Id, 200, [7], None);

        await Store.ReleaseIdempotencyKeyAsync(tenant.Id, key, reservation.Id, None);

        Assert.Equal(200, (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0, None))!.Status);
        Assert.False(await Store.TryReserveIdempotencyKeyAsync(NewReservation(tenant.Id, key, T0), T0, None));
    }

    [SkippableFact]
    public async Task PurgeExpiredIdempotencyKeys_RemovesExpiredOnly()
    {
        Tenant tenant = await NewTenantAsync();
        DateTimeOffset now = T0.AddDays(3);
        IdempotencyRecord expired = NewReservation(tenant.Id, NewKey(), T0, TimeSpan.FromDays(3));
        IdempotencyRecord live = NewReservation(tenant.Id, NewKey(), T0, TimeSpan.FromDays(3).Add(TimeSpan.FromMilliseconds(1)));
        await Store.TryReserveIdempotencyKeyAsync(expired, T0, None);
        await Store.TryReserveIdempotencyKeyAsync(live, T0, None);

        int purged = await Store.PurgeExpiredIdempotencyKeysAsync(now, None);

        Assert.True(purged >= 1, $"purged {purged}");
        Assert.Null(await Store.GetIdempotencyKeyAsync(tenant.Id, expired.Key, T0, None));
        Assert.Equal(live.Id, (await Store.GetIdempotencyKeyAsync(tenant.Id, live.Key, now, None))!.Id);
    }

    [SkippableFact]
    public async Task CompleteAndRelease_WithAnotherReservationId_DoNothing()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.CompleteIdempotencyKeyAsync(tenant.Id, reservation.Key, Guid.NewGuid(), 201, [1], None);
        await Store.ReleaseIdempotencyKeyAsync(tenant.Id, reservation.Key, Guid.NewGuid(), None);

        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0, None))!;
        Assert.Equal(reservation.Id, stored.Id);
        Assert.Null(stored.Status);
    }

    [SkippableFact]
    public async Task TryTakeOverIdempotencyKey_SwapsOnlyTheNamedOpenReservation()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord stale = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(stale, T0, None);
        IdempotencyRecord first = NewReservation(tenant.Id, key, T0.AddMinutes(2));
        IdempotencyRecord second = NewReservation(tenant.Id, key, T0.AddMinutes(2));

        bool firstWon = await Store.TryTakeOverIdempotencyKeyAsync(stale.Id, first, None);
        bool secondWon = await Store.TryTakeOverIdempotencyKeyAsync(stale.Id, second, None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, key, first.Id, 200, [5], None);
        bool afterCompletion = await Store.TryTakeOverIdempotencyKeyAsync(first.Id, NewReservation(tenant.Id, key, T0.AddMinutes(3)), None);

        Assert.True(firstWon);
        Assert.False(secondWon);
        Assert.False(afterCompletion);
        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0.AddMinutes(3), None))!;
        Assert.Equal(first.Id, stored.Id);
        Assert.Equal(200, stored.Status);
    }
}
