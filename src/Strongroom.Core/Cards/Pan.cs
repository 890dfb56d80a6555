using System.Diagnostics;

namespace Strongroom.Core.Cards;

/// <summary>
/// A validated primary account number: 12–19 digits, Luhn-valid, of a supported scheme.
/// The type never prints its digits: <see cref="ToString"/> and the debugger view show the masked form,
/// so a PAN cannot leak through string interpolation, logging or an exception message by accident.
/// </summary>
[DebuggerDisplay("{Masked}")]
public sealed class Pan : IEquatable<Pan>
{
    public const int MinLength = 12;
    public const int MaxLength = 19;

    private readonly string _digits;

    private Pan(string digits, CardScheme scheme)
    {
        _digits = digits;
        Scheme = scheme;
    }

    public CardScheme Scheme { get; }

    public int Length => _digits.Length;

    /// <summary>The first six digits (the BIN), which PCI DSS allows to be displayed.</summary>
    public string First6 => _digits[..6];

    /// <summary>The last four digits, which PCI DSS allows to be displayed.</summary>
    public string LastFour => _digits[^4..];

    /// <summary>First six, last four, stars between: <c>411111******1111</c>.</summary>
    public string Masked => Mask(First6, LastFour, Length);

    public static string Mask(string first6, string lastFour, int length) =>
        string.Concat(first6, new string('*', Math.Max(0, length - 10)), lastFour);

    /// <summary>Parses and validates. The error says what is wrong without repeating the input.</summary>
    public static bool TryParse(string? input, out Pan? pan, out string? error)
    {
        pan = null;
        if (string.IsNullOrEmpty(input))
        {
            error = "Card number is required.";
            return false;
        }

        foreach (char c in input)
        {
            if (!char.IsAsciiDigit(c))
            {
                error = "Card number must contain digits only, without separators.";
                return false;
            }
        }

        if (input.Length is < MinLength or > MaxLength)
        {
            error = $"Card number must be {MinLength} to {MaxLength} digits long.";
            return false;
        }

        if (!Luhn.IsValid(input))
        {
            error = "Card number is invalid (check digit mismatch).";
            return false;
        }

        CardScheme? scheme = CardSchemes.Detect(input);
        if (scheme is null)
        {
            error = "Card scheme is not supported.";
            return false;
        }

        pan = new Pan(input, scheme.Value);
        error = null;
        return true;
    }

    /// <summary>Parses a PAN known to be valid (e.g. just decrypted from the vault).</summary>
    public static Pan FromTrusted(string digits) =>
        TryParse(digits, out Pan? pan, out _) ? pan! : throw new InvalidOperationException("Stored card number failed validation.");

    /// <summary>
    /// The clear digits. Only the vault core's crypto and deliberate, audited data-out paths call this.
    /// </summary>
    public string Reveal() => _digits;

    /// <summary>Writes the digits as ASCII bytes into <paramref name="destination"/>; returns the count.</summary>
    public int CopyAsciiTo(Span<byte> destination)
    {
        for (int i = 0; i < _digits.Length; i++)
        {
            destination[i] = (byte)_digits[i];
        }

        return _digits.Length;
    }

    public override string ToString() => Masked;

    public bool Equals(Pan? other) => other is not null && string.Equals(_digits, other._digits, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is Pan other && Equals(other);

    public override int GetHashCode() => _digits.GetHashCode(StringComparison.Ordinal);
}
