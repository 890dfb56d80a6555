using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Events;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Forwarding;

public enum ForwardOutcome
{
    Ready,
    NotFound,

    /// <summary>Placeholders that could not be filled (unknown, or data not available such as an expired security code).</summary>
    Unfilled,

    /// <summary>Already used (single-use token, cryptogram reference) or expired.</summary>
    Spent,

    /// <summary>The network token is not active.</summary>
    NotActive,
}

/// <summary>
/// A forward ready to send: the rendered body (card data inside — the sender zeroes it), the masker that scrubs the
/// destination's response of the secrets it carried, and what to do when it is over. <see cref="CompleteAsync"/> must be
/// called exactly once.
/// </summary>
public sealed class PreparedForward(byte[] body, ForwardResponseMasker masker, Func<bool, Task>? onComplete)
{
    public byte[] Body { get; } = body;

    /// <summary>Masks the card number, any security code filled in and other secrets in the destination's response.</summary>
    public ForwardResponseMasker Masker { get; } = masker;

    /// <summary>Reports whether the forward succeeded (a single-use reference is released again when it did not).</summary>
    public Task CompleteAsync(bool succeeded) => onComplete?.Invoke(succeeded) ?? Task.CompletedTask;
}

public sealed record ForwardPreparation(ForwardOutcome Outcome, PreparedForward? Forward = null, IReadOnlyList<string>? Unfilled = null, string? Message = null);

