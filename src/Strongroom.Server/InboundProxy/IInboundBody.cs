using Strongroom.Core.Cards;
using Strongroom.Core.InboundRoutes;

namespace Strongroom.Server.InboundProxy;

/// <summary>One reason a proxied request was refused: where (the route's JSON path or form name, or <c>$</c>) and why; never a value.</summary>
internal readonly record struct InboundFieldError(string Path, string Message);

/// <summary>
/// A matched request's body, parsed: the card as read from the route's fields, whether any other part of it carries a card
/// number, and the body to send on with the card number replaced and the security code taken out.
/// </summary>
internal interface IInboundBody
{
    /// <summary>The card fields as read (not validated yet).</summary>
    CardInput Card { get; }

    /// <summary>True when a field other than the card number holds a card number (in any member name or value).</summary>
    bool OtherPartsCarryPan { get; }

    /// <summary>The body for the upstream: <paramref name="replacement"/> where the card number was, no security code.</summary>
    byte[] Render(string replacement);
}

/// <summary>Parses a matched request's body by the route's content type.</summary>
internal static class InboundBody
{
    public static IInboundBody? Parse(InboundRouteRules rules, byte[] body, List<InboundFieldError> errors) => rules.ContentType == InboundContentType.Json
        ? JsonInboundBody.Parse(rules.Fields, body, errors)
        : FormInboundBody.Parse(rules.Fields, body, errors);

    /// <summary>
    /// The card number as typed into an ordinary form or app field: spaces and dashes between the digits dropped (the core's
    /// rule is digits only). Anything else stays, for the core to refuse.
    /// </summary>
    public static string? NormalizeNumber(string? number) =>
        number is null ? null : string.Concat(number.Where(c => c is not ' ' and not '-'));

    /// <summary>An expiry month or year as sent (a string or a JSON number); a two-digit year is in this century.</summary>
    public static int? ReadExpiryPart(string? text, bool year, string path, List<InboundFieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        string trimmed = text.Trim();
        if (trimmed.Length is 0 or > 4 || !trimmed.All(char.IsAsciiDigit))
        {
            errors.Add(new(path, year ? "Must be a 2- or 4-digit year." : "Must be a month number."));
            return null;
        }

        int value = int.Parse(trimmed, System.Globalization.CultureInfo.InvariantCulture);
        return year && trimmed.Length == 2 ? 2000 + value : value;
    }
}
