using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Strongroom.Core.Crypto;
using Strongroom.Core.SecurityCodes;

namespace Strongroom.Adapters.Redis;

/// <summary>
/// Ephemeral CVCs in the shared Redis, so a token created on one node can be forwarded with its CVC from another.
/// Each code is sealed (AES-256-GCM, bound to tenant, token and purpose) under a subkey of <see cref="RedisSharedKey"/>
/// and written with <c>SET … PX ttl</c>: Redis never holds a plaintext code and drops it when the TTL ends. The Redis
/// holding them must run without persistence (<c>--save "" --appendonly no</c>), so no code reaches a disk even sealed.
/// Value layout: 16 ASCII hex characters (the shared key's id) followed by the envelope.
/// </summary>
internal sealed partial class RedisSecurityCodeStore(RedisConnection redis, RedisSharedKey sharedKey, ILogger<RedisSecurityCodeStore> logger) : ISecurityCodeStore
{
    public const string Purpose = "cvc";
    private const int IdLength = 16;

    public void Put(Guid tenantId, Guid tokenId, string securityCode, TimeSpan ttl)
    {
        (string id, byte[] key) = sharedKey.Current(Purpose);
        Span<byte> plaintext = stackalloc byte[8];
        int length = Encoding.ASCII.GetBytes(securityCode, plaintext);
        byte[] value = new byte[IdLength + Envelope.SealedSize(length)];
        try
        {
            Encoding.ASCII.GetBytes(id, value.AsSpan(0, IdLength));
            Envelope.Seal(key, 1, plaintext[..length], RecordContext.Create(tenantId, tokenId, RecordKind.EphemeralCvc), value.AsSpan(IdLength));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            CryptographicOperations.ZeroMemory(key);
        }

        TimeSpan expiry = ttl < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : ttl;
        redis.Run(db => db.StringSet(Key(tenantId, tokenId), value, expiry));
    }

    public bool Contains(Guid tenantId, Guid tokenId) => redis.Run(db => db.KeyExists(Key(tenantId, tokenId)));

    public string? Read(Guid tenantId, Guid tokenId)
    {
        byte[]? value = redis.Run(db => (byte[]?)db.StringGet(Key(tenantId, tokenId)));
        if (value is null || value.Length <= IdLength + Envelope.Overhead)
        {
            return null;
        }

        string keyId = Encoding.ASCII.GetString(value, 0, IdLength);
        byte[]? key = sharedKey.ForId(keyId, Purpose);
        if (key is null)
        {
            // Not silent: the code exists but its sealing key is gone (Redis restarted without it, or its KEK was destroyed).
            LogSealingKeyMissing(logger, tokenId, tenantId, keyId);
            return null;
        }

        try
        {
            byte[] plaintext = Envelope.Open(key, value.AsSpan(IdLength), RecordContext.Create(tenantId, tokenId, RecordKind.EphemeralCvc));
            try
            {
                return Encoding.ASCII.GetString(plaintext);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }
        catch (CryptographicException)
        {
            LogUnreadable(logger, tokenId, tenantId, keyId);
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public bool Remove(Guid tenantId, Guid tokenId) => redis.Run(db => db.KeyDelete(Key(tenantId, tokenId)));

    public int RemoveTenant(Guid tenantId)
    {
        RedisValue pattern = redis.Prefix + "cvc:" + tenantId.ToString("N") + ":*";
        return redis.Run(db =>
        {
            int removed = 0;
            foreach (IServer server in redis.Multiplexer.GetServers())
            {
                if (server.IsReplica)
                {
                    continue;
                }

                foreach (RedisKey key in server.Keys(db.Database, pattern, pageSize: 500))
                {
                    removed += db.KeyDelete(key) ? 1 : 0;
                }
            }

            return removed;
        });
    }

    /// <summary>Redis expires codes itself (PX); nothing to sweep.</summary>
    public int RemoveExpired() => 0;

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "The security code of token {TokenId} (tenant {TenantId}) is sealed under shared Redis key {KeyId}, which no node can unwrap any more; the code is treated as absent")]
    private static partial void LogSealingKeyMissing(ILogger logger, Guid tokenId, Guid tenantId, string keyId);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Error, Message = "The security code of token {TokenId} (tenant {TenantId}) in Redis does not open under shared key {KeyId} (altered or misplaced); the code is treated as absent")]
    private static partial void LogUnreadable(ILogger logger, Guid tokenId, Guid tenantId, string keyId);

    private RedisKey Key(Guid tenantId, Guid tokenId) => redis.Key("cvc:" + tenantId.ToString("N") + ":" + tokenId.ToString("N"));
}
