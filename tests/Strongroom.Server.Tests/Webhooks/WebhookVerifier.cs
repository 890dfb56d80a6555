using System.Security.Cryptography;
using System.Text;

namespace Strongroom.Server.Tests.Webhooks;

// The receiver-side verification recipe of docs/webhooks.md, verbatim: the tests prove the documented snippet works.
public static class WebhookVerifier
{
    public static bool Verify(string signatureHeader, byte[] body, string secret, TimeSpan tolerance, DateTimeOffset now)
    {
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (string part in signatureHeader.Split(','))
        {
            string[] kv = part.Split('=', 2);
            if (kv.Length != 2) continue;
            if (kv[0] == "t" && long.TryParse(kv[1], out long t)) timestamp = t;
            else if (kv[0] == "v1") signatures.Add(kv[1]);
        }

        if (timestamp is null || Math.Abs(now.ToUnixTimeSeconds() - timestamp.Value) > tolerance.TotalSeconds) return false;

        byte[] signedPayload = [.. Encoding.ASCII.GetBytes(timestamp.Value + "."), .. body];
        byte[] expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signedPayload);
        foreach (string signature in signatures)
        {
            byte[] given;
            try { given = Convert.FromHexString(signature); } catch (FormatException) { continue; }
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return true;
        }

        return false;
    }
}
