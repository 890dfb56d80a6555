using System.Text.Json;

namespace Strongroom.Client.Guardian;

/// <summary>One event in a network token's history (creation, status changes with party and reason, cryptograms).</summary>
public sealed record NetworkTokenEvent(Guid Id, string Type, DateTimeOffset CreatedAt, JsonElement Data);
