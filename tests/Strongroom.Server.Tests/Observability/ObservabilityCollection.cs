namespace Strongroom.Server.Tests.Observability;

/// <summary>
/// The instruments hang off one static meter and activity source per process, so every vault in the test process feeds every
/// listener: the observability tests run alone (after the parallel tests) to count only their own workload.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ObservabilityCollection
{
    public const string Name = "Observability (global listeners)";
}
