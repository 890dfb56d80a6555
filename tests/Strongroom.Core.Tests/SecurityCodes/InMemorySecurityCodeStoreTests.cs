using Strongroom.Core.SecurityCodes;

namespace Strongroom.Core.Tests.SecurityCodes;

public sealed class InMemorySecurityCodeStoreTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    private readonly ManualClock _time = new();
    private readonly InMemorySecurityCodeStore _store;
    private readonly Guid _tenant = Guid.NewGuid();
    private readonly Guid _token = Guid.NewGuid();

    public InMemorySecurityCodeStoreTests()
    {
        _store = new InMemorySecurityCodeStore(_time);
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void PutRead_BeforeTtl_ReturnsCode()
    {
        _store.Put(_tenant, _token, "123", Ttl);

        Assert.True(_store.Contains(_tenant, _token));
        Assert.Equal("123", _store.Read(_tenant, _token));
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public void Read_JustBeforeTtl_StillThere()
    {
        _store.Put(_tenant, _token, "8642", Ttl);

        _time.Advance(Ttl - TimeSpan.FromMilliseconds(1));

        Assert.Equal("8642", _store.Read(_tenant, _token));
    }

    [Fact]
    public void Read_AtTtl_GoneAndEvicted()
    {
        _store.Put(_tenant, _token, "123", Ttl);

        _time.Advance(Ttl);

        Assert.Null(_store.Read(_tenant, _token));
        Assert.False(_store.Contains(_tenant, _token));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public void Read_OtherTenantOrToken_Null()
    {
        _store.Put(_tenant, _token, "123", Ttl);

        Assert.Null(_store.Read(Guid.NewGuid(), _token));
        Assert.Null(_store.Read(_tenant, Guid.NewGuid()));
        Assert.False(_store.Contains(Guid.NewGuid(), _token));
    }

    [Fact]
    public void Put_SameToken_ReplacesCodeAndTtl()
    {
        _store.Put(_tenant, _token, "123", TimeSpan.FromMinutes(1));

        _store.Put(_tenant, _token, "456", Ttl);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("456", _store.Read(_tenant, _token));
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public void Remove_Present_TrueThenFalse()
    {
        _store.Put(_tenant, _token, "123", Ttl);

        Assert.True(_store.Remove(_tenant, _token));
        Assert.False(_store.Remove(_tenant, _token));
        Assert.Null(_store.Read(_tenant, _token));
    }

    [Fact]
    public void Remove_OtherTenant_KeepsCode()
    {
        _store.Put(_tenant, _token, "123", Ttl);

        Assert.False(_store.Remove(Guid.NewGuid(), _token));
        Assert.Equal("123", _store.Read(_tenant, _token));
    }

    [Fact]
    public void RemoveExpired_RemovesOnlyExpiredAndCountsThem()
    {
        Guid shortA = Guid.NewGuid();
        Guid shortB = Guid.NewGuid();
        Guid longLived = Guid.NewGuid();
        _store.Put(_tenant, shortA, "111", TimeSpan.FromMinutes(1));
        _store.Put(_tenant, shortB, "222", TimeSpan.FromMinutes(2));
        _store.Put(_tenant, longLived, "333", TimeSpan.FromHours(1));

        _time.Advance(TimeSpan.FromMinutes(2));
        int removed = _store.RemoveExpired();

        Assert.Equal(2, removed);
        Assert.Equal(1, _store.Count);
        Assert.Equal("333", _store.Read(_tenant, longLived));
        Assert.Equal(0, _store.RemoveExpired());
    }

    [Fact]
    public void Put_ZeroTtl_IsImmediatelyExpired()
    {
        _store.Put(_tenant, _token, "123", TimeSpan.Zero);

        Assert.Null(_store.Read(_tenant, _token));
    }

    [Fact]
    public void Read_TwoStores_DoNotShareCodes()
    {
        using var other = new InMemorySecurityCodeStore(_time);
        _store.Put(_tenant, _token, "123", Ttl);

        Assert.Null(other.Read(_tenant, _token));
    }
}
