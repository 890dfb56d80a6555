using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Strongroom.Server.Tests.OpenApi;

namespace Strongroom.Server.Tests;

/// <summary>
/// The vault on its embedded default (SQLite in a fresh temp directory, a generated key file), with
/// a manual clock and every log message captured so tests can scan them for card data.
/// <see cref="OnPostgresAsync"/> runs the same application on a fresh PostgreSQL database instead.
/// </summary>
public sealed class StrongroomApplication : WebApplicationFactory<Program>
{
    public const string AdminToken = "sra_test-admin-token-0123456789abcdef";

    public StrongroomApplication()
        : this(Directory.CreateTempSubdirectory("strongroom-test-").FullName)
    {
    }

    private StrongroomApplication(string dataDirectory, PostgresTestDatabase? postgres = null, bool ownsDataDirectory = true, ManualClock? clock = null)
    {
        DataDirectory = dataDirectory;
        Postgres = postgres;
        _ownsDataDirectory = ownsDataDirectory;
        Clock = clock ?? new ManualClock(DateTimeOffset.UtcNow);
    }

    private readonly bool _ownsDataDirectory;

    /// <summary>
    /// A second node of <paramref name="first"/>: its own process state (key cache, in-memory stores) over the same store,
    /// key file and clock. Disposing it leaves the shared data and database to <paramref name="first"/>.
    /// </summary>
    public static StrongroomApplication SecondNodeOf(StrongroomApplication first) => new(first.DataDirectory, first.Postgres, ownsDataDirectory: false, first.Clock) { _isSecondNode = true };

    private bool _isSecondNode;

    /// <summary>An application over an existing data directory (e.g. one the CLI prepared); its creator deletes it.</summary>
    public static StrongroomApplication Over(string dataDirectory) => new(dataDirectory, ownsDataDirectory: false);

    /// <summary>
    /// An application on <c>Strongroom:Storage:Provider=postgres</c> over a fresh database
    /// (<c>sr_srv_&lt;random hex&gt;</c>) created on <paramref name="serverConnectionString"/> (by default
    /// <c>STRONGROOM_TEST_POSTGRES</c>) and dropped when the application is disposed. The key file still
    /// lives in a fresh temp <see cref="DataDirectory"/>.
    /// </summary>
    public static async Task<StrongroomApplication> OnPostgresAsync(string? serverConnectionString = null)
    {
        string server = serverConnectionString ?? PostgresTestEnvironment.ConnectionString
            ?? throw new InvalidOperationException(PostgresTestEnvironment.ConnectionStringVariable + " is not set.");
        PostgresTestDatabase database = await PostgresTestDatabase.CreateAsync(server);
        return new StrongroomApplication(Directory.CreateTempSubdirectory("strongroom-test-").FullName, database);
    }

    public string DataDirectory { get; }

    /// <summary>The SQLite file (meaningful only when <see cref="StorageProvider"/> is <c>sqlite</c>).</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "strongroom.db");

    /// <summary>The PostgreSQL database this application runs on, or null on SQLite.</summary>
    public PostgresTestDatabase? Postgres { get; }

    /// <summary>The configured <c>Strongroom:Storage:Provider</c>.</summary>
    public string StorageProvider => Postgres is null ? "sqlite" : "postgres";

    public ManualClock Clock { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>Extra configuration (e.g. <c>Strongroom:Redis:Configuration</c>), applied when the server starts.</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Strongroom:Storage:Provider", StorageProvider);
        builder.UseSetting("Strongroom:Storage:DataDirectory", DataDirectory);
        if (Postgres is not null)
        {
            builder.UseSetting("Strongroom:Storage:ConnectionString", Postgres.ConnectionString);
        }

        builder.UseSetting("Strongroom:Admin:Token", AdminToken);
        builder.UseSetting("Strongroom:Vault:SweepInterval", "1.00:00:00");

        // Every test client shares one (absent) remote IP; tests of the per-IP limit lower it themselves.
        builder.UseSetting("Strongroom:HostedForm:PermitLimitPerClient", "100000");

        // Webhook tests drive the dispatcher pass by pass (WebhookDispatcher.RunOnceAsync) against receivers on loopback.
        builder.UseSetting("Strongroom:Webhooks:DispatcherEnabled", "false");
        builder.UseSetting("Strongroom:Webhooks:AllowInsecureLoopback", "true");
        builder.UseSetting("Strongroom:Webhooks:AllowPrivateNetworks", "true");

        // Applied last, so a test's settings override the defaults above.
        foreach ((string key, string value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            if (OpenApiConformance.Enabled)
            {
                services.AddSingleton<IStartupFilter>(Conformance);
            }
        });
    }

