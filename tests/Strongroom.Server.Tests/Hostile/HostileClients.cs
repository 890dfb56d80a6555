using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Strongroom.Server.Tests.Hostile;

/// <summary>One tenant with a credential for every dialect: a Guardian key with every scope, the admin token, a Tap Bearer key,
/// a WhiteBIT signing key and a gateway JWT, so hostile-input tests can reach each route past authentication.</summary>
public sealed class HostileClients
{
    private HostileClients(StrongroomApplication app, TestTenant tenant, WhiteBitSigner signer, string gatewayToken)
    {
        App = app;
        Tenant = tenant;
        Signer = signer;
        GatewayToken = gatewayToken;
    }

    public StrongroomApplication App { get; }

    public TestTenant Tenant { get; }

    public WhiteBitSigner Signer { get; }

    public string GatewayToken { get; }

    public static async Task<HostileClients> CreateAsync(StrongroomApplication app)
    {
        TestTenant tenant = await app.CreateTenantAsync("Hostile", "tokens:create", "tokens:read", "tokens:delete", "data:out");
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpResponseMessage jwt = await signer.PostAsync("/api/v4/jwt");
        Assert.Equal(HttpStatusCode.OK, jwt.StatusCode);
        string token = (await jwt.Content.ReadFromJsonAsync()).GetProperty("data").GetProperty("token").GetString()!;
        return new HostileClients(app, tenant, signer, token);
    }

    /// <summary>A request to <paramref name="path"/> carrying the credential its route family expects.</summary>
    public HttpRequestMessage Authorized(HttpMethod method, string path, byte[]? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (path.StartsWith("/api/v4", StringComparison.Ordinal))
        {
            // Signed over the exact bytes, so the signature is valid and the body itself is what the server judges.
            string payload = Convert.ToBase64String(body ?? []);
            request.Headers.Add("X-TXC-APIKEY", Signer.ApiKey);
            request.Headers.Add("X-TXC-PAYLOAD", payload);
            request.Headers.Add("X-TXC-SIGNATURE", WhiteBitSigner.Sign(payload, Signer.ApiSecret));
        }
        else if (path.StartsWith("/api/card-token", StringComparison.Ordinal))
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + GatewayToken);
        }
        else if (path.StartsWith("/v2/tokens", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tenant.ApiKey);
        }
        else if (path.StartsWith("/api/admin", StringComparison.Ordinal) || path.StartsWith("/api/audit", StringComparison.Ordinal))
        {
            request.Headers.Add("x-admin-token", StrongroomApplication.AdminToken);
        }
        else
        {
            request.Headers.Add("x-api-key", Tenant.ApiKey);
        }

        return request;
    }

    /// <summary>Opens a hosted-form session (a real id for <c>/sessions/{id}/complete</c>).</summary>
    public async Task<Guid> OpenSessionAsync()
    {
        using HttpResponseMessage response = await Tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = new { type = "session" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("session_id").GetGuid();
    }
}
