namespace Strongroom.Core.NetworkTokens;

/// <summary>A lifecycle action on a network token, by the merchant (API) or reported by the token service (issuer, cardholder).</summary>
public enum NetworkTokenAction
{
    Activate,
    Suspend,
    Resume,
    Delete,
}

/// <summary>The state a transition leads to, or why it is refused.</summary>
internal readonly record struct LifecycleTransition(NetworkTokenStatus Status, SuspensionParties SuspendedBy, string? Refusal)
{
    public bool Allowed => Refusal is null;
}

/// <summary>
/// The token lifecycle rules, pure so they can be tested exhaustively (MDES-like):
/// inactive → active (activation); active ⇄ suspended, where each party's suspension is held
/// separately and the token returns to active only when every suspending party has resumed;
/// any state → deleted (terminal).
/// </summary>
internal static class NetworkTokenLifecycle
{
    public static LifecycleTransition Apply(NetworkTokenStatus status, SuspensionParties suspendedBy, NetworkTokenAction action, SuspensionParties party)
    {
        if (status == NetworkTokenStatus.Deleted)
        {
            return Refuse(status, suspendedBy, "The network token is deleted.");
        }

        switch (action)
        {
            case NetworkTokenAction.Delete:
                return new(NetworkTokenStatus.Deleted, SuspensionParties.None, null);

            case NetworkTokenAction.Activate:
                return status == NetworkTokenStatus.Inactive
                    ? new(NetworkTokenStatus.Active, SuspensionParties.None, null)
                    : Refuse(status, suspendedBy, "Only an inactive network token can be activated.");

            case NetworkTokenAction.Suspend:
                if (status == NetworkTokenStatus.Inactive)
                {
                    return Refuse(status, suspendedBy, "An inactive network token cannot be suspended.");
                }

                return (suspendedBy & party) != 0
                    ? Refuse(status, suspendedBy, $"The network token is already suspended by the {party.WireName()}.")
                    : new(NetworkTokenStatus.Suspended, suspendedBy | party, null);

            case NetworkTokenAction.Resume:
                if ((suspendedBy & party) == 0)
                {
                    return Refuse(status, suspendedBy, $"The network token is not suspended by the {party.WireName()}.");
                }

                SuspensionParties remaining = suspendedBy & ~party;
                return new(remaining == SuspensionParties.None ? NetworkTokenStatus.Active : NetworkTokenStatus.Suspended, remaining, null);

            default:
                throw new ArgumentOutOfRangeException(nameof(action));
        }
    }

    private static LifecycleTransition Refuse(NetworkTokenStatus status, SuspensionParties suspendedBy, string reason) => new(status, suspendedBy, reason);
}
