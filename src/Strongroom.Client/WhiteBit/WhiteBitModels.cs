namespace Strongroom.Client.WhiteBit;

/// <summary>A sub-account. <see cref="CreatedAt"/> is Unix seconds, as WhiteBIT sends it.</summary>
public sealed record WhiteBitSubAccount(string Id, string Alias, string Status, long CreatedAt);

/// <summary>One page of a WhiteBIT list (<c>limit</c>/<c>offset</c> paging).</summary>
public sealed record WhiteBitPage<T>(int Limit, int Offset, IReadOnlyList<T> Data);

/// <summary>An endpoint a restricted key may call, e.g. <c>/api/v4/jwt</c>.</summary>
public sealed record WhiteBitAccessEndpoint(string Name, string Title);

/// <summary>
/// A sub-account API key. <see cref="ApiSecret"/> is filled only when the key is created or reset (shown once);
/// <see cref="ToString"/> never prints it.
/// </summary>
public sealed record WhiteBitApiKey(
    string SubAccountId,
    string Id,
    string Title,
    bool IsEnabled,
    string ApiKey,
    string ApiSecret,
    int Type,
    long LastActivity,
    bool RestrictAccess,
    IReadOnlyList<WhiteBitAccessEndpoint> AccessEndpoints)
{
    /// <summary>No secret in logs.</summary>
    public override string ToString() =>
        $"WhiteBitApiKey {{ Id = {Id}, SubAccountId = {SubAccountId}, ApiKey = {ApiKey}, Type = {Type}, IsEnabled = {IsEnabled}, RestrictAccess = {RestrictAccess} }}";
}

/// <summary>The changes of <c>/api/v4/sub-account/api-key/edit</c>; null fields stay as they are.</summary>
public sealed record WhiteBitApiKeyEdit(
    string SubAccountId,
    string ApiKeyId,
    string? Title = null,
    bool? IsEnabled = null,
    bool? RestrictAccess = null,
    IReadOnlyList<string>? AccessEndpoints = null);

/// <summary>A fiat-gateway JWT (<c>POST /api/v4/jwt</c>). <see cref="ToString"/> does not print the token.</summary>
public sealed record GatewayJwt(string Token, DateTimeOffset ExpiresAt)
{
    /// <summary>No bearer token in logs.</summary>
    public override string ToString() => $"GatewayJwt {{ ExpiresAt = {ExpiresAt:O} }}";
}

/// <summary>A fiat-gateway card token (<c>POST /api/card-token</c>): the token, the masked number, the scheme and a fingerprint.</summary>
public sealed record CardToken(string Token, string MaskedCardNumber, string Scheme, string Fingerprint);
