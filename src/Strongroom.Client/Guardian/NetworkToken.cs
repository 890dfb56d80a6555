using System.Text.Json.Serialization;

namespace Strongroom.Client.Guardian;

/// <summary>A network token (<c>/api/network/tokens/{id}</c>): the funding card, masked, and the token's state (the wire's <c>network_token</c> object).</summary>
public sealed record NetworkToken(
    Guid Id,
    MaskedCard Card,
    DateTimeOffset CreatedAt,
    [property: JsonPropertyName("network_token")] NetworkTokenState State,
    Guid? PciTokenId,
    IReadOnlyDictionary<string, string>? Metadata);

/// <summary>
/// The <c>network_token</c> object: <see cref="Status"/> (<c>active</c>, <c>inactive</c>, <c>suspended</c>, <c>deleted</c>),
/// <see cref="Type"/> (<c>vts</c>, <c>mdes</c>, <c>tms</c>) and the parties holding a suspension.
/// </summary>
public sealed record NetworkTokenState(string? SchemeReference, string Status, string Type, IReadOnlyList<string>? SuspendedBy);
