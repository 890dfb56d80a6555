using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.NetworkTokens;

/// <summary>
/// The built-in token service simulator for VTS, MDES and TMS. Deterministic, so tests and integrators can
/// drive every outcome from the funding card's last four digits (docs/network-tokens.md):
/// <list type="bullet">
/// <item><c>0051</c>: provisioning declined (card not eligible).</item>
/// <item><c>0069</c>: provisioned inactive, awaiting identification and verification (activate through the simulator event endpoint).</item>
/// <item><c>0077</c>: provisioned active; the issuer suspends the token when its first cryptogram is requested (if its status has not changed since provisioning).</item>
/// <item>anything else: provisioned active.</item>
/// </list>
/// Token PANs come from simulator token BIN ranges, pass Luhn and are derived with a keyed MAC of the token id
/// (so they are stable for a token and never equal the funding PAN). Cryptograms are a keyed MAC of the token id,
/// the use counter, amount and currency under the tenant's key, carrying the counter so they can be verified.
/// </summary>
internal sealed class SimulatedTokenServiceProvider : ITokenServiceProvider
{
    public const string DeclineLastFour = "0051";
    public const string InactiveLastFour = "0069";
    public const string IssuerSuspendsLastFour = "0077";

    private const byte CryptogramVersion = 1;
    private const int CryptogramMacBytes = 15;

    public ValueTask<ProvisioningResult> ProvisionAsync(TenantKeySet keys, ProvisioningRequest request, CancellationToken cancellationToken)
    {
        ValidCard card = request.FundingCard;
        if (card.Pan.LastFour == DeclineLastFour)
        {
            return ValueTask.FromResult(new ProvisioningResult(null, "The card is not eligible for tokenization (simulator outcome 0051)."));
        }

        Pan tokenPan = DeriveTokenPan(keys, request.NetworkTokenId, card.Pan);

        // Like MDES for most issuers, the token expires with the card it stands for.
        int year = card.Expiry.Year;
        string reference = SchemeReference(keys, request.NetworkTokenId, request.Type);
        NetworkTokenStatus status = card.Pan.LastFour == InactiveLastFour ? NetworkTokenStatus.Inactive : NetworkTokenStatus.Active;
        return ValueTask.FromResult(new ProvisioningResult(new ProvisionedToken(tokenPan, card.Expiry.Month, year, reference, status), null));
    }

    public ValueTask<TokenServiceNotice?> CheckBeforeCryptogramAsync(NetworkTokenRecord token, bool statusEverChanged, CancellationToken cancellationToken) =>
        // "First request" = no cryptogram yet and no status change since provisioning, so once the issuer has
        // suspended and resumed, the token works normally.
        ValueTask.FromResult(token.LastFour == IssuerSuspendsLastFour && token.CryptogramCounter == 0 && !statusEverChanged
            ? new TokenServiceNotice(NetworkTokenAction.Suspend, SuspensionParties.Issuer, "Suspended by the issuer: suspected fraud (simulator outcome 0077).")
            : null);

    public CryptogramMaterial ComputeCryptogram(TenantKeySet keys, NetworkTokenRecord token, long counter, long? amount, string? currency)
    {
        byte[] mac = Mac(keys, token.Id, counter, amount, currency);
        Span<byte> cryptogram = stackalloc byte[1 + 4 + CryptogramMacBytes];
        cryptogram[0] = CryptogramVersion;
        BinaryPrimitives.WriteUInt32BigEndian(cryptogram[1..], checked((uint)counter));
        mac.AsSpan(0, CryptogramMacBytes).CopyTo(cryptogram[5..]);
        int dynamicCvv = (int)(BinaryPrimitives.ReadUInt32BigEndian(mac.AsSpan(CryptogramMacBytes, 4)) % 1000);
        (string type, string eci) = token.Type switch
        {
            NetworkTokenType.Vts => ("TAVV", "05"),
            NetworkTokenType.Mdes => ("UCAF", "02"),
            _ => token.Scheme == CardScheme.AmericanExpress ? ("AEVV", "05") : ("TAVV", "05"),
        };
        return new CryptogramMaterial(Convert.ToBase64String(cryptogram), eci, dynamicCvv.ToString("D3", CultureInfo.InvariantCulture), type);
    }

    public CryptogramVerdict VerifyCryptogram(TenantKeySet keys, NetworkTokenRecord token, string cryptogram, long? amount, string? currency, out long counter)
    {
        counter = 0;
        Span<byte> bytes = stackalloc byte[1 + 4 + CryptogramMacBytes];
        if (!Convert.TryFromBase64String(cryptogram, bytes, out int written) || written != bytes.Length || bytes[0] != CryptogramVersion)
        {
            return CryptogramVerdict.Invalid;
        }

        long claimed = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
        byte[] expected = Mac(keys, token.Id, claimed, amount, currency);
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, CryptogramMacBytes), bytes[5..]))
        {
            return CryptogramVerdict.Invalid;
        }

        counter = claimed;
        return CryptogramVerdict.Valid;
    }

    public ValueTask NotifyAsync(NetworkTokenRecord token, NetworkTokenAction action, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Simulator token BIN ranges: Visa 489537, Mastercard 520473, American Express 374245 (15 digits), Discover 601100.</summary>
    internal static string TokenBin(CardScheme scheme) => scheme switch
    {
        CardScheme.Visa => "489537",
        CardScheme.Mastercard => "520473",
        CardScheme.AmericanExpress => "374245",
        CardScheme.Discover => "601100",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme)),
    };

    private static Pan DeriveTokenPan(TenantKeySet keys, Guid tokenId, Pan funding)
    {
        string bin = TokenBin(funding.Scheme);
        int length = funding.Scheme == CardScheme.AmericanExpress ? 15 : 16;
        Span<byte> input = stackalloc byte[17];
        for (byte attempt = 0; ; attempt++)
        {
            tokenId.TryWriteBytes(input, bigEndian: true, out _);
            input[16] = attempt;
            byte[] digest = keys.KeyedDigest("nt-token-pan/v1", input);
            var digits = new StringBuilder(bin, length);
            for (int i = 0; digits.Length < length - 1; i++)
            {
                digits.Append((char)('0' + (digest[i] % 10)));
            }

            digits.Append(Luhn.CheckDigit(digits.ToString()));
            Pan candidate = Pan.FromTrusted(digits.ToString());
            if (!candidate.Equals(funding))
            {
                return candidate;
            }
        }
    }

    private static string SchemeReference(TenantKeySet keys, Guid tokenId, NetworkTokenType type)
    {
        Span<byte> id = stackalloc byte[16];
        tokenId.TryWriteBytes(id, bigEndian: true, out _);
        string hex = Convert.ToHexStringLower(keys.KeyedDigest("nt-scheme-reference/v1", id).AsSpan(0, 16));
        return type switch
        {
            NetworkTokenType.Vts => hex,                                       // vProvisionedTokenID style
            NetworkTokenType.Mdes => "DWSPMC" + hex.ToUpperInvariant()[..26], // tokenUniqueReference style
            _ => "TMS" + hex,
        };
    }

    private static byte[] Mac(TenantKeySet keys, Guid tokenId, long counter, long? amount, string? currency)
    {
        Span<byte> input = stackalloc byte[16 + 8 + 8 + 3];
        tokenId.TryWriteBytes(input, bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(input[16..], counter);
        BinaryPrimitives.WriteInt64BigEndian(input[24..], amount ?? -1);
        Encoding.ASCII.GetBytes((currency ?? "").PadRight(3), input[32..]);
        return keys.KeyedDigest("nt-cryptogram/v1", input);
    }
}
