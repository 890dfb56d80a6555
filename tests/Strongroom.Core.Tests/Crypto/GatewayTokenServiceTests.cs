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
    public void Issue_ThenValidate_ReturnsTheClaims()
    {
        Guid tenant = Guid.NewGuid();
        Guid key = Guid.NewGuid();

        (string token, DateTimeOffset expiresAt) = _tokens.Issue(tenant, key);
        GatewayTokenClaims? claims = _tokens.Validate(token);

        Assert.NotNull(claims);
        Assert.Equal(tenant, claims.TenantId);
        Assert.Equal(key, claims.SigningKeyId);
        Assert.Equal(_time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds(), expiresAt.ToUnixTimeSeconds());
        Assert.Contains("\"alg\":\"RS256\"", Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AfterExpiry_IsNull()
    {
        (string token, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(31));

        Assert.Null(_tokens.Validate(token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Validate_TamperedPart_IsNull(int part)
    {
        (string token, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        string[] parts = token.Split('.');
        char[] chars = parts[part].ToCharArray();
        chars[5] = chars[5] == 'A' ? 'B' : 'A';
        parts[part] = new string(chars);

        Assert.Null(_tokens.Validate(string.Join('.', parts)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not.a.jwt")]
    [InlineData("a.b")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJ0aWQiOiIxIn0.")]
    public void Validate_Garbage_IsNull(string? token) => Assert.Null(_tokens.Validate(token));

    [Fact]
    public void Validate_TokenOfAnotherInstance_IsNull()
    {
        using var other = new GatewayTokenService(_time, Options.Create(new GatewayTokenOptions()));
        (string foreign, _) = other.Issue(Guid.NewGuid(), Guid.NewGuid());

        Assert.Null(_tokens.Validate(foreign));
    }

    [Fact]
    public void Rotation_NewKeySignsNewTokens_OldTokensStillVerifyUntilTheyExpire()
    {
        (string before, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        string kidBefore = Kid(before);

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMinutes(1));
        (string lastOfOldKey, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        _time.Advance(TimeSpan.FromMinutes(2));
        (string after, _) = _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal(kidBefore, Kid(lastOfOldKey));
        Assert.NotEqual(kidBefore, Kid(after));
        Assert.NotNull(_tokens.Validate(lastOfOldKey));
        Assert.NotNull(_tokens.Validate(after));
        Assert.Equal(2, _tokens.KeyCount);

        _time.Advance(TimeSpan.FromMinutes(10));
        _tokens.Issue(Guid.NewGuid(), Guid.NewGuid());
        Assert.Equal(1, _tokens.KeyCount);
    }

    private static string Kid(string token) =>
        System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[0])).RootElement.GetProperty("kid").GetString()!;
}
