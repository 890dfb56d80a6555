using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Strongroom.Core.Tenancy;

/// <summary>Lifetimes of fiat-gateway JWTs and of the keys that sign them (section <c>Strongroom:Jwt</c>).</summary>
public sealed class GatewayTokenOptions
{
    public const string Section = "Strongroom:Jwt";

    /// <summary>How long an issued token is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one signing key issues tokens before a new one takes over.</summary>
    public TimeSpan KeyRotation { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>An RS256 key that signs gateway tokens, identified by its <c>kid</c>.</summary>
public sealed record GatewaySigningKey(string Id, RSA Rsa, DateTimeOffset CreatedAt);

/// <summary>
/// Where gateway signing keys live when they are shared by several nodes (the server's Redis implementation). Without one,
/// <see cref="GatewayTokenService"/> keeps its keys in process memory.
/// </summary>
public interface IGatewaySigningKeySource
{
    /// <summary>The key that signs new tokens now, creating (and sharing) one when none is current.</summary>
    GatewaySigningKey Current(DateTimeOffset now);

    /// <summary>The key with id <paramref name="id"/> if it still verifies tokens, else null.</summary>
    GatewaySigningKey? Find(string id);
}

/// <summary>The verified claims of a gateway token.</summary>
public sealed record GatewayTokenClaims(Guid TenantId, Guid SigningKeyId, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues and verifies the short-lived JWTs (RS256, as WhiteBIT's examples) that authenticate the fiat
/// gateway (<c>POST /api/card-token</c>). Signing keys are RSA-2048, generated in memory and rotated on
/// <see cref="GatewayTokenOptions.KeyRotation"/>; a retired key keeps verifying until every token it
/// signed has expired. By default keys never leave the process: a restart (or another node) invalidates tokens,
/// and clients simply issue a new one. With an <see cref="IGatewaySigningKeySource"/> (the server registers one on Redis)
/// the keys are shared by every node, so a token issued by one node is accepted by all.
/// </summary>
public sealed class GatewayTokenService(TimeProvider time, IOptions<GatewayTokenOptions> options, IGatewaySigningKeySource? sharedKeys = null) : IDisposable
{
    public const string Issuer = "strongroom";
    public const string Audience = "fiat-gateway";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private readonly List<GatewaySigningKey> _keys = [];

    /// <summary>Issues a token for a signing key of <paramref name="tenantId"/>.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid tenantId, Guid signingKeyId)
    {
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expiresAt = now + options.Value.TokenLifetime;
        GatewaySigningKey key = sharedKeys?.Current(now) ?? CurrentKey(now);

        string header = Encode(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = key.Id }));
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = signingKeyId.ToString(),
            ["tid"] = tenantId.ToString(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
        };
        string payload = Encode(JsonSerializer.SerializeToUtf8Bytes(claims));
        string signingInput = header + "." + payload;
        byte[] signature = key.Rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return (signingInput + "." + Encode(signature), DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()));
    }

    /// <summary>The claims of a valid token; null for anything malformed, forged, expired or signed by an unknown key.</summary>
    public GatewayTokenClaims? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        string[] parts = token.Split('.');
        if (parts.Length != 3 || !JwsSegment.TryDecode(parts[0], out byte[] headerBytes) || !JwsSegment.TryDecode(parts[1], out byte[] payloadBytes)
            || !JwsSegment.TryDecode(parts[2], out byte[] signatureBytes))
        {
            return null;
        }

        try
        {
            using JsonDocument header = JsonDocument.Parse(headerBytes);
            if (!header.RootElement.TryGetProperty("alg", out JsonElement alg) || alg.GetString() != "RS256"
                || !header.RootElement.TryGetProperty("kid", out JsonElement kid) || kid.ValueKind != JsonValueKind.String
                || (sharedKeys is null ? FindKey(kid.GetString()) : sharedKeys.Find(kid.GetString()!)) is not { } key)
            {
                return null;
            }

            if (!key.Rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signatureBytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return null;
            }

            using JsonDocument payload = JsonDocument.Parse(payloadBytes);
            JsonElement claims = payload.RootElement;
            DateTimeOffset expiresAt = DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64());
            DateTimeOffset now = time.GetUtcNow();
            if (claims.GetProperty("iss").GetString() != Issuer || claims.GetProperty("aud").GetString() != Audience || expiresAt + ClockSkew <= now
                || DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("iat").GetInt64()) - ClockSkew > now)
            {
                return null;
            }

            return new GatewayTokenClaims(
                Guid.Parse(claims.GetProperty("tid").GetString()!),
                Guid.Parse(claims.GetProperty("sub").GetString()!),
                claims.GetProperty("jti").GetString()!,
                expiresAt);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (GatewaySigningKey key in _keys)
            {
                key.Rsa.Dispose();
            }

            _keys.Clear();
        }
    }

    private GatewaySigningKey CurrentKey(DateTimeOffset now)
    {
        lock (_lock)
        {
            // Drop keys whose every token has expired; rotate when the newest is past its turn.
            _keys.RemoveAll(k =>
            {
                bool retired = k.CreatedAt + options.Value.KeyRotation + options.Value.TokenLifetime + ClockSkew < now;
                if (retired)
                {
                    k.Rsa.Dispose();
                }

                return retired;
            });
            if (_keys.Count == 0 || _keys[^1].CreatedAt + options.Value.KeyRotation <= now)
            {
                _keys.Add(new GatewaySigningKey(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), RSA.Create(2048), now));
            }

            return _keys[^1];
        }
    }

    private GatewaySigningKey? FindKey(string? id)
    {
        lock (_lock)
        {
            return _keys.Find(k => k.Id == id);
        }
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>Number of keys currently held (tests observe rotation through it).</summary>
    internal int KeyCount
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }
}
