namespace Strongroom.LoadGen.Scenarios;

/// <summary>Tap <c>POST /v2/tokens</c> (a single-use token) with a fresh test card, the API key as <c>Authorization: Bearer</c>.</summary>
internal sealed class TapScenario(string apiKey) : Scenario
{
    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex)
    {
        string body = $$"""{"card":{"number":"{{TestCards.Pan()}}","exp_month":12,"exp_year":2030,"cvc":"123","name":"Bench Holder"},"client_ip":"192.0.2.10"}""";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "/v2/tokens")) { Content = Requests.Json(body) };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + apiKey);
        return request;
    }
}
