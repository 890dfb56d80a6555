using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Audit;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.DataAtRest;

/// <summary>
/// Puts card data into a store the way the vault does (TenantService + PciTokenService + IdempotencyService),
/// deletes some of it, and knows what must never be found at rest afterwards, and which clear-text
/// canaries must be found (so that an empty scan cannot pass by reading the wrong thing).
/// </summary>
public sealed partial class CardDataScenario
{
    private static readonly CancellationToken None = CancellationToken.None;

    private CardDataScenario(string canary)
    {
        Canary = canary;
    }

    /// <summary>The test PANs tokenized: each must be absent from every byte at rest.</summary>
    public static IReadOnlyList<string> Pans { get; } = [TestCards.Visa, TestCards.Mastercard, TestCards.Amex];

    /// <summary>The security codes given with the cards (PCI DSS: never stored, not even encrypted).</summary>
    public static IReadOnlyList<string> SecurityCodes { get; } = ["123", "456", "8642"];

    /// <summary>Four digits are distinctive enough to look for in raw bytes (see <see cref="ByteSearch.CountStandalone"/>).</summary>
    public const string DistinctiveSecurityCode = "8642";

    /// <summary>Cardholder names: encrypted, so absent in the clear. No digits, no hex-only words.</summary>
    public static IReadOnlyList<string> CardholderNames { get; } = ["Wilhelmina Quorthby", "Xavier Plimsoll-Gantry", "Ysolde Marchbanks"];

    /// <summary>A random clear-text marker stored as tenant name and metadata: the scans must find it.</summary>
    public string Canary { get; }

    public Guid TenantA { get; private set; }

    public Guid TenantB { get; private set; }

    /// <summary>The network token PANs (DPANs) provisioned: sensitive too, so just as absent at rest.</summary>
    public List<string> TokenPans { get; } = [];

    /// <summary>Ciphertext and fingerprint of tokens that were deleted (erased, so gone from the live database).</summary>
    public List<byte[]> DeletedTokenBytes { get; } = [];

    /// <summary>Every live token with the keys to decrypt it.</summary>
    public List<(PciTokenRecord Record, TenantKeySet Keys)> LiveTokens { get; } = [];

