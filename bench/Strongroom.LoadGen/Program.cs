namespace Strongroom.LoadGen;

/// <summary>
/// <c>strongroom-loadgen seed|jwt|run …</c> (see <see cref="Usage"/>). Prints results as one JSON line on stdout and
/// progress on stderr; never prints a card number, a request body or a credential except the JWT that <c>jwt</c> exists to print.
/// </summary>
public static class Program
{
    private const string Usage = """
        strongroom-loadgen seed --url URL --admin-token TOKEN --out DIR [--tokens 2000] [--signing-keys 32]
            creates a tenant, an API key, signing keys and seeded tokens; writes DIR/credentials.json, DIR/ids.txt,
            DIR/api-key.txt and DIR/signing-keys.txt (public secret, one a line) for wrk
        strongroom-loadgen jwt --url URL --credentials DIR
            prints a fresh fiat-gateway JWT (a signed POST /api/v4/jwt)
        strongroom-loadgen run --url URL[,URL…] --credentials DIR --scenario NAME [--mode open|closed] [--rate 1000]
            [--connections 64] [--duration 10] [--warmup 2] [--idempotency-share 0.2] [--label TEXT]
            scenarios: baseline tokenize read mixed tap card-token signed-v4
        """;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            CommandLine line = CommandLine.Parse(args);
            switch (line.Command)
            {
                case "seed":
                    await Seeder.RunAsync(line);
                    return 0;
                case "jwt":
                    await using (var target = new Target(line.Urls()[0], BenchCredentials.Load(line.Required("credentials"))))
                    {
                        Console.WriteLine(await target.IssueJwtAsync(CancellationToken.None));
                    }

                    return 0;
                case "run":
                    RunResult result = await LoadRun.ExecuteAsync(RunSettings.From(line));
                    Console.WriteLine(result.ToJson());
                    return 0;
                default:
                    await Console.Error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("loadgen: " + e.Message + Environment.NewLine + Usage);
            return 2;
        }
        catch (SetupException e)
        {
            await Console.Error.WriteLineAsync("loadgen: " + e.Message);
            return 1;
        }
    }
}
