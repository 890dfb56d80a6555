using System.Net;
using System.Net.Sockets;

namespace Strongroom.Server.Tests;

/// <summary>
/// The vault (<see cref="StrongroomApplication"/>, SQLite in a temp directory) listening on a real loopback port,
/// because a browser cannot reach the in-memory test server. The merchant side of a test still uses
/// <see cref="StrongroomApplication.CreateTenantAsync"/> and its <c>x-api-key</c> client.
/// </summary>
public sealed class LoopbackVault : IDisposable
{
    private LoopbackVault(StrongroomApplication application, int port)
    {
        Application = application;
        Port = port;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public StrongroomApplication Application { get; }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{port}</c>, without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>Starts the vault on a free loopback port (retrying if another process takes the port first).</summary>
    public static LoopbackVault Start()
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort();
            var application = new StrongroomApplication();
            try
            {
                application.UseKestrel(port);
                application.StartServer();
                return new LoopbackVault(application, port);
            }
            catch (IOException) when (attempt < 3)
            {
                // Address in use: someone bound the port between FreePort and Kestrel; try another.
                application.Dispose();
            }
            catch
            {
                application.Dispose();
                throw;
            }
        }
    }

    /// <summary>An absolute URL on the vault for <paramref name="path"/> (which starts with '/').</summary>
    public string Url(string path) => BaseUrl + path;

    public void Dispose() => Application.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
