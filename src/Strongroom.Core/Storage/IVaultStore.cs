using Strongroom.Core.Audit;
using Strongroom.Core.Bins;
using Strongroom.Core.Events;
using Strongroom.Core.Forwarding;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Keys;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;
using Strongroom.Core.Webhooks;

namespace Strongroom.Core.Storage;

/// <summary>
/// The whole storage contract of the vault: one interface per aggregate (each next to its feature, and each service takes
/// only the ones it uses), plus what belongs to the database as a whole. SQLite (embedded default) and PostgreSQL (scale-out)
/// implement it with hand-written SQL and pass the same contract test suite. Every read and write
/// of tenant data is scoped by tenant id: isolation is enforced in the query, not just the caller.
/// </summary>
public interface IVaultStore :
    ITenantStore,
    IKeyRotationStore,
    IForwardingStore,
    IAuditStore,
    ICredentialStore,
    ISettingsStore,
    IPciTokenStore,
    IPciTokenAliasStore,
    InboundRoutes.IInboundRouteStore,
    ICardTokenStore,
    ISessionStore,
    INetworkTokenStore,
    ISingleUseTokenStore,
    IBinStore,
    IIdempotencyStore,
    IEventStore,
    IWebhookStore
{
    /// <summary>Engine name for logs and readiness (<c>sqlite</c>, <c>postgres</c>).</summary>
    string Engine { get; }

    /// <summary>Applies pending schema migrations. Safe to call from several nodes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>True when the database answers a trivial query.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
