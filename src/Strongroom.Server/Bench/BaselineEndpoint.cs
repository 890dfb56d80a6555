using System.Security.Cryptography;
using System.Text.Json;
using Strongroom.Core.Crypto;
using Strongroom.Server.Http;

namespace Strongroom.Server.Bench;

/// <summary>
/// The load benchmark's ceiling (<c>bench/run.sh</c>): <c>POST /bench/baseline</c> reads the same JSON body as
/// <c>POST /api/pci/tokens</c>, AES-256-GCM seals the account number with a fixed in-memory key (the same
/// <see cref="EnvelopeKey"/> code as the vault's DEKs) and answers a small JSON — no authentication, validation, storage or
/// logging. It exists only when <c>Strongroom:Bench:BaselineEndpoint=true</c>; a normal deployment answers 404.
/// It stores nothing and never echoes the card number (only its length and the sealed size come back).
/// </summary>
internal static partial class BaselineEndpoint
{
    public const string ConfigKey = "Strongroom:Bench:BaselineEndpoint";
    public const string Path = "/bench/baseline";

    public static WebApplication MapBenchBaseline(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>(ConfigKey))
        {
            return app;
        }

        LogEnabled(app.Logger, Path);
        // The same reusable-cipher envelope code as the vault's DEKs, so the ceiling is as fast as the vault's crypto can be.
        var key = new EnvelopeKey(RandomNumberGenerator.GetBytes(Envelope.KeySize), 1);
        app.MapPost(Path, (Delegate)((HttpContext http) => HandleAsync(http, key))).ExcludeFromDescription();
        return app;
    }

    private static async Task<JsonResponse> HandleAsync(HttpContext http, EnvelopeKey key)
    {
        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return new JsonResponse(413, []);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("source", out JsonElement source)
                || source.ValueKind != JsonValueKind.Object
                || !source.TryGetProperty("account_number", out JsonElement number)
                || number.ValueKind != JsonValueKind.String)
            {
                return new JsonResponse(422, []);
            }

            Span<byte> pan = stackalloc byte[32];
            int length = System.Text.Encoding.ASCII.GetBytes(number.GetString()!, pan);
            byte[] sealedPan = key.Seal(pan[..length], "bench-baseline"u8);
            CryptographicOperations.ZeroMemory(pan);

            var output = new System.Buffers.ArrayBufferWriter<byte>(96);
            using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartObject();
                writer.WriteString("id", Guid.CreateVersion7());
                writer.WriteNumber("length", length);
                writer.WriteNumber("sealed_bytes", sealedPan.Length);
                writer.WriteEndObject();
            }

            return new JsonResponse(200, output.WrittenSpan.ToArray());
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return new JsonResponse(422, []);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Benchmark baseline endpoint {Path} is enabled (Strongroom:Bench:BaselineEndpoint); never enable it in production")]
    private static partial void LogEnabled(ILogger logger, string path);
}
