using Spectre.Console;

namespace Strongroom.Server.Cli;

/// <summary>
/// Where the CLI writes: results on stdout (what a script captures), progress and diagnostics on stderr. Decoration
/// (tables, colours, progress bars) only on a terminal; redirected output stays plain lines a script can parse.
/// </summary>
internal static class CliConsole
{
    /// <summary>Spectre.Console over stderr, for progress bars that never mix into a command's result.</summary>
    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Spectre.Console over stdout.</summary>
    public static IAnsiConsole Out => AnsiConsole.Console;

    public static bool OutIsTerminal => !Console.IsOutputRedirected;

    public static bool ErrorIsTerminal => !Console.IsErrorRedirected;
}