    public static async Task<CardDataScenario> RunAsync(IVaultStore store)
    {
        // Letters outside a-f only, so the canary cannot be mistaken for (or collide with) hex.
        string canary = "zqcanary" + string.Concat(RandomNumberGenerator.GetBytes(12).Select(b => (char)('g' + (b % 20))));
        var scenario = new CardDataScenario(canary);
        using var vault = new VaultHarness(store);

        Tenant a = await vault.Tenants.CreateAsync("tenant " + canary, None);
        Tenant b = await vault.Tenants.CreateAsync("other tenant", None);
        scenario.TenantA = a.Id;
        scenario.TenantB = b.Id;
        var metadata = new Dictionary<string, string> { ["order"] = canary };

        var created = new List<(Guid Tenant, PciToken Token)>();
        for (int i = 0; i < Pans.Count; i++)
        {
            created.Add((a.Id, await vault.Tokens.CreateAsync(a.Id, vault.Card(Pans[i], SecurityCodes[i], CardholderNames[i]), new TokenOptions(null, metadata), None)));
            created.Add((b.Id, await vault.Tokens.CreateAsync(b.Id, vault.Card(Pans[i], SecurityCodes[i], CardholderNames[i]), new TokenOptions(86_400, null), None)));
        }

        // A second token per PAN that is then deleted: its ciphertext must be erased, not left in free pages.
        foreach (string pan in Pans)
        {
            PciToken doomed = await vault.Tokens.CreateAsync(a.Id, vault.Card(pan, pan == TestCards.Amex ? "8642" : "123", CardholderNames[0]), TokenOptions.None, None);
            PciTokenRecord record = (await store.GetPciTokenAsync(a.Id, doomed.Id, vault.Time.GetUtcNow(), None))!;
            scenario.DeletedTokenBytes.Add(record.Ciphertext);
            Assert.True(await vault.Tokens.DeleteAsync(a.Id, doomed.Id, None));
        }

        // And one of tenant B's tokens of each kind goes too.
        Assert.True(await vault.Tokens.DeleteAsync(b.Id, created[1].Token.Id, None));

        // An idempotent token request: the request (with PAN and CVC) is only digested, the response only sealed.
        string request = $$$"""{"card":{"number":"{{{TestCards.Visa}}}","security_code":"8642","name":"{{{CardholderNames[0]}}}"}}""";
        string response = $$$"""{"id":"{{{created[0].Token.Id}}}","card":{"name":"{{{CardholderNames[0]}}}","number":"411111******1111"}}""";
        string key = "idem-" + canary;
        var proceed = Assert.IsType<Strongroom.Core.Idempotency.IdempotencyDecision.Proceed>(
            await vault.Idempotency.BeginAsync(a.Id, key, "POST /api/pci/tokens", Encoding.UTF8.GetBytes(request), None));
        await vault.Idempotency.CompleteAsync(a.Id, key, proceed.ReservationId, 201, Encoding.UTF8.GetBytes(response), None);
        await vault.Sessions.CreateForPciTokenAsync(a.Id, new TokenOptions(60, metadata), None);

        // A session completed the way the hosted form does it.
        Strongroom.Core.Sessions.SessionRecord session = await vault.Sessions.CreateForPciTokenAsync(a.Id, new TokenOptions(null, metadata), None);
        var entered = new CardInput { AccountNumber = TestCards.Amex, ExpiryMonth = 12, ExpiryYear = vault.Time.GetUtcNow().Year + 2, SecurityCode = DistinctiveSecurityCode, CardholderName = CardholderNames[2] };
        Assert.Equal(Strongroom.Core.Sessions.SessionCompletionOutcome.Completed, (await vault.Sessions.CompleteAsync(session.Id, entered, None)).Outcome);

        // Network tokens from a PAN and from a PCI token, with cryptograms: neither funding PAN nor token PAN may be stored in clear.
        Strongroom.Core.NetworkTokens.NetworkToken fromPan = (await vault.NetworkTokens.CreateAsync(a.Id, vault.Card(TestCards.Mastercard, "456", CardholderNames[1]), metadata, null, None)).Token!;
        Strongroom.Core.NetworkTokens.NetworkToken fromPci = (await vault.NetworkTokens.CreateFromPciTokenAsync(a.Id, created[0].Token.Id, null, None)).Token!;
        foreach (Strongroom.Core.NetworkTokens.NetworkToken networkToken in new[] { fromPan, fromPci })
        {
            Strongroom.Core.NetworkTokens.IssuedCryptogram cryptogram = (await vault.NetworkTokens.CreateCryptogramAsync(a.Id, networkToken.Id, 1999, "EUR", false, Actor.Admin, None)).Cryptogram!;
            scenario.TokenPans.Add(cryptogram.TokenPan!);
            Assert.NotNull((await vault.NetworkTokens.CreateCryptogramAsync(a.Id, networkToken.Id, null, null, true, Actor.Admin, None)).Cryptogram!.Reference);
        }

        foreach (Guid tenant in new[] { a.Id, b.Id })
        {
            TenantKeySet keys = await vault.Keyring.GetAsync(tenant, None);
            foreach (PciTokenRecord record in await store.ListPciTokensAsync(tenant, null, 100, vault.Time.GetUtcNow(), None))
            {
                scenario.LiveTokens.Add((record, keys));
            }
        }

        Assert.Equal(6, scenario.LiveTokens.Count); // 6 created, 1 deleted, 1 from the session; the 3 "doomed" ones are gone
        await AddAliasedTokensAsync(store, vault, a.Id);
        return scenario;
    }

    /// <summary>
    /// PCI DSS forbids keeping the security code after authorization even encrypted, so check the decrypted
    /// token blobs too: each holds exactly version, PAN and name, leaving no byte for a code.
    /// </summary>
    public void AssertTokenPlaintextsHoldNoSecurityCode()
    {
        foreach ((PciTokenRecord record, TenantKeySet keys) in LiveTokens)
        {
            byte[] plaintext = keys.Open(RecordKind.PciToken, record.Id, record.Ciphertext);
            string? name = CardBlob.DecodeCardholderName(plaintext);
            Assert.Contains(name, CardholderNames);
            Assert.Equal(2 + record.PanLength + 2 + Encoding.UTF8.GetByteCount(name!), plaintext.Length);
        }
    }

