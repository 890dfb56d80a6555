using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

internal sealed record GuardianIssuer(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Country,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id);

/// <summary>Card metadata from the BIN table: never more of the number than the first six and last four.</summary>
internal sealed record GuardianCardMetadata(
    string Bin,
    string MaskedAccountNumber,
    string Scheme,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Funding,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GuardianIssuer? Issuer);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GuardianCardMetadata))]
internal sealed partial class GuardianMetadataJson : JsonSerializerContext;

/// <summary>Guardian's metadata inquiries: what the BIN table says about a card given as a PAN, a PCI token or a network token.</summary>
internal static class MetadataEndpoints
{
    public static void MapGuardianMetadata(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/metadata")
            .WithTags("metadata")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.TokensRead)
            .ProducesGuardianErrors();

        group.MapPost("/pan", ByPanAsync).ReadsBody().WithName("metadata_by_pan")
            .WithSummary("Card metadata for a PAN (body: account_number); the PAN is not stored")
            .Accepts<MetadataByPanRequest>("application/json").Produces<GuardianCardMetadata>(200);
        group.MapGet("/pci-tokens/{id}", ByPciTokenAsync).WithName("metadata_by_pci_token")
            .WithSummary("Card metadata for a PCI token (by id or format-preserving alias)").Produces<GuardianCardMetadata>(200);
        group.MapGet("/network-tokens/{id}", ByNetworkTokenAsync).WithName("metadata_by_network_token")
            .WithSummary("Card metadata for a network token's funding card").Produces<GuardianCardMetadata>(200);
    }

    private static async Task<JsonResponse> ByPanAsync(HttpContext http, RawBody body, CardMetadataService metadata)
    {
        var reader = new GuardianRequestReader([]);
        using JsonDocument? document = reader.ParseObject(body.Bytes);
        string? number = document is null ? null : reader.String(document.RootElement, "account_number", "$.account_number", required: true);
        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        if (!Pan.TryParse(number, out Pan? pan, out string? error))
        {
            return GuardianResponses.Validation("$.account_number", error!);
        }

        return Respond(await metadata.ForPanAsync(pan!, http.RequestAborted));
    }

    private static async Task<JsonResponse> ByPciTokenAsync(HttpContext http, Caller caller, string id, CardMetadataService metadata, Core.Tokens.PciTokenAliasService aliases)
    {
        CardMetadataAnswer? answer = await aliases.ResolveAsync(caller.TenantId, id, http.RequestAborted) is Guid tokenId
            ? await metadata.ForPciTokenAsync(caller.TenantId, tokenId, http.RequestAborted)
            : null;
        return answer is null ? GuardianResponses.NotFound() : Respond(answer);
    }

    private static async Task<JsonResponse> ByNetworkTokenAsync(HttpContext http, Caller caller, string id, CardMetadataService metadata)
    {
        CardMetadataAnswer? answer = Guid.TryParse(id, out Guid tokenId) ? await metadata.ForNetworkTokenAsync(caller.TenantId, tokenId, http.RequestAborted) : null;
        return answer is null ? GuardianResponses.NotFound() : Respond(answer);
    }

    private static JsonResponse Respond(CardMetadataAnswer answer)
    {
        (CardMetadata metadata, string masked) = (answer.Metadata, answer.MaskedAccountNumber);
        GuardianIssuer? issuer = metadata.Bank is null ? null : new GuardianIssuer(metadata.Bank, metadata.Country, metadata.IssuerId);
        var wire = new GuardianCardMetadata(metadata.Bin, masked, metadata.Scheme.WireName(), metadata.Funding?.WireName().ToLowerInvariant(), issuer);
        return GuardianResponses.Json(200, wire, GuardianMetadataJson.Default.GuardianCardMetadata);
    }
}
