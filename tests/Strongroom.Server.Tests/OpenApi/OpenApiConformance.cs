using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Strongroom.Testing.OpenApi;

namespace Strongroom.Server.Tests.OpenApi;

/// <summary>
/// Records every response a <see cref="StrongroomApplication"/> sends (a startup filter puts a recording middleware first
/// in the pipeline, so it sees exactly the bytes clients get) and, when the application is disposed, checks them all against
/// the document the application itself serves. Off with <c>STRONGROOM_OPENAPI_CONFORMANCE=off</c>.
/// </summary>
public sealed class OpenApiConformance : IStartupFilter
{
    public const string SwitchVariable = "STRONGROOM_OPENAPI_CONFORMANCE";

    /// <summary>A bound on what one application keeps (load tests send thousands of alike requests).</summary>
    private const int MaxRecorded = 20_000;

    private readonly ConcurrentQueue<ObservedResponse> _responses = new();

    public static bool Enabled => !string.Equals(Environment.GetEnvironmentVariable(SwitchVariable), "off", StringComparison.OrdinalIgnoreCase);

    public int Count => _responses.Count;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(RecordAsync);
        next(app);
    };

    /// <summary>What in the recorded responses disagrees with <paramref name="documentJson"/>, one line per distinct problem.</summary>
    public IReadOnlyList<string> Violations(string documentJson)
    {
        var validator = new OpenApiResponseValidator(documentJson);
        return [.. _responses.Select(validator.Validate).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        string path = context.Request.PathBase.Add(context.Request.Path).Value ?? "/";
        if (_responses.Count >= MaxRecorded || path.StartsWith("/openapi/", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        Stream original = context.Response.Body;
        using var copy = new MemoryStream();
        await using var tee = new TeeStream(original, copy);
        context.Response.Body = tee;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        _responses.Enqueue(new ObservedResponse(context.Request.Method, path, context.Response.StatusCode, context.Response.ContentType, copy.ToArray()));
    }
}
