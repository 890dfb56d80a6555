namespace Strongroom.Client.WhiteBit;

/// <summary>
/// The WhiteBIT v4 dialect: sub-accounts, their API keys and fiat-gateway JWTs. Every call is a POST signed by
/// <see cref="WhiteBitSigningHandler"/>, which must be in the <see cref="HttpClient"/>'s pipeline (the DI registration
/// <see cref="StrongroomClientServiceCollectionExtensions.AddStrongroomWhiteBitClient"/> puts it there). Every failure is a
/// <see cref="WhiteBitApiException"/>.
/// </summary>
public sealed class WhiteBitClient
{
    private readonly HttpClient _http;

    public WhiteBitClient(HttpClient http) => _http = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary>Creates a sub-account of the key's account.</summary>
    public Task<WhiteBitSubAccount> CreateSubAccountAsync(string alias, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v4/sub-account/create", new AliasWire(alias), WhiteBitJsonContext.Default.AliasWire, WhiteBitJsonContext.Default.WhiteBitSubAccount, cancellationToken);

    /// <summary>The account's sub-accounts (limit 1–100, offset 0–10000).</summary>
    public Task<WhiteBitPage<WhiteBitSubAccount>> ListSubAccountsAsync(int limit = 30, int offset = 0, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v4/sub-account/list", new PagingWire(limit, offset), WhiteBitJsonContext.Default.PagingWire, WhiteBitJsonContext.Default.WhiteBitPageWhiteBitSubAccount, cancellationToken);

    /// <summary>Creates an API key for a sub-account; <paramref name="type"/> 2 adds <c>data:out</c>. The secret is in the answer only.</summary>
    public Task<WhiteBitApiKey> CreateApiKeyAsync(string subAccountId, int type, string? title = null, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v4/sub-account/api-key/create", new KeyCreateWire(subAccountId, type, title), WhiteBitJsonContext.Default.KeyCreateWire, WhiteBitJsonContext.Default.WhiteBitApiKey, cancellationToken);

    /// <summary>A sub-account's API keys (secrets empty).</summary>
    public Task<WhiteBitPage<WhiteBitApiKey>> ListApiKeysAsync(string subAccountId, int limit = 30, int offset = 0, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v4/sub-account/api-key/list", new PagingWire(limit, offset, subAccountId), WhiteBitJsonContext.Default.PagingWire, WhiteBitJsonContext.Default.WhiteBitPageWhiteBitApiKey, cancellationToken);

    /// <summary>Changes a key's title, enabled flag or endpoint restriction.</summary>
    public Task<WhiteBitApiKey> EditApiKeyAsync(WhiteBitApiKeyEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var wire = new KeyEditWire(edit.SubAccountId, edit.ApiKeyId, edit.Title, edit.IsEnabled, edit.RestrictAccess, edit.AccessEndpoints?.Select(name => new AccessEndpointNameWire(name)).ToList());
        return PostAsync("/api/v4/sub-account/api-key/edit", wire, WhiteBitJsonContext.Default.KeyEditWire, WhiteBitJsonContext.Default.WhiteBitApiKey, cancellationToken);
    }

    /// <summary>Deletes a key.</summary>
    public Task DeleteApiKeyAsync(string subAccountId, string apiKeyId, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v4/sub-account/api-key/delete", new KeyIdWire(subAccountId, apiKeyId), WhiteBitJsonContext.Default.KeyIdWire, WhiteBitJsonContext.Default.EmptyWire, cancellationToken);

    /// <summary>Gives a key a new secret, shown once in the answer.</summary>
    public Task<WhiteBitApiKey> ResetApiKeyAsync(string subAccountId, string apiKeyId, CancellationToken cancellationToken = default) =>
        PostAsync("/api/v4/sub-account/api-key/reset", new KeyIdWire(subAccountId, apiKeyId), WhiteBitJsonContext.Default.KeyIdWire, WhiteBitJsonContext.Default.WhiteBitApiKey, cancellationToken);

    /// <summary>Issues a short-lived JWT for the fiat gateway, bound to the calling key's (sub-)account.</summary>
    public async Task<GatewayJwt> IssueJwtAsync(CancellationToken cancellationToken = default)
    {
        JwtResponseWire response = await PostAsync("/api/v4/jwt", new EmptyWire(), WhiteBitJsonContext.Default.EmptyWire, WhiteBitJsonContext.Default.JwtResponseWire, cancellationToken);
        return new GatewayJwt(response.Data.Token, DateTimeOffset.FromUnixTimeSeconds(response.Data.ExpiresAt));
    }

    private Task<TResponse> PostAsync<TRequest, TResponse>(
        string path, TRequest body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TRequest> requestType,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken) =>
        WhiteBitTransport.PostAsync(_http, path, body, requestType, responseType, null, cancellationToken);
}
