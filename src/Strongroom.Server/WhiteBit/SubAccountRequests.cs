namespace Strongroom.Server.WhiteBit;

// Request bodies of the signed /api/v4 routes (camelCase, as WhiteBIT names them), for the OpenAPI document only: the endpoints
// read the raw bytes, whose base64 is the signed X-TXC-PAYLOAD. Every body carries request (the path), nonce and optionally nonceWindow.

/// <summary>Body of <c>POST /api/v4/sub-account/create</c>.</summary>
internal sealed record SubAccountCreateRequest(string Request, long Nonce, string Alias, bool? NonceWindow = null);

/// <summary>Body of the list routes (limit 1–100, default 30; offset 0–10000).</summary>
internal sealed record SubAccountListRequest(string Request, long Nonce, int? Limit = null, int? Offset = null, bool? NonceWindow = null);

/// <summary>Body of <c>POST /api/v4/sub-account/api-key/create</c> (seed 004).</summary>
internal sealed record SubAccountApiKeyCreateRequest(string Request, long Nonce, string SubAccountId, int Type, string? Title = null, bool? NonceWindow = null);

/// <summary>Body of <c>POST /api/v4/sub-account/api-key/list</c>.</summary>
internal sealed record SubAccountApiKeyListRequest(string Request, long Nonce, string SubAccountId, int? Limit = null, int? Offset = null, bool? NonceWindow = null);

/// <summary>Body of <c>POST /api/v4/sub-account/api-key/edit</c>.</summary>
internal sealed record SubAccountApiKeyEditRequest(
    string Request,
    long Nonce,
    string SubAccountId,
    string ApiKeyId,
    string? Title = null,
    bool? IsEnabled = null,
    bool? RestrictAccess = null,
    IReadOnlyList<WhiteBitAccessEndpointRequest>? AccessEndpoints = null,
    bool? NonceWindow = null);

/// <summary>One endpoint a restricted key may call.</summary>
internal sealed record WhiteBitAccessEndpointRequest(string Name);

/// <summary>Body of <c>POST /api/v4/sub-account/api-key/delete</c> and <c>…/reset</c>.</summary>
internal sealed record SubAccountApiKeyRequest(string Request, long Nonce, string SubAccountId, string ApiKeyId, bool? NonceWindow = null);

/// <summary>Body of <c>POST /api/v4/jwt</c>.</summary>
internal sealed record JwtRequest(string Request, long Nonce, bool? NonceWindow = null);

/// <summary>Body of <c>POST /api/card-token</c> (seed 000).</summary>
internal sealed record CardTokenRequest(string CardNumber);
