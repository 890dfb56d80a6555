using System.Text;
using Strongroom.Core.Cards;
using Strongroom.Core.InboundRoutes;

namespace Strongroom.Server.InboundProxy;

/// <summary>
/// An <c>application/x-www-form-urlencoded</c> body: visible ASCII only, each name and value percent-decoded (<c>+</c> is a
/// space) into strict UTF-8. The card number pair is rewritten, the security code pair dropped, every other pair sent as it
/// came. A card field given twice is refused (a backend reads the first or the last; the vault must replace the one it reads).
/// </summary>
internal sealed class FormInboundBody : IInboundBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly List<(string Raw, string Name, string Value)> _pairs;
    private readonly string _accountNumberField;
    private readonly string? _securityCodeField;

    private FormInboundBody(List<(string Raw, string Name, string Value)> pairs, InboundCardFields fields, CardInput card)
    {
        _pairs = pairs;
        _accountNumberField = fields.AccountNumber;
        _securityCodeField = fields.SecurityCode;
        Card = card;
        OtherPartsCarryPan = pairs.Any(p => p.Name != _accountNumberField && p.Name != _securityCodeField
            && (PanDetector.ContainsPan(p.Name) || PanDetector.ContainsPan(p.Value)));
    }

    public CardInput Card { get; }

    public bool OtherPartsCarryPan { get; }

    public static FormInboundBody? Parse(InboundCardFields fields, byte[] body, List<InboundFieldError> errors)
    {
        foreach (byte b in body)
        {
            if (b is < 0x21 or > 0x7E)
            {
                errors.Add(new("$", "A form body must be visible ASCII (percent-encode everything else)."));
                return null;
            }
        }

        var pairs = new List<(string Raw, string Name, string Value)>();
        foreach (string raw in Encoding.ASCII.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = raw.IndexOf('=', StringComparison.Ordinal);
            string? name = Decode(equals < 0 ? raw : raw[..equals]);
            string? value = Decode(equals < 0 ? "" : raw[(equals + 1)..]);
            if (name is null || value is null)
            {
                errors.Add(new("$", "The form body has a malformed percent-encoding or is not UTF-8."));
                return null;
            }

            pairs.Add((raw, name, value));
        }

        int before = errors.Count;
        string? Read(string? field, bool required)
        {
            if (field is null)
            {
                return null;
            }

            var found = pairs.Where(p => p.Name == field).ToList();
            if (found.Count > 1)
            {
                errors.Add(new(field, "The field is given more than once."));
            }
            else if (found.Count == 0 && required)
            {
                errors.Add(new(field, "This field is required."));
            }

            return found.Count == 1 ? found[0].Value : null;
        }

        string? number = Read(fields.AccountNumber, required: true);
        string? month = Read(fields.ExpiryMonth, required: true);
        string? year = Read(fields.ExpiryYear, required: true);
        var card = new CardInput
        {
            AccountNumber = InboundBody.NormalizeNumber(number),
            ExpiryMonth = InboundBody.ReadExpiryPart(month, year: false, fields.ExpiryMonth ?? "$", errors),
            ExpiryYear = InboundBody.ReadExpiryPart(year, year: true, fields.ExpiryYear ?? "$", errors),
            SecurityCode = Read(fields.SecurityCode, required: false),
            CardholderName = Read(fields.CardholderName, required: false),
        };
        return errors.Count > before ? null : new FormInboundBody(pairs, fields, card);
    }

    public byte[] Render(string replacement)
    {
        var parts = new List<string>(_pairs.Count);
        foreach ((string raw, string name, _) in _pairs)
        {
            if (name == _securityCodeField)
            {
                continue;
            }

            parts.Add(name == _accountNumberField ? Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(replacement) : raw);
        }

        return Encoding.ASCII.GetBytes(string.Join('&', parts));
    }

    /// <summary>Percent-decoding into strict UTF-8 (<c>+</c> is a space); null when malformed.</summary>
    private static string? Decode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (int i = 0; i < encoded.Length; i++)
        {
            char c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                {
                    return null;
                }

                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add(c == '+' ? (byte)' ' : (byte)c);
            }
        }

        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
