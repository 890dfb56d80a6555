using System.Diagnostics;

namespace Strongroom.Core.Telemetry;

/// <summary>
/// The one activity source of the vault's own spans (store calls, key provider, forwarding, webhook delivery). Spans carry
/// operation names, engines, hosts and outcomes only: never card data, token ids, keys or secrets.
/// </summary>
public static class VaultTracing
{
    /// <summary>The source name a tracer subscribes to.</summary>
    public const string Name = "Strongroom";

    /// <summary>The shared source; <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null (and costs next to nothing) while nobody listens.</summary>
    public static readonly ActivitySource Source = new(Name, "1.0");
}
