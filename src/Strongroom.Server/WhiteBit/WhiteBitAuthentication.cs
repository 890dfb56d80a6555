using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Strongroom.Adapters.Redis;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.WhiteBit;

/// <summary>What a verified WhiteBIT request carries to its handler.</summary>
internal sealed record WhiteBitRequest(Principal Principal, Tenant Tenant, JsonElement Body);

/// <summary>
/// Verifies WhiteBIT v4 signed requests: <c>X-TXC-APIKEY</c>, <c>X-TXC-PAYLOAD</c> = base64 of the exact
/// body, <c>X-TXC-SIGNATURE</c> = hex(HMAC-SHA512(key = API secret, message = the base64 payload)). The
/// body must name the request path and carry a nonce greater than the key's previous one, or, with
/// <c>nonceWindow: true</c>, a Unix-ms timestamp within ±5 s that has not been seen before.
/// </summary>
internal sealed class WhiteBitAuthentication(SigningKeyService signingKeys, TenantService tenants, NonceWindowCache nonceWindow, KeyRateLimiter rateLimiter, TimeProvider time) : IEndpointFilter
{
    public const string ApiKeyHeader = "X-TXC-APIKEY";
    public const string PayloadHeader = "X-TXC-PAYLOAD";
    public const string SignatureHeader = "X-TXC-SIGNATURE";
    public const long NonceWindowMilliseconds = 5_000;

    private static readonly object RequestKey = new();

    public static WhiteBitRequest GetRequest(HttpContext context) =>
        context.Items[RequestKey] as WhiteBitRequest ?? throw new InvalidOperationException("Endpoint is not behind WhiteBitAuthentication.");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        CancellationToken cancellationToken = http.RequestAborted;
        byte[]? body = await RequestBody.ReadAsync(http.Request, cancellationToken);
        if (body is null)
        {
            return WhiteBitResponses.PayloadTooLarge();
        }

