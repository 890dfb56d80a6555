using System.Net;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tests.Support;

namespace Strongroom.Client.Tests;

/// <summary>The Guardian client's network tokens: provisioning, lifecycle, events, cryptograms and the cryptogram forward.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class GuardianNetworkTokenClientTests(LiveVault vault)
{
    [Fact]
    public async Task Provision_SuspendResumeDelete_WithEvents()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);

        NetworkToken created = await guardian.NetworkTokens.CreateAsync(Cards.Guardian(), new Dictionary<string, string> { ["wallet"] = "w-1" });
        NetworkToken suspended = await guardian.NetworkTokens.SuspendAsync(created.Id, "Customer asked to pause the card.");
        NetworkToken resumed = await guardian.NetworkTokens.ResumeAsync(created.Id);
        IReadOnlyList<NetworkTokenEvent> events = await guardian.NetworkTokens.ListEventsAsync(created.Id);
        NetworkToken deleted = await guardian.NetworkTokens.DeleteAsync(created.Id);
        NetworkToken afterDelete = await guardian.NetworkTokens.GetAsync(created.Id);

        Assert.Equal(("active", "vts"), (created.State.Status, created.State.Type));
        Assert.Equal("411111******1111", created.Card.MaskedAccountNumber);
        Assert.Equal("w-1", created.Metadata!["wallet"]);
        Assert.Equal("suspended", suspended.State.Status);
        Assert.Equal(["merchant"], suspended.State.SuspendedBy);
        Assert.Equal("active", resumed.State.Status);
        Assert.Equal(["network_token.created", "network_token.status_changed", "network_token.status_changed"], events.Select(e => e.Type));
        Assert.Equal("suspended", events[1].Data.GetProperty("status").GetString());
        Assert.Equal("deleted", deleted.State.Status);
        Assert.Equal("deleted", afterDelete.State.Status);
    }

    [Fact]
    public async Task FromAPciToken_AndFromASession_AndUnsupportedScheme()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        PciToken pci = await guardian.PciTokens.CreateAsync(Cards.Guardian(TestCards.Mastercard));

        NetworkToken fromPci = await guardian.NetworkTokens.CreateFromPciTokenAsync(pci.Id);
        SessionCreated session = await guardian.NetworkTokens.CreateSessionAsync();
        SessionCompletion completion = await guardian.Sessions.CompleteAsync(session.SessionId, Cards.Guardian(TestCards.Amex, securityCode: "1234"));
        GuardianApiException jcb = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.NetworkTokens.CreateAsync(Cards.Guardian(TestCards.Jcb)));

        Assert.Equal(("mdes", pci.Id), (fromPci.State.Type, fromPci.PciTokenId));
        NetworkToken fromSession = await guardian.NetworkTokens.GetAsync(completion.NetworkTokenId!.Value);
        Assert.Equal("tms", fromSession.State.Type);
        Assert.Equal("american express", (await guardian.Metadata.ForNetworkTokenAsync(fromSession.Id)).Scheme);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, jcb.StatusCode);
        Assert.Equal("$.source.account_number", Assert.Single(jcb.ValidationErrors).Path);
    }

    [Fact]
    public async Task Cryptogram_ValueMode_AndItsToStringHidesTheSecrets()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        NetworkToken token = await guardian.NetworkTokens.CreateAsync(Cards.Guardian());

        IssuedCryptogram cryptogram = await guardian.NetworkTokens.CreateCryptogramAsync(token.Id, new CryptogramRequest(Amount: 1250, Currency: "EUR"));

        Assert.False(string.IsNullOrEmpty(cryptogram.Cryptogram));
        Assert.False(string.IsNullOrEmpty(cryptogram.Number));
        Assert.Null(cryptogram.CryptogramReference);
        Assert.True(cryptogram.ExpiresAt > DateTimeOffset.UtcNow.AddSeconds(-5));
        Assert.DoesNotContain(cryptogram.Cryptogram!, cryptogram.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(cryptogram.Number!, cryptogram.ToString(), StringComparison.Ordinal);
        Assert.Equal("network_token.cryptogram_issued", (await guardian.NetworkTokens.ListEventsAsync(token.Id))[^1].Type);
    }

    [Fact]
    public async Task Cryptogram_WithoutDataOut_Is403()
    {
        (_, string key) = await vault.CreateTenantAsync("tokens:create", "tokens:read");
        GuardianClient guardian = vault.Guardian(key);
        NetworkToken token = await guardian.NetworkTokens.CreateAsync(Cards.Guardian());

        GuardianApiException refused = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.NetworkTokens.CreateCryptogramAsync(token.Id));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task CryptogramReference_ForwardsOnce()
    {
        await using LoopbackReceiver processor = await LoopbackReceiver.StartAsync();
        (Guid tenantId, string key) = await vault.CreateTenantAsync();
        await vault.AllowForwardingToAsync(tenantId, processor.BaseUrl);
        GuardianClient guardian = vault.Guardian(key);
        NetworkToken token = await guardian.NetworkTokens.CreateAsync(Cards.Guardian());
        IssuedCryptogram issued = await guardian.NetworkTokens.CreateCryptogramAsync(token.Id, new CryptogramRequest(Mode: CryptogramMode.Reference));
        var forward = new ForwardRequest
        {
            Destination = processor.Url("/authorize"),
            Body = """{"cryptogram":{{ cryptogram }},"eci":{{ eci }},"token_id":{{ network_token_id }}}""",
        };

        ForwardedResponse first = await guardian.NetworkTokens.ForwardCryptogramAsync(token.Id, issued.CryptogramReference!, forward);
        GuardianApiException second = await Assert.ThrowsAsync<GuardianApiException>(() =>
            guardian.NetworkTokens.ForwardCryptogramAsync(token.Id, issued.CryptogramReference!, forward));

        Assert.Null(issued.Cryptogram);
        Assert.Equal(200, first.StatusCode);
        ReceivedRequest received = Assert.Single(processor.Received);
        Assert.Contains($"\"token_id\":\"{token.Id}\"", received.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", received.BodyText, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Conflict, "CONFLICT"), (second.StatusCode!.Value, second.Classifier));
    }
}
