using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Strongroom.Client.Webhooks;

/// <summary>
/// Verifies <c>Strongroom-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;]</c>: each <c>v1</c> is
/// HMAC-SHA256 over <c>"&lt;t&gt;."</c> followed by the raw body bytes, keyed with the secret's UTF-8 bytes (prefix
/// included). A delivery is valid when its timestamp is within the tolerance and any <c>v1</c> matches any configured
/// secret, so both sides of a secret rotation verify. Comparisons are constant-time and every pair is compared.
/// </summary>
public sealed class WebhookSignatureVerifier
{
    /// <summary>The header the vault signs deliveries in.</summary>
    public const string SignatureHeader = "Strongroom-Signature";

    /// <summary>Five minutes, as the vault's documentation recommends.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly byte[][] _secrets;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public WebhookSignatureVerifier(IEnumerable<string> secrets, TimeSpan? tolerance = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = [.. secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => Encoding.UTF8.GetBytes(s))];
        if (_secrets.Length == 0)
        {
            throw new ArgumentException("At least one webhook secret is required.", nameof(secrets));
        }

        _tolerance = tolerance ?? DefaultTolerance;
        ArgumentOutOfRangeException.ThrowIfLessThan(_tolerance, TimeSpan.Zero, nameof(tolerance));
        _time = time ?? TimeProvider.System;
    }

    public WebhookSignatureVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? time = null)
        : this([secret], tolerance, time)
    {
    }

    /// <summary>Checks a delivery: the header as received and the raw body bytes, before any JSON parsing.</summary>
    public WebhookVerificationResult Verify(string? signatureHeader, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return WebhookVerificationResult.MissingSignature;
        }

        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (string part in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            ReadOnlySpan<char> key = part.AsSpan(0, equals);
            ReadOnlySpan<char> value = part.AsSpan(equals + 1);
            if (key.SequenceEqual("t") && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long t))
            {
                timestamp = t;
            }
            else if (key.SequenceEqual("v1") && value.Length == HMACSHA256.HashSizeInBytes * 2 && TryHex(value, out byte[] mac))
            {
                signatures.Add(mac);
            }
        }

        if (timestamp is not long signedAt || signatures.Count == 0)
        {
            return WebhookVerificationResult.MalformedSignature;
        }

        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Math.Abs((double)now - signedAt) > _tolerance.TotalSeconds)
        {
            return WebhookVerificationResult.TimestampOutsideTolerance;
        }

        byte[] prefix = Encoding.ASCII.GetBytes(signedAt.ToString(CultureInfo.InvariantCulture) + ".");
        bool matched = false;
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (byte[] secret in _secrets)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
            hmac.AppendData(prefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(expected);
            foreach (byte[] signature in signatures)
            {
                // No early exit: every pair is compared, so the time taken says nothing about which one matched.
                matched |= CryptographicOperations.FixedTimeEquals(expected, signature);
            }
        }

        return matched ? WebhookVerificationResult.Valid : WebhookVerificationResult.NoMatchingSignature;
    }

    /// <summary>True when <see cref="Verify"/> answers <see cref="WebhookVerificationResult.Valid"/>.</summary>
    public bool IsValid(string? signatureHeader, ReadOnlySpan<byte> body) => Verify(signatureHeader, body) == WebhookVerificationResult.Valid;

    /// <summary>Verifies the delivery and parses its event; throws <see cref="WebhookSignatureException"/> when it does not verify.</summary>
    public WebhookEvent VerifyAndParse(string? signatureHeader, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        WebhookVerificationResult result = Verify(signatureHeader, body);
        if (result != WebhookVerificationResult.Valid)
        {
            throw new WebhookSignatureException(result);
        }

        return JsonSerializer.Deserialize(body, WebhookJsonContext.Default.WebhookEvent)
            ?? throw new WebhookSignatureException("The verified delivery's body is not an event.");
    }

    private static bool TryHex(ReadOnlySpan<char> hex, out byte[] bytes)
    {
        bytes = new byte[hex.Length / 2];
        return Convert.FromHexString(hex, bytes, out _, out int written) == System.Buffers.OperationStatus.Done && written == bytes.Length;
    }
}
