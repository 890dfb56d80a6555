using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Tenancy;

/// <summary>The documented mapping of WhiteBIT key types to vault rights.</summary>
public sealed class SigningKeyRightsTests
{
    private static readonly Tenant Account = new(Guid.NewGuid(), "account", DateTimeOffset.UnixEpoch);
    private static readonly Tenant SubAccount = new(Guid.NewGuid(), "sub", DateTimeOffset.UnixEpoch, Account.Id);

    [Fact]
    public void Type1_CreatesReadsAndDeletesTokens_ButMovesNoCardDataOut()
    {
        VaultRights rights = SigningKeyService.RightsFor(1, SubAccount);

        Assert.Equal(VaultRights.TokensCreate | VaultRights.TokensRead | VaultRights.TokensDelete, rights);
        Assert.False(rights.HasFlag(VaultRights.DataOut));
    }

    [Fact]
    public void Type2_AlsoMovesCardDataOut()
    {
        VaultRights rights = SigningKeyService.RightsFor(2, SubAccount);

        Assert.True(rights.HasFlag(VaultRights.DataOut));
        Assert.True(rights.HasFlag(VaultRights.TokensCreate | VaultRights.TokensRead));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OnlyTopLevelAccountKeys_ManageSubAccounts_NeverAdmin(int type)
    {
        Assert.True(SigningKeyService.RightsFor(type, Account).HasFlag(VaultRights.AccountManage));
        Assert.False(SigningKeyService.RightsFor(type, SubAccount).HasFlag(VaultRights.AccountManage));
        Assert.False(SigningKeyService.RightsFor(type, Account).HasFlag(VaultRights.Admin));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    public void OtherTypes_AreInvalid(int type) => Assert.False(SigningKeyService.IsValidType(type));
}
