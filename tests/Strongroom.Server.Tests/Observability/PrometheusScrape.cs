using System.Globalization;
using System.Net;

namespace Strongroom.Server.Tests.Observability;

/// <summary>One sample of a Prometheus text scrape: metric name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Label, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Label, out string? value) && value == l.Value);
}

/// <summary>A <c>/metrics</c> response in the Prometheus text format, parsed into samples (enough of the format for assertions; promtool checks the rest).</summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape(string text, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>GETs <c>/metrics</c> with <paramref name="client"/> and fails the test unless it answered 200 in the text format.</summary>
    public static async Task<PrometheusScrape> TakeAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int brace = line.IndexOf('{', StringComparison.Ordinal);
            int close = line.LastIndexOf('}');
            string name;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string rest;
            if (brace >= 0 && close > brace)
            {
                name = line[..brace];
                ParseLabels(line[(brace + 1)..close], labels);
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            string value = rest.Split(' ')[0];
            samples.Add(new PrometheusSample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }

        return new PrometheusScrape(text, samples);
    }

    /// <summary>The sum of the samples named <paramref name="name"/> carrying every label given (0 when there is none).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Has(labels)).Sum(s => s.Value);

    public bool Contains(string name) => Samples.Any(s => s.Name == name);

    public IEnumerable<PrometheusSample> Named(string name) => Samples.Where(s => s.Name == name);

    private static void ParseLabels(string text, Dictionary<string, string> labels)
    {
        int i = 0;
        while (i < text.Length)
        {
            int equals = text.IndexOf('=', i);
            string key = text[i..equals].Trim().TrimStart(',').Trim();
            int start = equals + 2; // past ="
            var value = new System.Text.StringBuilder();
            int j = start;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length)
                {
                    j++;
                    value.Append(text[j] == 'n' ? '\n' : text[j]);
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
            while (i < text.Length && (text[i] == ',' || text[i] == ' '))
            {
                i++;
            }
        }
    }
}
