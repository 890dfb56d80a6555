using System.Text.Json;
using System.Text.Unicode;

namespace Strongroom.Server.Http;

/// <summary>Why a request body is not a usable JSON document.</summary>
internal enum RequestJsonError
{
    None,

    /// <summary>Not JSON (syntax, or nested deeper than allowed).</summary>
    Malformed,

    /// <summary>JSON whose text is not Unicode: raw bytes that are not UTF-8, or an escaped lone surrogate (<c>"\ud800"</c>).</summary>
    NotUnicode,
}

/// <summary>
/// The one place request bytes become a <see cref="JsonDocument"/>. System.Text.Json parses invalid UTF-8 inside a string and
/// lone-surrogate escapes without complaint and only throws later, when a handler reads the string; checking every string and
/// property name here means a handler's <c>GetString()</c> can never fail, so such a body is the dialect's 400/422, never a 500.
/// </summary>
internal static class RequestJson
{
    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, int maxDepth, out RequestJsonError error)
    {
        if (!Utf8.IsValid(body.Span))
        {
            error = RequestJsonError.NotUnicode;
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException)
        {
            error = RequestJsonError.Malformed;
            return null;
        }

        if (!IsUnicode(document.RootElement))
        {
            document.Dispose();
            error = RequestJsonError.NotUnicode;
            return null;
        }

        error = RequestJsonError.None;
        return document;
    }

    /// <summary>Every string and property name transcodes to UTF-16 (recursion is bounded by the parse's MaxDepth).</summary>
    private static bool IsUnicode(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        if (!IsUnicode(item))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        if (property.Name is null || !IsUnicode(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
