using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Crypto;

/// <summary>
/// The sealed form of a card, shared by every record kind that stores one (PCI, network, single-use and fiat-gateway
/// tokens): one binary encoding of PAN and cardholder name, sealed under the tenant's DEK for the record, and the
/// keyed PAN fingerprint computed from the same bytes, so one card has one fingerprint per tenant whatever holds it.
/// </summary>
internal static class CardBlob
{
    private const byte BlobVersion = 1;

    /// <summary>Domain of PAN fingerprints: the same for every record kind.</summary>
    private const string FingerprintDomain = "pan-fingerprint/v1";

    /// <summary>
    /// Seals a card for a record of <paramref name="kind"/> and computes its PAN fingerprint, from one
    /// encoding of the card that is zeroed afterwards. Every token kind that stores a PAN goes through here.
    /// </summary>
    internal static (byte[] Ciphertext, byte[] Fingerprint) Seal(TenantKeySet keys, RecordKind kind, Guid recordId, ValidCard card)
    {
        // On the stack (a validated card's blob is at most 4 + 19 + 400 bytes): nothing but the two results is allocated.
        int size = 4 + card.Pan.Length + Encoding.UTF8.GetByteCount(card.CardholderName ?? "");
        Span<byte> plaintext = size <= MaxCardBlobSize ? stackalloc byte[MaxCardBlobSize] : new byte[size];
        plaintext = plaintext[..Encode(card, plaintext)];
        try
        {
            return (keys.Seal(kind, recordId, plaintext), keys.KeyedDigest(FingerprintDomain, plaintext.Slice(2, card.Pan.Length)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The largest card blob: the longest PAN and a cardholder name of 100 characters, 4 UTF-8 bytes each.</summary>
    private const int MaxCardBlobSize = 4 + Pan.MaxLength + (4 * CardValidator.MaxCardholderNameLength);

    /// <summary>Writes the card blob (see <see cref="Encode(ValidCard)"/>) into <paramref name="destination"/>; returns its length.</summary>
    internal static int Encode(ValidCard card, Span<byte> destination)
    {
        string name = card.CardholderName ?? "";
        int nameBytes = Encoding.UTF8.GetByteCount(name);
        destination[0] = BlobVersion;
        destination[1] = (byte)card.Pan.Length;
        card.Pan.CopyAsciiTo(destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(2 + card.Pan.Length)..], checked((ushort)nameBytes));
        Encoding.UTF8.GetBytes(name, destination[(4 + card.Pan.Length)..]);
        return 4 + card.Pan.Length + nameBytes;
    }

    /// <summary>
    /// The sealed plaintext of a token: <c>[version][pan length][pan ascii][name length u16 BE][name utf-8]</c>.
    /// A fixed binary layout (not JSON) so the PAN never passes through a string builder or serializer.
    /// </summary>
    internal static byte[] Encode(ValidCard card)
    {
        string name = card.CardholderName ?? "";
        int nameBytes = Encoding.UTF8.GetByteCount(name);
        var blob = new byte[2 + card.Pan.Length + 2 + nameBytes];
        blob[0] = BlobVersion;
        blob[1] = (byte)card.Pan.Length;
        card.Pan.CopyAsciiTo(blob.AsSpan(2));
        BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(2 + card.Pan.Length), checked((ushort)nameBytes));
        Encoding.UTF8.GetBytes(name, blob.AsSpan(4 + card.Pan.Length));
        return blob;
    }

    internal static string? DecodeCardholderName(ReadOnlySpan<byte> blob)
    {
        if (blob[0] != BlobVersion)
        {
            throw new CryptographicException("Unknown card blob version.");
        }

        int panLength = blob[1];
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(blob[(2 + panLength)..]);
        return nameLength == 0 ? null : Encoding.UTF8.GetString(blob.Slice(4 + panLength, nameLength));
    }

    /// <summary>Decodes the PAN from a card blob. Only deliberate data-out paths use this.</summary>
    internal static Pan DecodePan(ReadOnlySpan<byte> blob) => Pan.FromTrusted(Encoding.ASCII.GetString(blob.Slice(2, blob[1])));
}
