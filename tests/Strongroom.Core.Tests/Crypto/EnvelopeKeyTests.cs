using System.Security.Cryptography;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

public sealed class EnvelopeKeyTests
{
    [Fact]
    public void CallerZeroingItsKeyArray_DoesNotChangeTheKeyThePoolUses()
    {
        byte[] key = RandomNumberGenerator.GetBytes(Envelope.KeySize);
        byte[] copy = key.ToArray();
        var envelopeKey = new EnvelopeKey(key, 1);
        byte[] context = RecordContext.Create(Guid.NewGuid(), Guid.NewGuid(), RecordKind.PciToken);
        CryptographicOperations.ZeroMemory(key);

        // Many concurrent seals force the pool to build fresh contexts after the caller's array was zeroed.
        byte[][] sealedValues = [.. Enumerable.Range(0, 64).AsParallel().Select(i => envelopeKey.Seal([(byte)i, 1, 2, 3], context))];

        var reference = new EnvelopeKey(copy, 1);
        Assert.All(sealedValues, v => Assert.Equal(4, reference.Open(v, context).Length));
        Assert.ThrowsAny<CryptographicException>(() => new EnvelopeKey(new byte[Envelope.KeySize], 1).Open(sealedValues[0], context));
    }

    [Fact]
    public void AfterDrain_TheKeyCannotSealAnymore()
    {
        var envelopeKey = new EnvelopeKey(RandomNumberGenerator.GetBytes(Envelope.KeySize), 1);
        byte[] context = RecordContext.Create(Guid.NewGuid(), Guid.NewGuid(), RecordKind.PciToken);
        Assert.NotEmpty(envelopeKey.Seal([1], context));

        envelopeKey.Drain();

        Assert.Throws<ObjectDisposedException>(() => envelopeKey.Seal([1], context));
    }
}
