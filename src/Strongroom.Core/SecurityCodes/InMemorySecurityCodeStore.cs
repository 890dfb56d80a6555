using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.SecurityCodes;

/// <summary>
/// Process-local security-code store. Codes are sealed with a key generated at start-up that never
/// leaves this process, so even a heap dump or swapped page shows only ciphertext, and a restart
/// forgets every code (as PCI DSS wants).
/// </summary>
public sealed class InMemorySecurityCodeStore(TimeProvider time) : ISecurityCodeStore, IDisposable
{
    private readonly ConcurrentDictionary<(Guid TenantId, Guid TokenId), Entry> _entries = new();
    private readonly byte[] _processKeyBytes = RandomNumberGenerator.GetBytes(Envelope.KeySize);
    private EnvelopeKey? _processKeyCipher;

    private EnvelopeKey _processKey => _processKeyCipher ??= new EnvelopeKey(_processKeyBytes, 1);

    public int Count => _entries.Count;

    public void Put(Guid tenantId, Guid tokenId, string securityCode, TimeSpan ttl)
    {
        Span<byte> plaintext = stackalloc byte[8];
        int length = Encoding.ASCII.GetBytes(securityCode, plaintext);
        Span<byte> context = stackalloc byte[RecordContext.Size];
        RecordContext.Write(tenantId, tokenId, RecordKind.EphemeralCvc, context);
        byte[] sealedCode = _processKey.Seal(plaintext[..length], context);
        CryptographicOperations.ZeroMemory(plaintext);
        _entries[(tenantId, tokenId)] = new Entry(sealedCode, time.GetUtcNow() + ttl);
    }

    public bool Contains(Guid tenantId, Guid tokenId) => TryGetLive(tenantId, tokenId, out _);

    public string? Read(Guid tenantId, Guid tokenId)
    {
        if (!TryGetLive(tenantId, tokenId, out Entry? entry))
        {
            return null;
        }

        byte[] plaintext = _processKey.Open(entry.Sealed, RecordContext.Create(tenantId, tokenId, RecordKind.EphemeralCvc));
        try
        {
            return Encoding.ASCII.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public bool Remove(Guid tenantId, Guid tokenId)
    {
        if (_entries.TryRemove((tenantId, tokenId), out Entry? entry))
        {
            CryptographicOperations.ZeroMemory(entry.Sealed);
            return true;
        }

        return false;
    }

    public int RemoveTenant(Guid tenantId)
    {
        int removed = 0;
        foreach (KeyValuePair<(Guid TenantId, Guid TokenId), Entry> pair in _entries)
        {
            if (pair.Key.TenantId == tenantId && _entries.TryRemove(pair))
            {
                removed++;
            }
        }

        return removed;
    }

    public int RemoveExpired()
    {
        DateTimeOffset now = time.GetUtcNow();
        int removed = 0;
        foreach (KeyValuePair<(Guid TenantId, Guid TokenId), Entry> pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now && _entries.TryRemove(pair))
            {
                CryptographicOperations.ZeroMemory(pair.Value.Sealed);
                removed++;
            }
        }

        return removed;
    }

    public void Dispose()
    {
        _processKeyCipher?.Drain();
        CryptographicOperations.ZeroMemory(_processKeyBytes);
    }

    private bool TryGetLive(Guid tenantId, Guid tokenId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Entry? entry)
    {
        if (_entries.TryGetValue((tenantId, tokenId), out entry))
        {
            if (entry.ExpiresAt > time.GetUtcNow())
            {
                return true;
            }

            Remove(tenantId, tokenId);
        }

        entry = null;
        return false;
    }

    private sealed record Entry(byte[] Sealed, DateTimeOffset ExpiresAt);
}
