using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.NetworkTokens;

/// <summary>What the vault asks a token service to provision: the funding card and the token type its scheme uses.</summary>
public sealed record ProvisioningRequest(Guid TenantId, Guid NetworkTokenId, ValidCard FundingCard, NetworkTokenType Type);

/// <summary>A provisioned token: the token PAN (DPAN, never the funding PAN), its expiry, the service's reference and first status.</summary>
public sealed record ProvisionedToken(Pan TokenPan, int ExpiryMonth, int ExpiryYear, string SchemeReference, NetworkTokenStatus InitialStatus);

/// <summary>Either a token or the service's reason for declining.</summary>
public sealed record ProvisioningResult(ProvisionedToken? Token, string? DeclineReason);

/// <summary>A lifecycle change the token service reports on its own (issuer or cardholder action).</summary>
public sealed record TokenServiceNotice(NetworkTokenAction Action, SuspensionParties Party, string Reason);

/// <summary>A transaction cryptogram and the values a processor needs with it.</summary>
public sealed record CryptogramMaterial(string Cryptogram, string Eci, string DynamicCvv, string Type);

public enum CryptogramVerdict
{
    Valid,

    /// <summary>Not a cryptogram of this token, or not for this amount and currency (forged or altered).</summary>
    Invalid,
}

/// <summary>
/// A card network's token service (Visa VTS, Mastercard MDES, a scheme TMS). No network is reachable here, so
/// <see cref="SimulatedTokenServiceProvider"/> implements it; a real connector implements the same calls.
/// Cryptogram counters and single use are the vault's bookkeeping (in the store), so every connector gets them.
/// </summary>
public interface ITokenServiceProvider
{
    ValueTask<ProvisioningResult> ProvisionAsync(TenantKeySet keys, ProvisioningRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Asked before a cryptogram is issued: the service may report a lifecycle change that happened on its side
    /// (e.g. the issuer suspended the token), which the vault records before refusing the cryptogram.
    /// <paramref name="statusEverChanged"/> says whether the vault has recorded any status change since provisioning.
    /// </summary>
    ValueTask<TokenServiceNotice?> CheckBeforeCryptogramAsync(NetworkTokenRecord token, bool statusEverChanged, CancellationToken cancellationToken);

    /// <summary>The cryptogram for use number <paramref name="counter"/> of the token, bound to the amount and currency when given.</summary>
    CryptogramMaterial ComputeCryptogram(TenantKeySet keys, NetworkTokenRecord token, long counter, long? amount, string? currency);

    /// <summary>Checks a cryptogram as the network would at authorization; returns the counter it carries when valid.</summary>
    CryptogramVerdict VerifyCryptogram(TenantKeySet keys, NetworkTokenRecord token, string cryptogram, long? amount, string? currency, out long counter);

    /// <summary>Tells the service about a change the merchant made (suspend, resume, delete).</summary>
    ValueTask NotifyAsync(NetworkTokenRecord token, NetworkTokenAction action, CancellationToken cancellationToken);
}
