using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Strongroom.Core.Audit;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;
using Strongroom.Core.Webhooks;

namespace Strongroom.Core.Tests.Webhooks;

/// <summary>
/// The event outbox and webhook delivery state, run on each engine: every change writes its event in its own transaction
/// (and a change that does not happen writes none), and the relay, claims, attempts and redelivery keep their promises
/// under concurrency. Each test gets its own database, because the relay and claims span all tenants.
/// </summary>
public abstract class WebhookContract(StoreFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private Task<VaultHarness> NewVaultAsync(VaultOptions? options = null) => fixture.NewVaultAsync(options);

    private static WebhookService Webhooks(VaultHarness vault, WebhookOptions? options = null) =>
        new(vault.Store, vault.Store, vault.Keyring, vault.Audit, vault.Time, Microsoft.Extensions.Options.Options.Create(options ?? new WebhookOptions()), NullLogger<WebhookService>.Instance);

    private static async Task<List<string>> TypesAsync(VaultHarness vault, Guid tenantId) =>
        [.. (await vault.Store.ListTenantEventsAsync(tenantId, null, null, 1000, None)).Select(e => e.Type)];

    [SkippableFact]
    public async Task EveryResourceChange_WritesItsEvent_AndNoCardData()
    {
        using VaultHarness vault = await NewVaultAsync(new VaultOptions { SessionTtl = TimeSpan.FromMinutes(5) });
        Tenant tenant = await vault.NewTenantAsync();

        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "123"), TokenOptions.None, None);
        PciToken expiring = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Mastercard), new TokenOptions(60, null), None);
        Assert.True(await vault.Tokens.DeleteAsync(tenant.Id, token.Id, None));
        Assert.False(await vault.Tokens.DeleteAsync(tenant.Id, token.Id, None)); // nothing deleted: no second event

        SessionRecord completed = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);
        SessionCompletion completion = await vault.Sessions.CompleteAsync(completed.Id, new CardInput
        {
            AccountNumber = TestCards.Amex, ExpiryMonth = 12, ExpiryYear = vault.Time.GetUtcNow().Year + 2,
        }, None);
        Assert.Equal(SessionCompletionOutcome.Completed, completion.Outcome);
        SessionRecord abandoned = await vault.Sessions.CreateForPciTokenAsync(tenant.Id, TokenOptions.None, None);

        SingleUseToken single = await vault.SingleUse.CreateAsync(tenant.Id, vault.Card(TestCards.Discover), null, null, None);
        Assert.Equal(SingleUseOutcome.Done, (await vault.SingleUse.ConsumeIntoPciTokenAsync(tenant.Id, single.Record.PublicId, TokenOptions.None, None)).Outcome);
        Assert.Equal(SingleUseOutcome.AlreadyUsed, (await vault.SingleUse.ConsumeIntoPciTokenAsync(tenant.Id, single.Record.PublicId, TokenOptions.None, None)).Outcome);

        IssuedApiKey key = await vault.ApiKeys.CreateAsync(tenant.Id, "hooks", VaultRights.TokensRead, null, Actor.Admin, None);
        Assert.True(await vault.ApiKeys.RevokeAsync(tenant.Id, key.Record.Id, Actor.Admin, None));
        Assert.False(await vault.ApiKeys.RevokeAsync(tenant.Id, key.Record.Id, Actor.Admin, None));

        vault.Time.Advance(TimeSpan.FromMinutes(6));
        await vault.Sweeper.SweepOnceAsync(None);
        await vault.Sweeper.SweepOnceAsync(None); // a second sweep announces nothing twice

        // The fake clock stands still, so ids (time-ordered) tie within the millisecond: compare as a multiset.
        List<string> types = [.. (await TypesAsync(vault, tenant.Id)).Order(StringComparer.Ordinal)];
        Assert.Equal(
            ((string[])[
                "pci_token.created", "pci_token.created", "pci_token.deleted",
                "pci_token.created", "session.completed",
                "pci_token.created", "card_token.used",
                "api_key.created", "api_key.deleted",
                "pci_token.expired", "session.expired",
            ]).Order(StringComparer.Ordinal),
            types);

        IReadOnlyList<VaultEvent> events = await vault.Store.ListTenantEventsAsync(tenant.Id, null, null, 1000, None);
        Assert.Contains(events, e => e.Type == "pci_token.expired" && e.SubjectId == expiring.Id.ToString());
        Assert.Contains(events, e => e.Type == "session.expired" && e.SubjectId == abandoned.Id.ToString());
        Assert.Contains(events, e => e.Type == "session.completed" && e.SubjectId == completed.Id.ToString() && e.DataJson.Contains(completion.Session!.Record.TokenId.ToString()!, StringComparison.Ordinal));
        Assert.Contains(events, e => e.Type == "card_token.used" && e.SubjectId == single.Record.PublicId);
        Assert.Contains(events, e => e.Type == "api_key.deleted" && e.SubjectId == key.Record.Id);
        string allData = string.Join("\n", events.Select(e => e.DataJson));
        foreach (string pan in new[] { TestCards.Visa, TestCards.Mastercard, TestCards.Amex, TestCards.Discover })
        {
            Assert.DoesNotContain(pan, allData, StringComparison.Ordinal);
            Assert.DoesNotContain(pan[..12], allData, StringComparison.Ordinal);
        }

        Assert.Contains("\"last4\":\"1111\"", allData, StringComparison.Ordinal);
        Assert.Empty(await TypesAsync(vault, (await vault.NewTenantAsync()).Id));
    }

    [SkippableFact]
    public async Task Relay_CreatesOneDeliveryPerSubscribedEnabledEndpoint_OnceEvenWhenRunTwiceAtOnce()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        Tenant other = await vault.NewTenantAsync();
        WebhookService webhooks = Webhooks(vault);
        WebhookEndpointRecord all = (await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/all", null, null, null), Actor.Admin, None)).Endpoint!;
        WebhookEndpointRecord keysOnly = (await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/keys", null, ["api_key.*"], null), Actor.Admin, None)).Endpoint!;
        await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/off", null, null, false), Actor.Admin, None);
        WebhookEndpointRecord othersEndpoint = (await webhooks.CreateAsync(other.Id, new("https://hooks.example/other", null, null, null), Actor.Admin, None)).Endpoint!;

        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);
        await vault.ApiKeys.CreateAsync(tenant.Id, null, VaultRights.TokensRead, null, Actor.Admin, None);

        DateTimeOffset now = vault.Time.GetUtcNow();
        int[] relayed = await Task.WhenAll(
            Task.Run(() => vault.Store.RelayEventsAsync(now, TimeSpan.FromHours(24), 100, None)),
            Task.Run(() => vault.Store.RelayEventsAsync(now, TimeSpan.FromHours(24), 100, None)));
        Assert.Equal(2, relayed.Sum());
        Assert.Equal(0, await vault.Store.RelayEventsAsync(now, TimeSpan.FromHours(24), 100, None));

        IReadOnlyList<WebhookDelivery> deliveries = await vault.Store.ListWebhookDeliveriesAsync(tenant.Id, null, null, null, 100, None);
        Assert.Equal(3, deliveries.Count); // token → all; key → all and keysOnly; nothing to the disabled endpoint
        Assert.Equal(2, deliveries.Count(d => d.EndpointId == all.Id));
        Assert.Single(deliveries, d => d.EndpointId == keysOnly.Id);
        Assert.All(deliveries, d => Assert.Equal(WebhookDeliveryStatus.Pending, d.Status));
        Assert.All(deliveries, d => Assert.Equal(now.AddHours(24), d.DeadlineAt));
        Assert.Empty(await vault.Store.ListWebhookDeliveriesAsync(other.Id, null, othersEndpoint.Id, null, 100, None));
        Assert.Contains(deliveries, d => d.EventId == (vault.Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None).Result)[0].Id);
    }

    [SkippableFact]
    public async Task Claims_ConcurrentDispatchersNeverShareADelivery_AndALostClaimRecordsNothing()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        WebhookService webhooks = Webhooks(vault);
        await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/all", null, null, null), Actor.Admin, None);
        for (int i = 0; i < 30; i++)
        {
            await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);
        }

        DateTimeOffset now = vault.Time.GetUtcNow();
        await vault.Store.RelayEventsAsync(now, TimeSpan.FromHours(1), 100, None);
        IReadOnlyList<ClaimedDelivery>[] claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => vault.Store.ClaimDueDeliveriesAsync(Guid.NewGuid(), now, now.AddMinutes(2), 10, None))));

        List<Guid> claimed = [.. claims.SelectMany(c => c).Select(c => c.Delivery.Id)];
        Assert.Equal(30, claimed.Count);
        Assert.Equal(30, claimed.Distinct().Count());
        Assert.Empty(await vault.Store.ClaimDueDeliveriesAsync(Guid.NewGuid(), now.AddMinutes(1), now.AddMinutes(3), 10, None)); // leased

        ClaimedDelivery one = claims.First(c => c.Count > 0)[0];
        Assert.Contains("\"pci_token_id\"", one.Event.DataJson, StringComparison.Ordinal);
        var attempt = new WebhookAttempt(Guid.NewGuid(), one.Delivery.Id, tenant.Id, 1, now, 12, 500, "The receiver answered 500.", false);
        Assert.False(await vault.Store.RecordWebhookAttemptAsync(attempt, Guid.NewGuid(), new(WebhookDeliveryStatus.Pending, now.AddSeconds(10)), None));
        Assert.Empty(await vault.Store.ListWebhookAttemptsAsync(tenant.Id, one.Event.Id, None));

        Assert.True(await vault.Store.RecordWebhookAttemptAsync(attempt, one.ClaimId, new(WebhookDeliveryStatus.Pending, now.AddSeconds(10)), None));
        Assert.False(await vault.Store.RecordWebhookAttemptAsync(attempt with { Id = Guid.NewGuid() }, one.ClaimId, new(WebhookDeliveryStatus.Succeeded, now), None)); // claim released

        WebhookDelivery after = (await vault.Store.ListWebhookDeliveriesAsync(tenant.Id, one.Event.Id, null, null, 10, None)).Single();
        Assert.Equal((WebhookDeliveryStatus.Pending, 1, 500, now.AddSeconds(10)), (after.Status, after.Attempts, after.LastStatusCode, after.NextAttemptAt));
        WebhookAttemptView logged = Assert.Single(await vault.Store.ListWebhookAttemptsAsync(tenant.Id, one.Event.Id, None));
        Assert.Equal((1, 500, false), (logged.Attempt.Attempt, logged.Attempt.StatusCode, logged.Attempt.Succeeded));

        // Due again after its backoff, and a lease that ran out (a dispatcher died) makes the others due again too.
        IReadOnlyList<ClaimedDelivery> again = await vault.Store.ClaimDueDeliveriesAsync(Guid.NewGuid(), now.AddMinutes(3), now.AddMinutes(5), 100, None);
        Assert.Equal(30, again.Count);
        Assert.Equal(1, again.Single(c => c.Delivery.Id == one.Delivery.Id).Delivery.Attempts);
    }

    [SkippableFact]
    public async Task Redeliver_RevivesADeadLetter_AndReachesAnEndpointAddedLater()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        WebhookService webhooks = Webhooks(vault);
        WebhookEndpointRecord first = (await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/first", null, null, null), Actor.Admin, None)).Endpoint!;
        await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);
        DateTimeOffset now = vault.Time.GetUtcNow();
        await vault.Store.RelayEventsAsync(now, TimeSpan.FromHours(1), 100, None);
        ClaimedDelivery claimed = (await vault.Store.ClaimDueDeliveriesAsync(Guid.NewGuid(), now, now.AddMinutes(2), 10, None)).Single();
        var attempt = new WebhookAttempt(Guid.NewGuid(), claimed.Delivery.Id, tenant.Id, 1, now, 5, null, "The receiver refused or dropped the connection.", false);
        Assert.True(await vault.Store.RecordWebhookAttemptAsync(attempt, claimed.ClaimId, new(WebhookDeliveryStatus.Dead, now), None));
        Assert.Single(await vault.Store.ListWebhookDeliveriesAsync(tenant.Id, null, first.Id, WebhookDeliveryStatus.Dead, 10, None));
        Assert.Empty(await vault.Store.ClaimDueDeliveriesAsync(Guid.NewGuid(), now.AddDays(1), now.AddDays(2), 10, None)); // dead stays dead

        WebhookEndpointRecord later = (await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/later", null, ["pci_token.created"], null), Actor.Admin, None)).Endpoint!;
        vault.Time.Advance(TimeSpan.FromMinutes(1));
        IReadOnlyList<WebhookDelivery>? redelivered = await webhooks.RedeliverAsync(tenant.Id, claimed.Event.Id, null, Actor.Admin, None);

        Assert.NotNull(redelivered);
        Assert.Equal(2, redelivered.Count);
        Assert.All(redelivered, d => Assert.Equal(WebhookDeliveryStatus.Pending, d.Status));
        Assert.Equal(1, redelivered.Single(d => d.EndpointId == first.Id).Attempts); // history kept
        Assert.Equal(vault.Time.GetUtcNow().AddHours(24), redelivered.Single(d => d.EndpointId == first.Id).DeadlineAt);
        Assert.Contains(redelivered, d => d.EndpointId == later.Id);
        Assert.Null(await webhooks.RedeliverAsync((await vault.NewTenantAsync()).Id, claimed.Event.Id, null, Actor.Admin, None)); // another tenant's event
    }

    [SkippableFact]
    public async Task Endpoints_SecretIsSealed_RotationKeepsThePreviousForItsGrace_ValidationNamesTheField()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        WebhookService webhooks = Webhooks(vault, new WebhookOptions { SecretRotationGrace = TimeSpan.FromHours(1) });

        WebhookResult created = await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/a", "orders", ["pci_token.*", "session.completed"], null), Actor.Admin, None);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        WebhookEndpointRecord stored = (await vault.Store.GetWebhookEndpointAsync(tenant.Id, created.Endpoint!.Id, None))!;
        Assert.False(ByteSearch.Contains(stored.Secret, Encoding.UTF8.GetBytes(created.Secret!)));
        Assert.Equal((created.Secret, (string?)null), await webhooks.OpenSecretsAsync(stored, None));

        WebhookResult rotated = await webhooks.RotateSecretAsync(tenant.Id, stored.Id, Actor.Admin, None);
        Assert.NotEqual(created.Secret, rotated.Secret);
        WebhookEndpointRecord afterRotation = (await vault.Store.GetWebhookEndpointAsync(tenant.Id, stored.Id, None))!;
        Assert.Equal((rotated.Secret!, created.Secret), await webhooks.OpenSecretsAsync(afterRotation, None));
        vault.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal((rotated.Secret!, (string?)null), await webhooks.OpenSecretsAsync(afterRotation, None));

        WebhookResult invalid = await webhooks.CreateAsync(tenant.Id, new("http://hooks.example/a", null, ["pci_token.created", "card.stolen"], null), Actor.Admin, None);
        Assert.Equal(WebhookOutcome.Invalid, invalid.Outcome);
        Assert.Equal(["$.url", "$.event_types[1]"], invalid.Errors!.Select(e => e.Path));
        Assert.Equal(WebhookOutcome.NotFound, (await webhooks.RotateSecretAsync((await vault.NewTenantAsync()).Id, stored.Id, Actor.Admin, None)).Outcome);
        Assert.Equal(WebhookOutcome.NotFound, (await webhooks.UpdateAsync((await vault.NewTenantAsync()).Id, stored.Id, new(null, null, null, false), Actor.Admin, None)).Outcome);
    }

    [SkippableFact]
    public async Task PurgeEvents_KeepsPendingDeliveriesAndNetworkTokenHistory()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        WebhookService webhooks = Webhooks(vault);
        await webhooks.CreateAsync(tenant.Id, new("https://hooks.example/keys", null, ["api_key.created"], null), Actor.Admin, None);
        await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);
        await vault.ApiKeys.CreateAsync(tenant.Id, null, VaultRights.TokensRead, null, Actor.Admin, None);
        await vault.NetworkTokens.CreateAsync(tenant.Id, vault.Card(TestCards.Mastercard), null, null, None);
        DateTimeOffset now = vault.Time.GetUtcNow();
        Assert.Equal(0, await vault.Store.PurgeEventsAsync(now.AddDays(1), 100, None)); // none relayed yet
        await vault.Store.RelayEventsAsync(now, TimeSpan.FromHours(1), 100, None);

        Assert.Equal(1, await vault.Store.PurgeEventsAsync(now.AddDays(1), 100, None)); // the token's; the key's waits for its delivery

        Assert.Equal(["api_key.created", "network_token.created"], (await TypesAsync(vault, tenant.Id)).Order(StringComparer.Ordinal));
    }
}

public sealed class SqliteWebhookTests(SqliteStoreFixture fixture) : WebhookContract(fixture), IClassFixture<SqliteStoreFixture>;

public sealed class PostgresWebhookTests(PostgresStoreFixture fixture) : WebhookContract(fixture), IClassFixture<PostgresStoreFixture>;
