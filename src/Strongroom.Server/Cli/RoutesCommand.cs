using System.CommandLine;
using Strongroom.Core.Audit;
using Strongroom.Core.InboundRoutes;

namespace Strongroom.Server.Cli;

/// <summary>
/// <c>strongroom routes list|add|remove</c>: a tenant's inbound routes, over the configured store, recorded in the audit log as
/// the operator's. Running servers pick changes up within their reload interval.
/// </summary>
internal static class RoutesCommand
{
    public static Command Build(Func<CancellationToken, Task<IHost>> startHost)
    {
        var routes = new Command("routes", "Manage inbound routes (the inbound proxy, /inbound/{prefix}/…).");
        var tenant = new Option<Guid>("--tenant") { Description = "Tenant id.", Required = true };

        var list = new Command("list", "List the tenant's inbound routes.") { tenant };
        list.SetAction(async (parse, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            foreach (InboundRoute route in await host.Services.GetRequiredService<InboundRouteService>().ListAsync(parse.GetValue(tenant), cancellationToken))
            {
                InboundRouteRules r = route.Rules;
                Console.WriteLine($"{route.Id}  {route.ProxyPath}  {r.Method} {r.PathPattern} {InboundRouteNames.Of(r.ContentType)} -> {route.Upstream}  " +
                    $"number={r.Fields.AccountNumber} replacement={InboundRouteNames.Of(r.Replacement)} unmatched={InboundRouteNames.Of(r.Unmatched)}");
            }

            return 0;
        });

        var prefix = new Option<string>("--prefix") { Description = "The route answers under /inbound/{prefix}/.", Required = true };
        var upstream = new Option<string>("--upstream") { Description = "The merchant API's https base URL (on the tenant's forwarding allowlist).", Required = true };
        var method = new Option<string?>("--method") { Description = "POST (default), PUT or PATCH." };
        var path = new Option<string?>("--path") { Description = "Path pattern under the prefix (default /**)." };
        var contentType = new Option<string?>("--content-type") { Description = "json (default) or form." };
        var number = new Option<string>("--number-field") { Description = "Where the card number is: a JSON path ($.card.number) or a form field name.", Required = true };
        var month = new Option<string>("--expiry-month-field") { Description = "Where the expiry month is.", Required = true };
        var year = new Option<string>("--expiry-year-field") { Description = "Where the expiry year is.", Required = true };
        var code = new Option<string?>("--security-code-field") { Description = "Where the security code is (removed on the way; kept only in the ephemeral store)." };
        var name = new Option<string?>("--name-field") { Description = "Where the cardholder name is." };
        var replacement = new Option<string?>("--replacement") { Description = "token_id (default) or fpe_alias." };
        var unmatched = new Option<string?>("--unmatched") { Description = "refuse (default) or pass_through." };
        var errorShape = new Option<string?>("--error-shape") { Description = "guardian (default) or problem." };
        var maxBody = new Option<int?>("--max-body-bytes") { Description = "Body limit (default 65536)." };
        var rateLimit = new Option<int?>("--rate-limit") { Description = "Requests per minute (default 600)." };
        var timeout = new Option<int?>("--timeout") { Description = "Upstream timeout in seconds (default 30)." };
        var add = new Command("add", "Add an inbound route.")
        {
            tenant, prefix, upstream, method, path, contentType, number, month, year, code, name, replacement, unmatched, errorShape, maxBody, rateLimit, timeout,
        };
        add.SetAction(async (parse, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            var draft = new InboundRouteDraft
            {
                Prefix = parse.GetValue(prefix),
                UpstreamUrl = parse.GetValue(upstream),
                Method = parse.GetValue(method),
                PathPattern = parse.GetValue(path),
                ContentType = parse.GetValue(contentType),
                AccountNumberField = parse.GetValue(number),
                ExpiryMonthField = parse.GetValue(month),
                ExpiryYearField = parse.GetValue(year),
                SecurityCodeField = parse.GetValue(code),
                CardholderNameField = parse.GetValue(name),
                Replacement = parse.GetValue(replacement),
                Unmatched = parse.GetValue(unmatched),
                ErrorShape = parse.GetValue(errorShape),
                MaxBodyBytes = parse.GetValue(maxBody),
                RateLimitPerMinute = parse.GetValue(rateLimit),
                TimeoutSeconds = parse.GetValue(timeout),
            };
            InboundRouteCreation created = await host.Services.GetRequiredService<InboundRouteService>().CreateAsync(parse.GetValue(tenant), draft, Actor.Operator, cancellationToken);
            if (created.Route is not { } route)
            {
                foreach (InboundRouteError error in created.Errors)
                {
                    await Console.Error.WriteLineAsync($"{error.Path}: {error.Message}");
                }

                return created.PrefixTaken ? 1 : 2;
            }

            Console.WriteLine($"route_id: {route.Id}");
            Console.WriteLine($"path: {route.ProxyPath}");
            return 0;
        });

        var routeId = new Option<Guid>("--route") { Description = "Route id.", Required = true };
        var remove = new Command("remove", "Remove an inbound route.") { tenant, routeId };
        remove.SetAction(async (parse, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            if (!await host.Services.GetRequiredService<InboundRouteService>().DeleteAsync(parse.GetValue(tenant), parse.GetValue(routeId), Actor.Operator, cancellationToken))
            {
                await Console.Error.WriteLineAsync("No such route.");
                return 1;
            }

            Console.WriteLine("removed");
            return 0;
        });

        routes.Subcommands.Add(list);
        routes.Subcommands.Add(add);
        routes.Subcommands.Add(remove);
        return routes;
    }
}
