using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Strongroom.Core.Cards;
using Xunit.Abstractions;

namespace Strongroom.Core.Tests.Cards;

/// <summary>
/// Scheme detection, Luhn and PAN validation compared with an independent, widely used implementation: Braintree's
/// npm package card-validator (and its credit-card-type), run by Node.js on tests/clients/card-corpus.mjs, on the
/// deterministic ~20,000-number corpus of <see cref="SchemeCorpus"/>. The corpus and each side's answers are written to
/// the test output directory (scheme-corpus.txt, scheme-corpus.strongroom.jsonl, scheme-corpus.card-validator.jsonl, one
/// JSON line per number: n, luhn, type, isValid), so a further implementation can be compared on the same numbers.
/// </summary>
public sealed class SchemeCorpusTests
{
    private const int ExamplesShown = 20;

    private readonly ITestOutputHelper _output;

    public SchemeCorpusTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [SkippableFact]
    public async Task Corpus_SchemeLuhnAndValidity_AgreeWithCardValidator_ExceptKnownDifferences()
    {
        string clients = Path.Combine(RepositoryPaths.Root, "tests", "clients");
        string? skipReason = SkipReason(clients);
        Skip.If(skipReason is not null, skipReason);

        IReadOnlyList<string> corpus = SchemeCorpus.Generate();
        string corpusFile = Path.Combine(AppContext.BaseDirectory, "scheme-corpus.txt");
        await File.WriteAllLinesAsync(corpusFile, corpus);

        Answer[] ours = corpus.Select(Ours).ToArray();
        await File.WriteAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "scheme-corpus.strongroom.jsonl"), ours.Select(a => a.ToJson()));

        string theirOutput = await RunCardValidatorAsync(clients, corpusFile);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "scheme-corpus.card-validator.jsonl"), theirOutput);
        Answer[] theirs = theirOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Answer.FromJson).ToArray();

        Assert.Equal(corpus.Count, theirs.Length);
        for (int i = 0; i < corpus.Count; i++)
        {
            Assert.Equal(corpus[i], theirs[i].Number);
        }

        var report = new Comparison(corpus.Count);
        for (int i = 0; i < corpus.Count; i++)
        {
            report.Add(ours[i], theirs[i]);
        }

        _output.WriteLine(report.Summary(ClientVersions(clients)));

        Assert.True(report.LuhnDisagreements.Count == 0, Examples("Luhn disagreements (must be none)", report.LuhnDisagreements));
        Assert.True(report.UnexplainedScheme.Count == 0, Examples("scheme disagreements outside the known differences", report.UnexplainedScheme));
        Assert.True(report.UnexplainedValidity.Count == 0, Examples("validity disagreements outside the known length differences", report.UnexplainedValidity));

        // The corpus must really test something: every scheme, agreed on by both sides, with valid and invalid numbers...
        Assert.True(corpus.Count >= 15_000, $"corpus has only {corpus.Count} numbers");
        foreach (CardScheme scheme in Enum.GetValues<CardScheme>())
        {
            int valid = report.AgreedValid.GetValueOrDefault(scheme);
            int invalid = report.AgreedInvalid.GetValueOrDefault(scheme);
            Assert.True(valid >= 100, $"{scheme}: only {valid} numbers both sides accept");
            Assert.True(invalid >= 100, $"{scheme}: only {invalid} Luhn-invalid numbers both sides detect as {scheme} and reject");
        }

        // ...and every known difference must still occur, so the list cannot go stale or hide more than it documents.
        foreach (SchemeDifference difference in SchemeCorpus.KnownDifferences)
        {
            Assert.True(report.KnownSchemeCounts.GetValueOrDefault(difference.Category) > 0, $"known difference never seen: {difference.Category}");
        }
    }

    private static Answer Ours(string number)
    {
        bool accepted = Pan.TryParse(number, out _, out _);
        return new Answer(number, Luhn.IsValid(number), CardSchemes.Detect(number)?.WireName(), accepted);
    }

    private static async Task<string> RunCardValidatorAsync(string clients, string corpusFile)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(clients, "card-corpus.mjs"));
        start.ArgumentList.Add(corpusFile);
        using Process node = Process.Start(start)!;
        Task<string> stdout = node.StandardOutput.ReadToEndAsync();
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(timeout.Token);

        string output = await stdout;
        Assert.True(node.ExitCode == 0, $"node card-corpus.mjs exited {node.ExitCode}: {await stderr}");
        return output;
    }

    /// <summary>Null when Node.js and the pinned packages are present; else why the test skips. On CI (CI=true) it fails instead.</summary>
    private static string? SkipReason(string clients)
    {
        string? missing = null;
        if (!OnPath("node"))
        {
            missing = "Node.js (node) is not on PATH";
        }
        else if (!File.Exists(Path.Combine(clients, "node_modules", "card-validator", "package.json")))
        {
            missing = "tests/clients/node_modules is not installed (npm ci --prefix tests/clients)";
        }

        if (missing is not null && PostgresTestEnvironment.IsCi)
        {
            throw new InvalidOperationException($"{missing} but CI=true: the scheme corpus comparison must run on CI. Run ./test.sh, which installs both.");
        }

        return missing is null ? null : $"{missing}; run ./test.sh. Skipped locally, fails on CI.";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)) || File.Exists(Path.Combine(directory, program + ".exe")));

    private static string ClientVersions(string clients)
    {
        string Version(string package)
        {
            string file = Path.Combine(clients, "node_modules", package, "package.json");
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(file));
            return $"{package} {json.RootElement.GetProperty("version").GetString()}";
        }

        return $"{Version("card-validator")}, {Version("credit-card-type")}";
    }

    private static string Examples(string title, List<string> examples) =>
        $"{examples.Count} {title}; first {Math.Min(ExamplesShown, examples.Count)}:\n  " + string.Join("\n  ", examples.Take(ExamplesShown));

    /// <summary>One implementation's answers for one number: Luhn, scheme (its own name or null), accepted as a PAN.</summary>
    private sealed record Answer(string Number, bool Luhn, string? Type, bool IsValid)
    {
        public static Answer FromJson(string line)
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement json = document.RootElement;
            JsonElement type = json.GetProperty("type");
            return new Answer(
                json.GetProperty("n").GetString()!,
                json.GetProperty("luhn").GetBoolean(),
                type.ValueKind == JsonValueKind.Null ? null : type.GetString(),
                json.GetProperty("isValid").GetBoolean());
        }

        public string ToJson() => JsonSerializer.Serialize(new { n = Number, luhn = Luhn, type = Type, isValid = IsValid });
    }

    /// <summary>Tallies agreement, the known differences by category, and the unexplained disagreements.</summary>
    private sealed class Comparison(int total)
    {
        public List<string> LuhnDisagreements { get; } = [];

        public List<string> UnexplainedScheme { get; } = [];

        public List<string> UnexplainedValidity { get; } = [];

        public Dictionary<string, int> KnownSchemeCounts { get; } = new(StringComparer.Ordinal);

        public Dictionary<CardScheme, int> KnownLengthCounts { get; } = [];

        /// <summary>Numbers of each scheme that both sides detect as that scheme and accept.</summary>
        public Dictionary<CardScheme, int> AgreedValid { get; } = [];

        /// <summary>Luhn-invalid numbers of each scheme that both sides detect as that scheme and reject.</summary>
        public Dictionary<CardScheme, int> AgreedInvalid { get; } = [];

        /// <summary>Luhn-valid numbers of each scheme both sides reject (lengths outside 12-19).</summary>
        private Dictionary<CardScheme, int> AgreedOtherRejected { get; } = [];

        private int SchemeAgreed { get; set; }

        private int ValidityAgreed { get; set; }

        private int FullyAgreed { get; set; }

        public void Add(Answer ours, Answer theirs)
        {
            string number = ours.Number;
            if (ours.Luhn != theirs.Luhn)
            {
                LuhnDisagreements.Add($"{number}: Strongroom luhn={ours.Luhn}, card-validator luhn={theirs.Luhn}");
            }

            string? theirsAsOurs = theirs.Type is null ? null : SchemeCorpus.TheirTypeToOurWireName.GetValueOrDefault(theirs.Type, theirs.Type);
            if (!string.Equals(ours.Type, theirsAsOurs, StringComparison.Ordinal))
            {
                // A scheme difference; validity then follows from each side's scheme and is not compared.
                SchemeDifference? known = SchemeCorpus.KnownDifferences.FirstOrDefault(d => d.Explains(number, ours.Type, theirs.Type));
                if (known is null)
                {
                    UnexplainedScheme.Add($"{number}: Strongroom {Show(ours.Type)}, card-validator {Show(theirs.Type)}");
                }
                else
                {
                    KnownSchemeCounts[known.Category] = KnownSchemeCounts.GetValueOrDefault(known.Category) + 1;
                }

                return;
            }

            SchemeAgreed++;
            CardScheme? scheme = CardSchemes.Detect(number);
            if (ours.IsValid == theirs.IsValid)
            {
                ValidityAgreed++;
                if (ours.Luhn == theirs.Luhn)
                {
                    FullyAgreed++;
                }

                if (scheme is { } agreed)
                {
                    Dictionary<CardScheme, int> tally = ours.IsValid ? AgreedValid : ours.Luhn ? AgreedOtherRejected : AgreedInvalid;
                    tally[agreed] = tally.GetValueOrDefault(agreed) + 1;
                }

                return;
            }

            // The only accepted validity difference: a Luhn-valid number of an agreed scheme, 12-19 digits (Strongroom's
            // rule for every scheme), of a length card-validator does not list for that scheme.
            if (scheme is { } lengthScheme && ours.IsValid && !theirs.IsValid && ours.Luhn
                && number.Length is >= Pan.MinLength and <= Pan.MaxLength && !SchemeCorpus.TheirLengths[lengthScheme].Contains(number.Length))
            {
                KnownLengthCounts[lengthScheme] = KnownLengthCounts.GetValueOrDefault(lengthScheme) + 1;
                return;
            }

            UnexplainedValidity.Add(
                $"{number} ({number.Length} digits, {Show(ours.Type)}): Strongroom accepts={ours.IsValid}, card-validator isValid={theirs.IsValid}");
        }

        public string Summary(string versions)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"Scheme corpus (seed {SchemeCorpus.Seed}) vs {versions}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  total numbers:                 {total}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  Luhn agreed:                   {total - LuhnDisagreements.Count}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  scheme agreed:                 {SchemeAgreed}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  agreed (scheme, Luhn, valid):  {FullyAgreed} (scheme and validity: {ValidityAgreed})");
            foreach (CardScheme scheme in Enum.GetValues<CardScheme>())
            {
                text.AppendLine(
                    CultureInfo.InvariantCulture,
                    $"    {scheme.WireName(),-17} accepted by both {AgreedValid.GetValueOrDefault(scheme),5}, Luhn-invalid rejected by both {AgreedInvalid.GetValueOrDefault(scheme),5}, other rejected by both {AgreedOtherRejected.GetValueOrDefault(scheme),4}");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"  scheme known differences:      {KnownSchemeCounts.Values.Sum()}");
            foreach (SchemeDifference d in SchemeCorpus.KnownDifferences)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {KnownSchemeCounts.GetValueOrDefault(d.Category),6}  {d.Category}: Strongroom {Show(d.Ours)}, card-validator {Show(d.Theirs)} [{d.Prefixes}]");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"  length known differences:      {KnownLengthCounts.Values.Sum()} (Strongroom accepts 12-19 digits for every scheme)");
            foreach ((CardScheme scheme, int[] lengths) in SchemeCorpus.TheirLengths)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {KnownLengthCounts.GetValueOrDefault(scheme),6}  {scheme.WireName()}: card-validator accepts only {string.Join(", ", lengths)} digits");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"  unexplained: Luhn {LuhnDisagreements.Count}, scheme {UnexplainedScheme.Count}, validity {UnexplainedValidity.Count}");
            return text.ToString();
        }

        private static string Show(string? type) => type ?? "(none)";
    }
}
