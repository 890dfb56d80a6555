using System.Text.RegularExpressions;
using Strongroom.Core.Cards;

namespace Strongroom.Core.InboundRoutes;

/// <summary>The rules an inbound route must satisfy (the allowlist check needs the store and is the service's).</summary>
public static partial class InboundRouteValidator
{
    public const int DefaultMaxBodyBytes = 64 * 1024;
    public const int MaxMaxBodyBytes = 1024 * 1024;
    public const int DefaultRateLimitPerMinute = 600;
    public const int MaxRateLimitPerMinute = 100_000;
    public const int DefaultTimeoutSeconds = 30;
    public const int MaxTimeoutSeconds = 120;

    public static readonly IReadOnlySet<string> Methods = new HashSet<string>(StringComparer.Ordinal) { "POST", "PUT", "PATCH" };

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PrefixShape();

    /// <summary>The route's rules and parsed upstream, or null with the reasons in <paramref name="errors"/>.</summary>
    public static (string Prefix, Uri Upstream, InboundRouteRules Rules)? Validate(InboundRouteDraft draft, List<InboundRouteError> errors)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(errors);
        int before = errors.Count;

        if (draft.Prefix is null || !PrefixShape().IsMatch(draft.Prefix))
        {
            errors.Add(new("$.prefix", "Required: 1 to 64 lower-case letters, digits and dashes, not starting or ending with a dash."));
        }

        Uri? upstream = ValidateUpstream(draft.UpstreamUrl, errors);

        string method = draft.Method?.ToUpperInvariant() ?? "POST";
        if (!Methods.Contains(method))
        {
            errors.Add(new("$.method", "Must be POST, PUT or PATCH (the methods that carry a body)."));
        }

        string pattern = draft.PathPattern ?? "/**";
        if (InboundPathPattern.Validate(pattern) is { } patternError)
        {
            errors.Add(new("$.path_pattern", patternError));
        }

        InboundContentType? contentType = draft.ContentType is null ? InboundContentType.Json : InboundRouteNames.ContentType(draft.ContentType);
        if (contentType is null)
        {
            errors.Add(new("$.content_type", "Must be json or form."));
        }

        InboundCardFields? fields = ValidateFields(draft, contentType ?? InboundContentType.Json, errors);
        InboundReplacement? replacement = draft.Replacement is null ? InboundReplacement.TokenId : InboundRouteNames.Replacement(draft.Replacement);
        if (replacement is null)
        {
            errors.Add(new("$.replacement", "Must be token_id or fpe_alias."));
        }

        InboundUnmatched? unmatched = draft.Unmatched is null ? InboundUnmatched.Refuse : InboundRouteNames.Unmatched(draft.Unmatched);
        if (unmatched is null)
        {
            errors.Add(new("$.unmatched", "Must be pass_through or refuse."));
        }

        InboundErrorShape? shape = draft.ErrorShape is null ? InboundErrorShape.Guardian : InboundRouteNames.ErrorShape(draft.ErrorShape);
        if (shape is null)
        {
            errors.Add(new("$.error_shape", "Must be guardian or problem."));
        }

        int maxBody = Bounded(draft.MaxBodyBytes, DefaultMaxBodyBytes, 1024, MaxMaxBodyBytes, "$.max_body_bytes", errors);
        int rateLimit = Bounded(draft.RateLimitPerMinute, DefaultRateLimitPerMinute, 1, MaxRateLimitPerMinute, "$.rate_limit_per_minute", errors);
        int timeout = Bounded(draft.TimeoutSeconds, DefaultTimeoutSeconds, 1, MaxTimeoutSeconds, "$.timeout_seconds", errors);

        if (errors.Count > before)
        {
            return null;
        }

        return (draft.Prefix!, upstream!, new InboundRouteRules(method, pattern, contentType!.Value, fields!, replacement!.Value, unmatched!.Value, shape!.Value, maxBody, rateLimit, timeout));
    }

    private static Uri? ValidateUpstream(string? text, List<InboundRouteError> errors)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            || url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            errors.Add(new("$.upstream_url", "Required: an absolute https URL without user info, query or fragment (http only for a loopback host)."));
            return null;
        }

        if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback)
        {
            errors.Add(new("$.upstream_url", "Must be https (http only for a loopback host, in development)."));
            return null;
        }

        if (PanDetector.ContainsPan(url.OriginalString))
        {
            errors.Add(new("$.upstream_url", "Must not contain a card number."));
            return null;
        }

        return url;
    }

    private static InboundCardFields? ValidateFields(InboundRouteDraft draft, InboundContentType contentType, List<InboundRouteError> errors)
    {
        int before = errors.Count;
        (string Path, string? Value)[] all =
        [
            ("$.fields.account_number", draft.AccountNumberField), ("$.fields.expiry_month", draft.ExpiryMonthField), ("$.fields.expiry_year", draft.ExpiryYearField),
            ("$.fields.security_code", draft.SecurityCodeField), ("$.fields.cardholder_name", draft.CardholderNameField),
        ];
        foreach ((string path, string? value) in all.Take(3))
        {
            if (value is null)
            {
                errors.Add(new(path, "Required: the card number and the expiry are needed to tokenize."));
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string path, string? value) in all)
        {
            if (value is null)
            {
                continue;
            }

            bool valid = contentType == InboundContentType.Json ? InboundFieldPath.ParseJson(value) is not null : InboundFieldPath.IsFormName(value);
            if (!valid)
            {
                errors.Add(new(path, contentType == InboundContentType.Json
                    ? "Must be a JSON path of members and indexes, such as $.card.number or $.cards[0].pan."
                    : "Must be a form field name (visible ASCII without & = % +)."));
            }
            else if (!seen.Add(value))
            {
                errors.Add(new(path, "Two card fields cannot share one location."));
            }
        }

        return errors.Count > before ? null : new InboundCardFields(draft.AccountNumberField!, draft.ExpiryMonthField, draft.ExpiryYearField, draft.SecurityCodeField, draft.CardholderNameField);
    }

    private static int Bounded(int? value, int fallback, int min, int max, string path, List<InboundRouteError> errors)
    {
        if (value is int given && (given < min || given > max))
        {
            errors.Add(new(path, $"Must be between {min} and {max}."));
        }

        return value ?? fallback;
    }
}
