namespace Strongroom.LoadGen.Scenarios;

/// <summary>One kind of request the generator sends; built fresh per request (a new card, a new nonce, another id).</summary>
internal abstract class Scenario
{
    public const string Names = "baseline tokenize read mixed tap card-token signed-v4";

    /// <summary>The request a worker sends next, against its own server (<paramref name="baseUrl"/>).</summary>
    public abstract HttpRequestMessage Create(Uri baseUrl, int workerIndex);

    public static async Task<Scenario> CreateAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        BenchCredentials creds = BenchCredentials.Load(settings.CredentialsDirectory);
        switch (settings.Scenario)
        {
            case "baseline":
                return new BaselineScenario();
            case "tokenize":
                return new TokenizeScenario(creds.ApiKey, settings.IdempotencyShare);
            case "read":
                return new ReadScenario(creds);
            case "mixed":
                return new MixedScenario(new ReadScenario(creds), new TokenizeScenario(creds.ApiKey, settings.IdempotencyShare), settings.ReadShare);
            case "tap":
                return new TapScenario(creds.ApiKey);
            case "card-token":
                {
                    // A JWT per server (each node signs its own unless they share Redis), fetched before the clock starts.
                    var jwts = new Dictionary<Uri, string>();
                    foreach (Uri url in settings.Urls)
                    {
                        await using var target = new Target(url, creds);
                        jwts[url] = await target.IssueJwtAsync(cancellationToken);
                    }

                    return new CardTokenScenario(jwts);
                }

            case "signed-v4":
                return new SignedV4Scenario(creds.SigningKeys.Select(k => new SigningKey(k)).ToArray());
            default:
                throw new UsageException($"unknown scenario '{settings.Scenario}' (one of: {Names})");
        }
    }
}
