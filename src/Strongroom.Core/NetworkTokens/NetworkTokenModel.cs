using Strongroom.Core.Cards;

namespace Strongroom.Core.NetworkTokens;

/// <summary>The token service a network token lives at, chosen by the card's scheme.</summary>
public enum NetworkTokenType
{
    /// <summary>Visa Token Service.</summary>
    Vts = 1,

    /// <summary>Mastercard Digital Enablement Service.</summary>
    Mdes = 2,

    /// <summary>Token management service of the other schemes (American Express, Discover).</summary>
    Tms = 3,
}

public enum NetworkTokenStatus
{
    /// <summary>Provisioned but not usable until the cardholder or issuer activates it (identification and verification).</summary>
    Inactive = 1,
    Active = 2,

    /// <summary>Suspended by at least one party; see <see cref="SuspensionParties"/>.</summary>
    Suspended = 3,

    /// <summary>Terminal. The token PAN and funding card are erased; the masked record stays readable.</summary>
    Deleted = 4,
}

/// <summary>Who acts on a token's lifecycle. A suspension is held per party (MDES rule): only the party that suspended can resume.</summary>
[Flags]
public enum SuspensionParties
{
    None = 0,

    /// <summary>The token requestor: the tenant, through the API.</summary>
    Merchant = 1,
    Issuer = 2,
    Cardholder = 4,
}

public static class NetworkTokenNames
{
    /// <summary>Schemes whose networks offer tokenization (Guardian: others are a 422).</summary>
    public static bool IsSupported(CardScheme scheme) =>
        scheme is CardScheme.Visa or CardScheme.Mastercard or CardScheme.AmericanExpress or CardScheme.Discover;

    public static NetworkTokenType TypeFor(CardScheme scheme) => scheme switch
    {
        CardScheme.Visa => NetworkTokenType.Vts,
        CardScheme.Mastercard => NetworkTokenType.Mdes,
        _ => NetworkTokenType.Tms,
    };

    public static string WireName(this NetworkTokenType type) => type switch
    {
        NetworkTokenType.Vts => "vts",
        NetworkTokenType.Mdes => "mdes",
        _ => "tms",
    };

    public static string WireName(this NetworkTokenStatus status) => status switch
    {
        NetworkTokenStatus.Inactive => "inactive",
        NetworkTokenStatus.Active => "active",
        NetworkTokenStatus.Suspended => "suspended",
        _ => "deleted",
    };

    public static string WireName(this SuspensionParties party) => party switch
    {
        SuspensionParties.Merchant => "merchant",
        SuspensionParties.Issuer => "issuer",
        SuspensionParties.Cardholder => "cardholder",
        _ => "none",
    };

    public static string WireName(this NetworkTokenAction action) => action switch
    {
        NetworkTokenAction.Activate => "activate",
        NetworkTokenAction.Suspend => "suspend",
        NetworkTokenAction.Resume => "resume",
        _ => "delete",
    };

    public static string WireName(this CryptogramCheck check) => check switch
    {
        CryptogramCheck.Valid => "valid",
        CryptogramCheck.AlreadyUsed => "already_used",
        CryptogramCheck.Expired => "expired",
        CryptogramCheck.TokenNotActive => "token_not_active",
        _ => "forged",
    };

    public static SuspensionParties? ParseParty(string? name) => name switch
    {
        "merchant" => SuspensionParties.Merchant,
        "issuer" => SuspensionParties.Issuer,
        "cardholder" => SuspensionParties.Cardholder,
        _ => null,
    };
}

/// <summary>
/// A network token as stored. The funding card (PAN, name) is sealed in <see cref="CardCiphertext"/> and the
/// token PAN (DPAN) in <see cref="TokenPanCiphertext"/>, each bound to the record id and its own record kind;
/// both are emptied when the token is deleted. Clear columns hold only displayable card data.
/// </summary>
public sealed record NetworkTokenRecord(
    Guid Id,
    Guid TenantId,
    CardScheme Scheme,
    string First6,
    string LastFour,
    int PanLength,
    int ExpiryMonth,
    int ExpiryYear,
    byte[] Fingerprint,
    byte[] CardCiphertext,
    byte[] TokenPanCiphertext,
    int TokenExpiryMonth,
    int TokenExpiryYear,
    NetworkTokenType Type,
    string SchemeReference,
    NetworkTokenStatus Status,
    SuspensionParties SuspendedBy,
    Guid? PciTokenId,
    string? MetadataJson,
    long CryptogramCounter,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public string MaskedAccountNumber => Pan.Mask(First6, LastFour, PanLength);
}

/// <summary>A network token as the API shows it: the funding card masked, never the token PAN.</summary>
public sealed record NetworkToken(
    Guid Id,
    Tokens.MaskedCard Card,
    DateTimeOffset CreatedAt,
    NetworkTokenType Type,
    NetworkTokenStatus Status,
    SuspensionParties SuspendedBy,
    string SchemeReference,
    Guid? PciTokenId,
    IReadOnlyDictionary<string, string>? Metadata);
