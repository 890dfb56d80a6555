namespace Strongroom.Server.Guardian;

/// <summary>Body of <c>POST /api/metadata/pan</c>, for the OpenAPI document only (the endpoint reads the raw bytes).</summary>
internal sealed record MetadataByPanRequest(string AccountNumber);
