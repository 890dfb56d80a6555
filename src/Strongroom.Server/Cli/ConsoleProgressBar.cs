namespace Strongroom.Server.Cli;

/// <summary>
/// A one-line progress bar for long CLI commands (BIN import, key rotation), redrawn in place on a terminal and
/// silent when stderr is redirected, so scripts and logs see only the final summary.
/// </summary>
internal sealed class ConsoleProgressBar(TextWriter output, string unit)
{
    private const int Width = 30;

    private readonly bool _enabled = !Console.IsErrorRedirected;
    private bool _drawn;

    public void Report(long done, long total)
    {
        if (!_enabled || total <= 0)
        {
            return;
        }

        double fraction = Math.Min(1, (double)done / total);
        int filled = (int)(fraction * Width);
        output.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction,4:P0} {done}/{total} {unit}");
        _drawn = true;
    }

    public void Complete()
    {
        if (_drawn)
        {
            output.WriteLine();
        }
    }
}
