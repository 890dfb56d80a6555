using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Strongroom.Server.Tests.Hostile;

namespace Strongroom.Server.Tests.Fuzz;

/// <summary>Credentials and ids of real resources (so path ids sometimes name something that exists).</summary>
internal sealed class FuzzContext(HostileClients clients, IReadOnlyList<string> realIds)
{
    public HostileClients Clients { get; } = clients;

    public Guid TenantId => Clients.Tenant.Id;

    public WhiteBitSigner Signer => Clients.Signer;

    public IReadOnlyList<string> RealIds { get; } = realIds;

    public static async Task<FuzzContext> CreateAsync(StrongroomApplication app)
    {
        HostileClients clients = await HostileClients.CreateAsync(app);
        int year = DateTime.UtcNow.Year + 2;
        var ids = new List<string> { clients.Tenant.Id.ToString(), (await clients.OpenSessionAsync()).ToString() };
        HttpClient guardian = clients.Tenant.Client;
        ids.Add(await IdAsync(guardian.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(TestCards.Visa, year: year, securityCode: FuzzBodies.SecurityCode) })));
        ids.Add(await IdAsync(guardian.PostAsJsonAsync("/api/network/tokens", new { source = TestCards.PanSource(TestCards.Mastercard, year: year) })));
        ids.Add(await IdAsync(guardian.PostAsJsonAsync("/api/webhooks", new { url = "https://hooks.example.com/in", event_types = new[] { "pci_token.created" } })));
        using HttpClient tap = app.CreateClient();
        tap.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", clients.Tenant.ApiKey);
        ids.Add(await IdAsync(tap.PostAsJsonAsync("/v2/tokens", new { card = new { number = TestCards.Amex, exp_month = 12, exp_year = year, cvc = FuzzBodies.SecurityCode } })));
        return new FuzzContext(clients, ids);
    }

    private static async Task<string> IdAsync(Task<HttpResponseMessage> sending)
    {
        using HttpResponseMessage response = await sending;
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, body);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("id").ToString();
    }
}
