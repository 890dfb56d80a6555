using System.Text.Json;

namespace Strongroom.LoadGen;

/// <summary>
/// <c>seed</c>: through the admin API (as bench/run.sh did with curl) a tenant, a Guardian/Tap API key and WhiteBIT signing
/// keys; then tokens to read (8 concurrent tokenizations, not measured).
/// </summary>
internal static class Seeder
{
    public static async Task RunAsync(CommandLine line)
    {
        Uri url = line.Urls()[0];
        string adminToken = line.Required("admin-token");
        string output = line.Required("out");
        int tokens = line.Integer("tokens", 2000);
        int signingKeys = Math.Clamp(line.Integer("signing-keys", 32), 1, 50);
        CancellationToken none = CancellationToken.None;

        await using var target = new Target(url);
        Guid tenantId;
        using (JsonDocument tenant = await target.AdminPostAsync("/api/admin/tenants", adminToken, """{"name":"Bench"}""", none))
        {
            tenantId = tenant.RootElement.GetProperty("id").GetGuid();
        }

        string apiKey;
        using (JsonDocument key = await target.AdminPostAsync("/api/admin/api-keys", adminToken, $$"""{"tenant_id":"{{tenantId}}","name":"bench"}""", none))
        {
            apiKey = key.RootElement.GetProperty("key").GetString()!;
        }

        var keys = new List<SigningKeyCredential>(signingKeys);
        for (int i = 0; i < signingKeys; i++)
        {
            using JsonDocument key = await target.AdminPostAsync("/api/admin/signing-keys", adminToken, $$"""{"tenant_id":"{{tenantId}}","type":1,"title":"bench {{i}}"}""", none);
            keys.Add(new SigningKeyCredential(key.RootElement.GetProperty("api_key").GetString()!, key.RootElement.GetProperty("api_secret").GetString()!));
        }

        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= tokens)
            {
                ids.Add(await target.TokenizeAsync(apiKey, none));
            }
        }));

        new BenchCredentials(tenantId, apiKey, keys, ids.ToList()).Save(output);
        await Console.Error.WriteLineAsync($"loadgen: seeded tenant {tenantId}, {keys.Count} signing keys, {ids.Count} tokens");
    }
}
