using Strongroom.Core.Tests.Support;

namespace Strongroom.Core.Tests.Services;

public sealed class PostgresVaultServicesTests(PostgresStoreFixture fixture) : VaultServicesContract(fixture), IClassFixture<PostgresStoreFixture>;
