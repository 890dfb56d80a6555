using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Strongroom.Core.Webhooks;

/// <summary>
/// The <c>Strongroom-Signature</c> header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>, the MAC keyed with the
/// endpoint's secret (its UTF-8 bytes, <c>whsec_</c> prefix included) over <c>"{t}." + body</c>. During a secret rotation's
/// grace period a second <c>v1</c> carries the MAC under the previous secret, so receivers can switch secrets at leisure.
/// Binding the timestamp lets receivers reject replays older than their tolerance.
/// </summary>
internal static class WebhookSignature
{
    public const string HeaderName = "Strongroom-Signature";
    public const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Header(long timestamp, ReadOnlySpan<byte> body, string secret, string? previousSecret)
    {
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        header.Append(",v1=").Append(Compute(timestamp, body, secret));
        if (previousSecret is not null)
        {
            header.Append(",v1=").Append(Compute(timestamp, body, previousSecret));
        }

        return header.ToString();
    }

    public static string Compute(long timestamp, ReadOnlySpan<byte> body, string secret)
    {
        byte[] prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }
}
