namespace Strongroom.Client.Guardian;

/// <summary>
/// A forward: the vault fills card data (or a cryptogram) into the placeholders of <see cref="Body"/>, such as
/// <c>{{ account_number }}</c> or <c>{{ expiry_month | unwrap }}</c>, and POSTs it to <see cref="Destination"/>,
/// which must be on the tenant's allowlist.
/// </summary>
public sealed class ForwardRequest
{
    /// <summary>The absolute destination URL (header <c>x-destination-url</c>).</summary>
    public required Uri Destination { get; init; }

    /// <summary>The body template; the vault sends it with the placeholders filled in.</summary>
    public required string Body { get; init; }

    /// <summary>The body's media type (default <c>application/json</c>).</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>Extra headers the vault passes on to the destination (not its own, hop-by-hop or framing headers).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <inheritdoc />
    public override string ToString() => $"ForwardRequest {{ Destination = {Destination.GetLeftPart(UriPartial.Path)} }}";
}
