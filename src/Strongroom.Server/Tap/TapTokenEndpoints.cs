using System.Globalization;
using System.Net;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Tap;

/// <summary>
/// The Tap dialect's card tokens: <c>POST /v2/tokens</c> (a single-use <c>tok_…</c>) and <c>GET /v2/tokens/{id}</c>.
/// A token is used up by creating a PCI token from it (Guardian source <c>single_use_token</c>).
/// </summary>
internal static class TapTokenEndpoints
{
    public const string Path = "/v2/tokens";

    private const int MaxAddressFields = 12;
    private const int MaxAddressValueLength = 200;

    public static void MapTapTokens(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup(Path).WithTags("tap").AddEndpointFilter<TapAuthentication>();

        group.MapPost("/", CreateAsync)
            .ReadsBody()
            .RequireRights(VaultRights.TokensCreate)
            .WithName("tap_token_create")
            .WithSummary("Create a single-use card token (Authorization: Bearer <API key>)")
            .WithDescription("Body: card {number, exp_month, exp_year, cvc, name, address{…}} and client_ip. number and cvc may be JSON strings or numbers. " +
                "The token expires after Strongroom:Vault:SingleUseTokenTtl (5 min) and is used up by the first PCI token created from it.")
            .Accepts<TapTokenCreateRequest>("application/json")
            .Produces<TapToken>(200)
            .Produces<TapErrors>(400)
            .Produces<TapErrors>(401);
        group.MapGet("/{id}", GetAsync)
            .RequireRights(VaultRights.TokensRead)
            .WithName("tap_token_get")
            .WithSummary("Get a single-use token (used or not) until it expires")
            .Produces<TapToken>(200)
            .Produces<TapErrors>(404);
    }

    private static async Task<JsonResponse> CreateAsync(HttpContext http, RawBody body, Caller caller, SingleUseTokenService tokens, TimeProvider time, CardRulesService cardRules)
    {
        var errors = new List<TapError>();
        (CardInput? input, IReadOnlyDictionary<string, string>? address, string? clientIp) = Read(body.Bytes, errors);
        ValidCard? card = null;
        if (input is not null)
        {
            var cardErrors = new List<CardFieldError>();
            card = await cardRules.ValidateAsync(caller.TenantId, input, time.GetUtcNow(), cardErrors, http.RequestAborted);
            foreach (CardFieldError error in cardErrors)
            {
                string code = CodeOf(error.Field);
                if (!errors.Exists(e => e.Code == code))
                {
                    errors.Add(new TapError(code, error.Message));
                }
            }
        }

        if (card is null || errors.Count > 0)
        {
            return TapResponses.Errors(400, errors.Count > 0 ? errors : [new TapError(TapErrorCodes.InvalidRequest, "Invalid request.")]);
        }

        SingleUseToken token = await tokens.CreateAsync(caller.TenantId, card, address, clientIp, http.RequestAborted);
        return TapResponses.Token(token);
    }

    private static async Task<JsonResponse> GetAsync(HttpContext http, Caller caller, string id, SingleUseTokenService tokens)
    {
        SingleUseToken? token = id.StartsWith("tok_", StringComparison.Ordinal) && id.Length <= 64 ? await tokens.GetAsync(caller.TenantId, id, http.RequestAborted) : null;
        return token is null ? TapResponses.NotFound() : TapResponses.Token(token);
    }

    /// <summary>Reads the request; numbers are accepted as JSON strings or integers (the seed sends both kinds).</summary>
    private static (CardInput? Card, IReadOnlyDictionary<string, string>? Address, string? ClientIp) Read(byte[] body, List<TapError> errors)
    {
        JsonDocument? document = RequestJson.Parse(body, 16, out RequestJsonError error);
        if (document is null)
        {
            errors.Add(new(TapErrorCodes.InvalidRequest, error == RequestJsonError.NotUnicode ? "The request body must be UTF-8 text without lone surrogates." : "The request body must be valid JSON."));
            return (null, null, null);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(TapErrorCodes.InvalidRequest, "The request body must be a JSON object."));
                return (null, null, null);
            }

