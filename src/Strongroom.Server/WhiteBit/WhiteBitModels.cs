using System.Text.Json.Serialization;

namespace Strongroom.Server.WhiteBit;

// Wire types of the WhiteBIT v4 dialect (camelCase, as the seed's OpenAPI names them).

internal sealed record WhiteBitError(
    int Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors = null);

internal sealed record WhiteBitAccessEndpoint(string Name, string Title);

internal sealed record WhiteBitApiKey(
    string SubAccountId,
    string Id,
    string Title,
    bool IsEnabled,
    string ApiKey,
    string ApiSecret,
    int Type,
    long LastActivity,
    bool RestrictAccess,
    IReadOnlyList<WhiteBitAccessEndpoint> AccessEndpoints);

internal sealed record WhiteBitApiKeyList(int Limit, int Offset, IReadOnlyList<WhiteBitApiKey> Data);

internal sealed record WhiteBitSubAccount(string Id, string Alias, string Status, long CreatedAt);

internal sealed record WhiteBitSubAccountList(int Limit, int Offset, IReadOnlyList<WhiteBitSubAccount> Data);

internal sealed record WhiteBitEmpty;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(WhiteBitError))]
[JsonSerializable(typeof(WhiteBitApiKey))]
[JsonSerializable(typeof(WhiteBitApiKeyList))]
[JsonSerializable(typeof(WhiteBitSubAccount))]
[JsonSerializable(typeof(WhiteBitSubAccountList))]
[JsonSerializable(typeof(WhiteBitEmpty))]
[JsonSerializable(typeof(WhiteBitJwtResponse))]
[JsonSerializable(typeof(CardTokenResponse))]
[JsonSerializable(typeof(ThrottledResponse))]
internal sealed partial class WhiteBitJson : JsonSerializerContext;
