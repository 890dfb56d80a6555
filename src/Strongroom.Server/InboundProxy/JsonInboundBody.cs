using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strongroom.Core.Cards;
using Strongroom.Core.InboundRoutes;
using Strongroom.Server.Http;

namespace Strongroom.Server.InboundProxy;

/// <summary>
/// A JSON body: checked strictly first (<see cref="RequestJson"/>: UTF-8 without lone surrogates, bounded depth), then read
/// as a mutable tree whose card number member is replaced and whose security code member is removed. A member name given
/// twice is refused: which of the two a backend reads is its parser's choice, and the vault must replace the one it reads.
/// </summary>
internal sealed class JsonInboundBody : IInboundBody
{
    private const int MaxDepth = 32;

    private readonly JsonNode _root;
    private readonly (JsonNode Parent, JsonPathStep Step) _accountNumber;
    private readonly (JsonNode Parent, JsonPathStep Step)? _securityCode;

    private JsonInboundBody(JsonNode root, CardInput card, (JsonNode, JsonPathStep) accountNumber, (JsonNode, JsonPathStep)? securityCode)
    {
        _root = root;
        Card = card;
        _accountNumber = accountNumber;
        _securityCode = securityCode;
        Clear(_accountNumber, remove: false);
        if (_securityCode is { } code)
        {
            Clear(code, remove: true);
        }

        OtherPartsCarryPan = CarriesPan(_root);
    }

    public CardInput Card { get; }

    public bool OtherPartsCarryPan { get; }

    public static JsonInboundBody? Parse(InboundCardFields fields, byte[] body, List<InboundFieldError> errors)
    {
        using (JsonDocument? strict = RequestJson.Parse(body, MaxDepth, out RequestJsonError error))
        {
            if (strict is null || strict.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                errors.Add(new("$", error == RequestJsonError.NotUnicode ? "The body must be UTF-8 text without lone surrogates." : "The body must be a JSON object or array."));
                return null;
            }
        }

        JsonNode root;
        try
        {
            root = JsonNode.Parse(body, new JsonNodeOptions { PropertyNameCaseInsensitive = false }, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false })!;
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or InvalidOperationException)
        {
            errors.Add(new("$", "The body must not name a member twice in one object."));
            return null;
        }

        int before = errors.Count;
        (JsonNode, JsonPathStep)? account = Locate(root, fields.AccountNumber, required: true, errors, out string? number);
        Locate(root, fields.ExpiryMonth, required: true, errors, out string? month);
        Locate(root, fields.ExpiryYear, required: true, errors, out string? year);
        (JsonNode, JsonPathStep)? code = Locate(root, fields.SecurityCode, required: false, errors, out string? securityCode);
        Locate(root, fields.CardholderName, required: false, errors, out string? name);
        var card = new CardInput
        {
            AccountNumber = InboundBody.NormalizeNumber(number),
            ExpiryMonth = InboundBody.ReadExpiryPart(month, year: false, fields.ExpiryMonth ?? "$", errors),
            ExpiryYear = InboundBody.ReadExpiryPart(year, year: true, fields.ExpiryYear ?? "$", errors),
            SecurityCode = securityCode,
            CardholderName = name,
        };
        return errors.Count > before ? null : new JsonInboundBody(root, card, account!.Value, code);
    }

    public byte[] Render(string replacement)
    {
        Set(_accountNumber, JsonValue.Create(replacement));
        return Encoding.UTF8.GetBytes(_root.ToJsonString());
    }

    /// <summary>The parent and last step of <paramref name="path"/>, with the value there as text (a string, or a number's digits).</summary>
    private static (JsonNode Parent, JsonPathStep Step)? Locate(JsonNode root, string? path, bool required, List<InboundFieldError> errors, out string? text)
    {
        text = null;
        if (path is null)
        {
            return null;
        }

        IReadOnlyList<JsonPathStep> steps = InboundFieldPath.ParseJson(path)!;
        JsonNode? parent = null;
        JsonNode? node = root;
        foreach (JsonPathStep step in steps)
        {
            parent = node;
            node = Child(node, step);
            if (node is null)
            {
                break;
            }
        }

        if (node is null || parent is null)
        {
            if (required)
            {
                errors.Add(new(path, "This field is required."));
            }

            return null;
        }

        if (node is not JsonValue value || value.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number))
        {
            errors.Add(new(path, "Must be a string or a number."));
            return null;
        }

        text = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        return (parent, steps[^1]);
    }

    private static JsonNode? Child(JsonNode? node, JsonPathStep step) => step.Member is { } member
        ? node is JsonObject obj && obj.TryGetPropertyValue(member, out JsonNode? child) ? child : null
        : node is JsonArray array && step.Index < array.Count ? array[step.Index] : null;

    private static void Clear((JsonNode Parent, JsonPathStep Step) at, bool remove)
    {
        if (remove && at.Parent is JsonObject obj)
        {
            obj.Remove(at.Step.Member!);
            return;
        }

        Set(at, remove ? null : JsonValue.Create(string.Empty));
    }

    private static void Set((JsonNode Parent, JsonPathStep Step) at, JsonNode? value)
    {
        if (at.Parent is JsonObject obj)
        {
            obj[at.Step.Member!] = value;
        }
        else if (at.Parent is JsonArray array)
        {
            array[at.Step.Index] = value;
        }
    }

    /// <summary>Whether a member name or a string or number value anywhere in <paramref name="node"/> holds a card number.</summary>
    private static bool CarriesPan(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Any(p => PanDetector.ContainsPan(p.Key) || CarriesPan(p.Value)),
        JsonArray array => array.Any(CarriesPan),
        JsonValue value => PanDetector.ContainsPan(value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString()),
        _ => false,
    };
}
