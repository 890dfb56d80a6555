using Strongroom.Core.Audit;
using Strongroom.Server.Guardian;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Http;

/// <summary>
/// The audit actor of an authenticated request, for the services that record what it did: the admin or the tenant
/// API key of a Guardian-authenticated caller, or the signing key (by its public key prefix) of a WhiteBIT-signed one.
/// </summary>
internal static class AuditActors
{
    /// <summary>Only behind <see cref="GuardianAuthentication"/>, which resolved the principal.</summary>
    public static Actor GuardianActor(this HttpContext http) => Actor.Of(GuardianAuthentication.GetPrincipal(http));

    /// <summary>Only behind the WhiteBIT filter, which verified the signing key named in the header.</summary>
    public static Actor WhiteBitActor(this HttpContext http)
    {
        _ = WhiteBitAuthentication.GetRequest(http);
        return Actor.SigningKey(http.Request.Headers[WhiteBitAuthentication.ApiKeyHeader].ToString());
    }
}
