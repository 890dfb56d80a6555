using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Strongroom.Server.Logging;

namespace Strongroom.Server.Tests;

/// <summary>
/// Console logging as an operator meets it: readable text on a terminal, JSON lines when redirected or configured
/// (<c>Strongroom:Logging:ConsoleFormat</c>), and the text format redacts card numbers exactly as the JSON one does.
/// </summary>
public sealed class ConsoleLogFormatTests : IDisposable
{
    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [Theory]
    [InlineData("card 4111111111111111 declined")]
    [InlineData("card 4111-1111-1111-1111 declined")]
    [InlineData("card 4111 1111 1111 1111 declined")]
    [InlineData("amex 378282246310005!")]
    public void TextFormatter_RedactsCardNumbers_InMessagesAndExceptions(string message)
    {
        string line = WriteText(LogLevel.Error, "Strongroom.Core.Test.Thing", message, new InvalidOperationException("inner " + message));

        Assert.Contains("[REDACTED PAN]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("4111", line, StringComparison.Ordinal);
        Assert.DoesNotContain("378282", line, StringComparison.Ordinal);
        Assert.Contains("(System.InvalidOperationException: inner ", line, StringComparison.Ordinal);
        Assert.Equal(2, line.Split("[REDACTED PAN]").Length - 1); // the message's and the exception's
    }

    [Fact]
    public void TextFormatter_WritesOneReadableLine()
    {
        string line = WriteText(LogLevel.Warning, "Strongroom.Core.Webhooks.WebhookDispatcher", "order 202611230001 took 12 ms\nsecond line", null, eventId: 2411);

        Assert.Matches(@"^\d\d:\d\d:\d\d warn WebhookDispatcher order 202611230001 took 12 ms second line\r?\n$", line);
        Assert.DoesNotContain("\u001b[", line, StringComparison.Ordinal); // no colours unless the stream is a terminal
        Assert.DoesNotContain("{", line, StringComparison.Ordinal);
    }

    [Fact]
    public void TextFormatter_OnATerminal_ColoursTheLevel()
    {
        string line = WriteText(LogLevel.Error, "Microsoft.Hosting.Lifetime", "boom", null, colors: true);

        Assert.Contains("\u001b[31mfail\u001b[0m Microsoft.Hosting.Lifetime boom", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto", true, RedactingTextConsoleFormatter.Name)]
    [InlineData("auto", false, RedactingJsonConsoleFormatter.Name)]
    [InlineData("text", false, RedactingTextConsoleFormatter.Name)]
    [InlineData("json", true, RedactingJsonConsoleFormatter.Name)]
    public void Format_IsTextOnATerminal_JsonWhenRedirected_UnlessConfigured(string configured, bool terminal, string expected) =>
        Assert.Equal(expected, ConsoleLogFormats.FormatterFor(ConsoleLogFormats.Parse(configured), terminal));

    [Theory]
    [InlineData(null, "Auto")]
    [InlineData("", "Auto")]
    [InlineData("TEXT", "Text")]
    [InlineData(" json ", "Json")]
    public void Setting_IsParsedCaseInsensitively(string? value, string expected) =>
        Assert.Equal(expected, ConsoleLogFormats.Parse(value).ToString());

    [Theory]
    [InlineData("jsonl")]
    [InlineData("2")]
    [InlineData("plain")]
    public void Setting_WithATypo_IsAnError(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ConsoleLogFormats.Parse(value));
        Assert.Contains("auto, text or json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_Redirected_LogsJsonLines_AndWithTextConfigured_ReadableLines()
    {
        using (ServeProcess json = await ServeProcess.StartAsync(_directories.Create()))
        {
            string ready = Assert.Single(Lines(json.Output), l => l.Contains("Vault ready", StringComparison.Ordinal));
            Assert.StartsWith("{\"timestamp\":", ready, StringComparison.Ordinal);
        }

        using ServeProcess text = await ServeProcess.StartAsync(_directories.Create(), new Dictionary<string, string> { ["Strongroom:Logging:ConsoleFormat"] = "text" });
        string line = Assert.Single(Lines(text.Output), l => l.Contains("Vault ready", StringComparison.Ordinal));
        Assert.Matches(@"^\d\d:\d\d:\d\d info VaultInitializer Vault ready on the sqlite store", line);
        Assert.DoesNotContain(Lines(text.Output), l => l.StartsWith('{'));
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string WriteText(LogLevel level, string category, string message, Exception? exception, int eventId = 1, bool colors = false)
    {
        var formatter = new RedactingTextConsoleFormatter(new FixedOptions(new RedactingTextConsoleFormatterOptions { ColorLevels = colors }));
        using var output = new StringWriter();
        formatter.Write(new LogEntry<string>(level, category, new EventId(eventId), message, exception, (s, _) => s), null, output);
        return output.ToString();
    }

    private sealed class FixedOptions(RedactingTextConsoleFormatterOptions value) : IOptionsMonitor<RedactingTextConsoleFormatterOptions>
    {
        public RedactingTextConsoleFormatterOptions CurrentValue => value;

        public RedactingTextConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RedactingTextConsoleFormatterOptions, string?> listener) => null;
    }
}
