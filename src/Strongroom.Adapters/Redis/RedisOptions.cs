namespace Strongroom.Adapters.Redis;

/// <summary>
/// The shared Redis of a multi-node deployment (section <c>Strongroom:Redis</c>). Unset (the embedded default), every node
/// keeps rate-limit counters, windowed nonces, ephemeral CVCs and fiat-gateway JWT keys in its own memory; set, they live in
/// this Redis and every node sees the same ones. Redis is then required: when it does not answer, the checks that depend on
/// it fail closed (503), they are never skipped.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Strongroom:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>10.0.0.5:6379,password=…,ssl=true</c>. Empty: no Redis.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key Strongroom writes, so one Redis can serve several vaults.</summary>
    public string KeyPrefix { get; set; } = "strongroom:";

    /// <summary>How long one Redis command may take before the request fails with 503.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);
}
