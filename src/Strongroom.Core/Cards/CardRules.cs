namespace Strongroom.Core.Cards;

/// <summary>
/// A tenant's optional card rules, stricter than the API contract, all off by default (stored as the tenant setting
/// <see cref="SettingName"/>). <see cref="SchemeSecurityCodeLengths"/>: 4-digit codes for American Express, 3 for other schemes.
/// </summary>
public sealed record CardRules(bool SchemeSecurityCodeLengths)
{
    public const string SettingName = "card-rules";

    public static CardRules Default { get; } = new(SchemeSecurityCodeLengths: false);
}
