using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Strongroom.Core.Telemetry;
using Strongroom.Server.Http;

namespace Strongroom.Server.Observability;

/// <summary>
/// The outermost middleware, so it sees the status the client got (error pipeline included): adds the <c>dialect</c> (and, when
/// opted in, <c>tenant</c>) label to ASP.NET Core's <c>http.server.request.duration</c>, feeds the tokenize, read and forward
/// histograms, and counts rate-limit rejections (every 429 the vault sends is one: the per-credential and per-IP limiters are
/// its only source). Labels are route templates and fixed words: never a raw path, an id or anything from the body.
/// </summary>
internal sealed class RequestTelemetryMiddleware(RequestDelegate next, IOptions<MetricsOptions> options)
{
    private static readonly Counter<long> RateLimitRejections = VaultMeter.Meter.CreateCounter<long>(
        "strongroom.rate_limit.rejections", "{request}", "Requests refused with 429 by a rate limit (per credential, or per client IP on the hosted form), by dialect.");

    private readonly bool _includeTenant = options.Value.IncludeTenant;

    public async Task InvokeAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            Record(context, started);
        }
    }

    private void Record(HttpContext context, long started)
    {
        Endpoint? endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        EndpointTelemetry telemetry = EndpointTelemetry.For(endpoint, context.Request.Path);
        int status = context.Response.StatusCode;
        string? tenant = _includeTenant ? TenantOf(context) : null;

        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } requestTags)
        {
            requestTags.Tags.Add(new("dialect", telemetry.Dialect));
            if (tenant is not null)
            {
                requestTags.Tags.Add(new("tenant", tenant));
            }
        }

        if (telemetry.Duration is { } duration)
        {
            var tags = new TagList { { "dialect", telemetry.Dialect }, { "http.response.status_code", status } };
            if (tenant is not null)
            {
                tags.Add("tenant", tenant);
            }

            duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }

        if (status == StatusCodes.Status429TooManyRequests)
        {
            RateLimitRejections.Add(1, new KeyValuePair<string, object?>("dialect", telemetry.Dialect));
        }
    }

    // Only an authenticated caller's tenant (a tenant key, or the admin's x-tenant-id once checked): never a value the client merely sent.
    private static string? TenantOf(HttpContext context) =>
        context.RequestServices.GetService<Caller>()?.KnownTenantId?.ToString();
}
