namespace Strongroom.Client.Guardian;

/// <summary>
/// The destination's answer, as the vault passed it back: status, headers and body (any card number the destination
/// echoed is masked by the vault). A non-2xx status here is the destination's, not the vault's.
/// </summary>
public sealed record ForwardedResponse(int StatusCode, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    /// <summary>True for a 2xx answer.</summary>
    public bool IsSuccessStatusCode => StatusCode is >= 200 and < 300;

    /// <summary>Status and size only: the body is the destination's and may hold anything.</summary>
    public override string ToString() => $"ForwardedResponse {{ StatusCode = {StatusCode}, Body = {Body.Length} bytes }}";
}
