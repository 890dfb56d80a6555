using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>What a <see cref="ProcessorServer"/> demands of its TLS clients.</summary>
public sealed record ProcessorServerOptions
{
    /// <summary>
    /// Mutual TLS at the handshake: a client that presents no certificate, or one not issued by the server's
    /// client CA, fails the TLS handshake and never gets an HTTP response (what a strict processor does).
    /// When false (the default) the server still asks for a certificate but accepts connections without one,
    /// and <c>/mtls</c> and <see cref="RecordedRequest.ClientCertificateValid"/> report what was presented.
    /// </summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>
    /// Paths (exact, case-insensitive, e.g. <c>/echo</c>) on which a request without a valid client certificate
    /// is answered <c>403 {"client_certificate": false}</c> instead of reaching its endpoint. This is enforced over
    /// HTTP, not in the handshake: TLS cannot ask for a certificate per path without renegotiation, which HTTP/2
    /// forbids and which a real forwarder should not be made to depend on.
    /// </summary>
    public IReadOnlyCollection<string> ClientCertificateRequiredPaths { get; init; } = [];
}

/// <summary>
/// A real HTTPS server on a free loopback port that plays a payment processor for the vault's forwarding feature
/// (<c>POST /api/pci/tokens/{id}/forward</c> with <c>x-destination-url</c>). It is Kestrel over a real socket, not
/// <c>WebApplicationFactory</c>'s in-memory server, because what is under test is the vault's outbound HTTP client:
/// TLS trust, client certificates, redirects, timeouts and response limits only exist on a real connection.
/// <para>
/// Its certificate is self-signed and generated in memory (<see cref="TestCertificates"/>), so no machine trusts it:
/// a forwarder reaches it only when given <see cref="CertificatePem"/> to trust, and a default client is refused.
/// The server always asks for a client certificate; <see cref="ClientCertificatePfx"/> (under
/// <see cref="ClientCertificatePassword"/>) is one issued by its own client CA, for the vault's per-destination
/// client certificate.
/// </para>
/// <para>
/// Every request is recorded (<see cref="Requests"/>, <see cref="WaitForRequestAsync"/>) before its endpoint runs.
/// Endpoints, on any method (the feature forwards POST; the method is recorded so a test can insist on it):
/// <list type="bullet">
/// <item><c>/echo</c>: 200, <c>content-type: application/json</c>, the request body verbatim, headers
/// <c>x-processor: test</c> and <c>x-request-id: &lt;guid&gt;</c>.</item>
/// <item><c>/encoded?encoding=gzip,br</c>: 200, the request body compressed with each listed encoding in turn (gzip, deflate,
/// br; any other name is sent as is in <c>content-encoding</c> over the plain body), that list as <c>content-encoding</c>; the
/// uncompressed body (visible ASCII only) also comes back in the header <c>x-echo</c>, and its SHA-256 in <c>etag</c> and <c>content-digest</c>.
/// With <c>&amp;group=SEP</c> every run of 12–19 digits is first written in groups of four joined by SEP (a processor formatting a card number).</item>
/// <item><c>/status/{code}</c>: that status (200–599) with <c>{"status":code}</c> (no body for 204, 205, 304).</item>
/// <item><c>/redirect</c>: 302 to <c>{BaseUrl}/echo</c>; a forwarder must not follow it (check <c>RequestsTo("/echo")</c>).</item>
/// <item><c>/slow?ms=N</c>: waits N ms, giving up if the client goes away, then 200 <c>{"slept_ms":N}</c>.</item>
/// <item><c>/large?bytes=N</c>: 200, <c>text/plain</c>, N bytes of <c>'a'</c> streamed in chunks with a
/// <c>content-length</c>; add <c>&amp;chunked=true</c> to send no length (chunked), so a size limit cannot rely on it.</item>
/// <item><c>/headers</c>: 200, a JSON object of the request headers (lower-case names, repeated values joined with ", ").</item>
/// <item><c>/mtls</c>: 200 <c>{"client_certificate": true|false}</c>, true when a certificate issued by the client CA was presented.</item>
/// <item>anything else: 404 <c>{"error":"not_found"}</c> (still recorded).</item>
/// </list>
/// </para>
/// </summary>
public sealed class ProcessorServer : IAsyncDisposable
{
    private const int ChunkSize = 16 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private readonly X509Certificate2 _clientAuthority;
    private readonly byte[] _clientCertificatePfx;
    private readonly HashSet<string> _clientCertificateRequiredPaths;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<X509Certificate2> _handlerCertificates = [];
    private readonly List<(Func<RecordedRequest, bool> Match, TaskCompletionSource<RecordedRequest> Found)> _waiters = [];
    private int _disposed;

