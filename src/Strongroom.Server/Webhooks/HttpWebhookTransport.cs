using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Strongroom.Core.Webhooks;
using Strongroom.Server.Http;

namespace Strongroom.Server.Webhooks;

/// <summary>
/// Sends webhooks over HTTP with the same egress rules as forwarding: SSRF checks at connect (private networks only when
/// <see cref="WebhookOptions.AllowPrivateNetworks"/>), no redirects (a 3xx is a failed attempt), no proxy, no cookies,
/// connect and total timeouts. The receiver's body is read at most to 64 KB and dropped: only the status matters.
/// </summary>
internal sealed class HttpWebhookTransport : IWebhookTransport, IDisposable
{
    private const int MaxDrainBytes = 64 * 1024;

    private readonly HttpMessageInvoker _client;
    private readonly WebhookOptions _options;

    public HttpWebhookTransport(IOptions<WebhookOptions> options)
    {
        _options = options.Value;
        bool allowPrivate = _options.AllowPrivateNetworks;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, cancellationToken) => SafeEgress.ConnectAsync(context.DnsEndPoint, allowPrivate,
                "The webhook URL resolves only to private, loopback or link-local addresses, which this vault does not allow (Strongroom:Webhooks:AllowPrivateNetworks).",
                cancellationToken),
        }, disposeHandler: true);
    }

    public async Task<WebhookSendResult> SendAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ByteArrayContent(request.Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        message.Headers.UserAgent.ParseAdd("Strongroom-Webhooks/1.0");
        foreach ((string name, string value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(message, timeout.Token);
            await DrainAsync(response.Content, timeout.Token);
            return new WebhookSendResult((int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookSendResult(null, WebhookFailureReason.Timeout(request.Url, _options.Timeout));
        }
        catch (HttpRequestException ex) when (ex.InnerException is EgressBlockedException blocked)
        {
            return new WebhookSendResult(null, blocked.Message);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookSendResult(null, WebhookFailureReason.Of(ex, request.Url));
        }
    }

    private static async Task DrainAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[8192];
        int total = 0;
        int read;
        while (total < MaxDrainBytes && (read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
        }
    }

    public void Dispose() => _client.Dispose();
}
