namespace Strongroom.LoadGen;

/// <summary>
/// Random Luhn-valid card numbers on the test BIN 411111 (never real cards), so every tokenization stores a fresh card
/// instead of hitting a fingerprint the store has seen.
/// </summary>
internal static class TestCards
{
    public static string Pan()
    {
        Span<char> digits = stackalloc char[16];
        "411111".AsSpan().CopyTo(digits);
        for (int i = 6; i < 15; i++)
        {
            digits[i] = (char)('0' + Random.Shared.Next(10));
        }

        // Luhn: double every second digit from the right, starting with the one left of the check digit.
        int sum = 0;
        for (int i = 14; i >= 0; i--)
        {
            int value = digits[i] - '0';
            if ((14 - i) % 2 == 0)
            {
                value *= 2;
                if (value > 9)
                {
                    value -= 9;
                }
            }

            sum += value;
        }

        digits[15] = (char)('0' + ((10 - (sum % 10)) % 10));
        return new string(digits);
    }
}