    /// <summary>Every response this application sent, checked against its own OpenAPI document when it is disposed.</summary>
    public OpenApiConformance Conformance { get; } = new();

    private bool _conformanceChecked;

    public override async ValueTask DisposeAsync()
    {
        IReadOnlyList<string> violations = [];
        if (!_conformanceChecked && Conformance.Count > 0)
        {
            _conformanceChecked = true;
            using HttpClient client = CreateClient();
            violations = Conformance.Violations(await client.GetStringAsync("/openapi/v1.json"));
        }

        await base.DisposeAsync();
        if (violations.Count > 0)
        {
            throw new InvalidOperationException(
                $"{violations.Count} kind(s) of response disagree with the OpenAPI document ({OpenApiConformance.SwitchVariable}=off skips this check):\n" + string.Join('\n', violations));
        }
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
            if (Postgres is null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }
            else if (!_isSecondNode)
            {
                Postgres.Drop();
            }

            try
            {
                if (_ownsDataDirectory)
                {
                    Directory.Delete(DataDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }
}

public sealed record TestTenant(Guid Id, string ApiKey, HttpClient Client);

/// <summary>
/// A PostgreSQL database created for one application (<c>sr_srv_&lt;random hex&gt;</c>) and dropped with it,
/// with raw SQL access for assertions the HTTP API cannot express (row counts, table dumps).
/// </summary>
public sealed class PostgresTestDatabase
{
    private readonly string _serverConnectionString;
    private int _dropped;

    private PostgresTestDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The Npgsql connection string the application is configured with.</summary>
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync(string serverConnectionString)
    {
        string name = "sr_srv_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using NpgsqlCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // The name is generated above from hex digits only.
        command.CommandText = $"CREATE DATABASE {name}";
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
        return new PostgresTestDatabase(serverConnectionString, name);
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using NpgsqlCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // Test-only SQL written by the tests themselves.
        command.CommandText = sql;
#pragma warning restore CA2100
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Quoted names of every user table.</summary>
    public async Task<IReadOnlyList<string>> ListTablesAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return await ReadStringsAsync(connection,
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables " +
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
    }

    /// <summary>Every row of every user table as PostgreSQL renders it (<c>SELECT t::text FROM table t</c>; bytea as <c>\x…</c> hex), prefixed with the table name.</summary>
    public async Task<IReadOnlyList<string>> DumpRowsAsTextAsync()
    {
        var rows = new List<string>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (string table in await ListTablesAsync())
        {
            foreach (string row in await ReadStringsAsync(connection, $"SELECT t::text FROM {table} t"))
            {
                rows.Add(table + ": " + row);
            }
        }

        return rows;
    }

    /// <summary>Drops the database, closing any connection the application left open; idempotent.</summary>
    public void Drop()
    {
        if (Interlocked.Exchange(ref _dropped, 1) != 0)
        {
            return;
        }

        using var connection = new NpgsqlConnection(_serverConnectionString);
        connection.Open();
        using NpgsqlCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // The name is generated from hex digits only.
        command.CommandText = $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)";
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(NpgsqlConnection connection, string sql)
    {
        await using NpgsqlCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // Catalog queries and table names read from the catalog, quoted.
        command.CommandText = sql;
#pragma warning restore CA2100
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
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
