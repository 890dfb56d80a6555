using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Tokens;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>
/// Reads Guardian request bodies by hand from a <see cref="JsonDocument"/>, so every malformed or
/// mistyped field becomes a 422 with its JSON path instead of a framework error, and no error
/// message ever repeats a submitted value.
/// </summary>
internal sealed class GuardianRequestReader(List<GuardianValidationError> errors)
{
    public List<GuardianValidationError> Errors { get; } = errors;

    /// <summary>Reads the request body as a JSON object, or says why not (413, or 422 with path <c>$</c>). The caller disposes the document.</summary>
    public async Task<(JsonDocument? Document, JsonResponse? Failure)> ReadObjectAsync(HttpContext http)
    {
        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return (null, GuardianResponses.PayloadTooLarge());
        }

        JsonDocument? document = ParseObject(body);
        return document is null ? (null, GuardianResponses.Validation(Errors)) : (document, null);
    }

    /// <summary>Parses the body as a JSON object; records a path-<c>$</c> error otherwise.</summary>
    public JsonDocument? ParseObject(byte[] body)
    {
        JsonDocument? document = RequestJson.Parse(body, 16, out RequestJsonError error);
        if (document is null)
        {
            Errors.Add(new("$", error == RequestJsonError.NotUnicode ? "The request body must be UTF-8 text without lone surrogates." : "The request body must be valid JSON."));
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            Errors.Add(new("$", "The request body must be a JSON object."));
            return null;
        }

        return document;
    }

    public JsonElement? Object(JsonElement parent, string name, string path, bool required) =>
        Accept(JsonFields.Object(parent, name, out JsonElement value), path, required, "Must be an object.") ? value : null;

    public string? String(JsonElement parent, string name, string path, bool required) =>
        Accept(JsonFields.String(parent, name, out string? value), path, required, "Must be a string.") ? value : null;

    /// <summary>An integer field; a JSON number with a fraction or out of 32-bit range is an error.</summary>
    public int? Integer(JsonElement parent, string name, string path, bool required) =>
        Accept(JsonFields.Int32(parent, name, out int value), path, required, "Must be an integer.") ? value : null;

    public long? Long(JsonElement parent, string name, string path, bool required) =>
        Accept(JsonFields.Int64(parent, name, out long value), path, required, "Must be an integer.") ? value : null;

    /// <summary>The optional <c>expires_in</c> (1..2,592,000 seconds).</summary>
    public int? ExpiresIn(JsonElement root)
    {
        int before = Errors.Count;
        int? value = Integer(root, "expires_in", "$.expires_in", required: false);
        if (value is < 1 or > TokenOptions.MaxExpiresInSeconds)
        {
            Errors.Add(new("$.expires_in", $"Must be between 1 and {TokenOptions.MaxExpiresInSeconds} seconds."));
            return null;
        }

        return Errors.Count == before ? value : null;
    }

    /// <summary>The optional <c>metadata</c> object: string values only, within Guardian's limits.</summary>
    public Dictionary<string, string>? Metadata(JsonElement root)
    {
        JsonElement? element = Object(root, "metadata", "$.metadata", required: false);
        if (element is not { } metadata)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in metadata.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                Errors.Add(new(PanDetector.ContainsPan(property.Name) ? "$.metadata" : MetadataPath(property.Name), "Metadata values must be strings."));
                continue;
            }

            result[property.Name] = property.Value.GetString()!;
        }

        var metadataErrors = new List<MetadataError>();
        TokenMetadata.Validate(result, metadataErrors);
        foreach (MetadataError error in metadataErrors)
        {
            Errors.Add(new(error.Key is null ? "$.metadata" : MetadataPath(error.Key), error.Message));
        }

        return result;
    }

    /// <summary>
    /// The card of a <c>pan</c> source (or of a session completion, whose fields sit at the top level:
    /// <paramref name="prefix"/> <c>$</c>), read into the core's neutral input type.
    /// </summary>
    public CardInput Card(JsonElement source, string prefix = SourcePrefix) => new()
    {
        AccountNumber = String(source, "account_number", prefix + ".account_number", required: true),
        ExpiryMonth = Integer(source, "expiry_month", prefix + ".expiry_month", required: true),
        ExpiryYear = Integer(source, "expiry_year", prefix + ".expiry_year", required: true),
        SecurityCode = String(source, "security_code", prefix + ".security_code", required: false),
        CardholderName = String(source, "cardholder_name", prefix + ".cardholder_name", required: false),
    };

    /// <summary>Adds the core's card rule failures under Guardian's paths, skipping fields that already failed to parse.</summary>
    public void AddCardErrors(IEnumerable<CardFieldError> cardErrors, string prefix = SourcePrefix)
    {
        foreach (CardFieldError error in cardErrors)
        {
            string path = PathOf(error.Field, prefix);
            if (!Errors.Exists(e => e.Path == path))
            {
                Errors.Add(new(path, error.Message));
            }
        }
    }

    public const string SourcePrefix = "$.source";

    public static string PathOf(CardField field, string prefix = SourcePrefix) => field switch
    {
        CardField.AccountNumber => prefix + ".account_number",
        CardField.ExpiryMonth => prefix + ".expiry_month",
        CardField.ExpiryYear => prefix + ".expiry_year",
        CardField.SecurityCode => prefix + ".security_code",
        CardField.CardholderName => prefix + ".cardholder_name",
        _ => prefix,
    };

    /// <summary>True when the field is present and typed right; otherwise records the Guardian error, if any.</summary>
    private bool Accept(JsonFieldState state, string path, bool required, string wrongTypeMessage)
    {
        if (state == JsonFieldState.WrongType)
        {
            Errors.Add(new(path, wrongTypeMessage));
        }
        else if (state == JsonFieldState.Absent && required)
        {
            Errors.Add(new(path, "This field is required."));
        }

        return state == JsonFieldState.Present;
    }

    /// <summary>Dot notation for plain keys, bracket notation for anything else (JSONPath).</summary>
    private static string MetadataPath(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(key[0])
            ? "$.metadata." + key
            : "$.metadata['" + key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
}
