using System.Globalization;
using System.Runtime.CompilerServices;
using Strongroom.Client.Http;

namespace Strongroom.Client.Guardian;

/// <summary>Guardian's PCI tokens (<c>/api/pci/tokens</c>), their security-code sub-resource and the card-data forward.</summary>
public sealed class PciTokensClient
{
    /// <summary>The vault's largest page.</summary>
    public const int MaxPageSize = 100;

    private const string Path = "/api/pci/tokens";

    private readonly GuardianTransport _transport;

    internal PciTokensClient(GuardianTransport transport) => _transport = transport;

    /// <summary>Tokenizes a card (<c>source.type = pan</c>).</summary>
    public Task<PciToken> CreateAsync(CardDetails card, TokenOptions? options = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        var source = new TokenSourceWire("pan", card.AccountNumber, card.ExpiryMonth, card.ExpiryYear, card.SecurityCode, card.CardholderName);
        return CreateAsync(source, options, GuardianJsonContext.Default.PciToken, idempotencyKey, cancellationToken);
    }

    /// <summary>Opens a card-entry session (<c>source.type = session</c>): the cardholder enters the card, the vault makes the token.</summary>
    public Task<SessionCreated> CreateSessionAsync(TokenOptions? options = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        CreateAsync(new TokenSourceWire("session"), options, GuardianJsonContext.Default.SessionCreated, idempotencyKey, cancellationToken);

    /// <summary>Uses up a Tap single-use token (<c>tok_…</c>) into a PCI token; 409 when it was already used or has expired.</summary>
    public Task<PciToken> CreateFromSingleUseTokenAsync(string singleUseTokenId, TokenOptions? options = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(singleUseTokenId);
        return CreateAsync(new TokenSourceWire("single_use_token", TokenId: singleUseTokenId), options, GuardianJsonContext.Default.PciToken, idempotencyKey, cancellationToken);
    }

    /// <summary>The token with its masked card.</summary>
    public Task<PciToken> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Get, $"{Path}/{GuardianTransport.Id(id)}", GuardianJsonContext.Default.PciToken, cancellationToken);

    /// <summary>One page of the tenant's tokens, oldest first; pass the previous page's <see cref="PciTokenPage.NextCursor"/> as <paramref name="after"/>.</summary>
    public async Task<PciTokenPage> ListAsync(int limit = 20, Guid? after = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        string query = $"?limit={limit.ToString(CultureInfo.InvariantCulture)}" + (after is Guid cursor ? "&after=" + GuardianTransport.Id(cursor) : "");
        TokenListWire list = await _transport.SendAsync(HttpMethod.Get, Path + query, GuardianJsonContext.Default.TokenListWire, cancellationToken);
        return new PciTokenPage(list.Data, NextCursor(list.Links?.Next));
    }

    /// <summary>Every token of the tenant, page by page.</summary>
    public async IAsyncEnumerable<PciToken> ListAllAsync(int pageSize = MaxPageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Guid? after = null;
        do
        {
            PciTokenPage page = await ListAsync(pageSize, after, cancellationToken);
            foreach (PciToken token in page.Tokens)
            {
                yield return token;
            }

            after = page.NextCursor;
        }
        while (after is not null);
    }

    /// <summary>Deletes the token: the vault erases its card data and security code.</summary>
    public Task DeleteAsync(Guid id, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(HttpMethod.Delete, $"{Path}/{GuardianTransport.Id(id)}", cancellationToken);

    /// <summary>Whether the vault still holds a security code for the token (it keeps one only briefly, in memory).</summary>
    public async Task<bool> IsSecurityCodeAvailableAsync(Guid id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync(HttpMethod.Get, $"{Path}/{GuardianTransport.Id(id)}/security-code", GuardianJsonContext.Default.SecurityCodeAvailabilityWire, cancellationToken)).SecurityCodeAvailable;

    /// <summary>Opens a session through which the cardholder re-enters only the security code.</summary>
    public Task<SessionCreated> CreateSecurityCodeSessionAsync(Guid id, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Post, $"{Path}/{GuardianTransport.Id(id)}/security-code", GuardianJsonContext.Default.SessionCreated, cancellationToken, idempotencyKey);

    /// <summary>Forgets the token's security code.</summary>
    public Task DeleteSecurityCodeAsync(Guid id, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(HttpMethod.Delete, $"{Path}/{GuardianTransport.Id(id)}/security-code", cancellationToken);

    /// <summary>
    /// Forwards the token's card data (placeholders <c>account_number</c>, <c>cardholder_name</c>, <c>expiry_year</c>,
    /// <c>expiry_month</c>, <c>security_code</c>) to an allowlisted destination; needs <c>data:out</c>. Returns the
    /// destination's answer, whatever its status; throws <see cref="GuardianApiException"/> when the vault refuses.
    /// </summary>
    public Task<ForwardedResponse> ForwardAsync(Guid id, ForwardRequest forward, CancellationToken cancellationToken = default) =>
        Forwarder.SendAsync(_transport.Http, $"{Path}/{GuardianTransport.Id(id)}/forward", forward, [], async (r, c) => await GuardianTransport.ErrorOfAsync(r, c), cancellationToken);

    private Task<T> CreateAsync<T>(TokenSourceWire source, TokenOptions? options, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> responseType, string? idempotencyKey, CancellationToken cancellationToken) =>
        _transport.SendAsync(HttpMethod.Post, Path, new TokenCreateWire(source, options?.ExpiresIn, options?.Metadata), GuardianJsonContext.Default.TokenCreateWire, responseType, idempotencyKey, cancellationToken);

    /// <summary>The <c>after</c> cursor of <c>links.next</c> (<c>/api/pci/tokens?after=…&amp;limit=…</c>).</summary>
    internal static Guid? NextCursor(string? next)
    {
        if (next is null)
        {
            return null;
        }

        int start = next.IndexOf("after=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += "after=".Length;
        int end = next.IndexOf('&', start);
        return Guid.TryParse(end < 0 ? next[start..] : next[start..end], out Guid cursor) ? cursor : null;
    }
}
