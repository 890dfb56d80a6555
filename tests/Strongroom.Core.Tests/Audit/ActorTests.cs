using Strongroom.Core.Audit;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Audit;

/// <summary>The actor names the audit log has always written: filters and exports depend on them.</summary>
public sealed class ActorTests
{
    [Fact]
    public void Of_AdminPrincipal_IsAdmin_AndApiKeyPrincipal_IsNamedByKeyId()
    {
        Assert.Equal("admin", Actor.Of(Principal.Admin(Guid.NewGuid())).Name);
        Actor key = Actor.Of(new Principal(PrincipalKind.ApiKey, Guid.NewGuid(), "0123456789abcdef", VaultRights.DefaultApiKey));
        Assert.Equal(("api-key:0123456789abcdef", ActorKind.ApiKey), (key.Name, key.Kind));
    }

    [Fact]
    public void SigningKey_IsNamedByTheFirstTwelveCharactersOfItsPublicKey()
    {
        Assert.Equal("signing-key:0123456789ab", Actor.SigningKey("0123456789abcdef0123456789abcdef").Name);
        Assert.Equal("signing-key:short", Actor.SigningKey("short").Name);
    }

    [Fact]
    public void Operator_IsTheNameTheCliAndKeyRotationAlwaysWrote()
    {
        Assert.Equal("operator", Actor.Operator.Name);
        Assert.Equal(Strongroom.Core.Keys.KeyRotationService.OperatorActor, Actor.Operator.Name);
    }
}
