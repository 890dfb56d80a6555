using Microsoft.Extensions.Logging.Console;

namespace Strongroom.Server.Logging;

/// <summary>The console logging of the server and the CLI: redacting formatters, text or JSON per <see cref="ConsoleLogFormats.SettingKey"/>.</summary>
internal static class StrongroomConsoleLogging
{
    /// <param name="logging">The host's logging.</param>
    /// <param name="configuration">Where <see cref="ConsoleLogFormats.SettingKey"/> is read.</param>
    /// <param name="logToStandardError">Every level to stderr (the CLI, whose stdout is the command's result); else stdout.</param>
    public static ILoggingBuilder AddStrongroomConsole(this ILoggingBuilder logging, IConfiguration configuration, bool logToStandardError)
    {
        ConsoleLogFormat configured = ConsoleLogFormats.Parse(configuration[ConsoleLogFormats.SettingKey]);
        bool streamIsTerminal = logToStandardError ? !Console.IsErrorRedirected : !Console.IsOutputRedirected;
        string formatter = ConsoleLogFormats.FormatterFor(configured, streamIsTerminal);

        logging.AddConsole(options =>
        {
            options.FormatterName = formatter;
            if (logToStandardError)
            {
                options.LogToStandardErrorThreshold = LogLevel.Trace;
            }
        });
        logging.AddConsoleFormatter<RedactingJsonConsoleFormatter, ConsoleFormatterOptions>();
        logging.AddConsoleFormatter<RedactingTextConsoleFormatter, RedactingTextConsoleFormatterOptions>(options => options.ColorLevels = streamIsTerminal);
        return logging;
    }
}
