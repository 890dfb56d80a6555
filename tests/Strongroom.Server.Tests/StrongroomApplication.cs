using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strongroom.Server.Tests;

/// <summary>
/// The vault on its embedded default (SQLite in a fresh temp directory, a generated key file), with
/// a manual clock and every log message captured so tests can scan them for card data.
/// </summary>
public sealed class StrongroomApplication : WebApplicationFactory<Program>
{
    public const string AdminToken = "sra_test-admin-token-0123456789abcdef";

    public StrongroomApplication()
        : this(Directory.CreateTempSubdirectory("strongroom-test-").FullName)
    {
    }

    private StrongroomApplication(string dataDirectory)
    {
        DataDirectory = dataDirectory;
    }

    /// <summary>An application over an existing data directory (e.g. one the CLI prepared).</summary>
    public static StrongroomApplication Over(string dataDirectory) => new(dataDirectory);

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "strongroom.db");

    public ManualClock Clock { get; } = new(DateTimeOffset.UtcNow);

    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Strongroom:Storage:Provider", "sqlite");
        builder.UseSetting("Strongroom:Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Strongroom:Admin:Token", AdminToken);
        builder.UseSetting("Strongroom:Vault:SweepInterval", "1.00:00:00");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public HttpClient AdminClient(Guid? tenantId = null)
    {
        HttpClient client = CreateClient();
        client.DefaultRequestHeaders.Add("x-admin-token", AdminToken);
        if (tenantId is Guid id)
        {
            client.DefaultRequestHeaders.Add("x-tenant-id", id.ToString());
        }

        return client;
    }

    public HttpClient ApiKeyClient(string apiKey)
    {
        HttpClient client = CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        return client;
    }

    /// <summary>Creates a tenant and an API key for it (default scopes unless given).</summary>
    public async Task<TestTenant> CreateTenantAsync(string name = "Merchant", params string[] scopes)
    {
        using HttpClient admin = AdminClient();
        using HttpResponseMessage tenantResponse = await admin.PostAsJsonAsync("/api/admin/tenants", new { name });
        tenantResponse.EnsureSuccessStatusCode();
        Guid tenantId = (await tenantResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        string apiKey = await CreateApiKeyAsync(tenantId, scopes);
        return new TestTenant(tenantId, apiKey, ApiKeyClient(apiKey));
    }

    public async Task<string> CreateApiKeyAsync(Guid tenantId, string[]? scopes = null, int? expiresIn = null)
    {
        using HttpClient admin = AdminClient();
        object body = (scopes is { Length: > 0 }, expiresIn) switch
        {
            (true, null) => new { tenant_id = tenantId, scopes },
            (true, int e) => new { tenant_id = tenantId, scopes, expires_in = e },
            (false, int e) => new { tenant_id = tenantId, expires_in = e },
            _ => new { tenant_id = tenantId },
        };
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/admin/api-keys", body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }
}

public sealed record TestTenant(Guid Id, string ApiKey, HttpClient Client);

/// <summary>A clock the tests move by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Captures every log message, structured value and exception text at every level.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public string AllText => string.Join('\n', _entries);

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            entries.Enqueue($"scope {category}: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new System.Text.StringBuilder();
            text.Append(logLevel).Append(' ').Append(category).Append(": ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach ((string key, object? value) in values)
                {
                    text.Append(" | ").Append(key).Append('=').Append(value);
                }
            }

            if (exception is not null)
            {
                text.Append(" | exception: ").Append(exception);
            }

            entries.Enqueue(text.ToString());
        }
    }
}
