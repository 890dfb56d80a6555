using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;

namespace Strongroom.Server.Logging;

/// <summary>Options of <see cref="RedactingTextConsoleFormatter"/>.</summary>
internal sealed class RedactingTextConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Colour the level (ANSI); set when the log stream is a terminal.</summary>
    public bool ColorLevels { get; set; }
}

/// <summary>
/// Readable one-line console logging for a terminal (<c>08:31:02 warn WebhookDispatcher message</c>) with the same
/// last line of defence as <see cref="RedactingJsonConsoleFormatter"/>: anything that looks like a card number in the
/// message or an exception message is replaced, and stack traces are left out (they can carry argument values).
/// </summary>
internal sealed class RedactingTextConsoleFormatter(IOptionsMonitor<RedactingTextConsoleFormatterOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "strongroom-text";

    private const string Reset = "\u001b[0m";

    public override void Write<TState>(in LogEntry<TState> logEntry, Microsoft.Extensions.Logging.IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        bool color = options.CurrentValue.ColorLevels;
        var line = new System.Text.StringBuilder(message.Length + 64);
        line.Append(DateTimeOffset.UtcNow.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        (string label, string ansi) = Level(logEntry.LogLevel);
        line.Append(color ? ansi + label + Reset : label).Append(' ');
        // No event id: most are generated hashes, noise to a reader (the JSON format keeps them for machines).
        line.Append(ShortCategory(logEntry.Category));
        line.Append(' ').Append(PanDetector.Redact(message, out _));
        if (logEntry.Exception is { } exception)
        {
            line.Append(" (").Append(exception.GetType().FullName).Append(": ").Append(PanDetector.Redact(exception.Message, out _)).Append(')');
        }

        // One entry, one line: a message with line breaks must not look like two entries.
        textWriter.WriteLine(line.Replace('\r', ' ').Replace('\n', ' ').ToString());
    }

    /// <summary>The class name without its namespace: <c>Strongroom.Core.Webhooks.WebhookDispatcher</c> → <c>WebhookDispatcher</c>.</summary>
    private static string ShortCategory(string category)
    {
        int dot = category.LastIndexOf('.');
        return category.StartsWith("Strongroom.", StringComparison.Ordinal) && dot >= 0 ? category[(dot + 1)..] : category;
    }

    private static (string Label, string Ansi) Level(Microsoft.Extensions.Logging.LogLevel level) => level switch
    {
        Microsoft.Extensions.Logging.LogLevel.Trace => ("trce", "\u001b[90m"),
        Microsoft.Extensions.Logging.LogLevel.Debug => ("dbug", "\u001b[90m"),
        Microsoft.Extensions.Logging.LogLevel.Information => ("info", "\u001b[32m"),
        Microsoft.Extensions.Logging.LogLevel.Warning => ("warn", "\u001b[33m"),
        Microsoft.Extensions.Logging.LogLevel.Error => ("fail", "\u001b[31m"),
        Microsoft.Extensions.Logging.LogLevel.Critical => ("crit", "\u001b[1;31m"),
        _ => ("    ", ""),
    };
}
