using Strongroom.Server.Hosting.OpenApi;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Core.Cards;
using Strongroom.Core.Egress;
using Strongroom.Core.Forwarding;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Admin;

internal sealed record ForwardDestinationResponse(Guid Id, string Url, bool AllowPrivateNetwork, bool HasCaCertificate, bool HasClientCertificate);

internal sealed record ForwardDestinationsResponse(Guid TenantId, IReadOnlyList<ForwardDestinationResponse> Destinations);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ForwardDestinationsResponse))]
internal sealed partial class ForwardAdminJson : JsonSerializerContext;

/// <summary>A tenant's forwarding allowlist (admin only): where its card data may be forwarded, and how to connect there.</summary>
internal static class ForwardDestinationEndpoints
{
    public const int MaxDestinations = 20;

    public static void MapForwardDestinationAdmin(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/admin/tenants/{tenantId}/forward-destinations")
            .WithTags("admin")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .ProducesGuardianErrors();
        group.MapGet("/", GetAsync).WithName("admin_forward_destinations_get").WithSummary("The tenant's forwarding allowlist").Produces<ForwardDestinationsResponse>(200);
        group.MapPut("/", PutAsync).WithName("admin_forward_destinations_put")
            .WithSummary("Replace the tenant's forwarding allowlist")
            .WithDescription($"Body: destinations (up to {MaxDestinations}): url (https://host[:port]; scheme, host and port must match a forward's x-destination-url; http only for a loopback host, " +
                "and only with Strongroom:Forwarding:AllowInsecureLoopback), allow_private_network (default false: private, loopback and link-local addresses are refused), " +
                "ca_certificate_pem (trust only this CA), client_certificate_pem + client_key_pem (mTLS; stored sealed, never returned).")
            .DocumentsBody<ForwardDestinationsRequest>()
            .Produces<ForwardDestinationsResponse>(200);
    }

    private static async Task<JsonResponse> GetAsync(HttpContext http, string tenantId, TenantService tenants, ForwardingService forwarding)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        return Respond(id, await forwarding.ListDestinationsAsync(id, http.RequestAborted));
    }

    private static async Task<JsonResponse> PutAsync(HttpContext http, string tenantId, TenantService tenants, ForwardingService forwarding, TimeProvider time)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        var reader = new GuardianRequestReader([]);
        (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
        if (document is null)
        {
            return failure!;
        }

        using JsonDocument disposeDocument = document;
        var destinations = new List<(ForwardDestination, string?)>();
        if (!document.RootElement.TryGetProperty("destinations", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
        {
            return GuardianResponses.Validation("$.destinations", "Must be an array.");
        }

        if (list.GetArrayLength() > MaxDestinations)
        {
            return GuardianResponses.Validation("$.destinations", $"At most {MaxDestinations} destinations.");
        }

        int index = 0;
        DateTimeOffset now = time.GetUtcNow();
        foreach (JsonElement item in list.EnumerateArray())
        {
            string path = $"$.destinations[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                reader.Errors.Add(new(path, "Must be an object."));
                continue;
            }

            string? url = reader.String(item, "url", path + ".url", required: true);
            bool allowPrivate = item.TryGetProperty("allow_private_network", out JsonElement p) && p.ValueKind == JsonValueKind.True;
            string? ca = reader.String(item, "ca_certificate_pem", path + ".ca_certificate_pem", required: false);
            string? clientCertificate = reader.String(item, "client_certificate_pem", path + ".client_certificate_pem", required: false);
            string? clientKey = reader.String(item, "client_key_pem", path + ".client_key_pem", required: false);
            if (url is null)
            {
                continue;
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.UserInfo.Length > 0
                || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)))
            {
                reader.Errors.Add(new(path + ".url", "Must be an absolute https URL (http only for a loopback host)."));
                continue;
            }

            if ((FreeText.CardNumberError(url) ?? FreeText.CardNumberError(uri.IdnHost)) is { } cardNumberError)
            {
                reader.Errors.Add(new(path + ".url", cardNumberError));
                continue;
            }

            if (!allowPrivate && EgressAddressPolicy.ForbiddenLiteral(uri) is string range)
            {
                reader.Errors.Add(new(path + ".url", $"The address is {range}; set allow_private_network to forward there."));
                continue;
            }

            if (ca is not null && !ParsesAsCertificate(ca, null))
            {
                reader.Errors.Add(new(path + ".ca_certificate_pem", "Must be a PEM certificate."));
            }

            if ((clientCertificate is null) != (clientKey is null) || (clientCertificate is not null && !ParsesAsCertificate(clientCertificate, clientKey)))
            {
                reader.Errors.Add(new(path + ".client_certificate_pem", "Give both client_certificate_pem and client_key_pem, as a PEM certificate and its private key."));
            }

            // Distinct times keep the list in the order given; one entry per origin keeps matching unambiguous.
            var destination = new ForwardDestination(Guid.CreateVersion7(now), id, uri.Scheme, uri.IdnHost.ToLowerInvariant(), uri.Port, allowPrivate, ca, null, now.AddMilliseconds(index));
            if (destinations.Exists(d => d.Item1.Origin == destination.Origin))
            {
                reader.Errors.Add(new(path + ".url", "Each destination (scheme, host, port) may appear once."));
                continue;
            }

            destinations.Add((destination, clientCertificate is null ? null : clientCertificate + "\n" + clientKey));
        }

        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        IReadOnlyList<ForwardDestination> stored = await forwarding.ReplaceDestinationsAsync(id, destinations, http.GuardianActor(), http.RequestAborted);
        return Respond(id, stored);
    }

    private static bool ParsesAsCertificate(string certificatePem, string? keyPem)
    {
        try
        {
            using X509Certificate2 certificate = keyPem is null ? X509Certificate2.CreateFromPem(certificatePem) : X509Certificate2.CreateFromPem(certificatePem, keyPem);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static JsonResponse Respond(Guid tenantId, IReadOnlyList<ForwardDestination> destinations) => GuardianResponses.Json(200,
        new ForwardDestinationsResponse(tenantId, [.. destinations.Select(d => new ForwardDestinationResponse(d.Id, d.Origin, d.AllowPrivateNetwork, d.CaCertificatePem is not null, d.ClientIdentity is not null))]),
        ForwardAdminJson.Default.ForwardDestinationsResponse);
}
