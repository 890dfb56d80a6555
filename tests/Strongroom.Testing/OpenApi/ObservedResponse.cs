namespace Strongroom.Testing.OpenApi;

/// <summary>One response a test received, as the OpenAPI conformance check needs it (the request line, the status and the body).</summary>
public sealed record ObservedResponse(string Method, string Path, int Status, string? ContentType, byte[] Body);
