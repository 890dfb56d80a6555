namespace Strongroom.LoadGen.Scenarios;

/// <summary>
/// A WhiteBIT-signed <c>POST /api/v4/jwt</c>, each request signed here with a fresh nonce (HMAC-SHA512). Workers use the
/// seeded signing keys round-robin, so each key's nonces stay well under one per millisecond.
/// </summary>
internal sealed class SignedV4Scenario(SigningKey[] keys) : Scenario
{
    public override HttpRequestMessage Create(Uri baseUrl, int workerIndex) => keys[workerIndex % keys.Length].SignedPost(baseUrl, Target.JwtPath);
}
