using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Tenancy;

namespace Strongroom.Server.Tests.Hostile;

/// <summary>A gateway JWT has exactly one spelling (RFC 7515: base64url, no padding): any other encoding of the same bytes is refused.</summary>
public sealed class JwtEncodingTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>Respellings of an issued token: segment index (0 header, 1 payload, 2 signature) and the change.</summary>
    public static TheoryData<string, int> Respellings => new()
    {
        { "pad1", 2 }, { "pad2", 2 }, { "pad1", 0 }, { "pad1", 1 }, { "trailing-bits", 2 }, { "trailing-bits", 0 }, { "trailing-bits", 1 },
        { "std-alphabet", 2 }, { "inner-space", 2 }, { "percent", 2 },
    };

    [Theory]
    [MemberData(nameof(Respellings))]
    public async Task NonCanonicalSegment_IsRefused_ByTheValidatorAndTheCardTokenEndpoint(string change, int segment)
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string token = await IssueAsync(signer);
        GatewayTokenService verifier = app.Services.GetRequiredService<GatewayTokenService>();
        Assert.NotNull(await verifier.ValidateAsync(token));
        string[] parts = token.Split('.');
        string? respelled = Respell(parts[segment], change);
        if (respelled is null)
        {
            // This segment's length leaves no spare bits (or no char of that kind): no such respelling exists.
            return;
        }

        parts[segment] = respelled;
        string forged = string.Join('.', parts);

        Assert.Null(await verifier.ValidateAsync(forged));
        using HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + forged);
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await ErrorShape.AssertErrorAsync(response, "/api/card-token");
    }

    [Fact]
    public async Task CanonicalToken_IsStillAccepted()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string token = await IssueAsync(signer);
        using HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + token);

        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static string? Respell(string segment, string change)
    {
        switch (change)
        {
            case "pad1":
                return segment + "=";
            case "pad2":
                return segment + "==";
            case "trailing-bits":
                int spare = (segment.Length % 4) switch { 2 => 4, 3 => 2, _ => 0 };
                if (spare == 0)
                {
                    return null;
                }

                int last = Alphabet.IndexOf(segment[^1], StringComparison.Ordinal);
                return segment[..^1] + Alphabet[last | 1];
            case "std-alphabet":
                int at = segment.IndexOfAny(['-', '_']);
                return at < 0 ? null : segment[..at] + (segment[at] == '-' ? '+' : '/') + segment[(at + 1)..];
            case "inner-space":
                return segment[..4] + " " + segment[4..];
            default:
                return segment[..4] + "%41" + segment[4..];
        }
    }

    private static async Task<string> IssueAsync(WhiteBitSigner signer)
    {
        using HttpResponseMessage response = await signer.PostAsync("/api/v4/jwt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("data").GetProperty("token").GetString()!;
    }
}
