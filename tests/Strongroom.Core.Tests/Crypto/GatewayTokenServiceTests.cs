using System.Text;
using Microsoft.Extensions.Options;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Crypto;

public sealed class GatewayTokenServiceTests : IDisposable
{
    private readonly ManualClock _time = new();
    private readonly GatewayTokenService _tokens;

    public GatewayTokenServiceTests()
    {
        _tokens = new GatewayTokenService(_time, Options.Create(new GatewayTokenOptions { TokenLifetime = TimeSpan.FromMinutes(5), KeyRotation = TimeSpan.FromHours(1) }));
    }

    public void Dispose() => _tokens.Dispose();

    [Fact]
    public async Task Issue_ThenValidate_ReturnsTheClaims()
    {
        Guid tenant = Guid.NewGuid();
        Guid key = Guid.NewGuid();

        (string token, DateTimeOffset expiresAt) = _tokens.Issue(tenant, key);
        GatewayTokenClaims? claims = await _tokens.ValidateAsync(token);

        Assert.NotNull(claims);
        Assert.Equal(tenant, claims.TenantId);
        Assert.Equal(key, claims.SigningKeyId);
        Assert.Equal(_time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds(), expiresAt.ToUnixTimeSeconds());
        Assert.Contains("\"alg\":\"RS256\"", Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AfterExpiry_IsNull()
    {
        (string token, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(31));

        Assert.Null(await _tokens.ValidateAsync(token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Validate_TamperedPart_IsNull(int part)
    {
        (string token, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        string[] parts = token.Split('.');
        char[] chars = parts[part].ToCharArray();
        chars[5] = chars[5] == 'A' ? 'B' : 'A';
        parts[part] = new string(chars);

        Assert.Null(await _tokens.ValidateAsync(string.Join('.', parts)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not.a.jwt")]
    [InlineData("a.b")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJ0aWQiOiIxIn0.")]
    public async Task Validate_Garbage_IsNull(string? token) => Assert.Null(await _tokens.ValidateAsync(token));

    [Fact]
    public async Task Validate_TokenOfAnotherInstance_IsNull()
    {
        using var other = new GatewayTokenService(_time, Options.Create(new GatewayTokenOptions()));
        (string foreign, _) = other.Issue(Guid.NewGuid(), Guid.NewGuid());

        Assert.Null(await _tokens.ValidateAsync(foreign));
    }

    [Fact]
    public async Task Rotation_NewKeySignsNewTokens_OldTokensStillVerifyUntilTheyExpire()
    {
        (string before, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        string kidBefore = Kid(before);

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMinutes(1));
        (string lastOfOldKey, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        _time.Advance(TimeSpan.FromMinutes(2));
        (string after, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal(kidBefore, Kid(lastOfOldKey));
        Assert.NotEqual(kidBefore, Kid(after));
        Assert.NotNull(await _tokens.ValidateAsync(lastOfOldKey));
        Assert.NotNull(await _tokens.ValidateAsync(after));
        Assert.Equal(2, _tokens.KeyCount);

        _time.Advance(TimeSpan.FromMinutes(10));
        _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        Assert.Equal(1, _tokens.KeyCount);
    }

    [Fact]
    public async Task Validate_AnotherAlgorithmWithTheRightKid_IsNull()
    {
        // Algorithm confusion: HS256 "signed" with something public (here the kid itself) must not pass for RS256.
        (string token, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        string kid = Kid(token);
        string header = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"alg\":\"HS256\",\"kid\":\"{kid}\",\"typ\":\"JWT\"}}"));
        string input = header + "." + token.Split('.')[1];
        string signature = System.Buffers.Text.Base64Url.EncodeToString(
            System.Security.Cryptography.HMACSHA256.HashData(Encoding.ASCII.GetBytes(kid), Encoding.ASCII.GetBytes(input)));

        Assert.Null(await _tokens.ValidateAsync(input + "." + signature));
    }

    [Fact]
    public async Task Validate_IssuedInTheFuture_IsNull_WithinTheSkew_IsAccepted()
    {
        DateTimeOffset now = _time.GetUtcNow();
        _time.SetUtcNow(now.AddMinutes(2));
        (string farAhead, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        _time.SetUtcNow(now.AddSeconds(20));
        (string slightlyAhead, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        _time.SetUtcNow(now);

        Assert.Null(await _tokens.ValidateAsync(farAhead));
        Assert.NotNull(await _tokens.ValidateAsync(slightlyAhead));
    }

    [Fact]
    public async Task Validate_WithinTheSkewAfterExpiry_IsAccepted()
    {
        (string token, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(29));

        Assert.NotNull(await _tokens.ValidateAsync(token));
    }

    private static string Kid(string token) =>
        System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;
}