    /// <summary>Cell-level checks over a dump of every table.</summary>
    public void AssertCellsHoldNoCardData(IReadOnlyList<DumpedCell> cells)
    {
        Assert.NotEmpty(cells);
        Assert.Equal(2, TokenPans.Count);
        Assert.Contains(cells, c => c.Value is string s && s.Contains(Canary, StringComparison.Ordinal)); // the dump reads real rows

        foreach (DumpedCell cell in cells)
        {
            string where = $"{cell.Table}.{cell.Column} (row {cell.Row})";
            switch (cell.Value)
            {
                case string text:
                    foreach (string pan in Pans.Concat(TokenPans))
                    {
                        Assert.False(text.Contains(pan, StringComparison.Ordinal), $"PAN in clear in {where}");
                        Assert.False(text.Contains(ByteSearch.HexOfAscii(pan), StringComparison.OrdinalIgnoreCase), $"hex-encoded PAN in {where}");
                    }

                    foreach (string name in CardholderNames)
                    {
                        Assert.False(text.Contains(name, StringComparison.Ordinal), $"cardholder name in clear in {where}");
                    }

                    // A UUID's hex digits, a timestamp's milliseconds and any random reference (a network token's hex
                    // scheme_reference) contain a 3-digit string by chance, also inside an outbox event's JSON. A stored code
                    // would stand alone (a value of its own, or a JSON string): with ids and times taken out, no text may
                    // hold a code that is not part of a longer run of letters and digits.
                    string withoutIdsAndTimes = IdsAndTimestamps().Replace(text, "_");
                    foreach (string code in SecurityCodes)
                    {
                        Assert.False(System.Text.RegularExpressions.Regex.IsMatch(withoutIdsAndTimes, $"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])"),
                            $"security code '{code}' in {where}: '{text}'");
                    }

                    Assert.False(text.Contains("security_code", StringComparison.OrdinalIgnoreCase), $"security_code field in {where}");
                    break;

                case byte[] bytes:
                    foreach (string pan in Pans.Concat(TokenPans))
                    {
                        Assert.False(ByteSearch.Contains(bytes, ByteSearch.Ascii(pan)), $"PAN bytes in {where}");
                    }

                    foreach (string name in CardholderNames)
                    {
                        Assert.False(ByteSearch.Contains(bytes, Encoding.UTF8.GetBytes(name)), $"cardholder name bytes in {where}");
                    }

                    Assert.False(ByteSearch.Contains(bytes, "\"8642\""u8), $"quoted security code in {where}");
                    break;

                case Guid:
                case null:
                    break;

                default:
                    // Numbers: no column may hold a code or a PAN as an integer.
                    string number = Convert.ToString(cell.Value, CultureInfo.InvariantCulture)!;
                    Assert.DoesNotContain(number, SecurityCodes);
                    Assert.DoesNotContain(number, Pans);
                    Assert.DoesNotContain(number, TokenPans);
                    break;
            }
        }
    }

    /// <summary>
    /// Raw-byte checks of one file. PANs (15–16 digits) and names never occur by chance, so any hit is a leak.
    /// For the security code only the 4-digit one is searched, and only where it stands alone (not inside a
    /// run of hex characters, as in a textual UUID), in JSON quotes, or as UTF-16: a bare 3-digit string turns
    /// up by chance in any few kilobytes of ciphertext, so 3-digit codes are checked at the cell level instead.
    /// The odds of a standalone "8642" in N random bytes are about N / 2^32 (≈ 1 in 40,000 for a 100 KB file).
    /// </summary>
    public static void AssertFileHoldsNoCardData(string path, byte[] bytes, bool checkSecurityCode = true)
    {
        foreach (string pan in Pans)
        {
            Assert.False(ByteSearch.Contains(bytes, ByteSearch.Ascii(pan)), $"PAN (ASCII) found in {path}");
            Assert.False(ByteSearch.Contains(bytes, ByteSearch.Utf16(pan)), $"PAN (UTF-16LE) found in {path}");
            Assert.False(ByteSearch.Contains(bytes, ByteSearch.Utf16BigEndian(pan)), $"PAN (UTF-16BE) found in {path}");
            Assert.False(ByteSearch.Contains(bytes, ByteSearch.Ascii(ByteSearch.HexOfAscii(pan))), $"hex-encoded PAN found in {path}");
        }

        foreach (string name in CardholderNames)
        {
            Assert.False(ByteSearch.Contains(bytes, Encoding.UTF8.GetBytes(name)), $"cardholder name found in {path}");
        }

        if (checkSecurityCode)
        {
            byte[] code = ByteSearch.Ascii(DistinctiveSecurityCode);
            Assert.Equal(0, ByteSearch.CountStandalone(bytes, code));
            Assert.False(ByteSearch.Contains(bytes, "\"8642\""u8), $"quoted security code found in {path}");
            Assert.False(ByteSearch.Contains(bytes, ByteSearch.Utf16(DistinctiveSecurityCode)), $"security code (UTF-16) found in {path}");
            Assert.False(ByteSearch.Contains(bytes, "\"security_code\""u8), $"security_code field found in {path}");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")]
    private static partial System.Text.RegularExpressions.Regex IdsAndTimestamps();
}
