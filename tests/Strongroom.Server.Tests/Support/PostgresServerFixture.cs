namespace Strongroom.Server.Tests;

/// <summary>
/// One application on <c>Strongroom:Storage:Provider=postgres</c> over a fresh database, shared by the tests of one class
/// (each test isolates itself with its own tenants). Without <c>STRONGROOM_TEST_POSTGRES</c> it holds only a skip reason;
/// with <c>CI=true</c> it fails instead.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private StrongroomApplication? _app;

    /// <summary>Why the PostgreSQL server tests are skipped, or null when they run.</summary>
    public string? SkipReason { get; private set; }

    public StrongroomApplication App => _app ?? throw new InvalidOperationException(SkipReason ?? "Fixture not initialised.");

    /// <summary>The application, or a skip of the calling test (a <c>SkippableFact</c>) when PostgreSQL is not configured.</summary>
    public StrongroomApplication AppOrSkip()
    {
        Skip.If(SkipReason is not null, SkipReason);
        return App;
    }

    public async Task InitializeAsync()
    {
        SkipReason = PostgresTestEnvironment.SkipReason();
        if (SkipReason is null)
        {
            _app = await StrongroomApplication.OnPostgresAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
