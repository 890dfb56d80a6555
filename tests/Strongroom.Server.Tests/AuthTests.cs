using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>Authentication, scopes, the admin API and tenant isolation; run on each engine by the subclasses below.</summary>
public abstract class AuthTests(StrongroomApplication app)
{
    [SkippableFact]
    public async Task NoCredentials_Returns401WithSeedBody()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });

        JsonElement body = await GuardianAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED", "No valid means of authentication was provided");
        Assert.Equal(3, body.EnumerateObject().Count());
    }

    [SkippableTheory]
    [InlineData("x-api-key", "srk_0000000000000000.wrong")]
    [InlineData("x-api-key", "not-a-key")]
    [InlineData("x-api-key", "")]
    [InlineData("x-admin-token", "sra_wrong")]
    public async Task BadCredentials_Return401(string header, string value)
    {
        using HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);

        using HttpResponseMessage response = await client.GetAsync("/api/pci/tokens");

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [SkippableFact]
    public async Task WrongSecretForRealKeyId_Returns401()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string tampered = tenant.ApiKey[..^2] + (tenant.ApiKey.EndsWith("AA", StringComparison.Ordinal) ? "BB" : "AA");

        using HttpClient client = app.ApiKeyClient(tampered);
        using HttpResponseMessage response = await client.GetAsync("/api/pci/tokens");

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [SkippableFact]
    public async Task RevokedKey_Returns401()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string keyId = tenant.ApiKey["srk_".Length..tenant.ApiKey.IndexOf('.', StringComparison.Ordinal)];
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage before = await tenant.Client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage revoke = await admin.DeleteAsync($"/api/admin/tenants/{tenant.Id}/api-keys/{keyId}");
        using HttpResponseMessage after = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await GuardianAssert.ErrorAsync(after, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [SkippableFact]
    public async Task KeyWithoutCreateScope_Returns403WithSeedBody()
    {
        TestTenant tenant = await app.CreateTenantAsync("Read only", "tokens:read");

        using HttpResponseMessage create = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage delete = await tenant.Client.DeleteAsync($"/api/pci/tokens/{Guid.NewGuid()}");

        await GuardianAssert.ErrorAsync(create, HttpStatusCode.Forbidden, "FORBIDDEN", "Not allowed to access this resource or feature");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        await GuardianAssert.ErrorAsync(delete, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [SkippableFact]
    public async Task ApiKeyOnAdminEndpoints_Returns403()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage createTenant = await tenant.Client.PostAsJsonAsync("/api/admin/tenants", new { name = "Sneaky" });
        using HttpResponseMessage createKey = await tenant.Client.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenant.Id });

        await GuardianAssert.ErrorAsync(createTenant, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(createKey, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [SkippableFact]
    public async Task AdminToken_ActsOnTenantNamedInHeader()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        using HttpClient admin = app.AdminClient(tenant.Id);
        using HttpClient adminWithoutTenant = app.AdminClient();
        using HttpClient adminUnknownTenant = app.AdminClient(Guid.NewGuid());

        using HttpResponseMessage created = await admin.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });
        string id = (await created.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage readByTenantKey = await tenant.Client.GetAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage noTenant = await adminWithoutTenant.GetAsync("/api/pci/tokens");
        using HttpResponseMessage unknownTenant = await adminUnknownTenant.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readByTenantKey.StatusCode);
        await GuardianAssert.ValidationAsync(noTenant, "$.headers['x-tenant-id']");
        await GuardianAssert.ErrorAsync(unknownTenant, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [SkippableFact]
    public async Task TenantIsolation_OtherTenantsTokensAre404AndUnlisted()
    {
        TestTenant a = await app.CreateTenantAsync("A");
        TestTenant b = await app.CreateTenantAsync("B");
        string id = await a.TokenizeIdAsync();

        using HttpResponseMessage read = await b.Client.GetAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage delete = await b.Client.DeleteAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage securityCode = await b.Client.GetAsync($"/api/pci/tokens/{id}/security-code");
        using HttpResponseMessage list = await b.Client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage stillThere = await a.Client.GetAsync($"/api/pci/tokens/{id}");

        await GuardianAssert.ErrorAsync(read, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(securityCode, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Empty((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [SkippableFact]
    public async Task AdminApi_ValidatesInput()
    {
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage noName = await admin.PostAsJsonAsync("/api/admin/tenants", new { });
        using HttpResponseMessage badScope = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = Guid.NewGuid(), scopes = new[] { "tokens:read", "root" } });
        using HttpResponseMessage unknownTenant = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = Guid.NewGuid() });
        using HttpResponseMessage tooLong = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = Guid.NewGuid(), expires_in = 7_776_001 });

        await GuardianAssert.ValidationAsync(noName, "$.name");
        await GuardianAssert.ValidationAsync(badScope, "$.scopes[1]");
        await GuardianAssert.ValidationAsync(unknownTenant, "$.tenant_id");
        await GuardianAssert.ValidationAsync(tooLong, "$.expires_in");
    }

    [SkippableFact]
    public async Task AdminApi_ListsKeysWithoutSecrets()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.GetAsync($"/api/admin/tenants/{tenant.Id}/api-keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement key = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray());
        Assert.False(key.TryGetProperty("key", out _));
        Assert.DoesNotContain(tenant.ApiKey[(tenant.ApiKey.IndexOf('.', StringComparison.Ordinal) + 1)..], text, StringComparison.Ordinal);
    }
}

/// <summary>Authentication, scopes, the admin API and tenant isolation on the embedded default, SQLite.</summary>
public sealed class SqliteAuthTests(StrongroomApplication app) : AuthTests(app), IClassFixture<StrongroomApplication>;

/// <summary>Authentication, scopes, the admin API and tenant isolation on PostgreSQL (skipped locally without <c>STRONGROOM_TEST_POSTGRES</c>, fails on CI).</summary>
public sealed class PostgresAuthTests(PostgresServerFixture fixture) : AuthTests(fixture.AppOrSkip()), IClassFixture<PostgresServerFixture>;
