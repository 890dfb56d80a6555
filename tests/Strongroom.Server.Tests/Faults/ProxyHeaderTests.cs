using System.Net;

namespace Strongroom.Server.Tests.Faults;

/// <summary>
/// Behind a load balancer the hosted form's per-IP limit must count the client's address, not the proxy's: with
/// <c>Strongroom:Proxy:KnownProxies</c> the node reads X-Forwarded-For from that proxy only; without it the header is ignored.
/// Real processes on 127.0.0.1, because the in-memory test server has no remote address.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ProxyHeaderTests
{
    [Fact]
    public async Task HostedFormLimit_CountsTheForwardedClient_OnlyFromAConfiguredProxy()
    {
        string trustingData = Directory.CreateTempSubdirectory("strongroom-proxy-").FullName;
        string plainData = Directory.CreateTempSubdirectory("strongroom-proxy-").FullName;
        var limit = new Dictionary<string, string> { ["Strongroom:Storage:Provider"] = "sqlite", ["Strongroom:HostedForm:PermitLimitPerClient"] = "2" };
        var trusting = new Dictionary<string, string>(limit) { ["Strongroom:Proxy:KnownProxies:0"] = "127.0.0.1" };
        VaultProcess[] nodes = await Task.WhenAll(VaultProcess.StartAsync(trustingData, trusting), VaultProcess.StartAsync(plainData, limit));
        try
        {
            using HttpClient behindProxy = nodes[0].CreateClient();
            bool[] sameClient = await LimitedAsync(behindProxy, "203.0.113.1", "203.0.113.1", "203.0.113.1");
            Assert.Equal(new[] { false, false, true }, sameClient);
            bool[] otherClient = await LimitedAsync(behindProxy, "203.0.113.2"); // another client behind the same proxy
            Assert.Equal(new[] { false }, otherClient);

            // Not a configured proxy: X-Forwarded-For is ignored, so changing it does not buy new permits.
            using HttpClient direct = nodes[1].CreateClient();
            bool[] spoofed = await LimitedAsync(direct, "203.0.113.1", "203.0.113.2", "203.0.113.3");
            Assert.Equal(new[] { false, false, true }, spoofed);
        }
        finally
        {
            foreach (VaultProcess node in nodes)
            {
                node.Dispose();
            }

            foreach (string directory in new[] { trustingData, plainData })
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // Best effort.
                }
            }
        }
    }

    private static async Task<bool[]> LimitedAsync(HttpClient client, params string[] forwardedFor)
    {
        var limited = new List<bool>();
        foreach (string address in forwardedFor)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/sessions/{Guid.NewGuid()}/form");
            request.Headers.Add("X-Forwarded-For", address);
            using HttpResponseMessage response = await client.SendAsync(request);
            limited.Add(response.StatusCode == HttpStatusCode.TooManyRequests);
        }

        return [.. limited];
    }
}
