using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strongroom.LoadGen;

/// <summary>A WhiteBIT signing key as the admin API issued it (public key and HMAC secret).</summary>
internal sealed record SigningKeyCredential(string ApiKey, string ApiSecret);

/// <summary>
/// What <c>seed</c> created and every later run uses: the tenant's Guardian/Tap API key, its WhiteBIT signing keys and
/// the ids of the seeded tokens (for masked reads). Kept in bench/run.sh's temporary directory, deleted after the run.
/// </summary>
internal sealed record BenchCredentials(Guid TenantId, string ApiKey, IReadOnlyList<SigningKeyCredential> SigningKeys, IReadOnlyList<string> TokenIds)
{
    public const string FileName = "credentials.json";

    public static BenchCredentials Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new SetupException($"{path} is missing (run 'seed' first)");
        }

        return JsonSerializer.Deserialize(File.ReadAllBytes(path), LoadGenJson.Default.BenchCredentials)
            ?? throw new SetupException($"{path} is empty");
    }

    /// <summary>Writes the JSON for this generator and plain-text files for the wrk scripts (bench/wrk/*.lua).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, LoadGenJson.Default.BenchCredentials));
        File.WriteAllText(Path.Combine(directory, "api-key.txt"), ApiKey + "\n");
        File.WriteAllLines(Path.Combine(directory, "ids.txt"), TokenIds);
        File.WriteAllLines(Path.Combine(directory, "signing-keys.txt"), SigningKeys.Select(k => k.ApiKey + " " + k.ApiSecret));
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(BenchCredentials))]
[JsonSerializable(typeof(RunResult))]
internal sealed partial class LoadGenJson : JsonSerializerContext;