    private ProcessorServer(ProcessorServerOptions options)
    {
        ServerCertificate = TestCertificates.CreateServerCertificate();
        CertificatePem = TestCertificates.ToPem(ServerCertificate);
        _clientAuthority = TestCertificates.CreateClientAuthority();
        ClientCaCertificatePem = TestCertificates.ToPem(_clientAuthority);
        ClientCertificatePassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        using (X509Certificate2 client = TestCertificates.IssueClientCertificate(_clientAuthority))
        {
            _clientCertificatePfx = TestCertificates.ToPfx(client, ClientCertificatePassword);
        }

        RequiresClientCertificate = options.RequireClientCertificate;
        _clientCertificateRequiredPaths = new HashSet<string>(options.ClientCertificateRequiredPaths, StringComparer.OrdinalIgnoreCase);
        _app = Build();
    }

    /// <summary>The server's certificate (with its private key; do not hand it to the vault, use <see cref="CertificatePem"/>).</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>
    /// The public server certificate as PEM: what the vault must be told to trust for this destination. It is
    /// self-signed, so it is its own root; SAN <c>DNS:localhost, IP:127.0.0.1</c>.
    /// </summary>
    public string CertificatePem { get; }

    /// <summary>The client CA's public certificate as PEM (issuer of <see cref="ClientCertificatePfx"/>).</summary>
    public string ClientCaCertificatePem { get; }

    /// <summary>
    /// A client certificate issued by this server's client CA, with its private key, as PKCS#12 bytes under
    /// <see cref="ClientCertificatePassword"/>. A fresh array on every read.
    /// </summary>
    public byte[] ClientCertificatePfx => (byte[])_clientCertificatePfx.Clone();

    /// <summary>The password of <see cref="ClientCertificatePfx"/>.</summary>
    public string ClientCertificatePassword { get; }

    /// <summary>Whether the TLS handshake itself demands a valid client certificate (<see cref="ProcessorServerOptions.RequireClientCertificate"/>).</summary>
    public bool RequiresClientCertificate { get; }

