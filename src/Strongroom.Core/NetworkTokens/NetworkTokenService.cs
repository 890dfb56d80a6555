using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.NetworkTokens;

/// <summary>What an event about a network token says (never card data).</summary>
internal sealed record NetworkTokenEventData(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Status = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PreviousStatus = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Party = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Mode = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Amount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Currency = null);

public enum NetworkTokenOutcome
{
    Done,
    NotFound,

    /// <summary>The card's scheme has no token service (only Visa, Mastercard, American Express, Discover).</summary>
    UnsupportedScheme,

    /// <summary>The token service declined to provision.</summary>
    Declined,

    /// <summary>The tenant already has a live network token for this card.</summary>
    Conflict,

    /// <summary>The lifecycle does not allow the action in the token's state (or the token is not active for a cryptogram).</summary>
    Refused,

    /// <summary>A session source that was no longer open.</summary>
    SessionClosed,
}

public sealed record NetworkTokenResult(NetworkTokenOutcome Outcome, NetworkToken? Token = null, string? Message = null);

/// <summary>An issued cryptogram: the values in value mode, or only a reference in reference mode.</summary>
public sealed record IssuedCryptogram(
    CryptogramMaterial? Material,
    string? TokenPan,
    int TokenExpiryMonth,
    int TokenExpiryYear,
    string? Reference,
    DateTimeOffset ExpiresAt);

public sealed record CryptogramResult(NetworkTokenOutcome Outcome, IssuedCryptogram? Cryptogram = null, string? Message = null);

public enum CryptogramCheck
{
    Valid,
    Forged,
    AlreadyUsed,
    Expired,

    /// <summary>A genuine cryptogram of a token that is no longer active (suspended, inactive, deleted): the network declines it.</summary>
    TokenNotActive,
}

