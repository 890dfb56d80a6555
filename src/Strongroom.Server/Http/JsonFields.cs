using System.Text.Json;

namespace Strongroom.Server.Http;

/// <summary>What a typed read of one JSON property found.</summary>
internal enum JsonFieldState
{
    /// <summary>The property is missing or <c>null</c>.</summary>
    Absent,

    /// <summary>The property is there but of another JSON type (or, for integers, not a 32-bit whole number).</summary>
    WrongType,

    Present,
}

/// <summary>
/// Typed reads of request-body properties, shared by every dialect: each dialect turns the
/// <see cref="JsonFieldState"/> into its own error shape and wording, so the typing rules live once.
/// </summary>
internal static class JsonFields
{
    public static JsonFieldState Object(JsonElement parent, string name, out JsonElement value) =>
        Read(parent, name, out value, v => v.ValueKind == JsonValueKind.Object);

    public static JsonFieldState String(JsonElement parent, string name, out string? value)
    {
        JsonFieldState state = Read(parent, name, out JsonElement element, v => v.ValueKind == JsonValueKind.String);
        value = state == JsonFieldState.Present ? element.GetString() : null;
        return state;
    }

    public static JsonFieldState Int32(JsonElement parent, string name, out int value)
    {
        JsonFieldState state = Read(parent, name, out JsonElement element, v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out _));
        value = state == JsonFieldState.Present ? element.GetInt32() : 0;
        return state;
    }

    public static JsonFieldState Int64(JsonElement parent, string name, out long value)
    {
        JsonFieldState state = Read(parent, name, out JsonElement element, v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out _));
        value = state == JsonFieldState.Present ? element.GetInt64() : 0;
        return state;
    }

    public static JsonFieldState Boolean(JsonElement parent, string name, out bool value)
    {
        JsonFieldState state = Read(parent, name, out JsonElement element, v => v.ValueKind is JsonValueKind.True or JsonValueKind.False);
        value = state == JsonFieldState.Present && element.GetBoolean();
        return state;
    }

    private static JsonFieldState Read(JsonElement parent, string name, out JsonElement value, Func<JsonElement, bool> hasType)
    {
        if (!parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            return JsonFieldState.Absent;
        }

        return hasType(value) ? JsonFieldState.Present : JsonFieldState.WrongType;
    }
}
