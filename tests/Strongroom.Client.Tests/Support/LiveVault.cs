using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tap;

namespace Strongroom.Client.Tests.Support;

/// <summary>
/// One vault for every client test: the real server (SQLite in a temp directory, a generated key file) on its real HTTP
/// pipeline, with plain-http loopback allowed for forwards and webhooks so the receivers can be local Kestrel servers.
/// Clients are built the way an integrator builds them, through <c>IHttpClientFactory</c>; only the primary handler
/// is the in-process server's.
/// </summary>
public sealed class LiveVault : WebApplicationFactory<Program>
{
    public const string AdminToken = "sra_client-tests-admin-token-0123456789";

    public static readonly string[] AllScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("strongroom-client-test-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Strongroom:Storage:Provider", "sqlite");
        builder.UseSetting("Strongroom:Storage:DataDirectory", _dataDirectory);
        builder.UseSetting("Strongroom:Admin:Token", AdminToken);
        builder.UseSetting("Strongroom:Vault:SweepInterval", "1.00:00:00");
        builder.UseSetting("Strongroom:HostedForm:PermitLimitPerClient", "100000");
        builder.UseSetting("Strongroom:Forwarding:AllowInsecureLoopback", "true");

        // Webhook tests drive the dispatcher pass by pass against a receiver on loopback.
        builder.UseSetting("Strongroom:Webhooks:DispatcherEnabled", "false");
        builder.UseSetting("Strongroom:Webhooks:AllowInsecureLoopback", "true");
        builder.UseSetting("Strongroom:Webhooks:AllowPrivateNetworks", "true");
    }

    /// <summary>A container with the client registrations <paramref name="register"/> makes, wired to this vault.</summary>
    public ServiceProvider Clients(Action<IServiceCollection, Uri> register, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        register(services, Server.BaseAddress);

        // Every HttpClient the factory makes ends in the in-process server instead of a socket.
        services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => Server.CreateHandler()));
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public GuardianClient Guardian(string apiKey) =>
        Clients((s, vault) => s.AddStrongroomGuardianClient(o => (o.BaseAddress, o.ApiKey) = (vault, apiKey))).GetRequiredService<GuardianClient>();

    public TapClient Tap(string apiKey) =>
        Clients((s, vault) => s.AddStrongroomTapClient(o => (o.BaseAddress, o.SecretKey) = (vault, apiKey))).GetRequiredService<TapClient>();

    public HttpClient Admin()
    {
        HttpClient client = CreateClient();
        client.DefaultRequestHeaders.Add("x-admin-token", AdminToken);
        return client;
    }

    /// <summary>A tenant and an API key for it.</summary>
    public async Task<(Guid TenantId, string ApiKey)> CreateTenantAsync(params string[] scopes)
    {
        using HttpClient admin = Admin();
        using HttpResponseMessage tenant = await admin.PostAsJsonAsync("/api/admin/tenants", new { name = "Client tests" });
        tenant.EnsureSuccessStatusCode();
        Guid tenantId = (await tenant.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        return (tenantId, await CreateApiKeyAsync(tenantId, scopes.Length == 0 ? AllScopes : scopes));
    }

    public async Task<string> CreateApiKeyAsync(Guid tenantId, string[] scopes)
    {
        using HttpClient admin = Admin();
        using HttpResponseMessage key = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenantId, scopes });
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>A top-level account and a WhiteBIT signing key (type 2: with <c>data:out</c>) for it.</summary>
    public async Task<(Guid AccountId, string ApiKey, string ApiSecret)> CreateSigningKeyAsync(int type = 2)
    {
        (Guid accountId, _) = await CreateTenantAsync();
        using HttpClient admin = Admin();
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/admin/signing-keys", new { tenant_id = accountId, type, title = "client tests" });
        response.EnsureSuccessStatusCode();
        JsonElement key = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (accountId, key.GetProperty("api_key").GetString()!, key.GetProperty("api_secret").GetString()!);
    }

    /// <summary>Puts <paramref name="url"/> (plain http on loopback) on the tenant's forwarding allowlist.</summary>
    public async Task AllowForwardingToAsync(Guid tenantId, string url)
    {
        using HttpClient admin = Admin();
        using HttpResponseMessage response = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenantId}/forward-destinations",
            new { destinations = new[] { new { url, allow_private_network = true } } });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }
}

/// <summary>Every client test class shares one vault: one server start instead of one per class on a 2-core machine.</summary>
[CollectionDefinition(Name)]
public sealed class LiveVaultCollection : ICollectionFixture<LiveVault>
{
    public const string Name = "live vault";
}
