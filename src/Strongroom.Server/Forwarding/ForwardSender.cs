using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Strongroom.Core.Forwarding;
using Strongroom.Server.Http;

namespace Strongroom.Server.Forwarding;

/// <summary>Outbound limits of forwarding (section <c>Strongroom:Forwarding</c>).</summary>
public sealed class ForwardingOptions
{
    public const string Section = "Strongroom:Forwarding";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole exchange: connect, send, and read the response.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1024, 64 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>Development only: allow plain <c>http</c> destinations on a loopback host.</summary>
    public bool AllowInsecureLoopback { get; set; }
}

public enum ForwardFailure
{
    None,

    /// <summary>Every address the host resolved to is private, loopback or link-local, and the destination does not allow that.</summary>
    Blocked,
    Timeout,
    Unreachable,
    TooLarge,

    /// <summary>The response is in a content encoding the vault cannot undo (or corrupt), so it cannot be masked.</summary>
    Unreadable,
}

/// <summary>What came back: the destination's status, headers and body, or why there is none.</summary>
public sealed record ForwardResponse(ForwardFailure Failure, int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, TimeSpan Duration, string? Detail = null);

/// <summary>
/// Sends forwards. One connection pool per destination, because each carries its own TLS trust (an optional pinned
/// CA) and client certificate. SSRF defence sits in the connect callback: the host is resolved, private, loopback
/// and link-local addresses are dropped unless the destination allows them, and the socket connects to exactly
/// the addresses checked (so a DNS answer cannot change between check and connect). Redirects are never followed.
/// </summary>
internal sealed class ForwardSender(IOptions<ForwardingOptions> options, ForwardingService forwarding) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, (ForwardDestination Destination, HttpMessageInvoker Client)> _clients = new();
    private readonly Lock _gate = new();

    public async Task<ForwardResponse> SendAsync(ForwardDestination destination, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using Activity? span = Observability.ForwardTelemetry.Start(destination);
        try
        {
            ForwardResponse response = await SendToDestinationAsync(destination, request, cancellationToken);
            Observability.ForwardTelemetry.Record(destination, response, span);
            return response;
        }
        catch (Exception ex)
        {
            Observability.ForwardTelemetry.Failed(destination, ex, span);
            throw;
        }
    }

    private async Task<ForwardResponse> SendToDestinationAsync(ForwardDestination destination, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ForwardingOptions o = options.Value;
        HttpMessageInvoker client = await ClientForAsync(destination, cancellationToken);
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(o.Timeout);
        request.Headers.Remove("Accept-Encoding");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", ForwardResponseDecoder.AcceptEncoding);
        try
        {
            using HttpResponseMessage response = await client.SendAsync(request, timeout.Token);
            var headers = new List<KeyValuePair<string, string>>();
            foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
            {
                foreach (string value in header.Value)
                {
                    headers.Add(new(header.Key, value));
                }
            }

            byte[]? raw = await ReadLimitedAsync(response.Content, o.MaxResponseBytes, timeout.Token);
            if (raw is null)
            {
                return new(ForwardFailure.TooLarge, 0, [], [], clock.Elapsed, $"The destination's response exceeds {o.MaxResponseBytes} bytes.");
            }

            return ForwardResponseDecoder.Decode(raw, response.Content.Headers.ContentEncoding, o.MaxResponseBytes, out byte[] body, out string? detail) switch
            {
                ForwardResponseDecoder.Outcome.TooLarge => new(ForwardFailure.TooLarge, 0, [], [], clock.Elapsed, detail),
                ForwardResponseDecoder.Outcome.Unsupported => new(ForwardFailure.Unreadable, 0, [], [], clock.Elapsed, detail),
                _ => new(ForwardFailure.None, (int)response.StatusCode, [.. headers.Where(h => !h.Key.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))], body, clock.Elapsed),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(ForwardFailure.Timeout, 0, [], [], clock.Elapsed, "The destination did not answer in time.");
        }
        catch (HttpRequestException ex) when (ex.InnerException is EgressBlockedException blocked)
        {
            return new(ForwardFailure.Blocked, 0, [], [], clock.Elapsed, blocked.Message);
        }
        catch (HttpRequestException ex)
        {
            return new(ForwardFailure.Unreachable, 0, [], [], clock.Elapsed, ex.HttpRequestError == HttpRequestError.SecureConnectionError
                ? "The TLS connection to the destination failed (certificate not trusted, or client certificate refused)."
                : "The destination could not be reached.");
        }
    }

    private async Task<HttpMessageInvoker> ClientForAsync(ForwardDestination destination, CancellationToken cancellationToken)
    {
        if (_clients.TryGetValue(destination.Id, out var cached) && SameSettings(cached.Destination, destination))
        {
            return cached.Client;
        }

        string? identityPem = await forwarding.OpenClientIdentityAsync(destination, cancellationToken);
        HttpMessageInvoker client = new(CreateHandler(destination, identityPem, options.Value), disposeHandler: true);
        (ForwardDestination Destination, HttpMessageInvoker Client)? replaced = null;
        lock (_gate)
        {
            if (_clients.TryGetValue(destination.Id, out cached))
            {
                if (SameSettings(cached.Destination, destination))
                {
                    // Another request built the same pool meanwhile: use it, drop ours (never used).
                    client.Dispose();
                    return cached.Client;
                }

                replaced = cached;
            }

            _clients[destination.Id] = (destination, client);
        }

        // A pool is replaced when its entry changed, including when a key rotation re-sealed its client identity: requests that
        // took the old pool a moment ago may still be sending on it, so it is disposed only once they are done (or timed out).
        if (replaced is { } old)
        {
            RetireLater(old.Client, options.Value.Timeout + TimeSpan.FromSeconds(5));
        }

        return client;
    }

    private static void RetireLater(HttpMessageInvoker client, TimeSpan after) =>
        _ = Task.Delay(after).ContinueWith(_ => client.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>The allowlist is re-read per request: a changed entry (trust, identity, private flag) gets a new pool.</summary>
    private static bool SameSettings(ForwardDestination a, ForwardDestination b) =>
        a with { ClientIdentity = null } == b with { ClientIdentity = null }
        && (a.ClientIdentity ?? []).AsSpan().SequenceEqual(b.ClientIdentity ?? []);

    private static SocketsHttpHandler CreateHandler(ForwardDestination destination, string? identityPem, ForwardingOptions o)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            // Decoded by ForwardResponseDecoder instead, every layer, so that masking sees plain bytes or the response is refused.
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = o.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) => SafeEgress.ConnectAsync(context.DnsEndPoint, destination.AllowPrivateNetwork,
                $"The destination resolves only to private, loopback or link-local addresses, which {destination.Origin} does not allow.", cancellationToken),
        };

        if (destination.CaCertificatePem is { } caPem)
        {
            X509Certificate2 ca = X509Certificate2.CreateFromPem(caPem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        if (identityPem is not null)
        {
            X509Certificate2 identity = X509Certificate2.CreateFromPem(identityPem, identityPem);
            handler.SslOptions.ClientCertificates = [identity];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => identity;
        }

        return handler;
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    public void Dispose()
    {
        foreach ((ForwardDestination _, HttpMessageInvoker client) in _clients.Values)
        {
            client.Dispose();
        }
    }

}
