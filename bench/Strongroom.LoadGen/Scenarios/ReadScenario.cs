namespace Strongroom.LoadGen.Scenarios;

/// <summary>Guardian <c>GET /api/pci/tokens/{id}</c> (the masked token) of a random seeded token.</summary>
internal sealed class ReadScenario : Scenario
{
    private readonly string _apiKey;
    private readonly IReadOnlyList<string> _ids;

    public ReadScenario(BenchCredentials credentials)
    {
        if (credentials.TokenIds.Count == 0)
        {
            throw new SetupException("no seeded tokens to read (seed with --tokens > 0)");
        }

        _apiKey = credentials.ApiKey;
        _ids = credentials.TokenIds;
    }

    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, Requests.GuardianTokensPath + "/" + _ids[Random.Shared.Next(_ids.Count)]));
        request.Headers.TryAddWithoutValidation("x-api-key", _apiKey);
        return request;
    }
}
