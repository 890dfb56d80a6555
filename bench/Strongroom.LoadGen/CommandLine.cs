using System.Globalization;

namespace Strongroom.LoadGen;

/// <summary>A command followed by <c>--name value</c> pairs; nothing more is needed by bench/run.sh.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options;

    private CommandLine(string command, Dictionary<string, string> options)
    {
        Command = command;
        _options = options;
    }

    public string Command { get; }

    public static CommandLine Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new UsageException($"expected --name value, got '{args[i]}'");
            }

            options[args[i][2..]] = args[i + 1];
        }

        return new CommandLine(args.Length > 0 ? args[0] : "", options);
    }

    public string Required(string name) =>
        _options.TryGetValue(name, out string? value) ? value : throw new UsageException($"--{name} is required");

    public string Text(string name, string fallback) => _options.GetValueOrDefault(name, fallback);

    public double Number(string name, double fallback) =>
        !_options.TryGetValue(name, out string? value) ? fallback
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed
        : throw new UsageException($"--{name} must be a number");

    public int Integer(string name, int fallback) => checked((int)Number(name, fallback));

    public Uri[] Urls() =>
        Required("url").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToArray();
}

/// <summary>A command line the generator cannot run.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The server refused a set-up call (seeding, a JWT): the run cannot start.</summary>
internal sealed class SetupException(string message) : Exception(message);
