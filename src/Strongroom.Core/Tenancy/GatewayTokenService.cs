using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

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
/// <para>
/// Tokens are written and checked by <see cref="JsonWebTokenHandler"/>: the algorithm is pinned to RS256 (no <c>none</c>, no
/// HMAC with the public key), the key is found only by the header's <c>kid</c> among this vault's keys, and issuer, audience
/// and lifetime are checked against this service's clock with a 30 s skew. Two rules the handler does not enforce are kept
/// here: a token has one spelling (<see cref="CompactJws"/>), and one issued in the future (<c>iat</c>) is refused.
/// </para>
/// </summary>
public sealed class GatewayTokenService : IDisposable
{
    public const string Issuer = "strongroom";
    public const string Audience = "fiat-gateway";

    /// <summary>Longer tokens are refused before any parsing.</summary>
    public const int MaxTokenLength = 4096;

    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly TimeProvider _time;
    private readonly IOptions<GatewayTokenOptions> _options;
    private readonly IGatewaySigningKeySource? _sharedKeys;
    private readonly TokenValidationParameters _validation;
    private readonly Lock _lock = new();
    private readonly List<GatewaySigningKey> _keys = [];

    // One SecurityKey per RSA key, so the handler's signature-provider cache is reused across tokens.
    private readonly ConditionalWeakTable<RSA, RsaSecurityKey> _securityKeys = new();

    public GatewayTokenService(TimeProvider time, IOptions<GatewayTokenOptions> options, IGatewaySigningKeySource? sharedKeys = null)
    {
        _time = time;
        _options = options;
        _sharedKeys = sharedKeys;
        _validation = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = ClockSkew,
            TryAllIssuerSigningKeys = false,
            IssuerSigningKeyResolver = (_, _, kid, _) => kid is not null && Find(kid) is { } key ? [SecurityKeyOf(key)] : [],

            // The handler reads the system clock; the vault's clock (a test's manual one) decides instead, with the same skew.
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                DateTime now = _time.GetUtcNow().UtcDateTime;
                return expires is DateTime e && e + ClockSkew > now && (notBefore is not DateTime nb || nb - ClockSkew <= now);
            },
        };
    }

    /// <summary>Issues a token for a signing key of <paramref name="tenantId"/>.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(Guid tenantId, Guid signingKeyId)
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset expiresAt = now + _options.Value.TokenLifetime;
        GatewaySigningKey key = _sharedKeys?.Current(now) ?? CurrentKey(now);
        string token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "JWT",
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            Expires = expiresAt.UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = signingKeyId.ToString(),
                ["tid"] = tenantId.ToString(),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(SecurityKeyOf(key), SecurityAlgorithms.RsaSha256),
        });
        return (token, DateTimeOffset.FromUnixTimeSeconds(expiresAt.ToUnixTimeSeconds()));
    }

    /// <summary>
    /// The claims of a valid token; null for anything malformed, forged, expired or signed by an unknown key. A shared key
    /// source that cannot be read throws (the server answers 503), as before.
    /// </summary>
    public async Task<GatewayTokenClaims?> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !CompactJws.IsCanonical(token))
        {
            return null;
        }

        JsonWebToken parsed;
        try
        {
            parsed = Handler.ReadJsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            // Not a JWS the handler can read (its malformed-token exceptions are ArgumentExceptions).
            return null;
        }

        // Looked up here first so an unreachable shared key store surfaces as its own error, not as an invalid token.
        if (string.IsNullOrEmpty(parsed.Kid) || Find(parsed.Kid) is null)
        {
            return null;
        }

        TokenValidationResult result = await Handler.ValidateTokenAsync(parsed, _validation);
        if (!result.IsValid
            || !parsed.TryGetPayloadValue("iat", out long issuedAt) || !parsed.TryGetPayloadValue("exp", out long expires)
            || DateTimeOffset.FromUnixTimeSeconds(issuedAt) - ClockSkew > _time.GetUtcNow()
            || !parsed.TryGetPayloadValue("tid", out string? tenant) || !Guid.TryParse(tenant, out Guid tenantId)
            || !parsed.TryGetPayloadValue("sub", out string? subject) || !Guid.TryParse(subject, out Guid signingKeyId)
            || !parsed.TryGetPayloadValue("jti", out string? tokenId) || string.IsNullOrEmpty(tokenId))
        {
            return null;
        }

        return new GatewayTokenClaims(tenantId, signingKeyId, tokenId, DateTimeOffset.FromUnixTimeSeconds(expires));
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

    private GatewaySigningKey? Find(string id) => _sharedKeys is null ? FindKey(id) : _sharedKeys.Find(id);

    private RsaSecurityKey SecurityKeyOf(GatewaySigningKey key) =>
        _securityKeys.GetValue(key.Rsa, rsa => new RsaSecurityKey(rsa) { KeyId = key.Id });

    private GatewaySigningKey CurrentKey(DateTimeOffset now)
    {
        lock (_lock)
        {
            // Drop keys whose every token has expired; rotate when the newest is past its turn.
            _keys.RemoveAll(k =>
            {
                bool retired = k.CreatedAt + _options.Value.KeyRotation + _options.Value.TokenLifetime + ClockSkew < now;
                if (retired)
                {
                    k.Rsa.Dispose();
                }

                return retired;
            });
            if (_keys.Count == 0 || _keys[^1].CreatedAt + _options.Value.KeyRotation <= now)
            {
                _keys.Add(new GatewaySigningKey(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), RSA.Create(2048), now));
            }

            return _keys[^1];
        }
    }

    private GatewaySigningKey? FindKey(string id)
    {
        lock (_lock)
        {
            return _keys.Find(k => k.Id == id);
        }
    }

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
