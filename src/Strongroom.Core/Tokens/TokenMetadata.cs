using System.Text.Json;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Tokens;

/// <summary>One failed metadata rule; <see cref="Key"/> is null when the rule is about the whole object.</summary>
public readonly record struct MetadataError(string? Key, string Message);

/// <summary>
/// Merchant metadata on a token: at most 20 pairs, keys up to 20 characters, values up to 80.
/// Metadata is stored in the clear (it is searchable merchant data), so a value that looks like a
/// card number is refused rather than silently putting a PAN on disk.
/// </summary>
public static class TokenMetadata
{
    public const int MaxPairs = 20;
    public const int MaxKeyLength = 20;
    public const int MaxValueLength = 80;

    public static void Validate(IReadOnlyDictionary<string, string> metadata, List<MetadataError> errors)
    {
        if (metadata.Count > MaxPairs)
        {
            errors.Add(new(null, $"Metadata can have at most {MaxPairs} key-value pairs."));
        }

        foreach ((string key, string value) in metadata)
        {
            if (PanDetector.ContainsPan(key))
            {
                // Reported against the whole object: a path naming the key would echo the card number.
                errors.Add(new(null, "Metadata keys must not contain card numbers."));
                continue;
            }

            if (key.Length == 0 || key.Length > MaxKeyLength)
            {
                errors.Add(new(key, $"Metadata keys must be 1 to {MaxKeyLength} characters."));
            }

            if (value.Length > MaxValueLength)
            {
                errors.Add(new(key, $"Metadata values must be at most {MaxValueLength} characters."));
            }
            else if (PanDetector.ContainsPan(value))
            {
                errors.Add(new(key, "Metadata values must not contain card numbers."));
            }
        }
    }

    /// <summary>The stored form; refuses (as a last check before the store) metadata holding a card number.</summary>
    public static string? Serialize(IReadOnlyDictionary<string, string>? metadata)
    {
        FreeText.Require("metadata", metadata);
        return metadata is null || metadata.Count == 0 ? null : JsonSerializer.Serialize(metadata, CoreJson.Default.IReadOnlyDictionaryStringString);
    }

    public static IReadOnlyDictionary<string, string>? Deserialize(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, CoreJson.Default.IReadOnlyDictionaryStringString);
}
