namespace Strongroom.Server.Logging;

/// <summary>
/// <c>Strongroom:Logging:ConsoleFormat</c>: how log lines look on the console. <see cref="Auto"/> (the default) is
/// readable text on a terminal and JSON lines when the output is redirected (a file, a pipe, a log shipper).
/// </summary>
internal enum ConsoleLogFormat
{
    Auto,
    Text,
    Json,
}

/// <summary>Reads and resolves <see cref="ConsoleLogFormat"/>.</summary>
internal static class ConsoleLogFormats
{
    public const string SettingKey = "Strongroom:Logging:ConsoleFormat";

    /// <summary>The formatter name for <paramref name="configured"/> when the log stream is (or is not) a terminal.</summary>
    public static string FormatterFor(ConsoleLogFormat configured, bool streamIsTerminal) => configured switch
    {
        ConsoleLogFormat.Text => RedactingTextConsoleFormatter.Name,
        ConsoleLogFormat.Json => RedactingJsonConsoleFormatter.Name,
        _ => streamIsTerminal ? RedactingTextConsoleFormatter.Name : RedactingJsonConsoleFormatter.Name,
    };

    /// <summary>Parses the setting (case-insensitive); an empty value is <see cref="ConsoleLogFormat.Auto"/>.</summary>
    /// <exception cref="InvalidOperationException">An unknown value: a typo must not silently change what the operator's log shipper receives.</exception>
    public static ConsoleLogFormat Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return ConsoleLogFormat.Auto;
        }

        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => ConsoleLogFormat.Auto,
            "text" => ConsoleLogFormat.Text,
            "json" => ConsoleLogFormat.Json,
            _ => throw new InvalidOperationException($"{SettingKey} must be auto, text or json (was '{value}')."),
        };
    }
}
