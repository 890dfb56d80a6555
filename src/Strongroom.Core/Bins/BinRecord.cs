using Strongroom.Core.Cards;

namespace Strongroom.Core.Bins;

public enum CardFunding
{
    Credit = 1,
    Debit = 2,
    Prepaid = 3,
}

/// <summary>
/// One row of the BIN (IIN) table: what a card number's leading 6–8 digits say about the card.
/// Nothing here is card data: a BIN identifies an issuer's product range, not a card.
/// </summary>
public sealed record BinRecord(string Prefix, CardScheme Scheme, CardFunding Funding, string Bank, string Country, string IssuerId);

/// <summary>What the vault knows about a card from its BIN: the scheme always (from the IIN ranges), the rest when the table has a row.</summary>
public sealed record CardMetadata(string Bin, CardScheme Scheme, CardFunding? Funding, string? Bank, string? Country, string? IssuerId);

public static class CardFundingNames
{
    public static string WireName(this CardFunding funding) => funding switch
    {
        CardFunding.Credit => "CREDIT",
        CardFunding.Debit => "DEBIT",
        _ => "PREPAID",
    };

    public static CardFunding? Parse(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "CREDIT" => CardFunding.Credit,
        "DEBIT" => CardFunding.Debit,
        "PREPAID" => CardFunding.Prepaid,
        _ => null,
    };
}
