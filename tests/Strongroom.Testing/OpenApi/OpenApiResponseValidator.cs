using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Strongroom.Testing.OpenApi;

/// <summary>
/// Checks responses against an OpenAPI 3.1 document: the operation is found by method and path template, the response by
/// status (or <c>default</c>), and a JSON body is evaluated against the declared schema with JsonSchema.Net (component
/// <c>$ref</c>s become <c>$defs</c> of a self-contained 2020-12 schema). Requests the document does not describe (unknown
/// paths, methods it lists for no operation) are not its business and pass.
/// </summary>
public sealed class OpenApiResponseValidator
{
    private const string JsonMediaType = "application/json";

    private readonly JsonObject _document;
    private readonly List<(Regex Pattern, string Template, int Parameters)> _paths;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private int _built;

    public OpenApiResponseValidator(string documentJson)
    {
        _document = JsonNode.Parse(documentJson)?.AsObject() ?? throw new ArgumentException("The document is not a JSON object.", nameof(documentJson));
        _paths = [.. (_document["paths"]?.AsObject() ?? [])
            .Select(path => (Template(path.Key), path.Key, path.Key.Count(c => c == '{')))
            // A literal segment wins over a parameter: /api/webhooks/event-types before /api/webhooks/{id}.
            .OrderBy(path => path.Item3)];
    }

    /// <summary>Null when <paramref name="response"/> agrees with the document, else what is wrong (never the body itself: it may hold secrets).</summary>
    public string? Validate(ObservedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        string method = response.Method.ToLowerInvariant();
        string? template = _paths.FirstOrDefault(path => path.Pattern.IsMatch(response.Path)).Template;
        if (template is null || _document["paths"]?[template]?[method] is not JsonObject operation)
        {
            return null;
        }

        string where = $"{response.Method} {template} → {response.Status}";
        JsonObject? responses = operation["responses"]?.AsObject();
        string status = response.Status.ToString(CultureInfo.InvariantCulture);
        if ((responses?[status] ?? responses?["default"]) is not JsonObject declared)
        {
            return $"{where}: status not declared (and no default response)";
        }

        JsonNode? schemaNode = declared["content"]?[JsonMediaType]?["schema"];
        bool isJson = response.ContentType?.StartsWith(JsonMediaType, StringComparison.OrdinalIgnoreCase) == true;
        if (schemaNode is null || declared["content"]?["*/*"] is not null)
        {
            // No JSON schema, or any body at all (a forward passes the destination's response through).
            return isJson && declared["content"] is JsonObject { Count: > 0 } content && content["*/*"] is null ? $"{where}: JSON body where the document declares another media type" : null;
        }

        if (response.Body.Length == 0)
        {
            return response.Method == "HEAD" ? null : $"{where}: empty body where the document declares a JSON schema";
        }

        if (!isJson)
        {
            return $"{where}: Content-Type '{response.ContentType}' where the document declares {JsonMediaType}";
        }

        JsonDocument body;
        try
        {
            body = JsonDocument.Parse(response.Body);
        }
        catch (JsonException)
        {
            return $"{where}: the body is not JSON";
        }

        using (body)
        {
            string key = template + " " + method + " " + (responses![status] is null ? "default" : status);
            JsonSchema schema = _schemas.GetOrAdd(key, _ => Build(schemaNode));
            EvaluationResults results = schema.Evaluate(body.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            return results.IsValid ? null : $"{where}: {Describe(results)}";
        }
    }

    private JsonSchema Build(JsonNode schemaNode)
    {
        var root = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema" };
        foreach ((string name, JsonNode? value) in schemaNode.DeepClone().AsObject())
        {
            root[name] = value?.DeepClone();
        }

        root["$defs"] = _document["components"]?["schemas"]?.DeepClone() ?? new JsonObject();
        string text = root.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        int number = Interlocked.Increment(ref _built);
        var baseUri = new Uri($"https://strongroom.test/openapi/{Guid.NewGuid():N}/{number}");
        return JsonSchema.Build(JsonDocument.Parse(text).RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, baseUri);
    }

    private static string Describe(EvaluationResults results)
    {
        var text = new StringBuilder();
        foreach (EvaluationResults detail in (results.Details ?? []).Prepend(results).Where(d => d.Errors is { Count: > 0 }).Take(4))
        {
            foreach ((string keyword, string message) in detail.Errors!)
            {
                text.Append(CultureInfo.InvariantCulture, $"[{detail.InstanceLocation} {keyword}: {message}] ");
            }
        }

        return text.Length > 0 ? text.ToString().TrimEnd() : "does not match the declared schema";
    }

    private static Regex Template(string template) =>
        new("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "/?$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
