using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
    // ---- sessions ------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task InsertSession_Get_RoundTrips()
    {
        Tenant tenant = await NewTenantAsync();
        var tokenSession = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, """{"expires_in_seconds":60}""", T0, T0.AddMinutes(15));
        var codeSession = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.SecurityCode, SessionStatus.Completed, Guid.NewGuid(), null, T0.AddMilliseconds(1), T0.AddMinutes(15), 2, T0.AddMinutes(1));

        await Store.InsertSessionAsync(tokenSession, null, None);
        await Store.InsertSessionAsync(codeSession, null, None);

        Assert.Equal(tokenSession, await Store.GetSessionAsync(tenant.Id, tokenSession.Id, None));
        Assert.Equal(codeSession, await Store.GetSessionAsync(tenant.Id, codeSession.Id, None));
        Assert.Equal(codeSession, await Store.FindSessionAsync(codeSession.Id, None));
    }

    [SkippableFact]
    public async Task GetSession_OtherTenant_ReturnsNull_ExpiredStaysReadable()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);

        Assert.Null(await Store.GetSessionAsync(other.Id, session.Id, None));
        Assert.Null(await Store.FindSessionAsync(Guid.NewGuid(), None));
        SessionRecord? read = await Store.GetSessionAsync(tenant.Id, session.Id, None);
        Assert.NotNull(read);
        Assert.Equal(SessionStatus.Expired, read.StatusAt(T0.AddMinutes(15)));
    }

    [SkippableFact]
    public async Task PurgeSessions_RemovesThoseExpiredBeforeTheCutoffOnly()
    {
        Tenant tenant = await NewTenantAsync();
        DateTimeOffset now = T0.AddDays(2);
        var expiredA = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, now.AddMinutes(-1));
        var expiredB = expiredA with { Id = Guid.NewGuid(), ExpiresAt = now };
        var live = expiredA with { Id = Guid.NewGuid(), ExpiresAt = now.AddMinutes(1) };
        foreach (SessionRecord session in new[] { expiredA, expiredB, live })
        {
            await Store.InsertSessionAsync(session, null, None);
        }

        int purged = await Store.PurgeSessionsAsync(now, None);

        Assert.True(purged >= 2, $"purged {purged}");
        Assert.Null(await Store.GetSessionAsync(tenant.Id, expiredA.Id, None));
        Assert.Null(await Store.GetSessionAsync(tenant.Id, expiredB.Id, None));
        Assert.Equal(live, await Store.GetSessionAsync(tenant.Id, live.Id, None));
    }

    [SkippableFact]
    public async Task TryCompleteSession_WritesTokenAndSessionTogether_Once()
    {
        Tenant tenant = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);
        PciTokenRecord first = NewToken(tenant.Id);
        PciTokenRecord second = NewToken(tenant.Id);
        DateTimeOffset at = T0.AddMinutes(1);

        Assert.Equal(SessionWriteResult.Completed, await Store.TryCompleteSessionAsync(session.Id, first.Id, at, new SessionCompletionWrites(first), None));
        Assert.Equal(SessionWriteResult.SessionClosed, await Store.TryCompleteSessionAsync(session.Id, second.Id, at, new SessionCompletionWrites(second), None));

        SessionRecord? completed = await Store.GetSessionAsync(tenant.Id, session.Id, None);
        Assert.Equal(session with { Status = SessionStatus.Completed, TokenId = first.Id, CompletedAt = at }, completed);
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, first.Id, at, None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, second.Id, at, None)); // rolled back: nothing half-written
    }

    [SkippableFact]
    public async Task TryCompleteSession_ExpiredOrLocked_WritesNothing()
    {
        Tenant tenant = await NewTenantAsync();
        var expired = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        var locked = expired with { Id = Guid.NewGuid(), Status = SessionStatus.Locked };
        await Store.InsertSessionAsync(expired, null, None);
        await Store.InsertSessionAsync(locked, null, None);
        PciTokenRecord token = NewToken(tenant.Id);

        Assert.Equal(SessionWriteResult.SessionClosed, await Store.TryCompleteSessionAsync(expired.Id, token.Id, T0.AddMinutes(15), new SessionCompletionWrites(token), None));
        Assert.Equal(SessionWriteResult.SessionClosed, await Store.TryCompleteSessionAsync(locked.Id, token.Id, T0, new SessionCompletionWrites(token), None));

        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None));
        Assert.Equal(expired, await Store.GetSessionAsync(tenant.Id, expired.Id, None));
    }

    [SkippableFact]
    public async Task TryCompleteSession_ConcurrentCompleters_ExactlyOneWins()
    {
        Tenant tenant = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);
        PciTokenRecord[] tokens = Enumerable.Range(0, 8).Select(_ => NewToken(tenant.Id)).ToArray();

        SessionWriteResult[] results = await Task.WhenAll(tokens.Select(t => Task.Run(() => Store.TryCompleteSessionAsync(session.Id, t.Id, T0, new SessionCompletionWrites(t), None))));

        Assert.Equal(1, results.Count(r => r == SessionWriteResult.Completed));
        int stored = 0;
        foreach (PciTokenRecord token in tokens)
        {
            stored += await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None) is null ? 0 : 1;
        }

        Assert.Equal(1, stored);
    }

    [SkippableFact]
    public async Task RecordFailedSessionAttempt_CountsAndLocksAtTheLimit()
    {
        Tenant tenant = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);

        Assert.Equal(1, await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None));
        Assert.Equal(2, await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None));
        Assert.Equal(SessionStatus.Created, (await Store.FindSessionAsync(session.Id, None))!.Status);
        Assert.Equal(3, await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None));
        Assert.Equal(SessionStatus.Locked, (await Store.FindSessionAsync(session.Id, None))!.Status);
        Assert.Null(await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None)); // no longer open
        Assert.Null(await Store.RecordFailedSessionAttemptAsync(Guid.NewGuid(), 3, T0, None));
    }
}
