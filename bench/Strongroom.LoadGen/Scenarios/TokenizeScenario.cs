using System.Buffers.Text;
using System.Security.Cryptography;

namespace Strongroom.LoadGen.Scenarios;

/// <summary>
/// Guardian <c>POST /api/pci/tokens</c> with a fresh test card; a share of the requests carries a fresh
/// <c>x-idempotency-key</c>, so the token, its event and its idempotency record commit together on that share.
/// </summary>
internal sealed class TokenizeScenario(string apiKey, double idempotencyShare) : Scenario
{
    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex) =>
        Requests.GuardianTokenize(baseUrl, apiKey, Random.Shared.NextDouble() < idempotencyShare ? NewIdempotencyKey() : null);

    // Letters and digits from 12 random bytes: never a run of 13+ digits the server would refuse as a card number.
    private static string NewIdempotencyKey() => "bench-" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12)).Replace('-', 'x').Replace('_', 'y');
}
