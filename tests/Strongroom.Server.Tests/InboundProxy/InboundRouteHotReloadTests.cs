using System.Diagnostics;
using System.Net;
using System.Text;
using Strongroom.Server.Tests.Forwarding;
using static Strongroom.Server.Tests.InboundProxy.InboundProxyHarness;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>
/// Two nodes on one PostgreSQL: a route added through one node is served by the other within its reload interval, and a
/// route removed through one node stops being served by the other.
/// </summary>
public sealed class InboundRouteHotReloadTests
{
    [SkippableFact]
    public async Task RouteAddedOnOneNode_IsServedByTheOther_AndRemovedEverywhere()
    {
        string? skip = PostgresTestEnvironment.SkipReason();
        Skip.If(skip is not null, skip);
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        await using StrongroomApplication first = await StrongroomApplication.OnPostgresAsync();
        first.Settings["Strongroom:InboundProxy:ReloadInterval"] = "00:00:00.500";
        await using StrongroomApplication second = StrongroomApplication.SecondNodeOf(first);
        second.Settings["Strongroom:InboundProxy:ReloadInterval"] = "00:00:00.500";
        using HttpClient secondClient = second.CreateClient();
        TestTenant tenant = await TenantTrustingAsync(first, upstream);
        string prefix = NewPrefix();

        // The second node has loaded its (empty) table before the route exists.
        using (HttpResponseMessage unknown = await secondClient.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        string id = (await CreateRouteAsync(first, tenant.Id, JsonRoute(upstream, prefix))).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await WaitForStatusAsync(secondClient, prefix, HttpStatusCode.OK));
        AssertNoCardNumber(Everything(Assert.Single(upstream.Requests)));

        using HttpClient admin = first.AdminClient();
        using HttpResponseMessage deleted = await admin.DeleteAsync($"{RoutesPath(tenant.Id)}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await WaitForStatusAsync(secondClient, prefix, HttpStatusCode.NotFound));
    }

    /// <summary>Sends until the answer is <paramref name="wanted"/> or 10 s passed; returns the last status.</summary>
    private static async Task<HttpStatusCode> WaitForStatusAsync(HttpClient client, string prefix, HttpStatusCode wanted)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
            status = response.StatusCode;
            if (status == wanted)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(10));

        return status;
    }
}
