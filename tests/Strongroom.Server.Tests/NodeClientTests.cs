using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>
/// A WhiteBIT client in another runtime (Node.js, standard <c>crypto</c> only, tests/clients/whitebit-client.mjs)
/// signs requests exactly as WhiteBIT documents and drives create sub-account → create key → list →
/// replay against the vault listening on 127.0.0.1. test.sh installs Node.js when it is missing.
/// </summary>
public sealed class NodeClientTests
{
    [Fact]
    public async Task NodeWhiteBitClient_SignsRequestsTheVaultAccepts_AndItsReplayIsRefused()
    {
        int port = FreePort();
        using var app = new StrongroomApplication();
        app.UseKestrel(port);
        app.StartServer();
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tests", "clients", "whitebit-client.mjs"));
        start.Environment["STRONGROOM_URL"] = $"http://127.0.0.1:{port}";
        start.Environment["WB_API_KEY"] = signer.ApiKey;
        start.Environment["WB_API_SECRET"] = signer.ApiSecret;
        using Process node = Process.Start(start)!;
        Task<string> stdout = node.StandardOutput.ReadToEndAsync();
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await node.WaitForExitAsync(timeout.Token);

        string output = await stdout;
        Assert.True(node.ExitCode == 0, $"node exited {node.ExitCode}: {output} {await stderr}");
        JsonElement summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.True(summary.GetProperty("ok").GetBoolean());
        Assert.Equal(1, summary.GetProperty("keys").GetInt32());
        Assert.Equal(401, summary.GetProperty("replayStatus").GetInt32());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
