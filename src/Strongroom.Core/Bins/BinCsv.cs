using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Bins;

/// <summary>A row the import refused, with its line number and why (never the row itself: an operator's file could hold anything).</summary>
public readonly record struct BinRejection(long Line, string Reason);

/// <summary>
/// Reads a BIN file: a header line <c>prefix,scheme,funding,bank,country[,issuer_id]</c>, then one row per range.
/// RFC 4180 quoting is understood (bank names contain commas). A bad row is rejected with a reason and
/// the good rows around it are kept.
/// </summary>
public static class BinCsv
{
    public static readonly string[] Columns = ["prefix", "scheme", "funding", "bank", "country", "issuer_id"];

    public const int MaxBankLength = 120;

    /// <summary>Scheme names accepted in a file: the vault's wire names, and the upper-case or short forms BIN vendors use.</summary>
    public static CardScheme? ParseScheme(string value) => value.Trim().ToUpperInvariant().Replace('_', ' ') switch
    {
        "VISA" => CardScheme.Visa,
        "MASTERCARD" or "MASTER CARD" or "MC" => CardScheme.Mastercard,
        "AMERICAN EXPRESS" or "AMEX" => CardScheme.AmericanExpress,
        "DISCOVER" => CardScheme.Discover,
        "DINERS CLUB" or "DINERS" => CardScheme.DinersClub,
        "JCB" => CardScheme.Jcb,
        "UNIONPAY" or "UNION PAY" or "CUP" => CardScheme.UnionPay,
        _ => null,
    };

    /// <summary>
    /// Reads every row of <paramref name="reader"/>. <paramref name="onProgress"/> is called now and then with the
    /// number of lines read (for a progress bar). Duplicate prefixes: the first row wins, later ones are rejected.
    /// </summary>
    public static async Task<(List<BinRecord> Rows, List<BinRejection> Rejections)> ReadAsync(TextReader reader, Action<long>? onProgress, CancellationToken cancellationToken)
    {
        var rows = new List<BinRecord>();
        var rejections = new List<BinRejection>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? header = await reader.ReadLineAsync(cancellationToken);
        if (header is null || !IsHeader(header))
        {
            rejections.Add(new(1, $"The first line must be the header: {string.Join(',', Columns)} (issuer_id optional)."));
            return (rows, rejections);
        }

        long line = 1;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            line++;
            if (line % 1000 == 0)
            {
                onProgress?.Invoke(line);
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (ParseRow(text, out BinRecord? record) is { } reason)
            {
                rejections.Add(new(line, reason));
            }
            else if (!seen.Add(record!.Prefix))
            {
                rejections.Add(new(line, "Duplicate prefix (an earlier row has it)."));
            }
            else
            {
                rows.Add(record);
            }
        }

        onProgress?.Invoke(line);
        return (rows, rejections);
    }

    /// <summary>Parses one data row; returns the reason it is invalid, or null.</summary>
    public static string? ParseRow(string text, out BinRecord? record)
    {
        record = null;
        List<string>? fields = SplitFields(text);
        if (fields is null)
        {
            return "Unbalanced quotes.";
        }

        if (fields.Count is < 5 or > 6)
        {
            return $"Expected 5 or 6 columns, found {fields.Count}.";
        }

        string prefix = fields[0].Trim();
        if (prefix.Length is < 6 or > 8 || !prefix.All(char.IsAsciiDigit))
        {
            return "prefix must be 6 to 8 digits.";
        }

        if (ParseScheme(fields[1]) is not { } scheme)
        {
            return "Unknown scheme.";
        }

        if (CardSchemes.Detect(prefix) != scheme)
        {
            // Such a row could never match: lookups require the card's own scheme.
            return "prefix is not in the scheme's IIN range.";
        }

        if (CardFundingNames.Parse(fields[2]) is not { } funding)
        {
            return "funding must be CREDIT, DEBIT or PREPAID.";
        }

        string bank = fields[3].Trim();
        if (bank.Length == 0 || bank.Length > MaxBankLength || bank.Any(char.IsControl))
        {
            return $"bank must be 1 to {MaxBankLength} printable characters.";
        }

        if (PanDetector.ContainsPan(bank))
        {
            return "bank must not contain a card number.";
        }

        string country = fields[4].Trim().ToUpperInvariant();
        if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
        {
            return "country must be an ISO 3166-1 alpha-2 code.";
        }

        string issuerId = fields.Count == 6 ? fields[5].Trim() : "";
        if (issuerId.Length > 0 && (issuerId.Length > 64 || !issuerId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')))
        {
            return "issuer_id must be up to 64 letters, digits, '_' or '-'.";
        }

        record = new BinRecord(prefix, scheme, funding, bank, country, issuerId.Length > 0 ? issuerId : IssuerIdFor(bank, country));
        return null;
    }

    /// <summary>A stable issuer id when the file gives none: <c>bnk_</c> + 24 characters derived from bank and country.</summary>
    public static string IssuerIdFor(string bank, string country)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(bank.ToUpperInvariant() + "|" + country));
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var id = new StringBuilder("bnk_", 28);
        for (int i = 0; i < 24; i++)
        {
            id.Append(Alphabet[digest[i] % Alphabet.Length]);
        }

        return id.ToString();
    }

    private static bool IsHeader(string line)
    {
        List<string>? fields = SplitFields(line.TrimStart('\uFEFF'));
        return fields is { Count: 5 or 6 } && fields.Select((f, i) => string.Equals(f.Trim(), Columns[i], StringComparison.OrdinalIgnoreCase)).All(match => match);
    }

    /// <summary>Splits one CSV line (RFC 4180 quoting within the line); null when quotes do not balance.</summary>
    private static List<string>? SplitFields(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            return null;
        }

        fields.Add(current.ToString());
        return fields;
    }
}
