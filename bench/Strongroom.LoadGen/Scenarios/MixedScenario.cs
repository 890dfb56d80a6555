namespace Strongroom.LoadGen.Scenarios;

/// <summary>Masked reads and tokenizations drawn at random per request (default 80 % / 20 %).</summary>
internal sealed class MixedScenario(ReadScenario read, TokenizeScenario tokenize, double readShare) : Scenario
{
    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex) =>
        Random.Shared.NextDouble() < readShare ? read.Create(baseUrl, workerIndex) : tokenize.Create(baseUrl, workerIndex);
}
