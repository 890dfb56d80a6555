namespace Strongroom.LoadGen.Scenarios;

/// <summary><c>POST /bench/baseline</c>: the same body as a Guardian tokenization, no authentication or storage (the ceiling).</summary>
internal sealed class BaselineScenario : Scenario
{
    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex) =>
        new(HttpMethod.Post, new Uri(baseUrl, "/bench/baseline")) { Content = Requests.Json(Requests.GuardianBody()) };
}
