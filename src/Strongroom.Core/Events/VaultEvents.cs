using System.Buffers;
using System.Text;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Events;

/// <summary>
/// Builds the outbox events of the non-network-token resources. Each payload names the resource and what a
/// receiver needs to act on it (ids, scheme, last four, expiry, status); never a PAN, a security code, metadata
/// values or a secret, because webhook bodies leave the vault.
/// </summary>
internal static class VaultEvents
{
    public static VaultEvent PciTokenCreated(PciTokenRecord token) =>
        New(token.TenantId, VaultEventTypes.PciTokenCreated, token.Id.ToString(), token.CreatedAt, w =>
        {
            w.WriteString("pci_token_id", token.Id);
            w.WriteString("scheme", token.Scheme.WireName());
            w.WriteString("last4", token.LastFour);
            w.WriteNumber("expiry_month", token.ExpiryMonth);
            w.WriteNumber("expiry_year", token.ExpiryYear);
            if (token.ExpiresAt is DateTimeOffset expiresAt)
            {
                w.WriteString("expires_at", expiresAt);
            }
        });

    public static VaultEvent PciTokenDeleted(Guid tenantId, Guid tokenId, DateTimeOffset now) =>
        New(tenantId, VaultEventTypes.PciTokenDeleted, tokenId.ToString(), now, w => w.WriteString("pci_token_id", tokenId));

    public static VaultEvent PciTokenExpired(Guid tenantId, Guid tokenId, DateTimeOffset now) =>
        New(tenantId, VaultEventTypes.PciTokenExpired, tokenId.ToString(), now, w => w.WriteString("pci_token_id", tokenId));

    /// <summary>A session completed; <paramref name="tokenField"/> names what it produced or refreshed (<c>pci_token_id</c>, <c>network_token_id</c>).</summary>
    public static VaultEvent SessionCompleted(Guid tenantId, Guid sessionId, SessionKind kind, string tokenField, Guid tokenId, DateTimeOffset now) =>
        New(tenantId, VaultEventTypes.SessionCompleted, sessionId.ToString(), now, w =>
        {
            w.WriteString("session_id", sessionId);
            w.WriteString("kind", KindName(kind));
            w.WriteString(tokenField, tokenId);
        });

    public static VaultEvent SessionExpired(SessionRecord session, DateTimeOffset now) =>
        New(session.TenantId, VaultEventTypes.SessionExpired, session.Id.ToString(), now, w =>
        {
            w.WriteString("session_id", session.Id);
            w.WriteString("kind", KindName(session.Kind));
            w.WriteString("expired_at", session.ExpiresAt);
        });

    /// <summary>A single-use card token (<c>tok_…</c>) was used up, into a PCI token or by a forward.</summary>
    public static VaultEvent CardTokenUsed(Guid tenantId, string publicId, string usedBy, Guid? pciTokenId, DateTimeOffset now) =>
        New(tenantId, VaultEventTypes.CardTokenUsed, publicId, now, w =>
        {
            w.WriteString("card_token_id", publicId);
            w.WriteString("used_by", usedBy);
            if (pciTokenId is Guid id)
            {
                w.WriteString("pci_token_id", id);
            }
        });

    /// <summary>An API key or a signing key (<paramref name="kind"/>) was created.</summary>
    public static VaultEvent ApiKeyCreated(Guid tenantId, string keyId, string kind, string? name, DateTimeOffset now) =>
        New(tenantId, VaultEventTypes.ApiKeyCreated, keyId, now, w =>
        {
            w.WriteString("api_key_id", keyId);
            w.WriteString("kind", kind);
            if (name is not null)
            {
                w.WriteString("name", name);
            }
        });

    public static VaultEvent ApiKeyDeleted(Guid tenantId, string keyId, string kind, DateTimeOffset now) =>
        New(tenantId, VaultEventTypes.ApiKeyDeleted, keyId, now, w =>
        {
            w.WriteString("api_key_id", keyId);
            w.WriteString("kind", kind);
        });

    public static string KindName(SessionKind kind) => kind switch
    {
        SessionKind.PciToken => "pci_token",
        SessionKind.NetworkToken => "network_token",
        _ => "security_code",
    };

    private static VaultEvent New(Guid tenantId, string type, string subjectId, DateTimeOffset now, Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }

        return new VaultEvent(Guid.CreateVersion7(now), tenantId, type, subjectId, Encoding.UTF8.GetString(buffer.WrittenSpan), now);
    }
}
