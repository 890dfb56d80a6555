using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tests.Crypto;

public class SecretHasherTests
{
    [Fact]
    public void Hash_SameSecret_IsDeterministicAndVersioned()
    {
        string first = SecretHasher.Hash("correct horse");
        string second = SecretHasher.Hash("correct horse");

        Assert.Equal(first, second);
        Assert.StartsWith("sr1$sha256$", first, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(first["sr1$sha256$".Length..]).Length);
        Assert.DoesNotContain("correct horse", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_DifferentSecrets_Differ()
    {
        Assert.NotEqual(SecretHasher.Hash("secret-a"), SecretHasher.Hash("secret-b"));
    }

    [Fact]
    public void Verify_RightSecret_True()
    {
        string secret = SecretHasher.NewSecret();

        Assert.True(SecretHasher.Verify(secret, SecretHasher.Hash(secret)));
    }

    [Fact]
    public void Verify_WrongSecret_False()
    {
        string stored = SecretHasher.Hash("secret-a");

        Assert.False(SecretHasher.Verify("secret-b", stored));
        Assert.False(SecretHasher.Verify("", stored));
        Assert.False(SecretHasher.Verify("secret-a ", stored));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sr1$sha256$")]
    [InlineData("sr1$sha256$not-base64!")]
    [InlineData("sr1$sha256$AAAA")]
    [InlineData("sr0$sha256$47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    public void Verify_MalformedStoredHash_False(string stored)
    {
        Assert.False(SecretHasher.Verify("", stored));
    }

    [Fact]
    public void Verify_StoredHashWithoutPrefix_False()
    {
        string stored = SecretHasher.Hash("secret")["sr1$sha256$".Length..];

        Assert.False(SecretHasher.Verify("secret", stored));
    }

    [Fact]
    public void NewSecret_IsUrlSafeUniqueAndSized()
    {
        var secrets = Enumerable.Range(0, 100).Select(_ => SecretHasher.NewSecret()).ToList();

        Assert.Equal(100, secrets.Distinct(StringComparer.Ordinal).Count());
        Assert.All(secrets, s =>
        {
            Assert.Equal(43, s.Length); // 32 bytes, base64url without padding
            Assert.All(s, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not URL-safe"));
        });
        Assert.Equal(22, SecretHasher.NewSecret(16).Length);
    }
}
