using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Strongroom.Server.Tests.OpenApi;

/// <summary>
/// For every endpoint an API document (seed) defines, our OpenAPI document must agree with it: each request property the
/// seed names exists in ours with a type it allows, and so does each property of each response status the seed declares.
/// Ours may say more (extra sources, optional fields); it may not rename, drop or retype. Tap's seed has examples instead of
/// a schema: its request and response examples must validate against our schemas.
/// </summary>
public sealed class SeedAgreementTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    public static TheoryData<string, string, string> OpenApiSeeds => new()
    {
        { "000_70c80df8eecd9a73.txt", "post", "/api/card-token" },
        { "002_90e74743f62d381e.txt", "post", "/api/network/tokens" },
        { "003_2c3dac11fe5a848a.txt", "post", "/api/pci/tokens" },
        { "004_02f9b89b81c70703.txt", "post", "/api/v4/sub-account/api-key/create" },
    };

    [Theory]
    [MemberData(nameof(OpenApiSeeds))]
    public async Task RequestBody_AgreesWithTheSeed(string seedFile, string method, string path)
    {
        JsonObject seed = SeedDocuments.OpenApi(seedFile);
        JsonObject ours = await OurDocumentAsync();

        JsonNode? seedSchema = seed["paths"]![path]![method]!["requestBody"]?["content"]?["application/json"]?["schema"];
        JsonNode? ourSchema = ours["paths"]![path]![method]!["requestBody"]?["content"]?["application/json"]?["schema"];

        Assert.NotNull(seedSchema);
        Assert.NotNull(ourSchema);
        AssertAgrees($"{method} {path} request", SchemaShape.Of(seedSchema, seed), SchemaShape.Of(ourSchema, ours));
    }

    [Theory]
    [MemberData(nameof(OpenApiSeeds))]
    public async Task Responses_AgreeWithTheSeed(string seedFile, string method, string path)
    {
        JsonObject seed = SeedDocuments.OpenApi(seedFile);
        JsonObject ours = await OurDocumentAsync();
        JsonObject seedResponses = seed["paths"]![path]![method]!["responses"]!.AsObject();
        JsonObject ourResponses = ours["paths"]![path]![method]!["responses"]!.AsObject();

        int compared = 0;
        foreach ((string status, JsonNode? seedResponse) in seedResponses)
        {
            JsonNode? seedSchema = Resolve(seedResponse, seed)?["content"]?["application/json"]?["schema"];
            if (seedSchema is null)
            {
                continue;
            }

            JsonNode? ourResponse = ourResponses[status] ?? (status.StartsWith('2') ? null : ourResponses["default"]);
            Assert.True(ourResponse is not null, $"{method} {path}: the seed declares {status}, our document does not");
            JsonNode? ourSchema = ourResponse["content"]?["application/json"]?["schema"];
            Assert.True(ourSchema is not null, $"{method} {path} {status}: no JSON schema in our document");
            AssertAgrees($"{method} {path} {status}", SchemaShape.Of(seedSchema, seed), SchemaShape.Of(ourSchema, ours));
            compared++;
        }

        Assert.True(compared > 0, $"{seedFile} declares no JSON response to compare");
    }

    [Fact]
    public async Task TapExamples_ValidateAgainstOurSchemas()
    {
        IReadOnlyList<JsonNode> examples = SeedDocuments.JsonExamples("001_eb6a113882041da8.txt");
        JsonObject ours = await OurDocumentAsync();
        JsonNode request = examples.First(e => e["card"]?["number"] is not null);
        JsonNode token = examples.First(e => e["object"]?.GetValue<string>() == "token");

        AssertValid(ours, ours["paths"]!["/v2/tokens"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!, request, "Tap request example");
        AssertValid(ours, ours["paths"]!["/v2/tokens"]!["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!, token, "Tap 200 example");
    }

    [Fact]
    public void ShapeComparison_CatchesARenamedProperty()
    {
        // The check itself must be able to fail: the casing bug of issue 18 (createdAt for created_at) is a disagreement.
        JsonObject seed = JsonNode.Parse("""{"properties":{"created_at":{"type":"string"},"card":{"properties":{"expiry_month":{"type":"integer"}}}}}""")!.AsObject();
        JsonObject camel = JsonNode.Parse("""{"properties":{"createdAt":{"type":"string"},"card":{"properties":{"expiryMonth":{"type":"integer"}}}}}""")!.AsObject();

        List<string> problems = Disagreements(SchemaShape.Of(seed, seed), SchemaShape.Of(camel, camel));

        Assert.Contains("created_at: missing", problems);
        Assert.Contains("card.expiry_month: missing", problems);
    }

    private async Task<JsonObject> OurDocumentAsync()
    {
        using HttpClient client = app.CreateClient();
        return JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject();
    }

    private static JsonNode? Resolve(JsonNode? node, JsonObject document)
    {
        if (node?["$ref"]?.GetValue<string>() is not { } reference)
        {
            return node;
        }

        JsonNode? target = document;
        foreach (string part in reference.TrimStart('#', '/').Split('/'))
        {
            target = target?[part];
        }

        return target;
    }

    private static void AssertAgrees(string what, Dictionary<string, HashSet<string>> seed, Dictionary<string, HashSet<string>> ours)
    {
        Assert.NotEmpty(seed);
        List<string> problems = Disagreements(seed, ours);
        Assert.True(problems.Count == 0, $"{what} disagrees with the seed: {string.Join("; ", problems)}");
    }

    private static List<string> Disagreements(Dictionary<string, HashSet<string>> seed, Dictionary<string, HashSet<string>> ours)
    {
        var problems = new List<string>();
        foreach ((string property, HashSet<string> types) in seed)
        {
            if (!ours.TryGetValue(property, out HashSet<string>? ourTypes))
            {
                problems.Add($"{property}: missing");
            }
            else if (types.Count > 0 && ourTypes.Count > 0 && !types.Overlaps(ourTypes) && !(types.Contains("integer") && ourTypes.Contains("number")))
            {
                problems.Add($"{property}: seed {string.Join('|', types)}, ours {string.Join('|', ourTypes)}");
            }
        }

        return problems;
    }

    private static void AssertValid(JsonObject document, JsonNode schemaNode, JsonNode instance, string what)
    {
        var root = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$defs"] = document["components"]!["schemas"]!.DeepClone() };
        foreach ((string name, JsonNode? value) in schemaNode.DeepClone().AsObject())
        {
            root[name] = value?.DeepClone();
        }

        string text = root.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
        JsonSchema schema = JsonSchema.Build(JsonDocument.Parse(text).RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"https://strongroom.test/seed/{Guid.NewGuid():N}"));
        using JsonDocument parsed = JsonDocument.Parse(instance.ToJsonString());
        EvaluationResults results = schema.Evaluate(parsed.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, $"{what}: " + string.Join("; ", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} {e.Value}"))));
    }
}
