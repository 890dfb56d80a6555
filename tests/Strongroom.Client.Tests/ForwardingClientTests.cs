using System.Net;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tap;
using Strongroom.Client.Tests.Support;

namespace Strongroom.Client.Tests;

/// <summary>Forwarding through the client: placeholders filled inside the vault, the destination's answer, the vault's refusals.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class ForwardingClientTests(LiveVault vault)
{
    private const string CardTemplate =
        """{"number":{{ account_number }},"cvc":{{ security_code }},"month":{{ expiry_month | unwrap }},"year":{{ expiry_year }},"name":{{ cardholder_name }}}""";

    [Fact]
    public async Task PciTokenForward_FillsTheCard_AndReturnsTheDestinationsAnswer()
    {
        await using LoopbackReceiver processor = await LoopbackReceiver.StartAsync();
        processor.AnswerBody = """{"payment":"pay_123","echo":"4111111111111111"}""";
        (Guid tenantId, string key) = await vault.CreateTenantAsync();
        await vault.AllowForwardingToAsync(tenantId, processor.BaseUrl);
        GuardianClient guardian = vault.Guardian(key);
        PciToken token = await guardian.PciTokens.CreateAsync(Cards.Guardian(securityCode: "737", month: 3));

        ForwardedResponse answer = await guardian.PciTokens.ForwardAsync(token.Id, new ForwardRequest
        {
            Destination = processor.Url("/payments"),
            Body = CardTemplate,
            Headers = new Dictionary<string, string> { ["x-processor-account"] = "acct_42" },
        });

        ReceivedRequest received = Assert.Single(processor.Received);
        Assert.Equal($$"""{"number":"4111111111111111","cvc":"737","month":3,"year":"{{Cards.Year}}","name":"Jane Roe"}""", received.BodyText);
        Assert.Equal("acct_42", received.Header("x-processor-account"));
        Assert.Equal("", received.Header("x-api-key"));
        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("pay_123", answer.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Visa, answer.BodyText, StringComparison.Ordinal); // the vault masks an echoed number
    }

    [Fact]
    public async Task DestinationError_IsReturned_NotThrown()
    {
        await using LoopbackReceiver processor = await LoopbackReceiver.StartAsync();
        processor.AnswerStatus = 402;
        processor.AnswerBody = """{"error":"card_declined"}""";
        (Guid tenantId, string key) = await vault.CreateTenantAsync();
        await vault.AllowForwardingToAsync(tenantId, processor.BaseUrl);
        GuardianClient guardian = vault.Guardian(key);
        PciToken token = await guardian.PciTokens.CreateAsync(Cards.Guardian());

        ForwardedResponse answer = await guardian.PciTokens.ForwardAsync(token.Id, new ForwardRequest { Destination = processor.Url("/pay"), Body = CardTemplate });

        Assert.Equal(402, answer.StatusCode);
        Assert.False(answer.IsSuccessStatusCode);
        Assert.Equal("""{"error":"card_declined"}""", answer.BodyText);
    }

    [Fact]
    public async Task NotAllowlisted_Is403_AndUnknownPlaceholder_Is422_NothingSent()
    {
        await using LoopbackReceiver processor = await LoopbackReceiver.StartAsync();
        (Guid tenantId, string key) = await vault.CreateTenantAsync();
        await vault.AllowForwardingToAsync(tenantId, processor.BaseUrl);
        GuardianClient guardian = vault.Guardian(key);
        PciToken token = await guardian.PciTokens.CreateAsync(Cards.Guardian());

        GuardianApiException forbidden = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.PciTokens.ForwardAsync(token.Id,
            new ForwardRequest { Destination = new Uri("https://elsewhere.example/pay"), Body = CardTemplate }));
        GuardianApiException unfilled = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.PciTokens.ForwardAsync(token.Id,
            new ForwardRequest { Destination = processor.Url("/pay"), Body = """{"pin":{{ pin }}}""" }));

        Assert.Equal((HttpStatusCode.Forbidden, "FORBIDDEN"), (forbidden.StatusCode!.Value, forbidden.Classifier));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unfilled.StatusCode);
        Assert.Equal("$.placeholders.pin", Assert.Single(unfilled.ValidationErrors).Path);
        Assert.Empty(processor.Received);
    }

    [Fact]
    public async Task TapSingleUseTokenForward_UsesTheTokenUp()
    {
        await using LoopbackReceiver processor = await LoopbackReceiver.StartAsync();
        (Guid tenantId, string key) = await vault.CreateTenantAsync();
        await vault.AllowForwardingToAsync(tenantId, processor.BaseUrl);
        TapClient tap = vault.Tap(key);
        TapToken token = await tap.CreateTokenAsync(Cards.Tap(TestCards.Mastercard));
        var forward = new ForwardRequest { Destination = processor.Url("/charge"), Body = """{"pan":{{ account_number }}}""" };

        ForwardedResponse answer = await tap.ForwardAsync(token.Id, forward);
        TapApiException again = await Assert.ThrowsAsync<TapApiException>(() => tap.ForwardAsync(token.Id, forward));

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal($$"""{"pan":"{{TestCards.Mastercard}}"}""", Assert.Single(processor.Received).BodyText);
        Assert.True((await tap.GetTokenAsync(token.Id)).Used);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.NotEmpty(again.Errors);
    }
}
