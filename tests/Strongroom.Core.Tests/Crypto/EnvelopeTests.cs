using System.Security.Cryptography;
using System.Text;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

public class EnvelopeTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(Envelope.KeySize);
    private static readonly byte[] Context = RecordContext.Create(Guid.NewGuid(), Guid.NewGuid(), RecordKind.PciToken);
    private static readonly byte[] Plaintext = Encoding.ASCII.GetBytes("4111111111111111|Ada Lovelace");

    [Fact]
    public void Seal_Open_RoundTrips()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 3, Plaintext, Context);

        byte[] opened = Envelope.Open(Key, sealedBytes, Context);

        Assert.Equal(Plaintext, opened);
    }

    [Fact]
    public void Seal_EmptyPlaintext_RoundTrips()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, [], Context);

        Assert.Equal(Envelope.Overhead, sealedBytes.Length);
        Assert.Empty(Envelope.Open(Key, sealedBytes, Context));
    }

    [Fact]
    public void Seal_WritesVersionedHeaderWithBigEndianKeyVersion()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 0x01020304, Plaintext, Context);

        Assert.Equal(Envelope.SealedSize(Plaintext.Length), sealedBytes.Length);
        Assert.Equal(Envelope.FormatVersion, sealedBytes[0]);
        Assert.Equal(Envelope.AlgorithmAes256Gcm, sealedBytes[1]);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, sealedBytes[2..6]);
        Assert.Equal(0x01020304, Envelope.ReadKeyVersion(sealedBytes));
        Assert.Equal(Plaintext.Length, Envelope.PlaintextSize(sealedBytes));
    }

    [Fact]
    public void Seal_SamePlaintextTwice_UsesFreshNonceAndDiffers()
    {
        byte[] first = Envelope.Seal(Key, 1, Plaintext, Context);
        byte[] second = Envelope.Seal(Key, 1, Plaintext, Context);

        Assert.NotEqual(first.AsSpan(Envelope.HeaderSize, Envelope.NonceSize).ToArray(), second.AsSpan(Envelope.HeaderSize, Envelope.NonceSize).ToArray());
        Assert.NotEqual(first[Envelope.Overhead..], second[Envelope.Overhead..]);
    }

    [Fact]
    public void Seal_CiphertextDoesNotContainPlaintext()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);

        Assert.True(sealedBytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes("4111111111111111")) < 0);
    }

    [Fact]
    public void Open_AnySingleByteTampered_Throws()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 2, Plaintext, Context);

        for (int i = 0; i < sealedBytes.Length; i++)
        {
            byte[] tampered = (byte[])sealedBytes.Clone();
            tampered[i] ^= 0x01;

            Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(Key, tampered, Context));
        }
    }

    [Fact]
    public void Open_KeyVersionRelabelled_Throws()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);
        sealedBytes[5] = 2; // claim another key version: the header is in the AAD

        Assert.Equal(2, Envelope.ReadKeyVersion(sealedBytes));
        Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(Key, sealedBytes, Context));
    }

    [Fact]
    public void Open_Truncated_Throws()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);

        Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(Key, sealedBytes.AsSpan(0, sealedBytes.Length - 1), Context));
    }

    [Fact]
    public void Open_ShorterThanHeaderAndTag_ThrowsUnrecognised()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);
        var plaintext = new byte[Plaintext.Length];

        // Both overloads validate the header before sizing or writing anything.
        Assert.Throws<CryptographicException>(() => Envelope.Open(Key, sealedBytes.AsSpan(0, Envelope.Overhead - 1), Context, plaintext));
        Assert.Throws<CryptographicException>(() => Envelope.Open(Key, [], Context, plaintext));
        Assert.Throws<CryptographicException>(() => Envelope.Open(Key, sealedBytes.AsSpan(0, Envelope.Overhead - 1), Context));
        Assert.Throws<CryptographicException>(() => Envelope.Open(Key, [], Context));
    }

    [Fact]
    public void Open_WrongContext_Throws()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);
        byte[] otherRecord = RecordContext.Create(Guid.NewGuid(), Guid.NewGuid(), RecordKind.PciToken);

        Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(Key, sealedBytes, otherRecord));
        Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(Key, sealedBytes, []));
    }

    [Fact]
    public void Open_SameIdsOtherRecordKind_Throws()
    {
        Guid tenant = Guid.NewGuid();
        Guid record = Guid.NewGuid();
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, RecordContext.Create(tenant, record, RecordKind.PciToken));

        Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(Key, sealedBytes, RecordContext.Create(tenant, record, RecordKind.IdempotentResponse)));
    }

    [Fact]
    public void Open_WrongKey_Throws()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);
        byte[] otherKey = RandomNumberGenerator.GetBytes(Envelope.KeySize);

        Assert.ThrowsAny<CryptographicException>(() => Envelope.Open(otherKey, sealedBytes, Context));
    }

    [Fact]
    public void Open_UnknownFormatVersion_ThrowsUnrecognised()
    {
        byte[] sealedBytes = Envelope.Seal(Key, 1, Plaintext, Context);
        sealedBytes[0] = 2;

        var exception = Assert.Throws<CryptographicException>(() => Envelope.ReadKeyVersion(sealedBytes));
        Assert.Equal("Unrecognised ciphertext format.", exception.Message);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void Seal_KeyNotThirtyTwoBytes_Throws(int keySize)
    {
        Assert.Throws<ArgumentException>(() => Envelope.Seal(new byte[keySize], 1, Plaintext, Context));
    }

    [Fact]
    public void Seal_ContextLongerThanSixtyFourBytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => Envelope.Seal(Key, 1, Plaintext, new byte[65]));
    }

    [Fact]
    public void Seal_NegativeKeyVersion_Throws()
    {
        Assert.Throws<OverflowException>(() => Envelope.Seal(Key, -1, Plaintext, Context));
    }

    [Fact]
    public void RecordContext_EncodesKindTenantAndRecord()
    {
        Guid tenant = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        Guid record = Guid.Parse("ffeeddcc-bbaa-9988-7766-554433221100");

        byte[] context = RecordContext.Create(tenant, record, RecordKind.EphemeralCvc);

        Assert.Equal(RecordContext.Size, context.Length);
        Assert.Equal((byte)RecordKind.EphemeralCvc, context[0]);
        Assert.Equal(Convert.FromHexString("00112233445566778899aabbccddeeff"), context.AsSpan(1, 16).ToArray());
        Assert.Equal(Convert.FromHexString("ffeeddccbbaa99887766554433221100"), context.AsSpan(17, 16).ToArray());
    }
}
