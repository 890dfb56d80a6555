using System.Text;
using System.Text.Json.Nodes;

namespace Strongroom.Server.Tests.Fuzz;

/// <summary>Valid example bodies for the routes that take one, and the hostile mutations the fuzz test sends instead.</summary>
internal static class FuzzBodies
{
    /// <summary>A security code no response, log or file may contain (4 digits, allowed for every scheme).</summary>
    public const string SecurityCode = "7319";

    public static readonly string[] Mutations =
    [
        "valid", "raw-invalid-utf8", "lone-surrogate", "deep-nesting", "huge", "duplicate-keys", "wrong-type", "null-value", "huge-number", "empty",
        "truncated", "random-bytes", "not-an-object",
    ];

    /// <summary>A valid body for <paramref name="template"/> (card fields carry test PANs and <see cref="SecurityCode"/>).</summary>
    public static JsonObject Example(string template, Random random, FuzzContext context)
    {
        int year = DateTime.UtcNow.Year + 2;
        string pan = TestCards.All[random.Next(TestCards.All.Length)];
        JsonObject Card() => new() { ["type"] = "pan", ["account_number"] = pan, ["expiry_month"] = 12, ["expiry_year"] = year, ["security_code"] = SecurityCode, ["cardholder_name"] = "Jane Roe" };
        return template switch
        {
            "/api/pci/tokens" => new() { ["source"] = Card(), ["metadata"] = new JsonObject { ["order"] = "42" } },
            "/api/network/tokens" => new() { ["source"] = Card() },
            "/api/metadata/pan" => new() { ["account_number"] = pan },
            "/v2/tokens" => new() { ["card"] = new JsonObject { ["number"] = pan, ["exp_month"] = 12, ["exp_year"] = year, ["cvc"] = SecurityCode, ["name"] = "Jane Roe" } },
            "/api/card-token" => new() { ["cardNumber"] = pan },
            "/sessions/{id}/complete" => new() { ["account_number"] = pan, ["expiry_month"] = 12, ["expiry_year"] = year, ["security_code"] = SecurityCode },
            "/api/admin/tenants" => new() { ["name"] = "Fuzz tenant" },
            "/api/admin/api-keys" => new() { ["tenant_id"] = context.TenantId.ToString(), ["scopes"] = new JsonArray("tokens:read") },
            "/api/admin/signing-keys" => new() { ["tenant_id"] = context.TenantId.ToString(), ["type"] = 2 },
            "/api/admin/tenants/{tenantId}/hosted-form" => new() { ["allowed_origins"] = new JsonArray("https://shop.example") },
            "/api/admin/tenants/{tenantId}/card-rules" => new() { ["scheme_security_code_lengths"] = false },
            "/api/admin/tenants/{tenantId}/forward-destinations" or "/api/admin/tenants/{tenantId}/forward-destinations/" =>
                new() { ["destinations"] = new JsonArray(new JsonObject { ["url"] = "https://api.example.com" }) },
            "/api/webhooks" or "/api/webhooks/" or "/api/webhooks/{id}" => new() { ["url"] = "https://hooks.example.com/in", ["event_types"] = new JsonArray("pci_token.created"), ["description"] = "fuzz" },
            "/api/pci/tokens/{id}/forward" or "/api/network/tokens/{id}/forward" or "/v2/tokens/{id}/forward" => new() { ["hello"] = "world" },
            "/api/network/tokens/{id}/cryptograms" => new() { ["type"] = "TAVV" },
            _ when template.StartsWith("/api/v4/", StringComparison.Ordinal) => new()
            {
                ["request"] = template, ["nonce"] = context.Signer.NextNonce(), ["alias"] = "fuzz" + random.Next(1000), ["limit"] = 10, ["offset"] = 0,
                ["subAccountId"] = Guid.NewGuid().ToString(), ["type"] = 1,
            },
            _ => [],
        };
    }

