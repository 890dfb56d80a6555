using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Strongroom.Core.Crypto;
using Strongroom.Core.Tenancy;

namespace Strongroom.Adapters.Redis;

/// <summary>
/// Fiat-gateway JWT signing keys shared by every node through Redis: a JWT issued by one node verifies on all of them.
/// <c>jwt:current</c> names the key that signs now (it expires after <see cref="GatewayTokenOptions.KeyRotation"/>, and the
/// first node to find it gone makes the next one, <c>SET NX</c>); <c>jwt:key:&lt;kid&gt;</c> holds each RSA private key,
/// sealed under a subkey of <see cref="RedisSharedKey"/>, until every token it signed has expired.
/// Value layout of a key: 16 ASCII hex characters (shared key id), created-at (Unix ms, big-endian int64), envelope of PKCS#8.
/// </summary>
internal sealed class RedisGatewaySigningKeys(RedisConnection redis, RedisSharedKey sharedKey, IOptions<GatewayTokenOptions> options) : IGatewaySigningKeySource, IDisposable
{
    public const string Purpose = "jwt";
    private const int IdLength = 16;
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CurrentRefresh = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, GatewaySigningKey> _known = new(StringComparer.Ordinal);
    private (GatewaySigningKey Key, DateTimeOffset CheckedAt)? _current;

    private TimeSpan KeyLifetime => options.Value.KeyRotation + options.Value.TokenLifetime + ClockSkew + TimeSpan.FromMinutes(1);

    public GatewaySigningKey Current(DateTimeOffset now)
    {
        if (_current is { } current && now - current.CheckedAt < CurrentRefresh && current.Key.CreatedAt + options.Value.KeyRotation > now)
        {
            return current.Key;
        }

        for (int attempt = 0; attempt < 3; attempt++)
        {
            RedisValue kid = redis.Run(db => db.StringGet(redis.Key("jwt:current")));
            if (!kid.IsNull && Find(kid!) is { } existing)
            {
                _current = (existing, now);
                return existing;
            }

            GatewaySigningKey created = Create(now);
            bool won = redis.Run(db => db.StringSet(redis.Key("jwt:current"), created.Id, options.Value.KeyRotation, kid.IsNull ? When.NotExists : When.Always));
            if (won)
            {
                _current = (created, now);
                return created;
            }
        }

        throw new SharedStateUnavailableException("No shared JWT signing key could be agreed on.");
    }

    public GatewaySigningKey? Find(string id)
    {
        if (id.Length != IdLength || !id.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        if (_known.TryGetValue(id, out GatewaySigningKey? known))
        {
            return known;
        }

        byte[]? value = redis.Run(db => (byte[]?)db.StringGet(redis.Key("jwt:key:" + id)));
        if (value is null || value.Length <= IdLength + 8 + Envelope.Overhead)
        {
            return null;
        }

        byte[]? key = sharedKey.ForId(Encoding.ASCII.GetString(value, 0, IdLength), Purpose);
        if (key is null)
        {
            return null;
        }

        byte[]? pkcs8 = null;
        try
        {
            pkcs8 = Envelope.Open(key, value.AsSpan(IdLength + 8), Context(id));
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            var loaded = new GatewaySigningKey(id, rsa, DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(IdLength, 8))));
            Prune();
            return _known.GetOrAdd(id, loaded);
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
            }
        }
    }

    public void Dispose()
    {
        foreach (GatewaySigningKey key in _known.Values)
        {
            key.Rsa.Dispose();
        }

        _known.Clear();
    }

    private static byte[] Context(string kid) => Encoding.ASCII.GetBytes("strongroom/jwt-key/" + kid);

    private GatewaySigningKey Create(DateTimeOffset now)
    {
        string kid = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var rsa = RSA.Create(2048);
        (string sharedId, byte[] key) = sharedKey.Current(Purpose);
        byte[] pkcs8 = rsa.ExportPkcs8PrivateKey();
        try
        {
            byte[] value = new byte[IdLength + 8 + Envelope.SealedSize(pkcs8.Length)];
            Encoding.ASCII.GetBytes(sharedId, value.AsSpan(0, IdLength));
            BinaryPrimitives.WriteInt64BigEndian(value.AsSpan(IdLength, 8), now.ToUnixTimeMilliseconds());
            Envelope.Seal(key, 1, pkcs8, Context(kid), value.AsSpan(IdLength + 8));
            redis.Run(db => db.StringSet(redis.Key("jwt:key:" + kid), value, KeyLifetime));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
            CryptographicOperations.ZeroMemory(key);
        }

        var created = new GatewaySigningKey(kid, rsa, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
        return _known.GetOrAdd(kid, created);
    }

    /// <summary>Forgets keys whose every token has expired (Redis has dropped them too).</summary>
    private void Prune()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        foreach (KeyValuePair<string, GatewaySigningKey> entry in _known)
        {
            if (entry.Value.CreatedAt + KeyLifetime < now && _known.TryRemove(entry))
            {
                entry.Value.Rsa.Dispose();
            }
        }
    }
}
