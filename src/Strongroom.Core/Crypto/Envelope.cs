using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Strongroom.Core.Crypto;

/// <summary>
/// The self-describing AES-256-GCM ciphertext format used for every encrypted value in the vault.
/// <code>
/// [0]      format version (1)
/// [1]      algorithm id (1 = AES-256-GCM)
/// [2..5]   key version, big-endian uint32 (which DEK or KEK version sealed it)
/// [6..17]  nonce (96 bits, random per seal)
/// [18..33] authentication tag (128 bits)
/// [34..]   ciphertext
/// </code>
/// The header bytes are part of the AAD, together with a caller-supplied context (tenant id, record id,
/// purpose), so a ciphertext cannot be moved to another record or relabelled with another key version.
/// </summary>
public static class Envelope
{
    public const byte FormatVersion = 1;
    public const byte AlgorithmAes256Gcm = 1;
    public const int HeaderSize = 6;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = HeaderSize + NonceSize + TagSize;
    public const int KeySize = 32;

    private const int MaxContextSize = 64;

    public static int SealedSize(int plaintextLength) => Overhead + plaintextLength;

    /// <summary>Encrypts <paramref name="plaintext"/> and returns the envelope bytes.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, int keyVersion, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context)
    {
        var output = new byte[SealedSize(plaintext.Length)];
        Seal(key, keyVersion, plaintext, context, output);
        return output;
    }

    public static void Seal(ReadOnlySpan<byte> key, int keyVersion, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context, Span<byte> output)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("AES-256 needs a 32-byte key.", nameof(key));
        }

        using var aes = new AesGcm(key, TagSize);
        Seal(aes, keyVersion, plaintext, context, output);
    }

    /// <summary>Seals with an existing cipher instance (see <see cref="EnvelopeKey"/>, which reuses them).</summary>
    public static void Seal(AesGcm aes, int keyVersion, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context, Span<byte> output)
    {
        output[0] = FormatVersion;
        output[1] = AlgorithmAes256Gcm;
        BinaryPrimitives.WriteUInt32BigEndian(output[2..], checked((uint)keyVersion));
        Span<byte> nonce = output.Slice(HeaderSize, NonceSize);
        NonceSource.Fill(nonce);
        Span<byte> tag = output.Slice(HeaderSize + NonceSize, TagSize);
        Span<byte> ciphertext = output[Overhead..];

        Span<byte> aad = stackalloc byte[HeaderSize + MaxContextSize];
        int aadLength = BuildAad(output[..HeaderSize], context, aad);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, aad[..aadLength]);
    }

    /// <summary>Reads the key version from the header, or throws if this is not an envelope we understand.</summary>
    public static int ReadKeyVersion(ReadOnlySpan<byte> envelope)
    {
        if (envelope.Length < Overhead || envelope[0] != FormatVersion || envelope[1] != AlgorithmAes256Gcm)
        {
            throw new CryptographicException("Unrecognised ciphertext format.");
        }

        return checked((int)BinaryPrimitives.ReadUInt32BigEndian(envelope[2..]));
    }

    public static int PlaintextSize(ReadOnlySpan<byte> envelope) => envelope.Length - Overhead;

    /// <summary>Decrypts into <paramref name="plaintext"/>; throws <see cref="CryptographicException"/> on any tampering.</summary>
    public static void Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> context, Span<byte> plaintext)
    {
        _ = ReadKeyVersion(envelope);
        using var aes = new AesGcm(key, TagSize);
        Open(aes, envelope, context, plaintext);
    }

    /// <summary>Opens with an existing cipher instance (see <see cref="EnvelopeKey"/>, which reuses them).</summary>
    public static void Open(AesGcm aes, ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> context, Span<byte> plaintext)
    {
        _ = ReadKeyVersion(envelope);
        Span<byte> aad = stackalloc byte[HeaderSize + MaxContextSize];
        int aadLength = BuildAad(envelope[..HeaderSize], context, aad);
        aes.Decrypt(
            envelope.Slice(HeaderSize, NonceSize),
            envelope[Overhead..],
            envelope.Slice(HeaderSize + NonceSize, TagSize),
            plaintext[..PlaintextSize(envelope)],
            aad[..aadLength]);
    }

    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> context)
    {
        // Validate before sizing the buffer: a truncated input must be a CryptographicException, not an overflow.
        _ = ReadKeyVersion(envelope);
        var plaintext = new byte[PlaintextSize(envelope)];
        Open(key, envelope, context, plaintext);
        return plaintext;
    }

    private static int BuildAad(ReadOnlySpan<byte> header, ReadOnlySpan<byte> context, Span<byte> aad)
    {
        if (context.Length > MaxContextSize)
        {
            throw new ArgumentException("AAD context too long.", nameof(context));
        }

        header.CopyTo(aad);
        context.CopyTo(aad[HeaderSize..]);
        return HeaderSize + context.Length;
    }
}

/// <summary>
/// Random GCM nonces from a per-thread buffer of CSPRNG output. With OpenSSL 3 one <see cref="RandomNumberGenerator"/>
/// call costs about 3 µs whatever its size (bench/Strongroom.Benchmarks, NonceOnly) — more than the AES-GCM itself — so
/// each thread draws 4 KB at a time and hands out every byte once. Nonces stay random (not counters, which would
/// collide between nodes sharing a DEK) and are public anyway: they are written into every envelope.
/// </summary>
internal static class NonceSource
{
    private const int BufferSize = 4096;

    [ThreadStatic]
    private static byte[]? t_buffer;

    [ThreadStatic]
    private static int t_offset;

    public static void Fill(Span<byte> nonce)
    {
        byte[]? buffer = t_buffer;
        if (buffer is null || t_offset + nonce.Length > BufferSize)
        {
            buffer ??= t_buffer = new byte[BufferSize];
            RandomNumberGenerator.Fill(buffer);
            t_offset = 0;
        }

        Span<byte> source = buffer.AsSpan(t_offset, nonce.Length);
        source.CopyTo(nonce);
        source.Clear(); // used once: never handed out again
        t_offset += nonce.Length;
    }
}
