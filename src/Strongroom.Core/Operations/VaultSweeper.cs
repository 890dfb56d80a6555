using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Events;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Idempotency;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Tokens;
using Strongroom.Core.Sessions;

namespace Strongroom.Core.Operations;

/// <summary>
/// Erases what has expired: PCI tokens past <c>expires_at</c> (reads already hide them; this removes
/// the ciphertext, and records <c>pci_token.expired</c>), sessions once their retention has passed (announcing each unfinished
/// one as <c>session.expired</c> first), idempotency keys, ephemeral security codes and delivered events past their retention.
/// </summary>
public sealed partial class VaultSweeper(
    IEventStore eventStore, IIdempotencyStore idempotencyStore, INetworkTokenStore networkTokenStore, IPciTokenStore pciTokenStore, ISessionStore sessionStore, ISingleUseTokenStore singleUseTokenStore,
    ISecurityCodeStore securityCodes,
    TimeProvider time,
    IOptions<VaultOptions> options,
    ILogger<VaultSweeper> logger) : BackgroundService
{
    private const int BatchSize = 500;

    private static readonly TimeSpan CryptogramRetention = TimeSpan.FromDays(1);

    /// <summary>One sweep; public so tests and the CLI can run it on demand.</summary>
    public async Task<SweepResult> SweepOnceAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        int tokens = 0;
        IReadOnlyList<(Guid TenantId, Guid TokenId)> batch;
        do
        {
            batch = await pciTokenStore.PurgeExpiredPciTokensAsync(now, BatchSize, (tenantId, tokenId) => VaultEvents.PciTokenExpired(tenantId, tokenId, now), cancellationToken);
            foreach ((Guid tenantId, Guid tokenId) in batch)
            {
                securityCodes.Remove(tenantId, tokenId);
            }

            tokens += batch.Count;
        }
        while (batch.Count == BatchSize);

        do
        {
            batch = await singleUseTokenStore.PurgeExpiredSingleUseTokensAsync(now, BatchSize, cancellationToken);
            foreach ((Guid tenantId, Guid id) in batch)
            {
                securityCodes.Remove(tenantId, id);
            }

            tokens += batch.Count;
        }
        while (batch.Count == BatchSize);

        // Announce sessions that ran out unfinished before their retention can erase them.
        int announced;
        do
        {
            announced = await sessionStore.AnnounceExpiredSessionsAsync(now, BatchSize, session => VaultEvents.SessionExpired(session, now), cancellationToken);
        }
        while (announced == BatchSize);

        int sessions = await sessionStore.PurgeSessionsAsync(now - options.Value.SessionRetention, cancellationToken);
        int idempotencyKeys = await idempotencyStore.PurgeExpiredIdempotencyKeysAsync(now, cancellationToken);

        // Expired cryptogram records are kept a day (an authorization arriving late still reads "expired"), then dropped.
        await networkTokenStore.PurgeCryptogramsAsync(now - CryptogramRetention, cancellationToken);
        while (await eventStore.PurgeEventsAsync(now - options.Value.EventRetention, BatchSize, cancellationToken) == BatchSize)
        {
        }

        int codes = securityCodes.RemoveExpired();
        var result = new SweepResult(tokens, sessions, idempotencyKeys, codes);
        if (result.Total > 0)
        {
            LogSwept(logger, tokens, sessions, idempotencyKeys, codes);
        }

        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed sweep (database briefly away) must not stop future sweeps; reads hide expired rows anyway.
                LogSweepFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Swept {Tokens} expired token(s), {Sessions} session(s), {IdempotencyKeys} idempotency key(s), {SecurityCodes} security code(s)")]
    private static partial void LogSwept(ILogger logger, int tokens, int sessions, int idempotencyKeys, int securityCodes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep failed ({ExceptionType}); will retry at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, string exceptionType);
}

public sealed record SweepResult(int Tokens, int Sessions, int IdempotencyKeys, int SecurityCodes)
{
    public int Total => Tokens + Sessions + IdempotencyKeys + SecurityCodes;
}
