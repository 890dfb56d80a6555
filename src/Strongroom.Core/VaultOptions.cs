using System.ComponentModel.DataAnnotations;

namespace Strongroom.Core;

/// <summary>Vault-wide behaviour (section <c>Strongroom:Vault</c>).</summary>
public sealed class VaultOptions
{
    public const string Section = "Strongroom:Vault";

    /// <summary>How long a security code stays in the ephemeral store. PCI DSS allows it only until authorization.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SecurityCodeTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a card-entry session may stay open.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan SessionTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed completion attempts (invalid card data) after which a session locks; guards the hosted form against card testing.</summary>
    [Range(1, 100)]
    public int SessionMaxFailedAttempts { get; set; } = 5;

    /// <summary>How long a finished or expired session stays readable (its status and resulting token) before the sweeper erases it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SessionRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a single-use card token (Tap dialect, <c>tok_…</c>) can be used.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan SingleUseTokenTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a network-token cryptogram (or its reference) can be used.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan CryptogramTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an idempotency key remembers its first response.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan IdempotencyKeyTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A reservation older than this is treated as abandoned (its request crashed, or its node is gone) and a retry may take it
    /// over. Short on purpose: a change commits together with its completed key, so a slow request that lost its reservation
    /// rolls back rather than writing a second token; the cost of a too-early takeover is one 409 to a client that already retried.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdempotencyReservationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a node trusts its unwrapped tenant keys before re-reading them (bounds how stale a rotated DEK can be).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a node keeps a credential record (API key, signing key, tenant) it looked up. Revocations reach every node at once
    /// through the store's NOTIFY or Redis; this lifetime is the bound when such a message is lost. Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CredentialCacheLifetime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many credential records are cached per node; beyond it, records are served without being cached.</summary>
    [Range(0, 1_000_000)]
    public int CredentialCacheSize { get; set; } = 10_000;

    /// <summary>
    /// How long delivered events stay listable (GET /api/webhooks/events) and redeliverable before the sweeper erases them.
    /// Network token events are kept with their token; events with a pending delivery are kept until it ends.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the sweeper erases expired tokens, sessions and idempotency keys.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
