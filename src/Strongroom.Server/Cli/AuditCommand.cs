using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Strongroom.Core.Audit;

namespace Strongroom.Server.Cli;

/// <summary><c>strongroom audit verify</c>: walks the audit log's hash chain, seals and sealed head over the configured store.</summary>
internal static class AuditCommand
{
    /// <param name="startHost">Builds the admin host over the configured store, migrated (as for the other admin commands).</param>
    public static Command Build(Func<CancellationToken, Task<IHost>> startHost)
    {
        var audit = new Command("audit", "The tamper-evident audit log.");
        var verify = new Command("verify", "Verify the audit log (hash chain, seals, sealed head). Exit code 0 when intact, 1 when it was tampered with.");
        verify.SetAction(async (_, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            AuditVerification result = await host.Services.GetRequiredService<AuditLog>().VerifyAsync(cancellationToken);
            string counts = string.Create(CultureInfo.InvariantCulture, $"checked {result.Checked} entr{(result.Checked == 1 ? "y" : "ies")}, {result.Sealed} sealed");
            if (result.Intact)
            {
                WriteLine(CliConsole.Out, CliConsole.OutIsTerminal, "green", "Audit log intact", $": {counts}.");
                return 0;
            }

            WriteLine(CliConsole.Error, CliConsole.ErrorIsTerminal, "red", string.Create(CultureInfo.InvariantCulture, $"Audit log BROKEN at seq {result.BrokenAtSeq}"), $": {result.Problem}");
            await Console.Error.WriteLineAsync($"Before the break: {counts}.");
            return 1;
        });
        audit.Subcommands.Add(verify);
        return audit;
    }

    /// <summary>The verdict in colour on a terminal; the same plain line when redirected (scripts grep it).</summary>
    private static void WriteLine(IAnsiConsole console, bool terminal, string color, string verdict, string rest)
    {
        if (terminal)
        {
            console.MarkupLine($"[bold {color}]{Markup.Escape(verdict)}[/]{Markup.Escape(rest)}");
        }
        else
        {
            console.Profile.Out.Writer.WriteLine(verdict + rest);
        }
    }
}
