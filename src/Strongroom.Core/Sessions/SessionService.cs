using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Cards;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Tokens;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Sessions;

/// <summary>A session as its readers see it: the status at this moment, the options it carries and the card it produced or is bound to.</summary>
public sealed record SessionView(SessionRecord Record, SessionStatus Status, TokenOptions Options, MaskedCard? Card, int AttemptsRemaining)
{
    public Guid Id => Record.Id;
}

public enum SessionCompletionOutcome
{
    Completed,

    /// <summary>The card data failed validation; the attempt was counted (and may have locked the session).</summary>
    Invalid,
    NotFound,
    AlreadyCompleted,
    Expired,
    Locked,
}

/// <summary>The result of one completion attempt. <see cref="Session"/> is set except for <see cref="SessionCompletionOutcome.NotFound"/>.</summary>
public sealed record SessionCompletion(SessionCompletionOutcome Outcome, SessionView? Session, IReadOnlyList<CardFieldError> Errors);

/// <summary>
/// The card-entry session lifecycle behind the SAQ-A flow: a merchant's server opens a session, the
/// cardholder's browser completes it once on the hosted form (or the merchant's own page), and the
/// merchant's server reads the outcome. created → completed | locked | expired; completion is a
/// compare-and-set in the same transaction as the token insert, so a session yields at most one token.
/// </summary>
public sealed partial class SessionService(
    ISessionStore sessionStore, ISettingsStore settingsStore,
    PciTokenService tokens,
    NetworkTokenService networkTokens,
    TimeProvider time,
    IOptions<VaultOptions> options,
    CardRulesService cardRules,
    Audit.AuditLog audit,
    ILogger<SessionService> logger)
{
    /// <summary>Opens a session that will create a PCI token with <paramref name="tokenOptions"/> (Guardian <c>source.type = session</c>).</summary>
    public Task<SessionRecord> CreateForPciTokenAsync(Guid tenantId, TokenOptions tokenOptions, CancellationToken cancellationToken, IdempotentReply<SessionRecord>? reply = null)
    {
        FreeText.Require("metadata", tokenOptions.Metadata);
        return InsertAsync(tenantId, SessionKind.PciToken, null, JsonSerializer.Serialize(tokenOptions, CoreJson.Default.TokenOptions), reply, cancellationToken);
    }

    /// <summary>Opens a session that will provision a network token with <paramref name="metadata"/> (Guardian network token <c>source.type = session</c>).</summary>
    public Task<SessionRecord> CreateForNetworkTokenAsync(Guid tenantId, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken, IdempotentReply<SessionRecord>? reply = null)
    {
        FreeText.Require("metadata", metadata);
        return InsertAsync(tenantId, SessionKind.NetworkToken, null, JsonSerializer.Serialize(new TokenOptions(null, metadata), CoreJson.Default.TokenOptions), reply, cancellationToken);
    }

    /// <summary>Opens a session through which the cardholder re-enters only the security code; null when the token does not exist.</summary>
    public async Task<SessionRecord?> CreateForSecurityCodeAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken, IdempotentReply<SessionRecord>? reply = null) =>
        await tokens.ExistsAsync(tenantId, tokenId, cancellationToken)
            ? await InsertAsync(tenantId, SessionKind.SecurityCode, tokenId, null, reply, cancellationToken)
            : null;

    /// <summary>The tenant's session (merchant server); null when absent, purged or another tenant's.</summary>
    public async Task<SessionView?> GetAsync(Guid tenantId, Guid sessionId, CancellationToken cancellationToken)
    {
        SessionRecord? record = await sessionStore.GetSessionAsync(tenantId, sessionId, cancellationToken);
        return record is null ? null : await ViewAsync(record, cancellationToken);
    }

    /// <summary>The session by its id alone (hosted form: the id is the cardholder's capability).</summary>
    public async Task<SessionView?> FindAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        SessionRecord? record = await sessionStore.FindSessionAsync(sessionId, cancellationToken);
        return record is null ? null : await ViewAsync(record, cancellationToken);
    }

    /// <summary>
    /// Completes the session with what the cardholder entered: the whole card for a PCI-token session, only
    /// <see cref="CardInput.SecurityCode"/> for a security-code session. Validation is the PAN source's.
    /// </summary>
    public async Task<SessionCompletion> CompleteAsync(Guid sessionId, CardInput input, CancellationToken cancellationToken)
    {
        SessionRecord? record = await sessionStore.FindSessionAsync(sessionId, cancellationToken);
        if (record is null)
        {
            return new(SessionCompletionOutcome.NotFound, null, []);
        }

        DateTimeOffset now = time.GetUtcNow();
        if (Closed(record, now) is { } closed)
        {
            return new(closed, await ViewAsync(record, cancellationToken), []);
        }

        var errors = new List<CardFieldError>();
        bool completed;
        if (record.Kind == SessionKind.SecurityCode)
        {
            PciTokenRecord? token = record.TokenId is Guid tokenId ? await tokens.FindRecordAsync(record.TenantId, tokenId, cancellationToken) : null;
            if (token is null)
            {
                // The token was deleted or expired after the session opened: nothing left to attach a code to.
                return new(SessionCompletionOutcome.NotFound, null, []);
            }

            string? securityCode = await ValidateSecurityCodeAsync(record.TenantId, input.SecurityCode, token.Scheme, errors, cancellationToken);
            if (securityCode is null)
            {
                return await FailAsync(record, errors, cancellationToken);
            }

            DateTimeOffset completedAt = time.GetUtcNowMilliseconds();
            completed = await sessionStore.TryCompleteSessionAsync(record.Id, token.Id, completedAt,
                new SessionCompletionWrites(Events: [VaultEvents.SessionCompleted(record.TenantId, record.Id, record.Kind, "pci_token_id", token.Id, completedAt)]), cancellationToken) == SessionWriteResult.Completed;
            if (completed)
            {
                tokens.KeepSecurityCode(token, securityCode);
            }
        }
        else
        {
            ValidCard? card = await cardRules.ValidateAsync(record.TenantId, input, now, errors, cancellationToken);
            if (card is null)
            {
                return await FailAsync(record, errors, cancellationToken);
            }

            TokenOptions tokenOptions = ReadOptions(record);
            if (record.Kind == SessionKind.NetworkToken)
            {
                NetworkTokenResult result = await networkTokens.CreateAsync(record.TenantId, card, tokenOptions.Metadata, null, cancellationToken, record.Id);
                if (result.Outcome is NetworkTokenOutcome.UnsupportedScheme or NetworkTokenOutcome.Declined or NetworkTokenOutcome.Conflict)
                {
                    // The network's answer about this card: the cardholder may try another one.
                    errors.Add(new(CardField.AccountNumber, result.Message ?? "This card cannot be tokenized."));
                    return await FailAsync(record, errors, cancellationToken);
                }

                completed = result.Outcome == NetworkTokenOutcome.Done;
            }
            else
            {
                SealedPciToken token = await tokens.SealAsync(record.TenantId, card, tokenOptions, reply: null, cancellationToken);
                PciTokenRecord created = token.Record;
                completed = await tokens.CommitAsync(token, async () => await sessionStore.TryCompleteSessionAsync(record.Id, created.Id, created.CreatedAt,
                    new SessionCompletionWrites(PciToken: created, Events:
                    [
                        VaultEvents.PciTokenCreated(created),
                        VaultEvents.SessionCompleted(record.TenantId, record.Id, SessionKind.PciToken, "pci_token_id", created.Id, created.CreatedAt),
                    ]), cancellationToken) == SessionWriteResult.Completed) is not null;
            }
        }

        SessionRecord current = await sessionStore.FindSessionAsync(record.Id, cancellationToken) ?? record;
        if (!completed)
        {
            // Another request completed, locked or outlived the session between our read and our write.
            return new(Closed(current, time.GetUtcNow()) ?? SessionCompletionOutcome.AlreadyCompleted, await ViewAsync(current, cancellationToken), []);
        }

        LogCompleted(logger, record.Id, record.TenantId, record.Kind);
        return new(SessionCompletionOutcome.Completed, await ViewAsync(current, cancellationToken), []);
    }

    /// <summary>The origins allowed to frame the tenant's hosted form and receive its result (see <see cref="HostedFormOrigins"/>).</summary>
    public async Task<IReadOnlyList<string>> GetAllowedOriginsAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        string? json = await settingsStore.GetTenantSettingAsync(tenantId, HostedFormOrigins.SettingName, cancellationToken);
        return json is null ? [] : JsonSerializer.Deserialize(json, CoreJson.Default.ListString) ?? [];
    }

    /// <summary>
    /// Replaces the tenant's allowed origins (the caller has normalized them with <see cref="HostedFormOrigins.TryNormalize"/>)
    /// and records the change, by <paramref name="actor"/>, in the audit log.
    /// </summary>
    public async Task SetAllowedOriginsAsync(Guid tenantId, IReadOnlyCollection<string> origins, Audit.Actor actor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(origins.Count, HostedFormOrigins.MaxOrigins);
        foreach (string origin in origins)
        {
            FreeText.Require("allowed_origins", origin);
        }

        string? json = origins.Count == 0 ? null : JsonSerializer.Serialize(origins.Distinct(StringComparer.Ordinal).ToList(), CoreJson.Default.ListString);
        await settingsStore.SetTenantSettingAsync(tenantId, HostedFormOrigins.SettingName, json, cancellationToken);
        await audit.RecordAsync(actor, Audit.AuditActions.HostedFormUpdated, tenantId, tenantId.ToString(), ("allowed_origins", string.Join(' ', origins)));
    }

    private static SessionCompletionOutcome? Closed(SessionRecord record, DateTimeOffset now) => record.StatusAt(now) switch
    {
        SessionStatus.Completed => SessionCompletionOutcome.AlreadyCompleted,
        SessionStatus.Locked => SessionCompletionOutcome.Locked,
        SessionStatus.Expired => SessionCompletionOutcome.Expired,
        _ => null,
    };

    private async Task<SessionCompletion> FailAsync(SessionRecord record, List<CardFieldError> errors, CancellationToken cancellationToken)
    {
        int max = options.Value.SessionMaxFailedAttempts;
        int? failed = await sessionStore.RecordFailedSessionAttemptAsync(record.Id, max, time.GetUtcNowMilliseconds(), cancellationToken);
        SessionRecord current = await sessionStore.FindSessionAsync(record.Id, cancellationToken) ?? record;
        if (failed is null)
        {
            return new(Closed(current, time.GetUtcNow()) ?? SessionCompletionOutcome.AlreadyCompleted, await ViewAsync(current, cancellationToken), []);
        }

        if (failed >= max)
        {
            LogLocked(logger, record.Id, record.TenantId, failed.Value);
        }

        return new(SessionCompletionOutcome.Invalid, await ViewAsync(current, cancellationToken), errors);
    }

    private async Task<string?> ValidateSecurityCodeAsync(Guid tenantId, string? value, CardScheme scheme, List<CardFieldError> errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(new(CardField.SecurityCode, "Security code is required."));
            return null;
        }

        if (await cardRules.SecurityCodeErrorAsync(tenantId, value, scheme, cancellationToken) is { } error)
        {
            errors.Add(new(CardField.SecurityCode, error));
            return null;
        }

        return value;
    }

    private async Task<SessionView> ViewAsync(SessionRecord record, CancellationToken cancellationToken)
    {
        SessionStatus status = record.StatusAt(time.GetUtcNow());
        MaskedCard? card = record.TokenId is not Guid tokenId ? null
            : record.Kind == SessionKind.NetworkToken ? (await networkTokens.GetAsync(record.TenantId, tokenId, cancellationToken))?.Card
            : (await tokens.GetAsync(record.TenantId, tokenId, cancellationToken))?.Card;
        int remaining = status == SessionStatus.Created ? Math.Max(0, options.Value.SessionMaxFailedAttempts - record.FailedAttempts) : 0;
        return new SessionView(record, status, ReadOptions(record), card, remaining);
    }

    private static TokenOptions ReadOptions(SessionRecord record) =>
        record.OptionsJson is null ? TokenOptions.None : JsonSerializer.Deserialize(record.OptionsJson, CoreJson.Default.TokenOptions) ?? TokenOptions.None;

    private async Task<SessionRecord> InsertAsync(Guid tenantId, SessionKind kind, Guid? tokenId, string? optionsJson, IdempotentReply<SessionRecord>? reply, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        var session = new SessionRecord(NewCapabilityId(), tenantId, kind, SessionStatus.Created, tokenId, optionsJson, now, now + options.Value.SessionTtl);
        await sessionStore.InsertSessionAsync(session, reply?.Seal(session), cancellationToken);
        reply?.MarkCommitted();
        LogCreated(logger, session.Id, tenantId, session.Kind);
        return session;
    }

    /// <summary>
    /// A version-4 UUID from the CSPRNG (122 random bits): the id alone lets a browser fill the session, so it must be
    /// unguessable, and <see cref="Guid.NewGuid"/> does not promise a cryptographic source on every platform.
    /// </summary>
    private static Guid NewCapabilityId()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Created {Kind} session {SessionId} for tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, Guid sessionId, Guid tenantId, SessionKind kind);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Completed {Kind} session {SessionId} of tenant {TenantId}")]
    private static partial void LogCompleted(ILogger logger, Guid sessionId, Guid tenantId, SessionKind kind);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Locked session {SessionId} of tenant {TenantId} after {FailedAttempts} failed attempts")]
    private static partial void LogLocked(ILogger logger, Guid sessionId, Guid tenantId, int failedAttempts);
}
