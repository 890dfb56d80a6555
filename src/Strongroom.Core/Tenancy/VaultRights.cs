namespace Strongroom.Core.Tenancy;

/// <summary>
/// What a principal may do. Every dialect maps its own key types and scopes onto these rights, so
/// authorization is decided once, in the core's terms.
/// </summary>
[Flags]
public enum VaultRights
{
    None = 0,

    /// <summary>Create tokens (and sessions that create tokens).</summary>
    TokensCreate = 1 << 0,

    /// <summary>Read masked token data, list tokens, read security-code availability.</summary>
    TokensRead = 1 << 1,

    /// <summary>Delete tokens and their ephemeral security codes.</summary>
    TokensDelete = 1 << 2,

    /// <summary>Move card data out of the vault (forwarding, reveal, cryptograms). Never granted by default.</summary>
    DataOut = 1 << 3,

    /// <summary>Instance administration: tenants and API keys.</summary>
    Admin = 1 << 4,

    /// <summary>Manage the caller's own account: create and list sub-accounts and their API keys.</summary>
    AccountManage = 1 << 5,

    /// <summary>What a new API key gets unless the caller narrows or widens it.</summary>
    DefaultApiKey = TokensCreate | TokensRead | TokensDelete,

    All = TokensCreate | TokensRead | TokensDelete | DataOut | Admin | AccountManage,
}

/// <summary>The wire names of rights, used by API key scopes and the CLI.</summary>
public static class VaultRightNames
{
    private static readonly (string Name, VaultRights Right)[] Names =
    [
        ("tokens:create", VaultRights.TokensCreate),
        ("tokens:read", VaultRights.TokensRead),
        ("tokens:delete", VaultRights.TokensDelete),
        ("data:out", VaultRights.DataOut),
    ];

    public static IEnumerable<string> All => Names.Select(n => n.Name);

    public static bool TryParse(string name, out VaultRights right)
    {
        foreach ((string n, VaultRights r) in Names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                right = r;
                return true;
            }
        }

        right = VaultRights.None;
        return false;
    }

    public static IReadOnlyList<string> ToNames(VaultRights rights) =>
        Names.Where(n => rights.HasFlag(n.Right)).Select(n => n.Name).ToList();
}
