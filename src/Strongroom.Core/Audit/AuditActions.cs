namespace Strongroom.Core.Audit;

/// <summary>
/// The action names of audit entries (<see cref="AuditEntry.Action"/>), beside the event names of
/// <see cref="Events.VaultEventTypes"/>: the audit log is filtered by them, so they never change once written.
/// </summary>
public static class AuditActions
{
    public const string TenantCreated = "tenant.created";
    public const string TenantShredded = "tenant.shredded";
    public const string SubAccountCreated = "sub_account.created";
    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyRevoked = "api_key.revoked";
    public const string AdminTokenReset = "admin_token.reset";
    public const string SigningKeyCreated = "signing_key.created";
    public const string SigningKeyEdited = "signing_key.edited";
    public const string SigningKeyDeleted = "signing_key.deleted";
    public const string SigningKeySecretReset = "signing_key.secret_reset";
    public const string HostedFormUpdated = "hosted_form.updated";
    public const string CardRulesUpdated = "card_rules.updated";
    public const string ForwardDestinationsUpdated = "forward_destinations.updated";
    public const string WebhookCreated = "webhook.created";
    public const string WebhookUpdated = "webhook.updated";
    public const string WebhookDeleted = "webhook.deleted";
    public const string WebhookSecretRotated = "webhook.secret_rotated";
    public const string WebhookEventRedelivered = "webhook.event_redelivered";
    public const string NetworkTokenCryptogramIssued = "network_token.cryptogram_issued";
    public const string SimulatorNetworkTokenEvent = "simulator.network_token_event";
    public const string SimulatorCryptogramAuthorized = "simulator.cryptogram_authorized";
    public const string PciTokenForwarded = "pci_token.forwarded";
    public const string NetworkTokenCryptogramForwarded = "network_token.cryptogram_forwarded";
    public const string SingleUseTokenForwarded = "single_use_token.forwarded";
    public const string KekVersionDestroyed = "keys.kek_version_destroyed";
    public const string KekRotated = "keys.kek_rotated";
    public const string DekRotationStarted = "keys.dek_rotation_started";
    public const string DekRotationResumed = "keys.dek_rotation_resumed";
    public const string DekRotationFailed = "keys.dek_rotation_failed";
    public const string DekRotationCompleted = "keys.dek_rotation_completed";
}
