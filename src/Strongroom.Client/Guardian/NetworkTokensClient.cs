using Strongroom.Client.Http;

namespace Strongroom.Client.Guardian;

/// <summary>Guardian's network tokens (<c>/api/network/tokens</c>): provisioning, lifecycle, events, cryptograms and their forward.</summary>
public sealed class NetworkTokensClient
{
    /// <summary>The header carrying a reference-mode cryptogram to the forward route.</summary>
    public const string CryptogramReferenceHeader = "x-cryptogram-reference";

    private const string Path = "/api/network/tokens";

    private readonly GuardianTransport _transport;

    internal NetworkTokensClient(GuardianTransport transport) => _transport = transport;

    /// <summary>Provisions a network token from a card (Visa, Mastercard, American Express, Discover; others are a 422).</summary>
    public Task<NetworkToken> CreateAsync(CardDetails card, IReadOnlyDictionary<string, string>? metadata = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        var source = new TokenSourceWire("pan", card.AccountNumber, card.ExpiryMonth, card.ExpiryYear, card.SecurityCode, card.CardholderName);
        return CreateAsync(source, metadata, GuardianJsonContext.Default.NetworkToken, idempotencyKey, cancellationToken);
    }

    /// <summary>Provisions a network token for the card of a PCI token (the two lifecycles stay independent).</summary>
    public Task<NetworkToken> CreateFromPciTokenAsync(Guid pciTokenId, IReadOnlyDictionary<string, string>? metadata = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        CreateAsync(new TokenSourceWire("pci_token", PciTokenId: pciTokenId), metadata, GuardianJsonContext.Default.NetworkToken, idempotencyKey, cancellationToken);

    /// <summary>Opens a card-entry session whose completion provisions a network token.</summary>
    public Task<SessionCreated> CreateSessionAsync(IReadOnlyDictionary<string, string>? metadata = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        CreateAsync(new TokenSourceWire("session"), metadata, GuardianJsonContext.Default.SessionCreated, idempotencyKey, cancellationToken);

    /// <summary>The token and its state.</summary>
    public Task<NetworkToken> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Get, $"{Path}/{GuardianTransport.Id(id)}", GuardianJsonContext.Default.NetworkToken, cancellationToken);

    /// <summary>Deletes the token (terminal): the vault erases the token number and the card.</summary>
    public Task<NetworkToken> DeleteAsync(Guid id, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Delete, $"{Path}/{GuardianTransport.Id(id)}", GuardianJsonContext.Default.NetworkToken, cancellationToken);

    /// <summary>Suspends the token as the merchant; other parties' suspensions are held separately.</summary>
    public Task<NetworkToken> SuspendAsync(Guid id, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, "suspend", reason, idempotencyKey, cancellationToken);

    /// <summary>Lifts the merchant's suspension; the token is active again only when no other party still suspends it.</summary>
    public Task<NetworkToken> ResumeAsync(Guid id, string? reason = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, "resume", reason, idempotencyKey, cancellationToken);

    /// <summary>The token's events, oldest first.</summary>
    public async Task<IReadOnlyList<NetworkTokenEvent>> ListEventsAsync(Guid id, CancellationToken cancellationToken = default) =>
        (await _transport.SendAsync(HttpMethod.Get, $"{Path}/{GuardianTransport.Id(id)}/events", GuardianJsonContext.Default.EventListWire, cancellationToken)).Data;

    /// <summary>Requests a single-use cryptogram (needs <c>data:out</c>); 409 when the token is not active.</summary>
    public Task<IssuedCryptogram> CreateCryptogramAsync(Guid id, CryptogramRequest? request = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        request ??= new CryptogramRequest();
        var wire = new CryptogramRequestWire(request.Amount, request.Currency, request.Mode == CryptogramMode.Reference ? "reference" : "value");
        return _transport.SendAsync(HttpMethod.Post, $"{Path}/{GuardianTransport.Id(id)}/cryptograms", wire, GuardianJsonContext.Default.CryptogramRequestWire,
            GuardianJsonContext.Default.IssuedCryptogram, idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Forwards a reference-mode cryptogram (placeholders <c>cryptogram</c>, <c>dynamic_cvv</c>, <c>eci</c>, <c>expiry_month</c>,
    /// <c>expiry_year</c>, <c>number</c>, <c>type</c>, <c>scheme_reference</c>, <c>network_token_id</c>, <c>network_token_type</c>).
    /// The reference dies with the first 2xx forward.
    /// </summary>
    public Task<ForwardedResponse> ForwardCryptogramAsync(Guid id, string cryptogramReference, ForwardRequest forward, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cryptogramReference);
        return Forwarder.SendAsync(_transport.Http, $"{Path}/{GuardianTransport.Id(id)}/forward", forward, [new(CryptogramReferenceHeader, cryptogramReference)],
            async (r, c) => await GuardianTransport.ErrorOfAsync(r, c), cancellationToken);
    }

    private Task<NetworkToken> ChangeAsync(Guid id, string action, string? reason, string? idempotencyKey, CancellationToken cancellationToken) =>
        _transport.SendAsync(HttpMethod.Post, $"{Path}/{GuardianTransport.Id(id)}/{action}", new ReasonWire(reason), GuardianJsonContext.Default.ReasonWire,
            GuardianJsonContext.Default.NetworkToken, idempotencyKey, cancellationToken);

    private Task<T> CreateAsync<T>(TokenSourceWire source, IReadOnlyDictionary<string, string>? metadata, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> responseType, string? idempotencyKey, CancellationToken cancellationToken) =>
        _transport.SendAsync(HttpMethod.Post, Path, new TokenCreateWire(source, null, metadata), GuardianJsonContext.Default.TokenCreateWire, responseType, idempotencyKey, cancellationToken);
}
