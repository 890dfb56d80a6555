using Strongroom.Core.Tests.Support;

namespace Strongroom.Core.Tests.Storage;

/// <summary>
/// The store contract on PostgreSQL: a fresh database (<c>sr_test_&lt;random&gt;</c>) on the server named by
/// <c>STRONGROOM_TEST_POSTGRES</c>. Skipped locally without it; fails on CI without it.
/// </summary>
public sealed class PostgresVaultStoreTests(PostgresStoreFixture fixture) : VaultStoreContract(fixture), IClassFixture<PostgresStoreFixture>
{
    protected override string ExpectedEngine => "postgres";
}