/// <summary>
/// Network tokens: provisioning at a token service (simulated here) from a PAN, a PCI token or a session, the
/// lifecycle (suspend and resume per party, delete), cryptograms with single use, and an event per change
/// written in the same transaction (the outbox webhooks will read).
/// </summary>
public sealed partial class NetworkTokenService(
    IEventStore eventStore, INetworkTokenStore networkTokenStore, ISessionStore sessionStore,
    TenantKeyring keyring,
    PciTokenService pciTokens,
    ITokenServiceProvider tokenService,
    Audit.AuditLog audit,
    TimeProvider time,
    IOptions<VaultOptions> options,
    ILogger<NetworkTokenService> logger)
{
    public const string UnsupportedSchemeMessage = "Network tokens are available for visa, mastercard, american express and discover cards only.";

    /// <summary>Provisions a network token for <paramref name="card"/>; with <paramref name="completingSessionId"/>, in the transaction that completes that session.</summary>
    public async Task<NetworkTokenResult> CreateAsync(
        Guid tenantId, ValidCard card, IReadOnlyDictionary<string, string>? metadata, Guid? pciTokenId, CancellationToken cancellationToken, Guid? completingSessionId = null,
        IdempotentReply<NetworkToken>? reply = null)
    {
        if (!NetworkTokenNames.IsSupported(card.Pan.Scheme))
        {
            return new(NetworkTokenOutcome.UnsupportedScheme, Message: UnsupportedSchemeMessage);
        }

        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        Guid id = Guid.CreateVersion7(now);
        NetworkTokenType type = NetworkTokenNames.TypeFor(card.Pan.Scheme);
        ProvisioningResult provisioning = await tokenService.ProvisionAsync(keys, new ProvisioningRequest(tenantId, id, card, type), cancellationToken);
        if (provisioning.Token is not { } provisioned)
        {
            LogDeclined(logger, tenantId, card.Pan.Scheme);
            return new(NetworkTokenOutcome.Declined, Message: provisioning.DeclineReason);
        }

        (byte[] cardCiphertext, byte[] fingerprint) = CardBlob.Seal(keys, RecordKind.NetworkTokenCard, id, card);
        byte[] tokenPan = new byte[provisioned.TokenPan.Length];
        provisioned.TokenPan.CopyAsciiTo(tokenPan);
        byte[] tokenPanCiphertext;
        try
        {
            tokenPanCiphertext = keys.Seal(RecordKind.NetworkTokenPan, id, tokenPan);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tokenPan);
        }

        var record = new NetworkTokenRecord(
            id, tenantId, card.Pan.Scheme, card.Pan.First6, card.Pan.LastFour, card.Pan.Length, card.Expiry.Month, card.Expiry.Year,
            fingerprint, cardCiphertext, tokenPanCiphertext, provisioned.ExpiryMonth, provisioned.ExpiryYear, type, provisioned.SchemeReference,
            provisioned.InitialStatus, SuspensionParties.None, pciTokenId, TokenMetadata.Serialize(metadata), 0, now, now);
        VaultEvent created = Event(record, VaultEventTypes.NetworkTokenCreated, new NetworkTokenEventData(Status: record.Status.WireName()), now);
        NetworkToken token = ToToken(record, card.CardholderName);

        if (completingSessionId is Guid sessionId)
        {
            SessionWriteResult write = await sessionStore.TryCompleteSessionAsync(sessionId, id, now, new SessionCompletionWrites(NetworkToken: record,
                Events: [created, VaultEvents.SessionCompleted(tenantId, sessionId, Sessions.SessionKind.NetworkToken, "network_token_id", id, now)]), cancellationToken);
            if (write != SessionWriteResult.Completed)
            {
                return write == SessionWriteResult.TokenConflict ? Conflict() : new(NetworkTokenOutcome.SessionClosed);
            }
        }
        else if (!await networkTokenStore.InsertNetworkTokenAsync(record, created, reply?.Seal(token), cancellationToken))
        {
            return Conflict();
        }

        reply?.MarkCommitted();
        LogCreated(logger, id, tenantId, type, record.Status);
        return new(NetworkTokenOutcome.Done, token);
    }

    /// <summary>Provisions from a PCI token of the same tenant; the two lifecycles stay independent.</summary>
    public async Task<NetworkTokenResult> CreateFromPciTokenAsync(
        Guid tenantId, Guid pciTokenId, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken, IdempotentReply<NetworkToken>? reply = null)
    {
        ValidCard? card = await pciTokens.OpenCardAsync(tenantId, pciTokenId, cancellationToken);
        return card is null
            ? new(NetworkTokenOutcome.NotFound, Message: "No such PCI token.")
            : await CreateAsync(tenantId, card, metadata, pciTokenId, cancellationToken, reply: reply);
    }

    public async Task<NetworkToken?> GetAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        NetworkTokenRecord? record = await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken);
        return record is null ? null : await ToTokenAsync(record, cancellationToken);
    }

    /// <summary>
    /// Applies a lifecycle action by <paramref name="party"/>: the merchant through the API, or the issuer or cardholder
    /// as reported by the token service. Merchant actions are passed on to the token service.
    /// </summary>
    public async Task<NetworkTokenResult> ApplyAsync(
        Guid tenantId, Guid tokenId, NetworkTokenAction action, SuspensionParties party, string? reason, CancellationToken cancellationToken, IdempotentReply<NetworkToken>? reply = null)
    {
        // A concurrent change makes the compare-and-set fail; re-read and re-decide a few times before giving up.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            NetworkTokenRecord? record = await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken);
            if (record is null)
            {
                return new(NetworkTokenOutcome.NotFound);
            }

            LifecycleTransition transition = NetworkTokenLifecycle.Apply(record.Status, record.SuspendedBy, action, party);
            if (!transition.Allowed)
            {
                return new(NetworkTokenOutcome.Refused, await ToTokenAsync(record, cancellationToken), transition.Refusal);
            }

            if (party == SuspensionParties.Merchant)
            {
                await tokenService.NotifyAsync(record, action, cancellationToken);
            }

            if (await ChangeStatusAsync(record, transition, party, reason, reply, cancellationToken) is { } changed)
            {
                return new(NetworkTokenOutcome.Done, changed.Token);
            }
        }

        throw new InvalidOperationException($"Network token {tokenId} kept changing; the {action} was not applied.");
    }

    /// <summary>
    /// A lifecycle event reported by the simulated token service (the issuer or cardholder acting), applied with
    /// <see cref="ApplyAsync"/> and, when it took effect, recorded in the audit log as <paramref name="actor"/>'s.
    /// </summary>
    public async Task<NetworkTokenResult> SimulateEventAsync(
        Guid tenantId, Guid tokenId, NetworkTokenAction action, SuspensionParties party, string reason, Audit.Actor actor, CancellationToken cancellationToken)
    {
        NetworkTokenResult result = await ApplyAsync(tenantId, tokenId, action, party, reason, cancellationToken);
        if (result.Outcome == NetworkTokenOutcome.Done)
        {
            await audit.RecordAsync(actor, Audit.AuditActions.SimulatorNetworkTokenEvent, tenantId, tokenId.ToString(), ("event", action.WireName()), ("party", party.WireName()));
        }

        return result;
    }

    /// <summary>
    /// <see cref="VerifyCryptogramAsync"/> on behalf of the simulated network: the verdict is recorded in the audit log as
    /// <paramref name="actor"/>'s. Null when the token does not exist (nothing recorded).
    /// </summary>
    public async Task<CryptogramCheck?> AuthorizeCryptogramAsync(
        Guid tenantId, Guid tokenId, string cryptogram, long? amount, string? currency, Audit.Actor actor, CancellationToken cancellationToken)
    {
        CryptogramCheck? check = await VerifyCryptogramAsync(tenantId, tokenId, cryptogram, amount, currency, cancellationToken);
        if (check is { } verdict)
        {
            await audit.RecordAsync(actor, Audit.AuditActions.SimulatorCryptogramAuthorized, tenantId, tokenId.ToString(), ("result", verdict.WireName()));
        }

        return check;
    }

    /// <summary>
    /// Issues a single-use cryptogram for an active token: its values (value mode, a deliberate data-out that returns the token
    /// PAN) or a short-lived reference to forward later (reference mode). Amount and currency, when given, are bound into it.
    /// The issue is recorded in the audit log as <paramref name="actor"/>'s after it committed, before the cryptogram is returned.
    /// </summary>
    public async Task<CryptogramResult> CreateCryptogramAsync(
        Guid tenantId, Guid tokenId, long? amount, string? currency, bool referenceMode, Audit.Actor actor, CancellationToken cancellationToken,
        IdempotentReply<IssuedCryptogram>? reply = null)
    {
        NetworkTokenRecord? record = await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken);
        if (record is null)
        {
            return new(NetworkTokenOutcome.NotFound);
        }

        if (record.Status == NetworkTokenStatus.Active && await tokenService.CheckBeforeCryptogramAsync(record, await StatusEverChangedAsync(record, cancellationToken), cancellationToken) is { } notice)
        {
            // The token service changed the token on its side (e.g. issuer suspension): record it, then refuse.
            LifecycleTransition transition = NetworkTokenLifecycle.Apply(record.Status, record.SuspendedBy, notice.Action, notice.Party);
            if (transition.Allowed)
            {
                record = (await ChangeStatusAsync(record, transition, notice.Party, notice.Reason, reply: null, cancellationToken))?.Record
                    ?? await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken) ?? record;
            }
        }

        if (record.Status != NetworkTokenStatus.Active)
        {
            return new(NetworkTokenOutcome.Refused, Message: $"The network token is {record.Status.WireName()}; cryptograms need an active token.");
        }

        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        DateTimeOffset expiresAt = now + options.Value.CryptogramTtl;
        string? reference = referenceMode ? "cref_" + Base64Url(RandomNumberGenerator.GetBytes(24)) : null;
        byte[]? referenceDigest = reference is null ? null : ReferenceDigest(keys, reference);
        var pending = new CryptogramRecord(tokenId, tenantId, 0, amount, currency, referenceDigest, now, expiresAt);
        VaultEvent issued = Event(record, VaultEventTypes.NetworkTokenCryptogramIssued, new NetworkTokenEventData(Mode: referenceMode ? "reference" : "value", Amount: amount, Currency: currency), now);
        // The cryptogram depends on the counter the store takes, so it is made (and, for an idempotent request, stored as the
        // response) inside the issuing transaction.
        // The token PAN (value mode) is opened before, so the transaction waits on no key load.
        string? tokenPan = reference is null ? await OpenTokenPanAsync(record, cancellationToken) : null;
        IssuedCryptogram? result = null;
        IssuedCryptogram Issue(long counter) => result ??= reference is not null
            ? new IssuedCryptogram(null, null, record.TokenExpiryMonth, record.TokenExpiryYear, reference, expiresAt)
            : new IssuedCryptogram(tokenService.ComputeCryptogram(keys, record, counter, amount, currency), tokenPan, record.TokenExpiryMonth, record.TokenExpiryYear, null, expiresAt);

        long? issuedCounter = await networkTokenStore.IssueCryptogramAsync(pending, issued, reply is null ? null : counter => reply.Seal(Issue(counter)), cancellationToken);
        if (issuedCounter is null)
        {
            return new(NetworkTokenOutcome.Refused, Message: "The network token is no longer active; cryptograms need an active token.");
        }

        reply?.MarkCommitted();
        LogCryptogram(logger, tokenId, tenantId, issuedCounter.Value, referenceMode);
        await audit.RecordAsync(actor, Audit.AuditActions.NetworkTokenCryptogramIssued, tenantId, tokenId.ToString(),
            ("mode", referenceMode ? "reference" : "value"), ("amount", amount?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("currency", currency));
        return new(NetworkTokenOutcome.Done, Issue(issuedCounter.Value));
    }

    /// <summary>
    /// Verifies a cryptogram as the network would at authorization, and uses it up: a second verification of the same
    /// cryptogram, an expired one, or one altered or made for another amount fails.
    /// </summary>
    public async Task<CryptogramCheck?> VerifyCryptogramAsync(Guid tenantId, Guid tokenId, string cryptogram, long? amount, string? currency, CancellationToken cancellationToken)
    {
        NetworkTokenRecord? record = await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken);
        if (record is null)
        {
            return null;
        }

        if (record.Status != NetworkTokenStatus.Active)
        {
            return CryptogramCheck.TokenNotActive;
        }

        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        if (tokenService.VerifyCryptogram(keys, record, cryptogram, amount, currency, out long counter) != CryptogramVerdict.Valid)
        {
            return CryptogramCheck.Forged;
        }

        CryptogramRecord? issued = await networkTokenStore.GetCryptogramAsync(tenantId, tokenId, counter, cancellationToken);
        if (issued is null)
        {
            return CryptogramCheck.Forged;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (await networkTokenStore.UseCryptogramAsync(tenantId, tokenId, counter, now, cancellationToken))
        {
            return CryptogramCheck.Valid;
        }

        return issued.UsedAt is not null || (await networkTokenStore.GetCryptogramAsync(tenantId, tokenId, counter, cancellationToken))?.UsedAt is not null
            ? CryptogramCheck.AlreadyUsed
            : CryptogramCheck.Expired;
    }

    /// <summary>The token's events (creation, status changes, cryptograms), oldest first; null when the token does not exist.</summary>
    public async Task<IReadOnlyList<VaultEvent>?> ListEventsAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) =>
        await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken) is null ? null : await eventStore.ListEventsAsync(tenantId, tokenId.ToString(), cancellationToken);

    /// <summary>Only asked before a token's first cryptogram, so the event read is rare.</summary>
    private async Task<bool> StatusEverChangedAsync(NetworkTokenRecord record, CancellationToken cancellationToken) =>
        record.CryptogramCounter == 0 &&
        (await eventStore.ListEventsAsync(record.TenantId, record.Id.ToString(), cancellationToken)).Any(e => e.Type == VaultEventTypes.NetworkTokenStatusChanged);

    /// <summary>The changed record and the token as the caller sees it (rendered before the write, for the idempotent response).</summary>
    private async Task<(NetworkTokenRecord Record, NetworkToken Token)?> ChangeStatusAsync(
        NetworkTokenRecord record, LifecycleTransition transition, SuspensionParties party, string? reason, IdempotentReply<NetworkToken>? reply, CancellationToken cancellationToken)
    {
        FreeText.Require("reason", reason);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        bool deleted = transition.Status == NetworkTokenStatus.Deleted;
        var data = new NetworkTokenEventData(transition.Status.WireName(), record.Status.WireName(), party.WireName(), reason);
        VaultEvent change = Event(record, deleted ? VaultEventTypes.NetworkTokenDeleted : VaultEventTypes.NetworkTokenStatusChanged, data, now);
        NetworkTokenRecord changed = record with
        {
            Status = transition.Status,
            SuspendedBy = transition.SuspendedBy,
            CardCiphertext = deleted ? [] : record.CardCiphertext,
            TokenPanCiphertext = deleted ? [] : record.TokenPanCiphertext,
            UpdatedAt = now,
        };
        NetworkToken token = await ToTokenAsync(changed, cancellationToken);
        if (!await networkTokenStore.UpdateNetworkTokenStatusAsync(record, transition.Status, transition.SuspendedBy, deleted, now, change, reply?.Seal(token), cancellationToken))
        {
            return null;
        }

        reply?.MarkCommitted();
        LogStatusChanged(logger, record.Id, record.TenantId, record.Status, transition.Status, party);
        return (changed, token);
    }

    private async Task<NetworkToken> ToTokenAsync(NetworkTokenRecord record, CancellationToken cancellationToken)
    {
        string? cardholderName = null;
        if (record.CardCiphertext.Length > 0)
        {
            byte[] plaintext = await keyring.OpenAsync(record.TenantId, RecordKind.NetworkTokenCard, record.Id, record.CardCiphertext, cancellationToken);
            try
            {
                cardholderName = CardBlob.DecodeCardholderName(plaintext);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        }

        return ToToken(record, cardholderName);
    }

    private static NetworkToken ToToken(NetworkTokenRecord record, string? cardholderName) => new(
        record.Id,
        new MaskedCard(cardholderName, record.ExpiryMonth, record.ExpiryYear, record.MaskedAccountNumber, record.Scheme),
        record.CreatedAt,
        record.Type,
        record.Status,
        record.SuspendedBy,
        record.SchemeReference,
        record.PciTokenId,
        TokenMetadata.Deserialize(record.MetadataJson));

    /// <summary>The token PAN, for the deliberate data-out of a value-mode cryptogram.</summary>
    private async Task<string> OpenTokenPanAsync(NetworkTokenRecord record, CancellationToken cancellationToken)
    {
        byte[] plaintext = await keyring.OpenAsync(record.TenantId, RecordKind.NetworkTokenPan, record.Id, record.TokenPanCiphertext, cancellationToken);
        try
        {
            return System.Text.Encoding.ASCII.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    internal static byte[] ReferenceDigest(TenantKeySet keys, string reference) =>
        keys.KeyedDigest("nt-cryptogram-reference/v1", System.Text.Encoding.ASCII.GetBytes(reference));

    private static NetworkTokenResult Conflict() => new(NetworkTokenOutcome.Conflict, Message: "A live network token already exists for this card.");

    private static VaultEvent Event(NetworkTokenRecord record, string type, NetworkTokenEventData data, DateTimeOffset now) =>
        new(Guid.CreateVersion7(now), record.TenantId, type, record.Id.ToString(), JsonSerializer.Serialize(data, CoreJson.Default.NetworkTokenEventData), now);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Provisioned {Type} network token {TokenId} for tenant {TenantId} ({Status})")]
    private static partial void LogCreated(ILogger logger, Guid tokenId, Guid tenantId, NetworkTokenType type, NetworkTokenStatus status);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Token service declined provisioning for tenant {TenantId} ({Scheme})")]
    private static partial void LogDeclined(ILogger logger, Guid tenantId, CardScheme scheme);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Network token {TokenId} of tenant {TenantId}: {From} -> {To} by {Party}")]
    private static partial void LogStatusChanged(ILogger logger, Guid tokenId, Guid tenantId, NetworkTokenStatus from, NetworkTokenStatus to, SuspensionParties party);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Issued cryptogram {Counter} of network token {TokenId} (tenant {TenantId}, reference mode: {ReferenceMode})")]
    private static partial void LogCryptogram(ILogger logger, Guid tokenId, Guid tenantId, long counter, bool referenceMode);
}
