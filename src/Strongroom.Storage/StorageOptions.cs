namespace Strongroom.Storage;

/// <summary>Where the vault keeps its data (section <c>Strongroom:Storage</c>).</summary>
public sealed class StorageOptions
{
    public const string Section = "Strongroom:Storage";

    /// <summary><c>sqlite</c> (default, embedded) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Directory for the SQLite file (and, by default, the development key file).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// For <c>postgres</c>: an Npgsql connection string (required). For <c>sqlite</c>: optional;
    /// defaults to <c>{DataDirectory}/strongroom.db</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations at start-up (on by default; turn off to migrate with <c>strongroom migrate</c>).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
