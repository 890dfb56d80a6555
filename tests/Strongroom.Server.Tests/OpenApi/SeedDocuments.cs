using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Strongroom.Server.Tests.OpenApi;

/// <summary>
/// The API documents Strongroom implements (copies of <c>/work/shared/seeds</c> kept beside these tests, since CI has only the
/// repository): the OpenAPI YAML each one embeds in a fenced block, as JSON, and the JSON examples of the one without OpenAPI (Tap).
/// </summary>
internal static partial class SeedDocuments
{
    public static string PathOf(string file) => RepositoryPaths.Of("tests", "Strongroom.Server.Tests", "OpenApi", "Seeds", file);

    /// <summary>The OpenAPI document embedded in a seed (```` ```yaml … ``` ```` fence), converted to JSON.</summary>
    public static JsonObject OpenApi(string file)
    {
        Match block = YamlBlock().Match(File.ReadAllText(PathOf(file)));
        Assert.True(block.Success, $"{file} embeds no YAML OpenAPI document");
        object? yaml = new DeserializerBuilder().Build().Deserialize<object>(block.Groups["yaml"].Value);
        string json = new SerializerBuilder().JsonCompatible().Build().Serialize(yaml);
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>The JSON examples of a Markdown seed, in order.</summary>
    public static IReadOnlyList<JsonNode> JsonExamples(string file) =>
        [.. JsonBlock().Matches(File.ReadAllText(PathOf(file))).Select(m => JsonNode.Parse(m.Groups["json"].Value)!)];

    [GeneratedRegex(@"^````yaml[^\n]*\n(?<yaml>.*?)^````", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex YamlBlock();

    [GeneratedRegex(@"^```json\s*\n(?<json>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex JsonBlock();
}
