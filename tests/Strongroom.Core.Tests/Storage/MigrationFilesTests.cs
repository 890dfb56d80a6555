namespace Strongroom.Core.Tests.Storage;

/// <summary>The schema files of the two engines move in step: the same numbered migrations, in sequence, in both folders.</summary>
public sealed class MigrationFilesTests
{
    [Fact]
    public void BothEngines_HaveTheSameNumberedMigrations_InSequence()
    {
        string root = Path.Combine(RepositoryPaths.Root, "src", "Strongroom.Storage", "Migrations");
        string[] sqlite = Names(Path.Combine(root, "sqlite"));
        string[] postgres = Names(Path.Combine(root, "postgres"));

        Assert.NotEmpty(sqlite);
        Assert.Equal(sqlite, postgres);
        for (int i = 0; i < sqlite.Length; i++)
        {
            Assert.StartsWith($"{i + 1:D4}_", sqlite[i], StringComparison.Ordinal);
        }
    }

    private static string[] Names(string directory) =>
        [.. Directory.GetFiles(directory, "*.sql").Select(Path.GetFileName).Order(StringComparer.Ordinal).Cast<string>()];
}
