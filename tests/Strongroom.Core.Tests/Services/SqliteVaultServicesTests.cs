using Strongroom.Core.Tests.Support;

namespace Strongroom.Core.Tests.Services;

public sealed class SqliteVaultServicesTests(SqliteStoreFixture fixture) : VaultServicesContract(fixture), IClassFixture<SqliteStoreFixture>;
