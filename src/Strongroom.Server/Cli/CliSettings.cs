namespace Strongroom.Server.Cli;

/// <summary>
/// Configuration given on the command line, as <c>serve</c> takes it: <c>--Strongroom:Storage:DataDirectory=/x</c> or
/// <c>--Strongroom:Storage:DataDirectory /x</c>. Every setting key has a section (a colon), so no command option is
/// mistaken for one. The CLI commands take these out before parsing their own options and give them to the host's
/// configuration, where (as for the server) they override environment variables and appsettings.
/// </summary>
internal static class CliSettings
{
    public static (string[] Command, string[] Settings) Split(string[] args)
    {
        var command = new List<string>(args.Length);
        var settings = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!IsSetting(arg))
            {
                command.Add(arg);
                continue;
            }

            settings.Add(arg);
            if (!arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length)
            {
                settings.Add(args[++i]);
            }
        }

        return ([.. command], [.. settings]);
    }

    private static bool IsSetting(string arg)
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length < 4)
        {
            return false;
        }

        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        ReadOnlySpan<char> key = equals < 0 ? arg.AsSpan(2) : arg.AsSpan(2, equals - 2);
        return key.Contains(':') && key[0] != ':' && key[^1] != ':';
    }
}
