using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Strongroom.Server.Logging;

namespace Strongroom.Server.Tests;

public sealed class RedactionTests
{
    [Theory]
    [InlineData("card 4111111111111111 declined")]
    [InlineData("card 4111-1111-1111-1111 declined")]
    [InlineData("card 4111 1111 1111 1111 declined")]
    [InlineData("amex 378282246310005!")]
    public void ConsoleFormatter_RedactsCardNumbersInMessages(string message)
    {
        var formatter = new RedactingJsonConsoleFormatter();
        using var output = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Error, "Test", new EventId(1), message, new InvalidOperationException(message), (s, _) => s);

        formatter.Write(entry, null, output);

        string line = output.ToString();
        Assert.Contains("[REDACTED PAN]", line, StringComparison.Ordinal);
        Assert.DoesNotContain("1111 declined", line.Replace("[REDACTED PAN] declined", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("4111", line, StringComparison.Ordinal);
        Assert.DoesNotContain("378282", line, StringComparison.Ordinal);
        Assert.Contains("\"exception_type\":\"System.InvalidOperationException\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleFormatter_RedactsStructuredValues()
    {
        var formatter = new RedactingJsonConsoleFormatter();
        using var output = new StringWriter();
        var state = new List<KeyValuePair<string, object?>> { new("Value", "5555555555554444"), new("{OriginalFormat}", "x {Value}") };
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(LogLevel.Information, "Test", new EventId(2), state, null, (_, _) => "x 5555555555554444");

        formatter.Write(entry, null, output);

        Assert.DoesNotContain("5555555555554444", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"Value\":\"[REDACTED PAN]\"", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleFormatter_LeavesOrdinaryNumbersAlone()
    {
        var formatter = new RedactingJsonConsoleFormatter();
        using var output = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Information, "Test", new EventId(3), "order 202611230001 took 12 ms", null, (s, _) => s);

        formatter.Write(entry, null, output);

        Assert.Contains("order 202611230001 took 12 ms", output.ToString(), StringComparison.Ordinal);
    }
}
