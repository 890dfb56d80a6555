using System.Reflection;

namespace Strongroom.Storage;

/// <summary>
/// The schema of each engine as embedded SQL files, <c>Migrations/{engine}/NNNN_name.sql</c>, applied in order and
/// recorded by number in <c>schema_migrations</c>. Each engine keeps its own DDL (types, partial indexes, defaults differ),
/// and a change to the schema is a new file in both folders with the same number.
/// </summary>
internal static class MigrationScripts
{
    private const string Root = "Migrations/";

    /// <summary>The migrations of <paramref name="engine"/> (<c>sqlite</c>, <c>postgres</c>), version 1 first.</summary>
    public static IReadOnlyList<string> Load(string engine)
    {
        Assembly assembly = typeof(MigrationScripts).Assembly;
        string prefix = Root + engine + "/";
        string[] names = [.. assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        var scripts = new List<string>(names.Length);
        for (int i = 0; i < names.Length; i++)
        {
            // A gap or a duplicate number would apply scripts out of order on some databases: refuse to start instead.
            string expected = $"{prefix}{i + 1:D4}_";
            if (!names[i].StartsWith(expected, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Migration {names[i]} is out of sequence: expected {expected}….sql.");
            }

            using Stream stream = assembly.GetManifestResourceStream(names[i])!;
            using var reader = new StreamReader(stream);
            scripts.Add(reader.ReadToEnd());
        }

        return scripts.Count > 0 ? scripts : throw new InvalidOperationException($"No migrations are embedded for {engine}.");
    }
}
