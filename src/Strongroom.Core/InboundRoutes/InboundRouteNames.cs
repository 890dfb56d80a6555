namespace Strongroom.Core.InboundRoutes;

/// <summary>The wire names of the route options (admin API, CLI, stored definition).</summary>
public static class InboundRouteNames
{
    public static string Of(InboundContentType value) => value == InboundContentType.Json ? "json" : "form";

    public static string Of(InboundReplacement value) => value == InboundReplacement.TokenId ? "token_id" : "fpe_alias";

    public static string Of(InboundUnmatched value) => value == InboundUnmatched.PassThrough ? "pass_through" : "refuse";

    public static string Of(InboundErrorShape value) => value == InboundErrorShape.Guardian ? "guardian" : "problem";

    public static InboundContentType? ContentType(string? name) => name switch { "json" => InboundContentType.Json, "form" => InboundContentType.Form, _ => null };

    public static InboundReplacement? Replacement(string? name) => name switch { "token_id" => InboundReplacement.TokenId, "fpe_alias" => InboundReplacement.FpeAlias, _ => null };

    public static InboundUnmatched? Unmatched(string? name) => name switch { "pass_through" => InboundUnmatched.PassThrough, "refuse" => InboundUnmatched.Refuse, _ => null };

    public static InboundErrorShape? ErrorShape(string? name) => name switch { "guardian" => InboundErrorShape.Guardian, "problem" => InboundErrorShape.Problem, _ => null };
}
