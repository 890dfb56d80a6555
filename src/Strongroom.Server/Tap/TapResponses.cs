using System.Text.Json;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Tokens;
using Strongroom.Server.Http;

namespace Strongroom.Server.Tap;

/// <summary>
/// The Tap dialect's responses and errors. The seed gives the token shape but no error shape, so errors follow
/// Tap's public convention, <c>{"errors":[{"code","description"}]}</c>, with the codes listed in
/// <see cref="TapErrorCodes"/> (documented in the README).
/// </summary>
internal static class TapResponses
{
    public static JsonResponse Token(SingleUseToken token, int status = 200) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(ToWire(token), TapJson.Default.TapToken));

    public static TapToken ToWire(SingleUseToken token)
    {
        SingleUseTokenRecord r = token.Record;
        string brand = BrandName(r.Scheme);
        TapIssuer? issuer = r.IssuerBank is { } bank ? new TapIssuer(bank, r.IssuerCountry ?? "", r.IssuerId ?? "") : null;
        var card = new TapCard(
            r.CardId,
            "card",
            token.Address?.ToDictionary(p => p.Key, p => p.Value),
            r.Funding?.WireName(),
            token.Fingerprint,
            brand,
            brand,
            token.CardholderName,
            issuer,
            r.ExpiryMonth,
            r.ExpiryYear % 100,
            r.LastFour,
            r.First6);
        return new TapToken(r.PublicId, r.CreatedAt.ToUnixTimeMilliseconds(), "token", LiveMode: false, "CARD", token.Used, card);
    }

    /// <summary>Tap's upper-case brand names.</summary>
    public static string BrandName(CardScheme scheme) => scheme switch
    {
        CardScheme.Visa => "VISA",
        CardScheme.Mastercard => "MASTERCARD",
        CardScheme.AmericanExpress => "AMERICAN_EXPRESS",
        CardScheme.Discover => "DISCOVER",
        CardScheme.DinersClub => "DINERS_CLUB",
        CardScheme.Jcb => "JCB",
        _ => "UNIONPAY",
    };

    public static JsonResponse Error(int status, string code, string description) => Errors(status, [new TapError(code, description)]);

    public static JsonResponse Errors(int status, IReadOnlyList<TapError> errors) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(new TapErrors(errors), TapJson.Default.TapErrors));

    public static JsonResponse Unauthorized() => Error(401, TapErrorCodes.Unauthorized, "Invalid or missing API key.");

    public static JsonResponse Forbidden() => Error(403, TapErrorCodes.Forbidden, "The API key is not allowed to use this endpoint.");

    public static JsonResponse NotFound() => Error(404, TapErrorCodes.NotFound, "Token not found.");

    public static JsonResponse TooManyRequests(int retryAfterSeconds) =>
        new(429, JsonSerializer.SerializeToUtf8Bytes(new TapErrors([new TapError(TapErrorCodes.TooManyRequests, "Too many requests.")]), TapJson.Default.TapErrors))
        {
            RetryAfterSeconds = retryAfterSeconds,
        };
}

/// <summary>The Tap dialect's error codes.</summary>
internal static class TapErrorCodes
{
    public const string InvalidRequest = "1100";
    public const string CardRequired = "1105";
    public const string CardNumber = "1108";
    public const string ExpiryMonth = "1109";
    public const string ExpiryYear = "1110";
    public const string Cvc = "1111";
    public const string Name = "1112";
    public const string Address = "1113";
    public const string ClientIp = "1114";
    public const string Unauthorized = "2107";
    public const string Forbidden = "2108";
    public const string NotFound = "1143";
    public const string TooManyRequests = "1429";
    public const string PayloadTooLarge = "1413";
}