    public static byte[] Mutate(JsonObject example, string mutation, Random random)
    {
        string valid = example.ToJsonString();
        switch (mutation)
        {
            case "valid":
                return Encoding.UTF8.GetBytes(valid);
            case "raw-invalid-utf8":
                return InsertIntoFirstString(valid, [0xFF, 0xC3, 0x28], random);
            case "lone-surrogate":
                return InsertIntoFirstString(valid, Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "\\ud800" : "\\udfff"), random);
            case "deep-nesting":
                int depth = random.Next(2) == 0 ? 10_000 : 65;
                return Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth));
            case "huge":
                int size = random.Next(3) switch { 0 => 70_000, 1 => 300_000, _ => 1_500_000 };
                return Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('a', size) + "\"," + valid[1..]);
            case "duplicate-keys":
                int firstEnd = valid.Length > 2 ? FirstPropertyEnd(valid) : -1;
                return Encoding.UTF8.GetBytes(firstEnd < 0 ? "{\"a\":1,\"a\":2}" : "{" + valid[1..firstEnd] + "," + valid[1..]);
            case "wrong-type":
            case "null-value":
            case "huge-number":
                return Encoding.UTF8.GetBytes(ReplaceAValue(example, mutation, random));
            case "empty":
                return [];
            case "truncated":
                return Encoding.UTF8.GetBytes(valid[..Math.Max(1, valid.Length / 2)]);
            case "random-bytes":
                byte[] bytes = new byte[random.Next(1, 600)];
                random.NextBytes(bytes);
                return bytes;
            default:
                return Encoding.UTF8.GetBytes(random.Next(3) switch { 0 => "[" + valid + "]", 1 => "\"" + valid.Replace("\"", "'", StringComparison.Ordinal) + "\"", _ => "12345678901234567890" });
        }
    }

    private static byte[] InsertIntoFirstString(string json, byte[] insert, Random random)
    {
        int at = json.IndexOf("\":\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return [.. "{\"x\":\""u8, .. insert, .. "\"}"u8];
        }

        // Somewhere in the value, or in a property name (the opening quote of the first name).
        int position = random.Next(2) == 0 ? at + 3 : 2;
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        return [.. bytes.AsSpan(0, position), .. insert, .. bytes.AsSpan(position)];
    }

    /// <summary>The index of the comma (or closing brace) ending the first top-level property.</summary>
    private static int FirstPropertyEnd(string json)
    {
        int depth = 0;
        bool inString = false;
        for (int i = 1; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']' when depth > 0:
                    depth--;
                    break;
                case ',' or '}' when depth == 0:
                    return i;
            }
        }

        return -1;
    }

    private static string ReplaceAValue(JsonObject example, string mutation, Random random)
    {
        JsonObject copy = (JsonObject)JsonNode.Parse(example.ToJsonString())!;
        var objects = new List<JsonObject>();
        void Collect(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                objects.Add(o);
                foreach (KeyValuePair<string, JsonNode?> p in o)
                {
                    Collect(p.Value);
                }
            }
            else if (node is JsonArray a)
            {
                foreach (JsonNode? item in a)
                {
                    Collect(item);
                }
            }
        }

        Collect(copy);
        JsonObject target = objects[random.Next(objects.Count)];
        string key = target.Count == 0 ? "x" : target.ElementAt(random.Next(target.Count)).Key;
        const string Marker = "\"__fuzz_marker__\"";
        target[key] = "__fuzz_marker__";
        string replacement = mutation switch
        {
            "null-value" => "null",
            "huge-number" => random.Next(4) switch { 0 => "1e400", 1 => "-1e400", 2 => "123456789012345678901234567890123456789", _ => "0.0000000000000000000000000000001" },
            _ => random.Next(7) switch { 0 => "123", 1 => "true", 2 => "[]", 3 => "{}", 4 => "\"text\"", 5 => "-1", _ => "[[\"a\"],{\"b\":[1,2]}]" },
        };
        return copy.ToJsonString().Replace(Marker, replacement, StringComparison.Ordinal);
    }
}
