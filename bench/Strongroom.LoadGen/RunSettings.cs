namespace Strongroom.LoadGen;

/// <summary>How one <c>run</c> loads the server.</summary>
internal sealed record RunSettings(
    Uri[] Urls,
    string CredentialsDirectory,
    string Scenario,
    LoopMode Mode,
    double Rate,
    int Connections,
    TimeSpan Duration,
    TimeSpan Warmup,
    double IdempotencyShare,
    double ReadShare,
    string Label)
{
    public static RunSettings From(CommandLine line)
    {
        LoopMode mode = line.Text("mode", "open") switch
        {
            "open" => LoopMode.Open,
            "closed" => LoopMode.Closed,
            string other => throw new UsageException($"--mode must be open or closed, not '{other}'"),
        };
        string scenario = line.Required("scenario");
        if (!Scenarios.Scenario.Names.Split(' ').Contains(scenario))
        {
            throw new UsageException($"unknown scenario '{scenario}' (one of: {Scenarios.Scenario.Names})");
        }

        var settings = new RunSettings(
            line.Urls(),
            line.Required("credentials"),
            scenario,
            mode,
            line.Number("rate", 1000),
            line.Integer("connections", mode == LoopMode.Open ? 64 : 32),
            TimeSpan.FromSeconds(line.Number("duration", 10)),
            TimeSpan.FromSeconds(line.Number("warmup", 2)),
            line.Number("idempotency-share", 0.2),
            line.Number("read-share", 0.8),
            line.Text("label", ""));
        if (settings.Rate <= 0 || settings.Connections < 1 || settings.Duration <= TimeSpan.Zero || settings.Warmup < TimeSpan.Zero
            || settings.IdempotencyShare is < 0 or > 1 || settings.ReadShare is < 0 or > 1)
        {
            throw new UsageException("--rate, --connections and --duration must be positive, --warmup not negative, shares between 0 and 1");
        }

        return settings;
    }
}

/// <summary>Open: requests on an even schedule whatever the server does. Closed: each connection sends its next request when the last answered.</summary>
internal enum LoopMode
{
    Open,
    Closed,
}
