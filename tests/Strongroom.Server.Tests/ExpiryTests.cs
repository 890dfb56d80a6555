using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Operations;

namespace Strongroom.Server.Tests;

/// <summary>
/// Time-dependent behaviour, driven by the application's manual clock (one application per test, so that moving the clock
/// disturbs no other test); run on each engine by the subclasses below.
/// </summary>
public abstract class ExpiryTests
{
    /// <summary>A fresh application on the subclass's engine.</summary>
    protected abstract Task<StrongroomApplication> StartAsync();

    [SkippableFact]
    public async Task ExpiredToken_Is404AndUnlisted_ThenSweptAway()
    {
        using StrongroomApplication app = await StartAsync();
        TestTenant tenant = await app.CreateTenantAsync();
        string shortLived = await tenant.TokenizeIdAsync(TestCards.PanSource(securityCode: "123"), expiresIn: 60);
        string longLived = await tenant.TokenizeIdAsync(expiresIn: 3600);

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        using HttpResponseMessage expired = await tenant.Client.GetAsync($"/api/pci/tokens/{shortLived}");
        using HttpResponseMessage alive = await tenant.Client.GetAsync($"/api/pci/tokens/{longLived}");
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        long? rowsBeforeSweep = await CountTokenRowsAsync(app);
        SweepResult sweep = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);
        long? rowsAfterSweep = await CountTokenRowsAsync(app);
        SweepResult again = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);

        await GuardianAssert.ErrorAsync(expired, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(longLived, Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1, sweep.Tokens);
        Assert.Equal(0, again.Tokens);
        if (app.Postgres is not null)
        {
            Assert.Equal(2, rowsBeforeSweep);
            Assert.Equal(1, rowsAfterSweep);
        }
    }

    [SkippableFact]
    public async Task SecurityCode_ExpiresAfterItsTtl()
    {
        using StrongroomApplication app = await StartAsync();
        TestTenant tenant = await app.CreateTenantAsync();
        string id = await tenant.TokenizeIdAsync(TestCards.PanSource(securityCode: "123"));

        app.Clock.Advance(TimeSpan.FromMinutes(59));
        bool before = await AvailableAsync(tenant, id);
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        bool after = await AvailableAsync(tenant, id);

        Assert.True(before);
        Assert.False(after);
    }

    [SkippableFact]
    public async Task ExpiredToken_SweepAlsoForgetsItsSecurityCode()
    {
        using StrongroomApplication app = await StartAsync();
        TestTenant tenant = await app.CreateTenantAsync();
        await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "123"), expiresIn: 30);
        var codes = (Strongroom.Core.SecurityCodes.InMemorySecurityCodeStore)app.Services.GetRequiredService<Strongroom.Core.SecurityCodes.ISecurityCodeStore>();
        int before = codes.Count;

        app.Clock.Advance(TimeSpan.FromSeconds(31));
        SweepResult sweep = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);

        Assert.Equal(1, before);
        Assert.Equal(1, sweep.Tokens);
        Assert.Equal(0, codes.Count);
    }

    [SkippableFact]
    public async Task ExpiredApiKey_Returns401()
    {
        using StrongroomApplication app = await StartAsync();
        TestTenant tenant = await app.CreateTenantAsync();
        string key = await app.CreateApiKeyAsync(tenant.Id, expiresIn: 60);
        using HttpClient client = app.ApiKeyClient(key);

        using HttpResponseMessage before = await client.GetAsync("/api/pci/tokens");
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        using HttpResponseMessage after = await client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        await GuardianAssert.ErrorAsync(after, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [SkippableFact]
    public async Task IdempotencyKey_ForgottenAfter24Hours()
    {
        using StrongroomApplication app = await StartAsync();
        TestTenant tenant = await app.CreateTenantAsync();

        string first = await tenant.TokenizeIdAsync(idempotencyKey: "daily");
        app.Clock.Advance(TimeSpan.FromHours(25));
        string second = await tenant.TokenizeIdAsync(idempotencyKey: "daily");

        Assert.NotEqual(first, second);
    }

    /// <summary>The rows of pci_tokens, where the test can read them (PostgreSQL); null on SQLite.</summary>
    private static async Task<long?> CountTokenRowsAsync(StrongroomApplication app) =>
        app.Postgres is null ? null : (long)(await app.Postgres.ScalarAsync("SELECT count(*) FROM pci_tokens"))!;

    private static async Task<bool> AvailableAsync(TestTenant tenant, string id)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens/{id}/security-code");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean();
    }
}

/// <summary>Time-dependent behaviour on the embedded default, SQLite.</summary>
public sealed class SqliteExpiryTests : ExpiryTests
{
    protected override Task<StrongroomApplication> StartAsync() => Task.FromResult(new StrongroomApplication());
}

/// <summary>Time-dependent behaviour on PostgreSQL, a fresh database per test (skipped locally without <c>STRONGROOM_TEST_POSTGRES</c>, fails on CI).</summary>
public sealed class PostgresExpiryTests : ExpiryTests
{
    public PostgresExpiryTests()
    {
        string? skipReason = PostgresTestEnvironment.SkipReason();
        Skip.If(skipReason is not null, skipReason);
    }

    protected override Task<StrongroomApplication> StartAsync() => StrongroomApplication.OnPostgresAsync();
}
