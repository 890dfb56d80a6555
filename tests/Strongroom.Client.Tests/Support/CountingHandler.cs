using System.Collections.Concurrent;

namespace Strongroom.Client.Tests.Support;

/// <summary>Requests seen, by path, across every handler that reports to it (the factory builds a new pipeline per client).</summary>
public sealed class RequestCounts
{
    private readonly ConcurrentDictionary<string, int> _byPath = new(StringComparer.Ordinal);

    public int Count(string path) => _byPath.TryGetValue(path, out int count) ? count : 0;

    public void Add(string path) => _byPath.AddOrUpdate(path, 1, (_, count) => count + 1);
}

/// <summary>Counts the requests that pass, so a test can see how many JWTs a client asked for.</summary>
public sealed class CountingHandler(RequestCounts counts) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        counts.Add(request.RequestUri!.AbsolutePath);
        return base.SendAsync(request, cancellationToken);
    }
}