/// <summary>
/// Forwarding's vault side: the destination allowlist, and turning a token plus a body template into the body to
/// send, with the card data (or the network token's cryptogram) filled in. The HTTP call itself is the server's.
/// </summary>
public sealed class ForwardingService(
    IForwardingStore forwardingStore, INetworkTokenStore networkTokenStore, IPciTokenStore pciTokenStore, ISingleUseTokenStore singleUseTokenStore,
    TenantKeyring keyring,
    ISecurityCodeStore securityCodes,
    ITokenServiceProvider tokenService,
    Audit.AuditLog audit,
    TimeProvider time)
{
    public static readonly IReadOnlySet<string> CardPlaceholders = new HashSet<string>(StringComparer.Ordinal)
    {
        "account_number", "cardholder_name", "expiry_year", "expiry_month", "security_code",
    };

    public static readonly IReadOnlySet<string> CryptogramPlaceholders = new HashSet<string>(StringComparer.Ordinal)
    {
        "cryptogram", "dynamic_cvv", "eci", "expiry_month", "expiry_year", "number", "type", "scheme_reference", "network_token_id", "network_token_type",
    };

    /// <summary>Placeholders holding a security code: masked in the response when the forward filled them in.</summary>
    private static readonly string[] SecurityCodePlaceholders = ["security_code", "dynamic_cvv"];

    public Task<IReadOnlyList<ForwardDestination>> ListDestinationsAsync(Guid tenantId, CancellationToken cancellationToken) =>
        forwardingStore.ListForwardDestinationsAsync(tenantId, cancellationToken);

    /// <summary>The allowlisted destination <paramref name="url"/> falls under (same scheme, host and port), or null.</summary>
    public async Task<ForwardDestination?> MatchAsync(Guid tenantId, Uri url, CancellationToken cancellationToken) =>
        (await forwardingStore.ListForwardDestinationsAsync(tenantId, cancellationToken)).FirstOrDefault(d => d.Matches(url));

    /// <summary>
    /// Replaces the allowlist (client identities, PEM certificate and key, are sealed under the tenant's DEK), records
    /// the change by <paramref name="actor"/> in the audit log, and returns the allowlist as stored.
    /// </summary>
    public async Task<IReadOnlyList<ForwardDestination>> ReplaceDestinationsAsync(
        Guid tenantId, IReadOnlyList<(ForwardDestination Destination, string? ClientIdentityPem)> destinations, Audit.Actor actor, CancellationToken cancellationToken)
    {
        foreach ((ForwardDestination destination, _) in destinations)
        {
            FreeText.Require("url", destination.Origin);
        }

        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        var sealedDestinations = destinations.Select(d => d.ClientIdentityPem is null
            ? d.Destination
            : d.Destination with { ClientIdentity = keys.Seal(RecordKind.ForwardClientIdentity, d.Destination.Id, Encoding.UTF8.GetBytes(d.ClientIdentityPem)) }).ToList();
        await forwardingStore.ReplaceForwardDestinationsAsync(tenantId, sealedDestinations, cancellationToken);
        IReadOnlyList<ForwardDestination> stored = await forwardingStore.ListForwardDestinationsAsync(tenantId, cancellationToken);
        await audit.RecordAsync(actor, Audit.AuditActions.ForwardDestinationsUpdated, tenantId, tenantId.ToString(), ("destinations", string.Join(' ', stored.Select(d => d.Origin))));
        return stored;
    }

    /// <summary>The destination's client certificate and key as PEM (for mTLS), or null.</summary>
    public async Task<string?> OpenClientIdentityAsync(ForwardDestination destination, CancellationToken cancellationToken)
    {
        if (destination.ClientIdentity is null)
        {
            return null;
        }

        return Encoding.UTF8.GetString(await keyring.OpenAsync(destination.TenantId, RecordKind.ForwardClientIdentity, destination.Id, destination.ClientIdentity, cancellationToken));
    }

    /// <summary>Card data of a PCI token into <paramref name="template"/>.</summary>
    public async Task<ForwardPreparation> PreparePciTokenAsync(Guid tenantId, Guid tokenId, string template, CancellationToken cancellationToken)
    {
        PciTokenRecord? token = await pciTokenStore.GetPciTokenAsync(tenantId, tokenId, time.GetUtcNow(), cancellationToken);
        if (token is null)
        {
            return new(ForwardOutcome.NotFound);
        }

        (Pan pan, string? name) = await OpenCardAsync(tenantId, RecordKind.PciToken, token.Id, token.Ciphertext, cancellationToken);
        ForwardValues values = CardValues(pan, name, token.ExpiryMonth, token.ExpiryYear, securityCodes.Read(tenantId, token.Id));
        return Render(template, CardPlaceholders, values, [pan.Reveal()], [], null);
    }

    /// <summary>
    /// Card data of a single-use token into <paramref name="template"/>, using the token up (compare-and-set) once the
    /// body renders: a second forward or use fails.
    /// </summary>
    public async Task<ForwardPreparation> PrepareSingleUseTokenAsync(Guid tenantId, string publicId, string template, CancellationToken cancellationToken)
    {
        SingleUseTokenRecord? token = await singleUseTokenStore.GetSingleUseTokenAsync(tenantId, publicId, cancellationToken);
        if (token is null)
        {
            return new(ForwardOutcome.NotFound);
        }

        if (token.UsedAt is not null || token.ExpiresAt <= time.GetUtcNow())
        {
            return new(ForwardOutcome.Spent, Message: token.UsedAt is not null ? "The single-use token has already been used." : "The single-use token has expired.");
        }

        (Pan pan, string? name) = await OpenCardAsync(tenantId, RecordKind.SingleUseToken, token.Id, token.Ciphertext, cancellationToken);
        ForwardValues values = CardValues(pan, name, token.ExpiryMonth, token.ExpiryYear, securityCodes.Read(tenantId, token.Id));
        ForwardPreparation prepared = Render(template, CardPlaceholders, values, [pan.Reveal()], [], null);
        if (prepared.Outcome != ForwardOutcome.Ready)
        {
            return prepared;
        }

        DateTimeOffset usedAt = time.GetUtcNowMilliseconds();
        if (!await singleUseTokenStore.TryUseSingleUseTokenAsync(tenantId, publicId, usedAt, null, [VaultEvents.CardTokenUsed(tenantId, publicId, "forward", null, usedAt)], completion: null, cancellationToken))
        {
            CryptographicOperations.ZeroMemory(prepared.Forward!.Body);
            return new(ForwardOutcome.Spent, Message: "The single-use token has already been used.");
        }

        securityCodes.Remove(tenantId, token.Id);
        return prepared;
    }

    /// <summary>
    /// A network token's cryptogram (named by a reference from the cryptogram endpoint's reference mode) into
    /// <paramref name="template"/>. The reference is reserved now and released if the forward fails, so it dies only
    /// with the first successful forward, and two concurrent forwards cannot both use it.
    /// </summary>
    public async Task<ForwardPreparation> PrepareCryptogramAsync(Guid tenantId, Guid networkTokenId, string reference, string template, CancellationToken cancellationToken)
    {
        NetworkTokenRecord? token = await networkTokenStore.GetNetworkTokenAsync(tenantId, networkTokenId, cancellationToken);
        if (token is null)
        {
            return new(ForwardOutcome.NotFound);
        }

        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        CryptogramRecord? cryptogram = await forwardingStore.GetCryptogramByReferenceAsync(tenantId, NetworkTokenService.ReferenceDigest(keys, reference), cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        if (cryptogram is null || cryptogram.TokenId != token.Id)
        {
            return new(ForwardOutcome.Spent, Message: "The cryptogram reference is unknown for this network token.");
        }

        if (cryptogram.ReferenceRedeemedAt is not null || cryptogram.UsedAt is not null || cryptogram.ExpiresAt <= now)
        {
            return new(ForwardOutcome.Spent, Message: cryptogram.ExpiresAt <= now ? "The cryptogram reference has expired." : "The cryptogram reference has already been used.");
        }

        if (token.Status != NetworkTokenStatus.Active)
        {
            return new(ForwardOutcome.NotActive, Message: $"The network token is {token.Status.WireName()}.");
        }

        CryptogramMaterial material = tokenService.ComputeCryptogram(keys, token, cryptogram.Counter, cryptogram.Amount, cryptogram.Currency);
        byte[] tokenPanBytes = await keyring.OpenAsync(tenantId, RecordKind.NetworkTokenPan, token.Id, token.TokenPanCiphertext, cancellationToken);
        string tokenPan;
        try
        {
            tokenPan = Encoding.ASCII.GetString(tokenPanBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tokenPanBytes);
        }

        var values = new ForwardValues();
        values.Add("cryptogram", material.Cryptogram);
        values.Add("dynamic_cvv", material.DynamicCvv);
        values.Add("eci", material.Eci);
        values.Add("type", material.Type);
        values.Add("number", tokenPan);
        values.Add("expiry_month", token.TokenExpiryMonth.ToString("D2", CultureInfo.InvariantCulture), token.TokenExpiryMonth.ToString(CultureInfo.InvariantCulture));
        values.Add("expiry_year", token.TokenExpiryYear.ToString(CultureInfo.InvariantCulture), token.TokenExpiryYear.ToString(CultureInfo.InvariantCulture));
        values.Add("scheme_reference", token.SchemeReference);
        values.Add("network_token_id", token.Id.ToString());
        values.Add("network_token_type", token.Type.WireName());
        ForwardPreparation prepared = Render(template, CryptogramPlaceholders, values, [tokenPan], [(material.Cryptogram, "[cryptogram]")], null);
        if (prepared.Outcome != ForwardOutcome.Ready)
        {
            return prepared;
        }

        if (!await forwardingStore.TryRedeemCryptogramReferenceAsync(tenantId, token.Id, cryptogram.Counter, now, cancellationToken))
        {
            CryptographicOperations.ZeroMemory(prepared.Forward!.Body);
            return new(ForwardOutcome.Spent, Message: "The cryptogram reference has already been used.");
        }

        PreparedForward forward = prepared.Forward!;
        return new(ForwardOutcome.Ready, new PreparedForward(forward.Body, forward.Masker, async succeeded =>
        {
            if (!succeeded)
            {
                await forwardingStore.ReleaseCryptogramReferenceAsync(tenantId, token.Id, cryptogram.Counter, now, CancellationToken.None);
            }
        }));
    }

    private static ForwardValues CardValues(Pan pan, string? name, int month, int year, string? securityCode)
    {
        var values = new ForwardValues();
        values.Add("account_number", pan.Reveal());
        values.Add("cardholder_name", name);
        values.Add("expiry_month", month.ToString("D2", CultureInfo.InvariantCulture), month.ToString(CultureInfo.InvariantCulture));
        values.Add("expiry_year", year.ToString(CultureInfo.InvariantCulture), year.ToString(CultureInfo.InvariantCulture));
        if (securityCode is null)
        {
            values.AddUnavailable("security_code");
        }
        else
        {
            values.Add("security_code", securityCode);
        }

        if (name is null)
        {
            values.AddUnavailable("cardholder_name");
        }

        return values;
    }

    private static ForwardPreparation Render(
        string template, IReadOnlySet<string> known, ForwardValues values, IReadOnlyList<string> pans, IReadOnlyList<(string, string)> literals, Func<bool, Task>? complete)
    {
        byte[]? body = ForwardPlaceholders.Render(template, known, values, out IReadOnlyList<string> unfilled, out IReadOnlySet<string> filled);
        if (body is null)
        {
            return new(ForwardOutcome.Unfilled, Unfilled: unfilled);
        }

        // A security code is masked only when this forward sent it: a 3-digit run elsewhere in a response is usually something else.
        List<string> securityCodes = [.. SecurityCodePlaceholders.Where(filled.Contains)
            .Select(name => values.TryGet(name, out (string Text, string? Native) value) ? value.Text : null).OfType<string>()];
        var masker = new ForwardResponseMasker(pans, securityCodes, ForwardPlaceholders.WithJsonForms(literals));
        return new(ForwardOutcome.Ready, new PreparedForward(body, masker, complete));
    }

    private async Task<(Pan Pan, string? Name)> OpenCardAsync(Guid tenantId, RecordKind kind, Guid id, byte[] ciphertext, CancellationToken cancellationToken)
    {
        byte[] plaintext = await keyring.OpenAsync(tenantId, kind, id, ciphertext, cancellationToken);
        try
        {
            return (CardBlob.DecodePan(plaintext), CardBlob.DecodeCardholderName(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
