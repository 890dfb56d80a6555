using Strongroom.Core.Tests.Support;

namespace Strongroom.Core.Tests.Storage;

/// <summary>The store contract on SQLite: a fresh database file in a temp directory for this class.</summary>
public sealed class SqliteVaultStoreTests(SqliteStoreFixture fixture) : VaultStoreContract(fixture), IClassFixture<SqliteStoreFixture>
{
    protected override string ExpectedEngine => "sqlite";
}
