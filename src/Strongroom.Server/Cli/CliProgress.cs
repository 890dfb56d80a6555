using Spectre.Console;

namespace Strongroom.Server.Cli;

/// <summary>
/// A progress bar on stderr for long commands (BIN import, key rotation), drawn by Spectre.Console on a terminal and
/// absent when stderr is redirected, so scripts and logs see only the final summary.
/// </summary>
internal static class CliProgress
{
    /// <summary>
    /// Runs <paramref name="work"/>, which reports <c>(done, total)</c> in <paramref name="unit"/> through the callback
    /// it is given (from any thread).
    /// </summary>
    public static async Task<T> RunAsync<T>(string description, string unit, Func<Action<long, long>, Task<T>> work)
    {
        if (!CliConsole.ErrorIsTerminal)
        {
            return await work(static (_, _) => { });
        }

        return await CliConsole.Error.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask(description, maxValue: 1);
                T result = await work((done, total) =>
                {
                    if (total > 0)
                    {
                        task.MaxValue = total;
                        task.Value = Math.Min(done, total);
                        task.Description = FormattableString.Invariant($"{description} {done:N0}/{total:N0} {unit}");
                    }
                });
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }
}
