namespace Strongroom.Server.Cli;

/// <summary>
/// The directory the operator ran the command from. The <c>./strongroom</c> script changes into the repository (to run
/// the project) and passes the caller's directory in <see cref="Variable"/>; a relative path on the command line
/// (<c>./strongroom bin import licensed-bins.csv</c>) is the caller's, so it resolves from there.
/// </summary>
internal static class CallerDirectory
{
    public const string Variable = "STRONGROOM_CALLER_DIRECTORY";

    /// <summary>The caller's directory, or the working directory when the binary runs directly.</summary>
    public static string Current =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } directory && Path.IsPathFullyQualified(directory)
            ? directory
            : Environment.CurrentDirectory;

    /// <summary>An absolute path for <paramref name="path"/>: as given when absolute, else from <see cref="Current"/>.</summary>
    public static string Resolve(string path) => Path.GetFullPath(path, Current);
}
