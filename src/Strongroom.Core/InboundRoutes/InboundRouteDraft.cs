namespace Strongroom.Core.InboundRoutes;

/// <summary>
/// A route as an admin asked for it (admin API body or CLI options), before validation: every value as given, null when not
/// given (the defaults apply). <see cref="InboundRouteService.CreateAsync"/> validates it into an <see cref="InboundRoute"/>.
/// </summary>
public sealed record InboundRouteDraft
{
    public string? Prefix { get; init; }

    public string? UpstreamUrl { get; init; }

    public string? Method { get; init; }

    public string? PathPattern { get; init; }

    public string? ContentType { get; init; }

    public string? AccountNumberField { get; init; }

    public string? ExpiryMonthField { get; init; }

    public string? ExpiryYearField { get; init; }

    public string? SecurityCodeField { get; init; }

    public string? CardholderNameField { get; init; }

    public string? Replacement { get; init; }

    public string? Unmatched { get; init; }

    public string? ErrorShape { get; init; }

    public int? MaxBodyBytes { get; init; }

    public int? RateLimitPerMinute { get; init; }

    public int? TimeoutSeconds { get; init; }
}

/// <summary>One reason a draft was refused: the admin API's JSON path of the option, and a message.</summary>
public readonly record struct InboundRouteError(string Path, string Message);
