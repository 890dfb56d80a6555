namespace Strongroom.Core.Tenancy;

/// <summary>The default publisher: the store's own notification (or a single node) is all there is.</summary>
public sealed class StoreOnlyCredentialChangePublisher : ICredentialChangePublisher
{
    public Task PublishAsync(CredentialChange change, CancellationToken cancellationToken) => Task.CompletedTask;
}
