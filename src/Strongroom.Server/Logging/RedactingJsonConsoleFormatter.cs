using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Strongroom.Core.Cards;

namespace Strongroom.Server.Logging;

/// <summary>
/// Structured (JSON-lines) console logging with a last line of defence: anything in a message,
/// a structured value or an exception message that looks like a card number is replaced before it
/// is written. The code never logs card data on purpose; this catches what a library might.
/// Exception stack traces are omitted (messages only): a stack trace can carry argument values.
/// </summary>
internal sealed class RedactingJsonConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "strongroom-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, Microsoft.Extensions.Logging.IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", DateTimeOffset.UtcNow);
            writer.WriteString("level", logEntry.LogLevel.ToString());
            writer.WriteString("category", logEntry.Category);
            writer.WriteNumber("event_id", logEntry.EventId.Id);
            writer.WriteString("message", PanDetector.Redact(message, out _));
            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> properties)
            {
                writer.WriteStartObject("state");
                foreach ((string key, object? value) in properties)
                {
                    if (key == "{OriginalFormat}")
                    {
                        continue;
                    }

                    writer.WriteString(key, PanDetector.Redact(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "", out _));
                }

                writer.WriteEndObject();
            }

            if (logEntry.Exception is { } exception)
            {
                writer.WriteString("exception_type", exception.GetType().FullName);
                writer.WriteString("exception_message", PanDetector.Redact(exception.Message, out _));
            }

            writer.WriteEndObject();
        }

        textWriter.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
