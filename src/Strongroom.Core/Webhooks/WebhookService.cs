using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;
using Strongroom.Core.Audit;
using Strongroom.Core.Crypto;
using Strongroom.Core.Egress;
using Strongroom.Core.Events;

namespace Strongroom.Core.Webhooks;

/// <summary>What a caller asks for when creating or changing an endpoint; null fields stay as they are on update.</summary>
public sealed record WebhookEndpointInput(string? Url, string? Description, IReadOnlyList<string>? EventTypes, bool? Enabled);

/// <summary>A field that failed validation: a JSON path and a message for the dialect's error shape.</summary>
public sealed record WebhookFieldError(string Path, string Message);

public enum WebhookOutcome
{
    Done,
    NotFound,
    Invalid,

    /// <summary>The tenant already has <see cref="WebhookOptions.MaxEndpointsPerTenant"/> endpoints.</summary>
    LimitReached,
}

/// <summary>The result of an endpoint operation; <see cref="Secret"/> is set only when a secret was just made (shown once).</summary>
public sealed record WebhookResult(WebhookOutcome Outcome, WebhookEndpointRecord? Endpoint = null, string? Secret = null, IReadOnlyList<WebhookFieldError>? Errors = null);

/// <summary>
/// Webhook endpoints of a tenant (create, change, rotate the signing secret, delete) and the read side of delivery:
/// events, deliveries, attempts, and manual redelivery. Delivery itself is <see cref="WebhookDispatcher"/>'s.
/// Every change made on behalf of an <see cref="Actor"/> is recorded in the audit log once it has succeeded.
/// </summary>
public sealed partial class WebhookService(IEventStore eventStore, IWebhookStore webhookStore, TenantKeyring keyring, AuditLog audit, TimeProvider time, IOptions<WebhookOptions> options, ILogger<WebhookService> logger)
{
    public const int MaxUrlLength = 2048;
    public const int MaxDescriptionLength = 200;
    public const int MaxEventTypes = 20;
    public const int MaxPageSize = 100;

    public async Task<WebhookResult> CreateAsync(Guid tenantId, WebhookEndpointInput input, Actor actor, CancellationToken cancellationToken)
    {
        var errors = new List<WebhookFieldError>();
        string? url = ValidateUrl(input.Url, errors, required: true);
        IReadOnlyList<string> types = ValidateEventTypes(input.EventTypes, errors) ?? ["*"];
        string? description = ValidateDescription(input.Description, errors);
        if (errors.Count > 0)
        {
            return new(WebhookOutcome.Invalid, Errors: errors);
        }

        if ((await webhookStore.ListWebhookEndpointsAsync(tenantId, cancellationToken)).Count >= options.Value.MaxEndpointsPerTenant)
        {
            return new(WebhookOutcome.LimitReached);
        }

        DateTimeOffset now = time.GetUtcNowMilliseconds();
        Guid id = Guid.CreateVersion7(now);
        string secret = WebhookSignature.NewSecret();
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        var endpoint = new WebhookEndpointRecord(id, tenantId, url!, description, types, input.Enabled ?? true,
            keys.Seal(RecordKind.WebhookSecret, id, Encoding.UTF8.GetBytes(secret)), null, null, now, now);
        await webhookStore.InsertWebhookEndpointAsync(endpoint, cancellationToken);
        LogCreated(logger, id, tenantId);
        await audit.RecordAsync(actor, AuditActions.WebhookCreated, tenantId, id.ToString(), ("host", new Uri(endpoint.Url).Authority));
        return new(WebhookOutcome.Done, endpoint, secret);
    }

