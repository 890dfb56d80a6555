using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Strongroom.Core.Crypto;

/// <summary>
/// Hashes high-entropy generated secrets (API keys, the admin token) for storage, in a self-describing
/// format <c>sr1$sha256$&lt;base64&gt;</c>. A slow password hash buys nothing for 256-bit random secrets;
/// the version prefix lets a later format coexist. Verification compares in constant time.
/// </summary>
internal static class SecretHasher
{
    private const string Prefix = "sr1$sha256$";

    public static string Hash(string secret)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), digest);
        return Prefix + Convert.ToBase64String(digest);
    }

    public static bool Verify(string secret, string stored)
    {
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(stored[Prefix.Length..], expected, out int written) || written != expected.Length)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), actual);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>A URL-safe random secret of <paramref name="bytes"/> bytes of entropy.</summary>
    public static string NewSecret(int bytes = 32) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));
}
