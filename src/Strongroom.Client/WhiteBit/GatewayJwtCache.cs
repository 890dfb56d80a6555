namespace Strongroom.Client.WhiteBit;

/// <summary>
/// Holds the fiat-gateway JWT between calls and renews it shortly before it expires, one renewal at a time. A singleton
/// per signing key (the DI registration makes it one), because typed clients themselves are short-lived.
/// </summary>
public sealed class GatewayJwtCache(TimeProvider? time = null) : IDisposable
{
    /// <summary>How long before its expiry a JWT is replaced, so one is never sent just as it runs out.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _renewal = new(1, 1);
    private GatewayJwt? _jwt;

    /// <summary>The cached JWT, or a new one from <paramref name="whiteBit"/> when there is none or it is about to expire.</summary>
    public async Task<GatewayJwt> GetAsync(WhiteBitClient whiteBit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whiteBit);
        if (Fresh(Volatile.Read(ref _jwt)) is { } current)
        {
            return current;
        }

        await _renewal.WaitAsync(cancellationToken);
        try
        {
            return Fresh(_jwt) ?? (_jwt = await whiteBit.IssueJwtAsync(cancellationToken));
        }
        finally
        {
            _renewal.Release();
        }
    }

    /// <summary>Drops <paramref name="jwt"/> if it is still the cached one (the vault refused it).</summary>
    public void Invalidate(GatewayJwt jwt) => Interlocked.CompareExchange(ref _jwt, null, jwt);

    public void Dispose() => _renewal.Dispose();

    private GatewayJwt? Fresh(GatewayJwt? jwt) => jwt is not null && jwt.ExpiresAt - RenewBefore > _time.GetUtcNow() ? jwt : null;
}
