using Strongroom.Core.NetworkTokens;
using static Strongroom.Core.NetworkTokens.NetworkTokenAction;
using static Strongroom.Core.NetworkTokens.NetworkTokenStatus;
using static Strongroom.Core.NetworkTokens.SuspensionParties;

namespace Strongroom.Core.Tests.NetworkTokens;

public sealed class NetworkTokenLifecycleTests
{
    [Theory]
    [InlineData(Inactive, None, Activate, Issuer, Active, None)]
    [InlineData(Active, None, Suspend, Merchant, Suspended, Merchant)]
    [InlineData(Suspended, Merchant, Suspend, Issuer, Suspended, Merchant | Issuer)]
    [InlineData(Suspended, Merchant | Issuer, Resume, Merchant, Suspended, Issuer)]
    [InlineData(Suspended, Issuer, Resume, Issuer, Active, None)]
    [InlineData(Suspended, Merchant, Resume, Merchant, Active, None)]
    [InlineData(Active, None, Delete, Merchant, Deleted, None)]
    [InlineData(Inactive, None, Delete, Issuer, Deleted, None)]
    [InlineData(Suspended, Merchant | Cardholder, Delete, Merchant, Deleted, None)]
    public void Apply_AllowedTransitions(NetworkTokenStatus from, SuspensionParties suspendedBy, NetworkTokenAction action, SuspensionParties party, NetworkTokenStatus to, SuspensionParties remaining)
    {
        LifecycleTransition transition = NetworkTokenLifecycle.Apply(from, suspendedBy, action, party);

        Assert.True(transition.Allowed, transition.Refusal);
        Assert.Equal(to, transition.Status);
        Assert.Equal(remaining, transition.SuspendedBy);
    }

    [Theory]
    [InlineData(Active, None, Activate, Issuer)]
    [InlineData(Suspended, Merchant, Activate, Cardholder)]
    [InlineData(Inactive, None, Suspend, Merchant)]
    [InlineData(Suspended, Merchant, Suspend, Merchant)]
    [InlineData(Active, None, Resume, Merchant)]
    [InlineData(Suspended, Issuer, Resume, Merchant)]
    [InlineData(Inactive, None, Resume, Issuer)]
    [InlineData(Deleted, None, Delete, Merchant)]
    [InlineData(Deleted, None, Resume, Merchant)]
    [InlineData(Deleted, None, Activate, Issuer)]
    [InlineData(Deleted, None, Suspend, Issuer)]
    public void Apply_RefusedTransitions_KeepTheState(NetworkTokenStatus from, SuspensionParties suspendedBy, NetworkTokenAction action, SuspensionParties party)
    {
        LifecycleTransition transition = NetworkTokenLifecycle.Apply(from, suspendedBy, action, party);

        Assert.False(transition.Allowed);
        Assert.False(string.IsNullOrEmpty(transition.Refusal));
        Assert.Equal(from, transition.Status);
        Assert.Equal(suspendedBy, transition.SuspendedBy);
    }

    [Fact]
    public void TwoPartySuspension_ActiveOnlyWhenBothResume_InEitherOrder()
    {
        foreach ((SuspensionParties first, SuspensionParties second) in new[] { (Merchant, Issuer), (Issuer, Merchant) })
        {
            LifecycleTransition t = NetworkTokenLifecycle.Apply(Active, None, Suspend, Merchant);
            t = NetworkTokenLifecycle.Apply(t.Status, t.SuspendedBy, Suspend, Issuer);
            t = NetworkTokenLifecycle.Apply(t.Status, t.SuspendedBy, Resume, first);
            Assert.Equal(Suspended, t.Status);
            Assert.Equal(second, t.SuspendedBy);
            t = NetworkTokenLifecycle.Apply(t.Status, t.SuspendedBy, Resume, second);
            Assert.Equal(Active, t.Status);
            Assert.Equal(None, t.SuspendedBy);
        }
    }
}
