using System.Text.Json;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Cards;

/// <summary>
/// Reads and writes a tenant's <see cref="CardRules"/>, and validates cards under them. The tenant's setting is read only when a
/// stricter rule could change the answer (a security code whose length is not its scheme's), so the usual request costs nothing.
/// </summary>
public sealed class CardRulesService(ISettingsStore store, Audit.AuditLog audit)
{
    private const string SchemeLengthsProperty = "scheme_security_code_lengths";

    public async Task<CardRules> GetAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        string? json = await store.GetTenantSettingAsync(tenantId, CardRules.SettingName, cancellationToken);
        if (json is null)
        {
            return CardRules.Default;
        }

        using JsonDocument document = JsonDocument.Parse(json);
        return new CardRules(document.RootElement.TryGetProperty(SchemeLengthsProperty, out JsonElement value) && value.ValueKind == JsonValueKind.True);
    }

    /// <summary>Replaces the tenant's rules and records the change, by <paramref name="actor"/>, in the audit log.</summary>
    public async Task SetAsync(Guid tenantId, CardRules rules, Audit.Actor actor, CancellationToken cancellationToken)
    {
        string schemeLengths = rules.SchemeSecurityCodeLengths ? "true" : "false";
        string? json = rules == CardRules.Default ? null : $$"""{"{{SchemeLengthsProperty}}":{{schemeLengths}}}""";
        await store.SetTenantSettingAsync(tenantId, CardRules.SettingName, json, cancellationToken);
        await audit.RecordAsync(actor, Audit.AuditActions.CardRulesUpdated, tenantId, tenantId.ToString(), (SchemeLengthsProperty, schemeLengths));
    }

    /// <summary><see cref="CardValidator.Validate"/> plus the tenant's stricter rules.</summary>
    public async Task<ValidCard?> ValidateAsync(Guid tenantId, CardInput input, DateTimeOffset now, List<CardFieldError> errors, CancellationToken cancellationToken)
    {
        ValidCard? card = CardValidator.Validate(input, now, errors);
        if (input.SecurityCode is { } code && !errors.Exists(e => e.Field == CardField.SecurityCode) && Pan.TryParse(input.AccountNumber, out Pan? pan, out _)
            && await SecurityCodeErrorAsync(tenantId, code, pan!.Scheme, cancellationToken) is { } error)
        {
            errors.Add(new(CardField.SecurityCode, error));
            return null;
        }

        return card;
    }

    /// <summary>The failed security-code rule for <paramref name="scheme"/> under the tenant's rules, or null.</summary>
    public async Task<string?> SecurityCodeErrorAsync(Guid tenantId, string code, CardScheme scheme, CancellationToken cancellationToken)
    {
        if (SecurityCode.Validate(code, scheme) is { } error)
        {
            return error;
        }

        return SecurityCode.SchemeLengthError(code, scheme) is { } strict && (await GetAsync(tenantId, cancellationToken)).SchemeSecurityCodeLengths ? strict : null;
    }
}