            string? clientIp = null;
            if (root.TryGetProperty("client_ip", out JsonElement ip) && ip.ValueKind != JsonValueKind.Null)
            {
                if (ip.ValueKind != JsonValueKind.String || !IPAddress.TryParse(ip.GetString(), out _))
                {
                    errors.Add(new(TapErrorCodes.ClientIp, "client_ip must be an IPv4 or IPv6 address."));
                }
                else
                {
                    clientIp = ip.GetString();
                }
            }

            if (!root.TryGetProperty("card", out JsonElement card) || card.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new(TapErrorCodes.CardRequired, "card is required and must be an object."));
                return (null, null, clientIp);
            }

            var input = new CardInput
            {
                AccountNumber = Digits(card, "number", TapErrorCodes.CardNumber, "card.number", errors),
                ExpiryMonth = Integer(card, "exp_month", TapErrorCodes.ExpiryMonth, errors),
                ExpiryYear = Year(Integer(card, "exp_year", TapErrorCodes.ExpiryYear, errors)),
                SecurityCode = Digits(card, "cvc", TapErrorCodes.Cvc, "card.cvc", errors, required: false),
                CardholderName = Text(card, "name", TapErrorCodes.Name, errors),
            };
            return (input, Address(card, errors), clientIp);
        }
    }

    /// <summary>A digit string given as a JSON string or a JSON integer (never echoed back in an error).</summary>
    private static string? Digits(JsonElement parent, string name, string code, string label, List<TapError> errors, bool required = true)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new(code, $"{label} is required."));
            }

            return null;
        }

        string? text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number when value.GetRawText().All(char.IsAsciiDigit) => value.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            errors.Add(new(code, $"{label} must be a string or an integer."));
        }

        return text;
    }

    private static int? Integer(JsonElement parent, string name, string code, List<TapError> errors)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new(code, $"card.{name} is required."));
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
        {
            return parsed;
        }

        errors.Add(new(code, $"card.{name} must be an integer."));
        return null;
    }

    /// <summary>Tap takes two-digit years (39 = 2039) as well as four-digit ones.</summary>
    private static int? Year(int? year) => year is >= 0 and < 100 ? 2000 + year : year;

    private static string? Text(JsonElement parent, string name, string code, List<TapError> errors)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(code, $"card.{name} must be a string."));
            return null;
        }

        return value.GetString();
    }

    /// <summary>The optional billing address: string fields only, kept in the order given, sealed at rest.</summary>
    private static Dictionary<string, string>? Address(JsonElement card, List<TapError> errors)
    {
        if (!card.TryGetProperty("address", out JsonElement address) || address.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (address.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(TapErrorCodes.Address, "card.address must be an object."));
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in address.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String || property.Name.Length > 40 || property.Value.GetString()!.Length > MaxAddressValueLength
                || PanDetector.ContainsPan(property.Name) || PanDetector.ContainsPan(property.Value.GetString()!))
            {
                errors.Add(new(TapErrorCodes.Address, $"card.address fields must be strings of at most {MaxAddressValueLength} characters, without card numbers."));
                return null;
            }

            fields[property.Name] = property.Value.GetString()!;
        }

        if (fields.Count > MaxAddressFields)
        {
            errors.Add(new(TapErrorCodes.Address, $"card.address has at most {MaxAddressFields} fields."));
            return null;
        }

        return fields;
    }

    private static string CodeOf(CardField field) => field switch
    {
        CardField.AccountNumber => TapErrorCodes.CardNumber,
        CardField.ExpiryMonth => TapErrorCodes.ExpiryMonth,
        CardField.ExpiryYear => TapErrorCodes.ExpiryYear,
        CardField.SecurityCode => TapErrorCodes.Cvc,
        _ => TapErrorCodes.Name,
    };
}
