namespace Strongroom.Core.Tenancy;

/// <summary>
/// Tells the other nodes about a committed <see cref="CredentialChange"/>, after the commit. The default does nothing: on
/// PostgreSQL the store already wrote a NOTIFY in the change's own transaction, and a SQLite vault is a single node. With
/// Redis configured, the change is published over Redis pub/sub.
/// </summary>
public interface ICredentialChangePublisher
{
    /// <summary>Publishes the change; never throws for an unreachable transport (the cache lifetime still bounds staleness).</summary>
    Task PublishAsync(CredentialChange change, CancellationToken cancellationToken);
}
