namespace Strongroom.Client.WhiteBit;

/// <summary>
/// The fiat gateway's card tokens: a JWT from the signed <c>POST /api/v4/jwt</c> (through <see cref="WhiteBitClient"/>),
/// then <c>POST /api/card-token</c> with that JWT in <c>Authorization</c>. The JWT is reused (<see cref="GatewayJwtCache"/>)
/// until shortly before it expires, and fetched again after a 401 (its key was disabled or deleted, or the vault rotated
/// the key that signs JWTs). Every failure is a <see cref="WhiteBitApiException"/>.
/// </summary>
public sealed class FiatGatewayClient
{
    private readonly HttpClient _http;
    private readonly WhiteBitClient _whiteBit;
    private readonly GatewayJwtCache _jwts;

    /// <param name="http">A client with the vault's base address and no signing handler: the gateway authenticates by JWT.</param>
    /// <param name="whiteBit">The signed client that issues the JWTs.</param>
    /// <param name="jwts">Where JWTs are kept between calls; share one per signing key.</param>
    public FiatGatewayClient(HttpClient http, WhiteBitClient whiteBit, GatewayJwtCache jwts)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _whiteBit = whiteBit ?? throw new ArgumentNullException(nameof(whiteBit));
        _jwts = jwts ?? throw new ArgumentNullException(nameof(jwts));
    }

    /// <summary>Tokenizes a card number: 201 with the token; 422 code 1 for an invalid number, 422 code 0 when throttled.</summary>
    public async Task<CardToken> CreateCardTokenAsync(string cardNumber, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cardNumber);
        GatewayJwt jwt = await _jwts.GetAsync(_whiteBit, cancellationToken);
        try
        {
            return await SendAsync(jwt, cardNumber, cancellationToken);
        }
        catch (WhiteBitApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            // Once more with a fresh JWT: the cached one may have outlived the key that signed it.
            _jwts.Invalidate(jwt);
            return await SendAsync(await _jwts.GetAsync(_whiteBit, cancellationToken), cardNumber, cancellationToken);
        }
    }

    private Task<CardToken> SendAsync(GatewayJwt jwt, string cardNumber, CancellationToken cancellationToken) =>
        WhiteBitTransport.PostAsync(_http, "/api/card-token", new CardNumberWire(cardNumber), WhiteBitJsonContext.Default.CardNumberWire, WhiteBitJsonContext.Default.CardToken,
            request => request.Headers.TryAddWithoutValidation("Authorization", jwt.Token), cancellationToken);
}
