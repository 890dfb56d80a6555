using Strongroom.Core.Crypto;
using Strongroom.Core.Cards;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Tokens;

public class CardBlobTests
{
    private static readonly DateTimeOffset Now = ManualClock.DefaultStart;

    [Theory]
    [InlineData(TestCards.Visa, "Ada Lovelace")]
    [InlineData(TestCards.Amex, "Zoë Łukasiewicz-Ørsted 山田")]
    [InlineData(TestCards.DinersClub14, null)]
    public void EncodeDecode_RoundTripsNameAndPan(string pan, string? name)
    {
        ValidCard card = TestCards.Valid(pan, Now, cardholderName: name);

        byte[] blob = CardBlob.Encode(card);

        Assert.Equal(1, blob[0]);
        Assert.Equal(pan.Length, blob[1]);
        Assert.Equal(name, CardBlob.DecodeCardholderName(blob));
        Assert.Equal(pan, CardBlob.DecodePan(blob).Reveal());
    }

    [Fact]
    public void Decode_UnknownBlobVersion_Throws()
    {
        byte[] blob = CardBlob.Encode(TestCards.Valid(TestCards.Visa, Now));
        blob[0] = 2;

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => CardBlob.DecodeCardholderName(blob));
    }
}

public class TokenMetadataTests
{
    [Fact]
    public void Validate_ValueWithPan_Refused()
    {
        var errors = new List<MetadataError>();

        TokenMetadata.Validate(new Dictionary<string, string> { ["note"] = "card 4111 1111 1111 1111" }, errors);

        MetadataError error = Assert.Single(errors);
        Assert.Equal("note", error.Key);
        Assert.DoesNotContain("4111", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OrdinaryValues_Accepted()
    {
        var errors = new List<MetadataError>();

        TokenMetadata.Validate(new Dictionary<string, string> { ["order"] = "4000123456789012", ["customer"] = "c_42" }, errors);

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_TooManyPairsAndLongKeysAndValues_Refused()
    {
        var metadata = Enumerable.Range(0, TokenMetadata.MaxPairs + 1).ToDictionary(i => $"k{i}", i => "v");
        metadata["this-key-is-longer-than-20"] = new string('v', TokenMetadata.MaxValueLength + 1);
        var errors = new List<MetadataError>();

        TokenMetadata.Validate(metadata, errors);

        Assert.Contains(errors, e => e.Key is null);
        Assert.Contains(errors, e => e.Key == "this-key-is-longer-than-20" && e.Message.Contains("keys", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Key == "this-key-is-longer-than-20" && e.Message.Contains("values", StringComparison.Ordinal));
    }

    [Fact]
    public void SerializeDeserialize_RoundTrips()
    {
        var metadata = new Dictionary<string, string> { ["order"] = "A-1001", ["ünïcode"] = "✓" };

        string? json = TokenMetadata.Serialize(metadata);

        Assert.NotNull(json);
        Assert.Equal(metadata, TokenMetadata.Deserialize(json));
    }

    [Fact]
    public void Serialize_NullOrEmpty_IsNull()
    {
        Assert.Null(TokenMetadata.Serialize(null));
        Assert.Null(TokenMetadata.Serialize(new Dictionary<string, string>()));
        Assert.Null(TokenMetadata.Deserialize(null));
    }
}
