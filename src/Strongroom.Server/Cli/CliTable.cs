using Spectre.Console;

namespace Strongroom.Server.Cli;

/// <summary>
/// Tabular command output (<c>tenant list</c>, <c>keys status</c>): a Spectre.Console table on a terminal; when stdout
/// is redirected, a header line and one tab-separated line per row, so <c>cut</c>, <c>awk</c> and tests can parse it.
/// </summary>
internal static class CliTable
{
    public static void Write(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        if (!CliConsole.OutIsTerminal)
        {
            Console.Out.WriteLine(string.Join('\t', headers));
            foreach (IReadOnlyList<string> row in rows)
            {
                Console.Out.WriteLine(string.Join('\t', row));
            }

            return;
        }

        var table = new Table().Border(TableBorder.Rounded);
        foreach (string header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }

        foreach (IReadOnlyList<string> row in rows)
        {
            // Text, not markup: a tenant name with [brackets] is data, not a style.
            table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)));
        }

        CliConsole.Out.Write(table);
    }
}
