using System.Text.Json.Serialization;
using Strongroom.Core.Tokens;

namespace Strongroom.Core;

/// <summary>Source-generated JSON for what the core itself stores as JSON (metadata, session options).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(TokenOptions))]
[JsonSerializable(typeof(List<Strongroom.Core.Tenancy.AccessEndpoint>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Strongroom.Core.NetworkTokens.NetworkTokenEventData))]
internal sealed partial class CoreJson : JsonSerializerContext;
