namespace Strongroom.LoadGen.Scenarios;

/// <summary>WhiteBIT fiat gateway <c>POST /api/card-token</c> with a fresh test card, the JWT from <c>/api/v4/jwt</c> in <c>Authorization</c>.</summary>
internal sealed class CardTokenScenario(IReadOnlyDictionary<Uri, string> jwtPerServer) : Scenario
{
    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "/api/card-token"))
        {
            Content = Requests.Json($$"""{"cardNumber":"{{TestCards.Pan()}}"}"""),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + jwtPerServer[baseUrl]);
        return request;
    }
}
