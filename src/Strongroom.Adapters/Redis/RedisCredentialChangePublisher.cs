using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Strongroom.Core.Tenancy;

namespace Strongroom.Adapters.Redis;

/// <summary>
/// Publishes committed credential changes on the Redis channel <c>{prefix}credentials</c>, which every node's
/// <see cref="RedisCredentialChangeSubscriber"/> hears. Published after the commit: a failure here is logged and swallowed,
/// because the change stands; the other nodes then drop the record when its cache lifetime (1 s by default) ends.
/// </summary>
public sealed partial class RedisCredentialChangePublisher(RedisConnection redis, ILogger<RedisCredentialChangePublisher> logger) : ICredentialChangePublisher
{
    public const string ChannelSuffix = "credentials";

    /// <summary>The channel of this vault (its key prefix keeps vaults sharing a Redis apart).</summary>
    public static RedisChannel Channel(RedisConnection redis) => RedisChannel.Literal(redis.Prefix + ChannelSuffix);

    public async Task PublishAsync(CredentialChange change, CancellationToken cancellationToken)
    {
        try
        {
            await redis.Multiplexer.GetSubscriber().PublishAsync(Channel(redis), change.ToWire());
        }
#pragma warning disable CA1031 // The change has committed; an unreachable Redis must not turn its success into an error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPublishFailed(logger, change.Kind, change.TenantId, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "Could not publish a {Kind} credential change of tenant {TenantId} to Redis ({Error}); other nodes drop it when their cache entry expires")]
    private static partial void LogPublishFailed(ILogger logger, CredentialChangeKind kind, Guid tenantId, string error);
}
