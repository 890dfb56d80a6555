using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Strongroom.Server.Tests.Faults;

namespace Strongroom.Server.Tests.Hostile;

/// <summary>
/// Edges only the real server shows (the in-memory test server neither enforces Kestrel's body limit nor normalises raw paths):
/// a chunked body over the limit sent in one large write, and request targets with <c>..</c>, <c>//</c>, <c>%00</c>, <c>%2e%2e</c>.
/// Raw sockets, so the bytes on the wire are exactly the test's.
/// </summary>
public sealed class KestrelEdgeTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("strongroom-kestrel-").FullName;
    private VaultProcess? _node;
    private string _apiKey = "";

    public async Task InitializeAsync()
    {
        _node = await VaultProcess.StartAsync(_dataDirectory, new Dictionary<string, string>());
        using HttpClient admin = _node.CreateClient(admin: true);
        using HttpResponseMessage tenant = await admin.PostAsJsonAsync("/api/admin/tenants", new { name = "Kestrel" });
        Guid tenantId = (await tenant.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();
        using HttpResponseMessage key = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenantId });
        _apiKey = (await key.Content.ReadFromJsonAsync()).GetProperty("key").GetString()!;
    }

    public Task DisposeAsync()
    {
        _node?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }

        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("/api/pci/tokens")]
    [InlineData("/v2/tokens")]
    [InlineData("/api/v4/sub-account/create")]
    public async Task ChunkedBodyOverTheLimit_InOneLargeWrite_Returns413WithABodyEveryTime(string path)
    {
        string auth = path.StartsWith("/v2", StringComparison.Ordinal) ? $"Authorization: Bearer {_apiKey}\r\n" : $"x-api-key: {_apiKey}\r\n";
        byte[] data = new byte[2 * 1024 * 1024];
        Array.Fill(data, (byte)' ');
        data[0] = (byte)'{';
        string head = $"POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{data.Length:x}\r\n";
        byte[] request = [.. Encoding.ASCII.GetBytes(head), .. data, .. "\r\n0\r\n\r\n"u8];

        for (int i = 0; i < 10; i++)
        {
            (int status, string body) = await SendRawAsync(request);

            Assert.True(status == 413, $"attempt {i}: {status} {body}");
            Assert.True(ErrorShape.Check(ErrorShape.Of(path), status, body) is null, $"attempt {i}: {ErrorShape.Check(ErrorShape.Of(path), status, body)}: {body}");
        }
    }

    [Theory]
    [InlineData("/api/pci/tokens/../../x", Dialect.Guardian)]
    [InlineData("/v2/tokens/%2e%2e/%2e%2e/x", Dialect.Guardian)]
    [InlineData("/v2/tokens/a/%2e%2e/b/c", Dialect.Tap)]
    [InlineData("//api//pci//tokens//", Dialect.Guardian)]
    [InlineData("/api/v4//sub-account//x", Dialect.WhiteBit)]
    [InlineData("/..", Dialect.Guardian)]
    [InlineData("/%2e%2e/%2e%2e/etc/passwd", Dialect.Guardian)]
    [InlineData("/api/pci/tokens/%ff%fe", Dialect.Guardian)]
    [InlineData("/v2/tokens/%c0%af", Dialect.Tap)]
    public async Task OddRequestTarget_Returns4xxWithABodyInTheDialectShape(string target, Dialect dialect)
    {
        string auth = dialect == Dialect.Tap ? $"Authorization: Bearer {_apiKey}\r\n" : $"x-api-key: {_apiKey}\r\n";
        byte[] request = Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");

        (int status, string body) = await SendRawAsync(request);

        Assert.True(status is >= 400 and < 500, $"{target}: {status} {body}");
        Assert.True(ErrorShape.Check(dialect, status, body) is null, $"{target}: {status} {ErrorShape.Check(dialect, status, body)}: {body}");
    }

    /// <summary>
    /// Header bytes that are not ASCII are refused by Kestrel while it parses the headers, before any application code runs (like a
    /// NUL in the target, below); the connection middleware <c>KestrelRejectionBodies</c> gives that bare 400 the dialect's body.
    /// </summary>
    [Theory]
    [InlineData("/api/pci/tokens", "x-api-key", Dialect.Guardian)]
    [InlineData("/v2/tokens", "Authorization", Dialect.Tap)]
    [InlineData("/api/v4/sub-account/list", "X-TXC-APIKEY", Dialect.WhiteBit)]
    public async Task NonAsciiHeaderValue_IsRefusedWith400AndADialectBody(string path, string header, Dialect dialect)
    {
        byte[] request = [.. Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: localhost\r\n{header}: Bearer x"), 0xFF, 0xC3, 0x28, .. "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"u8];

        (int status, string body) = await SendRawAsync(request);

        Assert.Equal(400, status);
        Assert.True(ErrorShape.Check(dialect, status, body) is null, $"{path}: {ErrorShape.Check(dialect, status, body)}: {body}");
    }

    /// <summary>
    /// Kestrel refuses a request target whose decoded path holds a NUL while parsing the request line, before any application code
    /// runs; its bare 400 is given the dialect's body on the way out (<c>KestrelRejectionBodies</c>), chosen by the target's path.
    /// </summary>
    [Theory]
    [InlineData("/api/pci/tokens/%00", Dialect.Guardian)]
    [InlineData("/v2/tokens/a%00b", Dialect.Tap)]
    [InlineData("/api/v4/main-account/%00", Dialect.WhiteBit)]
    [InlineData("/%00", Dialect.Guardian)]
    public async Task NulInTheRequestTarget_IsRefusedWith400AndADialectBody(string target, Dialect dialect)
    {
        (int status, string body) = await SendRawAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));

        Assert.Equal(400, status);
        Assert.True(ErrorShape.Check(dialect, status, body) is null, $"{target}: {ErrorShape.Check(dialect, status, body)}: {body}");
    }

    /// <summary>A request line or header block over Kestrel's limits is refused by Kestrel too, and still answered with a body.</summary>
    [Fact]
    public async Task OversizedHeaders_AreRefusedWithABody()
    {
        (int status, string body) = await SendRawAsync(Encoding.ASCII.GetBytes($"GET /api/pci/tokens HTTP/1.1\r\nHost: localhost\r\nx-big: {new string('a', 40_000)}\r\nConnection: close\r\n\r\n"));

        Assert.Equal(431, status);
        Assert.True(ErrorShape.Check(Dialect.Guardian, status, body) is null, $"{ErrorShape.Check(Dialect.Guardian, status, body)}: {body}");
    }

    /// <summary>Writes the request in one call (a send the server may cut short once it has answered), then reads the answer to the end.</summary>
    private async Task<(int Status, string Body)> SendRawAsync(byte[] request)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, _node!.Port);
        NetworkStream stream = socket.GetStream();
        try
        {
            await stream.WriteAsync(request);
        }
        catch (IOException)
        {
            // The server answered and closed before taking the whole body; its answer is still to be read.
        }

        var received = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset after the answer: keep what arrived.
        }

        string text = Encoding.UTF8.GetString(received.ToArray());
        Assert.True(text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal), $"no HTTP answer: '{text}'");
        int status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string body = split < 0 ? "" : text[(split + 4)..];
        if (text[..Math.Max(split, 0)].Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return (status, body);
    }

    private static string Dechunk(string chunked)
    {
        var result = new StringBuilder();
        int at = 0;
        while (at < chunked.Length)
        {
            int end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (end < 0)
            {
                break;
            }

            int size = int.Parse(chunked.AsSpan(at, end - at), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            result.Append(chunked, end + 2, Math.Min(size, chunked.Length - end - 2));
            at = end + 2 + size + 2;
        }

        return result.ToString();
    }
}
