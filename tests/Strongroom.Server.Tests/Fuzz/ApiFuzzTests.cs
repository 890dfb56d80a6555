using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Strongroom.Server.Tests.Hostile;
using Xunit.Abstractions;

namespace Strongroom.Server.Tests.Fuzz;

/// <summary>
/// Every operation of the served OpenAPI document, called with random and mutated bodies, headers and path ids: no 5xx, every
/// error in its route family's shape, no PAN or security code in any answer, and none in the data files or logs afterwards.
/// Bounded in count and time; the seed is printed and can be set with STRONGROOM_FUZZ_SEED (count: STRONGROOM_FUZZ_COUNT).
/// </summary>
public sealed partial class ApiFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20261206;
    private const int DefaultCount = 6000;
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(60);

    private static readonly string[] GarbageIds =
    [
        "x", "..", "%2e%2e", "%2e%2e%2f%2e%2e", "%ff%fe", "%c0%af", "a%20b", "-1", "0", "00000000-0000-0000-0000-000000000000", "tok_", "tok_" + new string('z', 60),
        new string('9', 3000), "%22%7B%7D", "null", "%E2%80%AE", "'%20OR%201=1--", "{id}",
    ];

    private static readonly string[] Queries =
    [
        "?limit=-1", "?limit=99999999999999999999", "?cursor=%ff%fe", "?cursor=" + new string('c', 2000), "?return_url=javascript:alert(1)", "?return_url=https://evil.example",
        "?from=not-a-date&to=%00", "?tenant_id=x&tenant_id=y", "?%ff=%fe", "?status=%E2%80%AE",
    ];

    [Fact]
    public async Task EveryOperation_WithHostileInput_NeverFails_NeverLeaks_AndErrorsKeepTheDialectShape()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("STRONGROOM_FUZZ_SEED"), CultureInfo.InvariantCulture, out int s) ? s : DefaultSeed;
        int count = int.TryParse(Environment.GetEnvironmentVariable("STRONGROOM_FUZZ_COUNT"), CultureInfo.InvariantCulture, out int c) ? c : DefaultCount;
        output.WriteLine($"fuzz seed {seed} (STRONGROOM_FUZZ_SEED), {count} requests (STRONGROOM_FUZZ_COUNT), at most {TimeBudget.TotalSeconds} s");
        var random = new Random(seed);

        using var app = new StrongroomApplication();
        app.Settings["Strongroom:RateLimit:PermitLimit"] = "1000000";
        FuzzContext context = await FuzzContext.CreateAsync(app);
        using HttpClient client = app.CreateClient();
        IReadOnlyList<(HttpMethod Method, string Template)> operations = await OperationsAsync(client);
        Assert.True(operations.Count >= 40, $"only {operations.Count} operations in the OpenAPI document");

        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var perOperation = new Dictionary<string, Dictionary<int, int>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        int sent = 0;
        for (; sent < count && clock.Elapsed < TimeBudget; sent++)
        {
            (HttpMethod method, string template) = operations[sent % operations.Count];
            if (random.Next(20) == 0)
            {
                method = new HttpMethod(random.Next(5) switch { 0 => "GET", 1 => "POST", 2 => "PUT", 3 => "DELETE", _ => "PATCH" });
            }

            string path = FillPath(template, random, context);
            if (random.Next(5) == 0)
            {
                path += Queries[random.Next(Queries.Length)];
            }

            string mutation = FuzzBodies.Mutations[random.Next(FuzzBodies.Mutations.Length)];
            bool hasBody = method != HttpMethod.Get && method != HttpMethod.Delete || random.Next(10) == 0;
            byte[]? body = hasBody ? FuzzBodies.Mutate(FuzzBodies.Example(template, random, context), mutation, random) : null;
            string what = $"#{sent} {method} {path} body={(body is null ? "none" : mutation + "/" + body.Length)}";
            using HttpRequestMessage request = Build(context, method, path, body, random);
            what += $" auth={request.Headers.Contains("x-fuzz-auth")}";
            try
            {
                using HttpResponseMessage response = await client.SendAsync(request);
                string text = await response.Content.ReadAsStringAsync();
                int status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                Dictionary<int, int> byStatus = perOperation.TryGetValue(method + " " + template, out Dictionary<int, int>? known) ? known : perOperation[method + " " + template] = [];
                byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                if (status >= 500)
                {
                    failures.Add($"{what}: {status} {Shorten(text)}");
                }
                else if (status >= 400 && !IsHtmlPage(template, method)
                    && ErrorShape.Check(ErrorShape.Of(response.RequestMessage?.RequestUri?.AbsolutePath ?? path), status, text) is { } shape)
                {
                    failures.Add($"{what}: {status} {shape}: {Shorten(text)}");
                }

                string headers = string.Join('\n', response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(',', h.Value)));
                if (LeakIn(text + "\n" + headers) is { } leak)
                {
                    failures.Add($"{what}: {status} response holds {leak}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException)
            {
                failures.Add($"{what}: {ex.GetType().Name} {Shorten(ex.Message)}");
            }
        }

        foreach (var group in perOperation.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{group.Key}: {string.Join(", ", group.Value.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        }

        output.WriteLine($"sent {sent} requests in {clock.Elapsed.TotalSeconds:F1} s over {operations.Count} operations; statuses: " +
            string.Join(", ", statuses.Select(p => $"{p.Key}×{p.Value}")));
        Assert.True(sent >= Math.Min(count, 300), $"only {sent} requests in the time budget");

        string logs = app.Logs.AllText;
        if (LeakIn(logs) is { } logLeak)
        {
            failures.Add($"logs hold {logLeak}");
        }

        foreach (string file in Directory.EnumerateFiles(app.DataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes = ReadShared(file);
            foreach (string pan in TestCards.All)
            {
                if (bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(pan)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(pan)) >= 0)
                {
                    failures.Add($"{Path.GetFileName(file)} holds a PAN");
                }
            }
        }

        foreach (string failure in failures.Take(40))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failures (seed {seed}); first: {string.Join("\n", failures.Take(15))}");
    }

    /// <summary>Every method + path template of the served OpenAPI document.</summary>
    private static async Task<IReadOnlyList<(HttpMethod, string)>> OperationsAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var operations = new List<(HttpMethod, string)>();
        foreach (JsonProperty path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (JsonProperty operation in path.Value.EnumerateObject())
            {
                if (operation.Name is "get" or "post" or "put" or "delete" or "patch")
                {
                    operations.Add((new HttpMethod(operation.Name.ToUpperInvariant()), path.Name));
                }
            }
        }

        return operations;
    }

    /// <summary>Path ids: real resources, random GUIDs or garbage. Never the fuzzing tenant's own id on the tenant shred route,
    /// which would leave every later request unauthenticated.</summary>
    private static string FillPath(string template, Random random, FuzzContext context) => PathParameter().Replace(template, _ => random.Next(10) switch
    {
        < 5 when template != "/api/admin/tenants/{tenantId}" => context.RealIds[random.Next(context.RealIds.Count)],
        < 5 => Guid.NewGuid().ToString(),
        < 7 => Guid.NewGuid().ToString(),
        _ => GarbageIds[random.Next(GarbageIds.Length)],
    });

    private static HttpRequestMessage Build(FuzzContext context, HttpMethod method, string path, byte[]? body, Random random)
    {
        int auth = random.Next(20);
        HttpRequestMessage request = auth < 15 ? context.Clients.Authorized(method, path, null) : new HttpRequestMessage(method, path);
        if (auth < 15)
        {
            request.Headers.Add("x-fuzz-auth", "1");
            if (path.StartsWith("/api/v4", StringComparison.Ordinal))
            {
                // Re-sign over the exact body bytes.
                request.Dispose();
                request = context.Clients.Authorized(method, path, body ?? []);
                request.Headers.Add("x-fuzz-auth", "1");
            }
        }
        else if (auth < 18)
        {
            string junk = random.Next(5) switch { 0 => "sr_live_" + new string('A', random.Next(1, 200)), 1 => "", 2 => "sr_\u00e9\u00ff", 3 => "Bearer \u00ff.\u00fe.=", _ => "Bearer a.b.c=" };
            request.Headers.TryAddWithoutValidation(random.Next(4) switch { 0 => "x-api-key", 1 => "Authorization", 2 => "x-admin-token", _ => "X-TXC-APIKEY" }, junk);
            request.Headers.TryAddWithoutValidation("X-TXC-PAYLOAD", random.Next(2) == 0 ? "%%%" : Convert.ToBase64String(body ?? []));
            request.Headers.TryAddWithoutValidation("X-TXC-SIGNATURE", "00");
        }

        if (body is not null && request.Content is null)
        {
            // Sometimes without a length (streamed: chunked on a real server).
            request.Content = random.Next(5) == 0 ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        }

        if (request.Content is not null)
        {
            string contentType = random.Next(10) switch
            {
                0 => "text/plain",
                1 => "application/x-www-form-urlencoded",
                2 => "application/json; charset=iso-8859-1",
                _ => "application/json",
            };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        switch (random.Next(6))
        {
            case 0:
                request.Headers.TryAddWithoutValidation("idempotency-key", new string('k', random.Next(1, 400)));
                break;
            case 1:
                request.Headers.TryAddWithoutValidation("x-idempotency-key", Guid.NewGuid().ToString());
                break;
            case 2:
                request.Headers.TryAddWithoutValidation("x-tenant-id", random.Next(2) == 0 ? Guid.NewGuid().ToString() : "not-a-guid");
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("Origin", random.Next(2) == 0 ? "https://shop.example" : "null");
                break;
        }

        return request;
    }

    /// <summary>The hosted form's own page answers in HTML, not JSON.</summary>
    private static bool IsHtmlPage(string template, HttpMethod method) => method == HttpMethod.Get && template.EndsWith("/form", StringComparison.Ordinal);

    /// <summary>A test PAN (plain, or grouped with spaces or dashes) or the test security code standing alone, or null.</summary>
    private static string? LeakIn(string text)
    {
        foreach (string pan in TestCards.All)
        {
            if (text.Contains(pan, StringComparison.Ordinal) || text.Contains(Grouped(pan, ' '), StringComparison.Ordinal) || text.Contains(Grouped(pan, '-'), StringComparison.Ordinal))
            {
                return "a PAN";
            }
        }

        // Ids and hex runs contain any 4 digits by chance: take them out before looking for the code.
        string withoutIds = HexRun().Replace(text, " ");
        return StandaloneCode().IsMatch(withoutIds) ? "the security code" : null;
    }

    private static string Grouped(string pan, char separator) => pan.Length == 16
        ? string.Join(separator, pan[..4], pan[4..8], pan[8..12], pan[12..])
        : string.Join(separator, pan[..4], pan[4..10], pan[10..]);

    private static byte[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();

    [GeneratedRegex(@"[0-9A-Za-z_\-]*[A-Fa-f][0-9A-Za-z_\-]*|\d{5,}")]
    private static partial Regex HexRun();

    [GeneratedRegex(@"(?<![0-9A-Za-z])" + FuzzBodies.SecurityCode + @"(?![0-9A-Za-z])")]
    private static partial Regex StandaloneCode();
}
