namespace Strongroom.Client.Tap;

/// <summary>
/// One entry of Tap's <c>{"errors":[{"code","description"}]}</c>: e.g. <c>1108</c> card number, <c>1109</c> expiry month,
/// <c>1110</c> expiry year, <c>1111</c> CVC, <c>2107</c> unauthorized, <c>1143</c> not found.
/// </summary>
public sealed record TapError(string Code, string Description);
