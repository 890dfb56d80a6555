using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tenancy;

/// <summary>Where the instance admin token comes from (section <c>Strongroom:Admin</c>).</summary>
public sealed class AdminOptions
{
    public const string Section = "Strongroom:Admin";

    /// <summary>
    /// A fixed admin token from configuration (e.g. a secret mounted as an environment variable).
    /// When empty, a token is generated at first start, printed once, and only its hash is kept.
    /// </summary>
    public string? Token { get; set; }
}

/// <summary>Verifies <c>x-admin-token</c> and generates the token on first start.</summary>
public sealed partial class AdminTokenService(ISettingsStore store, IOptions<AdminOptions> options, ILogger<AdminTokenService> logger)
{
    public const string SettingName = "admin_token_hash";
    public const string Prefix = "sra_";

    private string? _storedHash;

    /// <summary>
    /// Makes sure an admin token exists. Returns the new token when this call generated it (the caller
    /// prints it once); null when it is configured or was generated earlier.
    /// </summary>
    public async Task<string?> EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(options.Value.Token))
        {
            _storedHash = SecretHasher.Hash(options.Value.Token);
            return null;
        }

        _storedHash = await store.GetSettingAsync(SettingName, cancellationToken);
        if (_storedHash is not null)
        {
            return null;
        }

        string token = Prefix + SecretHasher.NewSecret();
        string hash = SecretHasher.Hash(token);
        if (await store.TryAddSettingAsync(SettingName, hash, cancellationToken))
        {
            _storedHash = hash;
            LogGenerated(logger);
            return token;
        }

        // Another node initialised the same database first; its token stands.
        _storedHash = await store.GetSettingAsync(SettingName, cancellationToken);
        return null;
    }

    public bool Verify(string? presented) =>
        presented is not null && _storedHash is not null && presented.Length <= 200 && SecretHasher.Verify(presented, _storedHash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated the instance admin token; it is printed once on the console and only its hash is stored")]
    private static partial void LogGenerated(ILogger logger);
}