    public Task<WebhookEndpointRecord?> GetAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken) =>
        webhookStore.GetWebhookEndpointAsync(tenantId, endpointId, cancellationToken);

    public Task<IReadOnlyList<WebhookEndpointRecord>> ListAsync(Guid tenantId, CancellationToken cancellationToken) =>
        webhookStore.ListWebhookEndpointsAsync(tenantId, cancellationToken);

    public async Task<WebhookResult> UpdateAsync(Guid tenantId, Guid endpointId, WebhookEndpointInput input, Actor actor, CancellationToken cancellationToken)
    {
        if (await webhookStore.GetWebhookEndpointAsync(tenantId, endpointId, cancellationToken) is not { } current)
        {
            return new(WebhookOutcome.NotFound);
        }

        var errors = new List<WebhookFieldError>();
        string? url = ValidateUrl(input.Url, errors, required: false);
        IReadOnlyList<string>? types = ValidateEventTypes(input.EventTypes, errors);
        string? description = ValidateDescription(input.Description, errors);
        if (errors.Count > 0)
        {
            return new(WebhookOutcome.Invalid, Errors: errors);
        }

        WebhookEndpointRecord updated = current with
        {
            Url = url ?? current.Url,
            EventTypes = types ?? current.EventTypes,
            Description = input.Description is null ? current.Description : description,
            Enabled = input.Enabled ?? current.Enabled,
            UpdatedAt = time.GetUtcNowMilliseconds(),
        };
        if (!await webhookStore.UpdateWebhookEndpointAsync(updated, cancellationToken))
        {
            return new(WebhookOutcome.NotFound);
        }

        await audit.RecordAsync(actor, AuditActions.WebhookUpdated, tenantId, endpointId.ToString(), ("host", new Uri(updated.Url).Authority), ("enabled", updated.Enabled ? "true" : "false"));
        return new(WebhookOutcome.Done, updated);
    }

    /// <summary>
    /// A new signing secret, returned once. The old one keeps signing alongside it for <see cref="WebhookOptions.SecretRotationGrace"/>
    /// (a second <c>v1</c> in the header), so receivers switch without dropping deliveries.
    /// </summary>
    public async Task<WebhookResult> RotateSecretAsync(Guid tenantId, Guid endpointId, Actor actor, CancellationToken cancellationToken)
    {
        if (await webhookStore.GetWebhookEndpointAsync(tenantId, endpointId, cancellationToken) is not { } current)
        {
            return new(WebhookOutcome.NotFound);
        }

        byte[] previous = await keyring.OpenAsync(tenantId, RecordKind.WebhookSecret, endpointId, current.Secret, cancellationToken);
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        string secret = WebhookSignature.NewSecret();
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        WebhookEndpointRecord rotated = current with
        {
            Secret = keys.Seal(RecordKind.WebhookSecret, endpointId, Encoding.UTF8.GetBytes(secret)),
            PreviousSecret = keys.Seal(RecordKind.WebhookPreviousSecret, endpointId, previous),
            PreviousSecretExpiresAt = now + options.Value.SecretRotationGrace,
            UpdatedAt = now,
        };
        CryptographicOperations.ZeroMemory(previous);
        if (!await webhookStore.UpdateWebhookEndpointAsync(rotated, cancellationToken))
        {
            return new(WebhookOutcome.NotFound);
        }

        LogRotated(logger, endpointId, tenantId);
        await audit.RecordAsync(actor, AuditActions.WebhookSecretRotated, tenantId, endpointId.ToString());
        return new(WebhookOutcome.Done, rotated, secret);
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid endpointId, Actor actor, CancellationToken cancellationToken)
    {
        bool deleted = await webhookStore.DeleteWebhookEndpointAsync(tenantId, endpointId, cancellationToken);
        if (deleted)
        {
            LogDeleted(logger, endpointId, tenantId);
            await audit.RecordAsync(actor, AuditActions.WebhookDeleted, tenantId, endpointId.ToString());
        }

        return deleted;
    }

    /// <summary>The secrets a delivery is signed with now: the current one, and the previous one while its grace lasts.</summary>
    public async Task<(string Current, string? Previous)> OpenSecretsAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken)
    {
        string current = Encoding.UTF8.GetString(await keyring.OpenAsync(endpoint.TenantId, RecordKind.WebhookSecret, endpoint.Id, endpoint.Secret, cancellationToken));
        string? previous = endpoint.PreviousSecret is { } sealedPrevious && endpoint.PreviousSecretExpiresAt > time.GetUtcNow()
            ? Encoding.UTF8.GetString(await keyring.OpenAsync(endpoint.TenantId, RecordKind.WebhookPreviousSecret, endpoint.Id, sealedPrevious, cancellationToken))
            : null;
        return (current, previous);
    }

    public Task<IReadOnlyList<VaultEvent>> ListEventsAsync(Guid tenantId, string? type, Guid? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize + 1);
        return eventStore.ListTenantEventsAsync(tenantId, type, after, limit, cancellationToken);
    }

    public Task<VaultEvent?> GetEventAsync(Guid tenantId, Guid eventId, CancellationToken cancellationToken) => eventStore.GetEventAsync(tenantId, eventId, cancellationToken);

    public Task<IReadOnlyList<WebhookDelivery>> ListDeliveriesAsync(Guid tenantId, Guid? eventId, Guid? endpointId, WebhookDeliveryStatus? status, int limit, CancellationToken cancellationToken) =>
        webhookStore.ListWebhookDeliveriesAsync(tenantId, eventId, endpointId, status, limit, cancellationToken);

    public Task<IReadOnlyList<WebhookAttemptView>> ListAttemptsAsync(Guid tenantId, Guid eventId, CancellationToken cancellationToken) =>
        webhookStore.ListWebhookAttemptsAsync(tenantId, eventId, cancellationToken);

    /// <summary>
    /// Sends the event again, now, with a fresh retry window: to <paramref name="endpointId"/>, or else to every enabled endpoint that
    /// subscribes to its type (including ones added after the event). Null when the event does not exist for the tenant.
    /// A delivery being attempted at this moment is left to finish.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>?> RedeliverAsync(Guid tenantId, Guid eventId, Guid? endpointId, Actor actor, CancellationToken cancellationToken)
    {
        if (await eventStore.GetEventAsync(tenantId, eventId, cancellationToken) is not { } vaultEvent)
        {
            return null;
        }

        IReadOnlyList<Guid> targets;
        if (endpointId is Guid single)
        {
            if (await webhookStore.GetWebhookEndpointAsync(tenantId, single, cancellationToken) is null)
            {
                return null;
            }

            targets = [single];
        }
        else
        {
            targets = [.. (await webhookStore.ListWebhookEndpointsAsync(tenantId, cancellationToken))
                .Where(e => e.Enabled && VaultEventTypes.Matches(e.EventTypes, vaultEvent.Type)).Select(e => e.Id)];
        }

        DateTimeOffset now = time.GetUtcNowMilliseconds();
        IReadOnlyList<WebhookDelivery> deliveries = await webhookStore.RedeliverAsync(tenantId, eventId, targets, now, now + options.Value.RetryWindow, cancellationToken);
        LogRedelivered(logger, eventId, tenantId, targets.Count);
        await audit.RecordAsync(actor, AuditActions.WebhookEventRedelivered, tenantId, eventId.ToString(), ("endpoint_id", endpointId?.ToString()));
        return deliveries;
    }

    private string? ValidateUrl(string? url, List<WebhookFieldError> errors, bool required)
    {
        if (url is null)
        {
            if (required)
            {
                errors.Add(new("$.url", "The url is required."));
            }

            return null;
        }

        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri))
        {
            errors.Add(new("$.url", $"The url must be an absolute URL of at most {MaxUrlLength} characters."));
            return null;
        }

        // Checked as given and as it would be stored: parsing decodes percent-escaped digits and IDN hosts.
        if (PanDetector.ContainsPan(url) || PanDetector.ContainsPan(Uri.UnescapeDataString(uri.AbsoluteUri)))
        {
            errors.Add(new("$.url", "The url must not contain a card number."));
            return null;
        }

        bool loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip));
        bool schemeAllowed = uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && loopback && options.Value.AllowInsecureLoopback);
        if (!schemeAllowed)
        {
            errors.Add(new("$.url", "The url must use https (plain http only to a loopback host, in development)."));
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add(new("$.url", "The url must not carry credentials or a fragment; authenticate deliveries by their signature."));
        }
        else if (!options.Value.AllowPrivateNetworks && EgressAddressPolicy.ForbiddenLiteral(uri) is string range)
        {
            errors.Add(new("$.url", $"The url's address is {range}, which this vault does not deliver to (Strongroom:Webhooks:AllowPrivateNetworks)."));
        }

        return uri.AbsoluteUri;
    }

    private static IReadOnlyList<string>? ValidateEventTypes(IReadOnlyList<string>? types, List<WebhookFieldError> errors)
    {
        if (types is null)
        {
            return null;
        }

        if (types.Count is 0 or > MaxEventTypes)
        {
            errors.Add(new("$.event_types", $"Give between 1 and {MaxEventTypes} event types (or \"*\" for all)."));
            return null;
        }

        for (int i = 0; i < types.Count; i++)
        {
            if (!VaultEventTypes.IsValidFilter(types[i]))
            {
                errors.Add(new($"$.event_types[{i}]", $"Unknown event type. Known types: {string.Join(", ", VaultEventTypes.All)}; a family such as pci_token.*; or *."));
            }
        }

        return [.. types.Distinct(StringComparer.Ordinal)];
    }

    private static string? ValidateDescription(string? description, List<WebhookFieldError> errors)
    {
        if (description is not null && description.Length > MaxDescriptionLength)
        {
            errors.Add(new("$.description", $"The description is at most {MaxDescriptionLength} characters."));
        }
        else if (PanDetector.ContainsPan(description))
        {
            errors.Add(new("$.description", "The description must not contain a card number."));
        }

        return string.IsNullOrWhiteSpace(description) ? null : description.Trim();
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Created webhook endpoint {EndpointId} for tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, Guid endpointId, Guid tenantId);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Information, Message = "Rotated the signing secret of webhook endpoint {EndpointId} of tenant {TenantId}")]
    private static partial void LogRotated(ILogger logger, Guid endpointId, Guid tenantId);

    [LoggerMessage(EventId = 2403, Level = LogLevel.Information, Message = "Deleted webhook endpoint {EndpointId} of tenant {TenantId}")]
    private static partial void LogDeleted(ILogger logger, Guid endpointId, Guid tenantId);

    [LoggerMessage(EventId = 2404, Level = LogLevel.Information, Message = "Redelivering event {EventId} of tenant {TenantId} to {Endpoints} endpoint(s)")]
    private static partial void LogRedelivered(ILogger logger, Guid eventId, Guid tenantId, int endpoints);
}