    /// <summary>The port Kestrel bound on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary><c>https://127.0.0.1:{port}</c>, without a trailing slash.</summary>
    public string BaseUrl => $"https://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary><c>https://localhost:{port}</c>, without a trailing slash (the certificate names both).</summary>
    public string LocalhostUrl => $"https://localhost:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A snapshot of every request received so far, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>
    /// Generates the certificates, starts Kestrel on 127.0.0.1 with a port the OS picks (read back after binding,
    /// so there is no race for it) and returns once it accepts connections.
    /// </summary>
    public static async Task<ProcessorServer> StartAsync(ProcessorServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var server = new ProcessorServer(options ?? new ProcessorServerOptions());
        try
        {
            await server._app.StartAsync(cancellationToken);
            string address = server._app.Services.GetRequiredService<IServer>().Features
                .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            server.Port = new Uri(address).Port;
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary><see cref="BaseUrl"/> + <paramref name="pathAndQuery"/> (which starts with '/').</summary>
    public string Url(string pathAndQuery) => BaseUrl + pathAndQuery;

    /// <summary>The client certificate from <see cref="ClientCertificatePfx"/>, loaded with its key; the caller disposes it.</summary>
    public X509Certificate2 LoadClientCertificate() =>
        X509CertificateLoader.LoadPkcs12(_clientCertificatePfx, ClientCertificatePassword);

    /// <summary>Recorded requests whose path (without query) is <paramref name="path"/> (case-insensitive).</summary>
    public IReadOnlyList<RecordedRequest> RequestsTo(string path) =>
        [.. Requests.Where(request => string.Equals(request.Path, path, StringComparison.OrdinalIgnoreCase))];

    /// <summary>
    /// The first request (already recorded or still to come) matching <paramref name="match"/>, or all requests
    /// when it is null; throws <see cref="TimeoutException"/> after <paramref name="timeout"/> (default 10 s).
    /// </summary>
    public async Task<RecordedRequest> WaitForRequestAsync(
        Func<RecordedRequest, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        match ??= static _ => true;
        var found = new TaskCompletionSource<RecordedRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            RecordedRequest? existing = _requests.FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"No matching request reached the processor; it received: {string.Join(", ", Requests.Select(r => r.Method + " " + r.PathAndQuery))}");
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(waiter => waiter.Found == found);
            }
        }
    }

    /// <summary>Forgets the recorded requests (e.g. after a test's setup traffic).</summary>
    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>
    /// An <see cref="HttpMessageHandler"/> that trusts exactly this server's certificate (see
    /// <see cref="TestCertificates.TrustExactly"/>), does not follow redirects and, when
    /// <paramref name="presentClientCertificate"/>, presents <see cref="ClientCertificatePfx"/> (that certificate is
    /// disposed with the server; the handler is the caller's).
    /// </summary>
    public SocketsHttpHandler CreateHandler(bool presentClientCertificate = false)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = TestCertificates.TrustExactly(ServerCertificate);
        if (presentClientCertificate)
        {
            X509Certificate2 certificate = LoadClientCertificate();
            lock (_gate)
            {
                _handlerCertificates.Add(certificate);
            }

            handler.SslOptions.ClientCertificates = [certificate];
        }

        return handler;
    }

    /// <summary>An <see cref="HttpClient"/> over <see cref="CreateHandler"/> with <see cref="BaseUrl"/> as its base address.</summary>
    public HttpClient CreateClient(bool presentClientCertificate = false) =>
        new(CreateHandler(presentClientCertificate), disposeHandler: true) { BaseAddress = new Uri(BaseUrl) };

    /// <summary>Stops Kestrel, abandoning slow requests at once, and releases the certificates.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Connections still open after the grace period are simply dropped by DisposeAsync.
            }
        }

        await _app.DisposeAsync();
        lock (_gate)
        {
            foreach ((_, TaskCompletionSource<RecordedRequest> found) in _waiters)
            {
                found.TrySetException(new ObjectDisposedException(nameof(ProcessorServer)));
            }

            foreach (X509Certificate2 certificate in _handlerCertificates)
            {
                certificate.Dispose();
            }
        }

        _stopping.Dispose();
        ServerCertificate.Dispose();
        _clientAuthority.Dispose();
    }

    private WebApplication Build()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = ServerCertificate,
                ClientCertificateMode = RequiresClientCertificate
                    ? ClientCertificateMode.RequireCertificate
                    : ClientCertificateMode.AllowCertificate,
                // Without a callback Kestrel would judge client certificates against the machine's roots. With
                // mutual TLS required, only the client CA counts; otherwise anything is let through and judged per request.
                ClientCertificateValidation = (certificate, _, _) =>
                    !RequiresClientCertificate || TestCertificates.IsIssuedClientCertificate(certificate, _clientAuthority),
            }));
        });

        WebApplication app = builder.Build();
        app.Use(RecordAsync);
        app.Map("/echo", EchoAsync);
        app.Map("/encoded", EncodedEchoAsync);
        app.Map("/status/{code:int}", StatusAsync);
        app.Map("/redirect", Redirect);
        app.Map("/slow", SlowAsync);
        app.Map("/large", LargeAsync);
        app.Map("/headers", HeadersAsync);
        app.Map("/mtls", context => WriteJsonAsync(context, StatusCodes.Status200OK, new { client_certificate = HasValidClientCertificate(context) }));
        app.MapFallback(context => WriteJsonAsync(context, StatusCodes.Status404NotFound, new { error = "not_found" }));
        return app;
    }

    /// <summary>Buffers the body, records the request, then hands the buffered body on to the endpoint.</summary>
    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        byte[] bytes = body.ToArray();
        body.Position = 0;
        context.Request.Body = body;
        context.Response.RegisterForDispose(body);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in context.Request.Headers)
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values.ToArray());
        }

        X509Certificate2? clientCertificate = context.Connection.ClientCertificate;
        bool valid = HasValidClientCertificate(context);
        var request = new RecordedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            (context.Request.Path + context.Request.QueryString).ToString(),
            headers,
            bytes,
            context.Request.Protocol,
            clientCertificate is not null,
            valid,
            DateTimeOffset.UtcNow);
        Record(request);

        if (!valid && _clientCertificateRequiredPaths.Contains(request.Path))
        {
            await WriteJsonAsync(context, StatusCodes.Status403Forbidden, new { client_certificate = false });
            return;
        }

        await next(context);
    }

    private void Record(RecordedRequest request)
    {
        List<TaskCompletionSource<RecordedRequest>> satisfied = [];
        lock (_gate)
        {
            _requests.Add(request);
            foreach ((Func<RecordedRequest, bool> match, TaskCompletionSource<RecordedRequest> found) in _waiters)
            {
                if (match(request))
                {
                    satisfied.Add(found);
                }
            }
        }

        foreach (TaskCompletionSource<RecordedRequest> found in satisfied)
        {
            found.TrySetResult(request);
        }
    }

    private bool HasValidClientCertificate(HttpContext context) =>
        TestCertificates.IsIssuedClientCertificate(context.Connection.ClientCertificate, _clientAuthority);

    private static async Task EchoAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-processor"] = "test";
        context.Response.Headers["x-request-id"] = Guid.NewGuid().ToString();
        context.Response.ContentLength = context.Request.Body.Length;
        await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private static async Task EncodedEchoAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        byte[] plain = buffer.ToArray();
        if ((string?)context.Request.Query["group"] is { } separator)
        {
            // A processor that formats card numbers for display: every run of 12-19 digits in groups of four.
            string text = System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.UTF8.GetString(plain), "[0-9]{12,19}",
                m => string.Join(separator, m.Value.Chunk(4).Select(c => new string(c))), System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            plain = System.Text.Encoding.UTF8.GetBytes(text);
        }

        string[] encodings = ((string?)context.Request.Query["encoding"] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        byte[] body = plain;
        foreach (string encoding in encodings)
        {
            using var compressed = new MemoryStream();
            using (Stream encoder = encoding switch
            {
                "gzip" => new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true),
                "deflate" => new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true),
                "br" => new BrotliStream(compressed, CompressionLevel.Fastest, leaveOpen: true),
                _ => new MemoryStream(),
            })
            {
                if (encoding is "gzip" or "deflate" or "br")
                {
                    encoder.Write(body);
                }
            }

            body = encoding is "gzip" or "deflate" or "br" ? compressed.ToArray() : body;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        if (encodings.Length > 0)
        {
            context.Response.Headers.ContentEncoding = string.Join(", ", encodings);
        }

        string digest = Convert.ToBase64String(SHA256.HashData(plain));
        context.Response.Headers["x-echo"] = new string([.. System.Text.Encoding.UTF8.GetString(plain).Where(c => c is >= ' ' and <= '~')]);
        context.Response.Headers.ETag = $"\"{digest}\"";
        context.Response.Headers["content-digest"] = $"sha-256=:{digest}:";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static Task StatusAsync(HttpContext context)
    {
        int code = int.Parse((string)context.Request.RouteValues["code"]!, CultureInfo.InvariantCulture);
        if (code is < 200 or > 599)
        {
            return WriteJsonAsync(context, StatusCodes.Status400BadRequest, new { error = "status must be 200-599" });
        }

        if (code is StatusCodes.Status204NoContent or StatusCodes.Status205ResetContent or StatusCodes.Status304NotModified)
        {
            context.Response.StatusCode = code;
            return Task.CompletedTask;
        }

        return WriteJsonAsync(context, code, new { status = code });
    }

    private Task Redirect(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = Url("/echo");
        return Task.CompletedTask;
    }

    private async Task SlowAsync(HttpContext context)
    {
        if (!TryQueryInt(context, "ms", out int milliseconds))
        {
            await WriteJsonAsync(context, StatusCodes.Status400BadRequest, new { error = "ms must be a non-negative integer" });
            return;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(milliseconds, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up (a forwarder's timeout) or the fixture is stopping: nobody is left to answer.
            context.Abort();
            return;
        }

        await WriteJsonAsync(context, StatusCodes.Status200OK, new { slept_ms = milliseconds });
    }

    private static async Task LargeAsync(HttpContext context)
    {
        if (!TryQueryInt(context, "bytes", out int length))
        {
            await WriteJsonAsync(context, StatusCodes.Status400BadRequest, new { error = "bytes must be a non-negative integer" });
            return;
        }

        bool chunked = string.Equals(context.Request.Query["chunked"], "true", StringComparison.OrdinalIgnoreCase);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain";
        if (!chunked)
        {
            context.Response.ContentLength = length;
        }

        byte[] chunk = new byte[Math.Min(ChunkSize, Math.Max(length, 1))];
        chunk.AsSpan().Fill((byte)'a');
        try
        {
            for (int remaining = length; remaining > 0; remaining -= chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(remaining, chunk.Length)), context.RequestAborted);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // A forwarder that stops reading past its limit closes the connection mid-body; that is the point.
        }
    }

    private static Task HeadersAsync(HttpContext context)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in context.Request.Headers)
        {
            headers[name.ToLowerInvariant()] = string.Join(", ", values.ToArray());
        }

        return WriteJsonAsync(context, StatusCodes.Status200OK, headers);
    }

    private static bool TryQueryInt(HttpContext context, string name, out int value) =>
        int.TryParse(context.Request.Query[name], NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static async Task WriteJsonAsync<T>(HttpContext context, int status, T value)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(value, Json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }
}
