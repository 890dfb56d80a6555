using System.Globalization;
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

    /// <summary>How often a running node re-reads the stored token hash, so a <c>strongroom admin reset-token</c> takes effect.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Verifies <c>x-admin-token</c>, generates the token on first start, and replaces a lost one
/// (<see cref="ResetAsync"/>, run by the operator on the vault's machine); running nodes pick a reset up at their next
/// <see cref="RefreshAsync"/>.
/// </summary>
public sealed partial class AdminTokenService(ISettingsStore store, IOptions<AdminOptions> options, ILogger<AdminTokenService> logger)
{
    public const string SettingName = "admin_token_hash";
    public const string Prefix = "sra_";

    /// <summary>
    /// A reset token's hash, as <c>order:hash</c>: the first start's <see cref="SettingName"/> is written once (first node
    /// wins), a reset supersedes it here, and the newest reset wins (<see cref="ISettingsStore.SetSettingIfNewerAsync"/>).
    /// </summary>
    public const string ResetSettingName = "admin_token_reset";

    private volatile string? _storedHash;

    /// <summary>True when the token comes from configuration (<c>Strongroom:Admin:Token</c>); the store's token is then unused.</summary>
    public bool IsConfigured => !string.IsNullOrEmpty(options.Value.Token);

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

        _storedHash = await LoadStoredHashAsync(cancellationToken);
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

    /// <summary>
    /// Replaces the stored admin token with a new one and returns it (the caller shows it once; only its hash is kept).
    /// Every node accepts it, and stops accepting the old one, within <see cref="AdminOptions.RefreshInterval"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The token is configured (<c>Strongroom:Admin:Token</c>): change it there.</exception>
    public async Task<string> ResetAsync(CancellationToken cancellationToken)
    {
        if (IsConfigured)
        {
            throw new InvalidOperationException("The admin token is configured (Strongroom:Admin:Token); change it there instead.");
        }

        string token = Prefix + SecretHasher.NewSecret();
        string hash = SecretHasher.Hash(token);

        // Wall-clock ticks order resets: an operator action, rare, and the newest must win on every engine.
        long order = DateTimeOffset.UtcNow.UtcTicks;
        await store.SetSettingIfNewerAsync(ResetSettingName, string.Create(CultureInfo.InvariantCulture, $"{order}:{hash}"), order, cancellationToken);
        _storedHash = await LoadStoredHashAsync(cancellationToken);
        LogReset(logger);
        return token;
    }

    /// <summary>Re-reads the stored token hash (a reset on another machine); a configured token never changes.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (IsConfigured)
        {
            return;
        }

        if (await LoadStoredHashAsync(cancellationToken) is { } hash)
        {
            _storedHash = hash;
        }
    }

    private async Task<string?> LoadStoredHashAsync(CancellationToken cancellationToken)
    {
        if (await store.GetSettingAsync(ResetSettingName, cancellationToken) is { } reset)
        {
            int separator = reset.IndexOf(':', StringComparison.Ordinal);
            return separator < 0 ? null : reset[(separator + 1)..];
        }

        return await store.GetSettingAsync(SettingName, cancellationToken);
    }

    public bool Verify(string? presented) =>
        presented is not null && _storedHash is not null && presented.Length <= 200 && SecretHasher.Verify(presented, _storedHash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated the instance admin token; it is printed once on the console and only its hash is stored")]
    private static partial void LogGenerated(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The instance admin token was reset; the previous token stops working on every node within the refresh interval")]
    private static partial void LogReset(ILogger logger);
}
