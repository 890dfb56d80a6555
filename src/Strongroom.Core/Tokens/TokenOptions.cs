namespace Strongroom.Core.Tokens;

/// <summary>What the caller chose for a new token besides the card: lifetime and metadata.</summary>
public sealed record TokenOptions(int? ExpiresInSeconds, IReadOnlyDictionary<string, string>? Metadata)
{
    public const int MaxExpiresInSeconds = 2_592_000;

    public static readonly TokenOptions None = new(null, null);
}
