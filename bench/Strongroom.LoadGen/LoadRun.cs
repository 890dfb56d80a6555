using System.Diagnostics;
using System.Threading.Channels;
using Strongroom.LoadGen.Scenarios;

namespace Strongroom.LoadGen;

/// <summary>
/// One measured run. <b>Open loop</b>: a pacer thread releases request slots on an even schedule (slot k is due at
/// start + k / rate) into a queue that the connections take from; each request's latency is measured from its slot's
/// <i>intended</i> time, so time spent waiting for a free connection behind a slow answer counts (coordinated omission
/// corrected, as wrk2 does). <b>Closed loop</b>: every connection sends its next request as soon as the last one answered;
/// latency from the actual send. Requests due during the warm-up are sent but not recorded.
/// </summary>
internal static class LoadRun
{
    public static async Task<RunResult> ExecuteAsync(RunSettings settings)
    {
        Scenario scenario = await Scenario.CreateAsync(settings, CancellationToken.None);
        Worker[] workers = Enumerable.Range(0, settings.Connections)
            .Select(i => new Worker(i, settings.Urls[i % settings.Urls.Length], scenario))
            .ToArray();
        try
        {
            (long measureStart, long measureEnd) = settings.Mode == LoopMode.Open
                ? await OpenLoopAsync(settings, workers)
                : await ClosedLoopAsync(settings, workers);
            return RunResult.From(settings, workers.Select(w => w.Recorder).ToArray(), measureStart, measureEnd);
        }
        finally
        {
            foreach (Worker worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static async Task<(long Start, long End)> OpenLoopAsync(RunSettings settings, Worker[] workers)
    {
        var slots = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
        long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        long measureStart = start + Ticks(settings.Warmup);
        long scheduleEnd = measureStart + Ticks(settings.Duration);
        // A server that fell behind gets as long again as the run to answer what was already due; the rest is abandoned.
        long giveUp = scheduleEnd + Math.Max(Ticks(settings.Duration), Stopwatch.Frequency * 5);

        var pacer = new Thread(() => Pace(slots.Writer, start, scheduleEnd, settings.Rate)) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
        pacer.Start();
        await Task.WhenAll(workers.Select(worker => Task.Run(async () =>
        {
            while (await slots.Reader.WaitToReadAsync())
            {
                while (slots.Reader.TryRead(out long due))
                {
                    bool measured = due >= measureStart;
                    long now = Stopwatch.GetTimestamp();
                    if (now > giveUp)
                    {
                        if (measured)
                        {
                            worker.Recorder.Failure("abandoned", due, now);
                        }

                        continue;
                    }

                    if (measured)
                    {
                        worker.Recorder.Lag(due, now);
                    }

                    await worker.SendAsync(due, measured);
                }
            }
        })));
        pacer.Join();
        return (measureStart, scheduleEnd);
    }

    /// <summary>
    /// Releases every slot that is due, then sleeps about a millisecond (no spinning: the generator shares the machine's
    /// cores with the server). A slot released up to ~1 ms late is still timed from its intended time, so the generator's
    /// own lateness counts against the result (never in its favour); it shows in the reported queue wait.
    /// </summary>
    private static void Pace(ChannelWriter<long> writer, long start, long end, double rate)
    {
        double interval = Stopwatch.Frequency / rate;
        long k = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            long due;
            while ((due = start + (long)(k * interval)) <= now)
            {
                if (due >= end)
                {
                    writer.Complete();
                    return;
                }

                writer.TryWrite(due);
                k++;
            }

            Thread.Sleep(1);
        }
    }

    private static async Task<(long Start, long End)> ClosedLoopAsync(RunSettings settings, Worker[] workers)
    {
        long start = Stopwatch.GetTimestamp();
        long measureStart = start + Ticks(settings.Warmup);
        long end = measureStart + Ticks(settings.Duration);
        await Task.WhenAll(workers.Select(worker => Task.Run(async () =>
        {
            long sent;
            while ((sent = Stopwatch.GetTimestamp()) < end)
            {
                await worker.SendAsync(sent, measured: sent >= measureStart);
            }
        })));
        return (measureStart, end);
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
