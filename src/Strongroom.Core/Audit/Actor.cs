using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Audit;

/// <summary>The kinds of actor the audit log names.</summary>
public enum ActorKind
{
    /// <summary>The instance administrator (<c>x-admin-token</c>).</summary>
    Admin,

    /// <summary>A tenant's API key.</summary>
    ApiKey,

    /// <summary>A WhiteBIT signing key (named by its public key's prefix).</summary>
    SigningKey,

    /// <summary>The operator at the command line, on the vault's machine.</summary>
    Operator,

    /// <summary>The vault itself (background work nobody asked for).</summary>
    System,
}

/// <summary>
/// Who performed an audited action, as the audit log names it: <c>admin</c>, <c>api-key:&lt;key id&gt;</c>,
/// <c>signing-key:&lt;public key prefix&gt;</c>, <c>operator</c> or <c>system</c>. Never a secret: a key is named by its id
/// or by a prefix of its public half. Services that perform audited actions take one and write the entry themselves.
/// </summary>
public sealed record Actor
{
    /// <summary>How the CLI is recorded (it runs as the operator on the vault's machine).</summary>
    public const string OperatorName = "operator";

    /// <summary>How much of a WhiteBIT public key names it in the log.</summary>
    public const int SigningKeyPrefixLength = 12;

    private Actor(ActorKind kind, string name) => (Kind, Name) = (kind, name);

    public ActorKind Kind { get; }

    /// <summary>The name written to <see cref="AuditEntry.Actor"/>.</summary>
    public string Name { get; }

    public static Actor Admin { get; } = new(ActorKind.Admin, "admin");

    public static Actor Operator { get; } = new(ActorKind.Operator, OperatorName);

    public static Actor System { get; } = new(ActorKind.System, "system");

    public static Actor ApiKey(string keyId) => new(ActorKind.ApiKey, "api-key:" + keyId);

    public static Actor SigningKey(string publicKey) => new(ActorKind.SigningKey, "signing-key:" + SigningKeyPrefix(publicKey));

    /// <summary>The actor behind an authenticated caller: the admin, or the tenant API key it used.</summary>
    public static Actor Of(Principal principal) => principal.Kind == PrincipalKind.Admin ? Admin : ApiKey(principal.KeyId ?? "");

    /// <summary>The part of a public key that names it in the log (enough to tell keys apart, no more).</summary>
    public static string SigningKeyPrefix(string publicKey) => publicKey[..Math.Min(SigningKeyPrefixLength, publicKey.Length)];

    public override string ToString() => Name;
}
