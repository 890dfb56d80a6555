namespace Strongroom.Adapters.KeyFiles;

/// <summary>Options for the development key provider that keeps the KEKs in a local file.</summary>
public sealed class LocalKeyFileOptions
{
    public const string Section = "Strongroom:KeyFile";

    /// <summary>Path of the key file; created with mode 0600 on first start if missing.</summary>
    public string Path { get; set; } = "";

    /// <summary>Create the key file if it does not exist. Production deployments turn this off so a missing key is an error.</summary>
    public bool CreateIfMissing { get; set; } = true;
}
