using System.Text;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>
/// One request as <see cref="ProcessorServer"/> received it, recorded before its endpoint ran, so that a test can
/// assert what actually left the vault (substituted card data, headers that must or must not be forwarded).
/// </summary>
/// <param name="Method">The HTTP method, e.g. <c>POST</c>.</param>
/// <param name="Path">The path only, e.g. <c>/echo</c>.</param>
/// <param name="PathAndQuery">The path with its query string, e.g. <c>/slow?ms=50</c>.</param>
/// <param name="Headers">
/// Every request header, keyed by lower-case name (lookups ignore case), values of a repeated header joined with
/// <c>", "</c>. Includes <c>host</c> and, on HTTP/1.1, <c>content-length</c>/<c>transfer-encoding</c>.
/// </param>
/// <param name="BodyBytes">The body exactly as received (empty when there was none).</param>
/// <param name="Protocol">The HTTP protocol, e.g. <c>HTTP/1.1</c> or <c>HTTP/2</c>.</param>
/// <param name="ClientCertificatePresented">Whether the TLS client presented any certificate.</param>
/// <param name="ClientCertificateValid">Whether it presented one issued by the server's client CA.</param>
/// <param name="ReceivedAt">When the body had been read completely (UTC).</param>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> BodyBytes,
    string Protocol,
    bool ClientCertificatePresented,
    bool ClientCertificateValid,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The body decoded as UTF-8.</summary>
    public string Body => Encoding.UTF8.GetString(BodyBytes.Span);

    /// <summary>The value of header <paramref name="name"/> (any case), or null when it was not sent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}