        string? publicKey = http.Request.Headers[ApiKeyHeader];
        string? payload = http.Request.Headers[PayloadHeader];
        string? signature = http.Request.Headers[SignatureHeader];
        if (string.IsNullOrEmpty(payload))
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.PayloadNotProvided);
        }

        if (string.IsNullOrEmpty(publicKey) || string.IsNullOrEmpty(signature)
            || await signingKeys.ResolveAsync(publicKey, cancellationToken) is not { } resolved)
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.UnauthorizedRequest);
        }

        (SigningKeyRecord key, byte[] secret) = resolved;

        // Counted per key before the signature is checked, so a flood of forged requests is limited too.
        RateLimitDecision limit;
        try
        {
            limit = await rateLimiter.TryAcquireAsync("signing-key:" + key.Id);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(secret);
            throw;
        }

        if (!limit.Acquired)
        {
            CryptographicOperations.ZeroMemory(secret);
            return WhiteBitResponses.RateLimited(limit.RetryAfterSeconds);
        }

        try
        {
            if (!SignatureMatches(secret, payload, signature))
            {
                return WhiteBitResponses.Unauthorized(WhiteBitResponses.UnauthorizedRequest);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        if (!PayloadMatchesBody(payload, body))
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.InvalidPayload);
        }

        JsonElement root;
        using (JsonDocument? document = RequestJson.Parse(body, 16, out RequestJsonError error))
        {
            // Signed but not Unicode text is a bad request, not a bad signature.
            if (error == RequestJsonError.NotUnicode)
            {
                return WhiteBitResponses.Validation("request", "The request body must be UTF-8 text without lone surrogates.");
            }

            if (document is null)
            {
                return WhiteBitResponses.Unauthorized(WhiteBitResponses.InvalidPayload);
            }

            root = document.RootElement.Clone();
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.InvalidPayload);
        }

        if (!root.TryGetProperty("request", out JsonElement request) || request.ValueKind != JsonValueKind.String
            || !string.Equals(request.GetString(), http.Request.Path.Value, StringComparison.Ordinal))
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.RequestPathMismatch);
        }

        if (!TryReadNonce(root, out long nonce))
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.NonceNotProvided);
        }

        bool windowed = root.TryGetProperty("nonceWindow", out JsonElement window) && window.ValueKind == JsonValueKind.True;
        if (windowed && Math.Abs(nonce - time.GetUtcNow().ToUnixTimeMilliseconds()) > NonceWindowMilliseconds)
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.NonceOutsideWindow);
        }

        if (!key.IsEnabled)
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.KeyDisabled);
        }

        // An authenticated request consumes its nonce (and counts as activity) even if it is then
        // refused for lack of permission: a signed request is never accepted twice.
        bool fresh = windowed
            ? await nonceWindow.TryRecordAsync(key.Id, nonce, time.GetUtcNow()) && await signingKeys.TryUseAsync(key.Id, nonce, requireIncrease: false, cancellationToken)
            : await signingKeys.TryUseAsync(key.Id, nonce, requireIncrease: true, cancellationToken);
        if (!fresh)
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.TooManyRequests);
        }

        if (key.RestrictAccess && !key.AccessEndpoints.Any(e => string.Equals(e.Name, http.Request.Path.Value, StringComparison.Ordinal)))
        {
            return WhiteBitResponses.Forbidden();
        }

        if (await tenants.GetAsync(key.TenantId, cancellationToken) is not { } tenant)
        {
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.UnauthorizedRequest);
        }

        var principal = new Principal(PrincipalKind.ApiKey, tenant.Id, key.Id.ToString(), SigningKeyService.RightsFor(key.Type, tenant));
        RequiredRights? required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredRights>();
        if (required is not null && !principal.Has(required.Rights))
        {
            return WhiteBitResponses.Forbidden();
        }

        http.Items[RequestKey] = new WhiteBitRequest(principal, tenant, root);
        try
        {
            return await next(context);
        }
        catch (CardNumberInFreeTextException refused)
        {
            // The core's last check (FreeText.Require) caught a field the endpoint did not: still a validation error, not a 500.
            return WhiteBitResponses.Validation(refused.Field, SubAccountEndpoints.CardNumberMessage(refused.Field));
        }
    }

    internal static bool SignatureMatches(byte[] secret, string payload, string signature)
    {
        if (signature.Length != HMACSHA512.HashSizeInBytes * 2)
        {
            return false;
        }

        // The payload's bytes on the stack when small (every signed request in practice), so the check allocates nothing.
        const int MaxStackPayload = 2048;
        int payloadBytes = Encoding.ASCII.GetByteCount(payload);
        Span<byte> message = payloadBytes <= MaxStackPayload ? stackalloc byte[MaxStackPayload] : new byte[payloadBytes];
        message = message[..Encoding.ASCII.GetBytes(payload, message)];
        Span<byte> expected = stackalloc byte[HMACSHA512.HashSizeInBytes];
        HMACSHA512.HashData(secret, message, expected);
        Span<byte> presented = stackalloc byte[HMACSHA512.HashSizeInBytes];
        return Convert.FromHexString(signature, presented, out _, out int written) == System.Buffers.OperationStatus.Done
            && written == presented.Length
            && CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    private static bool PayloadMatchesBody(string payload, byte[] body)
    {
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(payload);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(decoded, body);
    }

    private static bool TryReadNonce(JsonElement root, out long nonce)
    {
        nonce = 0;
        if (!root.TryGetProperty("nonce", out JsonElement value))
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out nonce) && nonce > 0,
            JsonValueKind.String => long.TryParse(value.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out nonce) && nonce > 0,
            _ => false,
        };
    }
}

/// <summary>
/// Remembers nonces used in <c>nonceWindow</c> mode for twice the window, so a captured request cannot be
/// replayed while its timestamp is still acceptable. Process-local by default; with <c>Strongroom:Redis</c> the record is a
/// <c>SET NX PX</c> in the shared Redis, so a request replayed to another node is refused too, and a Redis failure throws
/// <see cref="SharedStateUnavailableException"/> (fail closed: the request is refused with 503).
/// </summary>
internal sealed class NonceWindowCache(RedisConnection? redis = null)
{
    private readonly ConcurrentDictionary<(Guid KeyId, long Nonce), DateTimeOffset> _seen = new();

    public async ValueTask<bool> TryRecordAsync(Guid keyId, long nonce, DateTimeOffset now)
    {
        if (redis is not null)
        {
            StackExchange.Redis.RedisKey key = redis.Key("nonce:" + keyId.ToString("N") + ":" + nonce.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return await redis.RunAsync(db => db.StringSetAsync(key, 1, TimeSpan.FromMilliseconds(WhiteBitAuthentication.NonceWindowMilliseconds * 2), StackExchange.Redis.When.NotExists));
        }

        if (_seen.Count > 10_000)
        {
            foreach (KeyValuePair<(Guid KeyId, long Nonce), DateTimeOffset> entry in _seen)
            {
                if (entry.Value <= now)
                {
                    _seen.TryRemove(entry);
                }
            }
        }

        return _seen.TryAdd((keyId, nonce), now.AddMilliseconds(WhiteBitAuthentication.NonceWindowMilliseconds * 2));
    }
}
