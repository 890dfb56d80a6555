using System.Net;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tests.Support;

namespace Strongroom.Client.Tests;

/// <summary>The Guardian client's PCI tokens, security codes, sessions and metadata against the live vault.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class GuardianPciTokenClientTests(LiveVault vault)
{
    [Fact]
    public async Task CreateGetDelete_RoundTripsTheMaskedCardAndOptions()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        var metadata = new Dictionary<string, string> { ["order"] = "A-1001" };

        PciToken created = await guardian.PciTokens.CreateAsync(Cards.Guardian(), new TokenOptions(ExpiresIn: 3600, metadata));
        PciToken read = await guardian.PciTokens.GetAsync(created.Id);

        Assert.Equal("411111******1111", read.Card.MaskedAccountNumber);
        Assert.Equal("visa", read.Card.Scheme);
        Assert.Equal(Cards.Year, read.Card.ExpiryYear);
        Assert.Equal("Jane Roe", read.Card.CardholderName);
        Assert.Equal("A-1001", read.Metadata!["order"]);
        Assert.NotNull(read.ExpiresAt);
        Assert.InRange(read.ExpiresAt!.Value - read.CreatedAt, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));

        await guardian.PciTokens.DeleteAsync(created.Id);
        GuardianApiException gone = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.PciTokens.GetAsync(created.Id));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("NOT_FOUND", gone.Classifier);
    }

    [Fact]
    public async Task ListAll_FollowsTheCursorAcrossPages()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        var ids = new List<Guid>();
        foreach (string number in TestCards.All)
        {
            ids.Add((await guardian.PciTokens.CreateAsync(Cards.Guardian(number))).Id);
        }

        PciTokenPage first = await guardian.PciTokens.ListAsync(limit: 3);
        var all = new List<Guid>();
        await foreach (PciToken token in guardian.PciTokens.ListAllAsync(pageSize: 3))
        {
            all.Add(token.Id);
        }

        Assert.Equal(3, first.Tokens.Count);
        Assert.NotNull(first.NextCursor);
        Assert.Equal(ids.Order(), all.Order());
    }

    [Fact]
    public async Task InvalidCard_Is422WithJsonPaths_AndNoCardNumberInTheException()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        const string badLuhn = "4111111111111112";

        GuardianApiException refused = await Assert.ThrowsAsync<GuardianApiException>(() =>
            guardian.PciTokens.CreateAsync(Cards.Guardian(badLuhn, month: 13)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("VALIDATION_ERROR", refused.Classifier);
        Assert.Contains(refused.ValidationErrors, e => e.Path == "$.source.account_number");
        Assert.Contains(refused.ValidationErrors, e => e.Path == "$.source.expiry_month");
        Assert.DoesNotContain(badLuhn, refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(badLuhn, Cards.Guardian(badLuhn).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdempotencyKey_ReplaysTheFirstToken()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        string key = Guid.NewGuid().ToString();

        PciToken first = await guardian.PciTokens.CreateAsync(Cards.Guardian(), idempotencyKey: key);
        PciToken again = await guardian.PciTokens.CreateAsync(Cards.Guardian(), idempotencyKey: key);
        GuardianApiException otherBody = await Assert.ThrowsAsync<GuardianApiException>(() =>
            guardian.PciTokens.CreateAsync(Cards.Guardian(TestCards.Mastercard), idempotencyKey: key));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(HttpStatusCode.Conflict, otherBody.StatusCode);
    }

    [Fact]
    public async Task WrongApiKey_Is401_AndMissingRight_Is403()
    {
        GuardianClient stranger = vault.Guardian("sr_not-a-key");
        (_, string readOnly) = await vault.CreateTenantAsync("tokens:read");

        GuardianApiException unauthorized = await Assert.ThrowsAsync<GuardianApiException>(() => stranger.PciTokens.ListAsync());
        GuardianApiException forbidden = await Assert.ThrowsAsync<GuardianApiException>(() => vault.Guardian(readOnly).PciTokens.CreateAsync(Cards.Guardian()));

        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHORIZED"), (unauthorized.StatusCode!.Value, unauthorized.Classifier));
        Assert.Equal((HttpStatusCode.Forbidden, "FORBIDDEN"), (forbidden.StatusCode!.Value, forbidden.Classifier));
    }

    [Fact]
    public async Task SecurityCode_IsForgottenAndReenteredThroughASession()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        PciToken token = await guardian.PciTokens.CreateAsync(Cards.Guardian(securityCode: "737"));

        bool before = await guardian.PciTokens.IsSecurityCodeAvailableAsync(token.Id);
        await guardian.PciTokens.DeleteSecurityCodeAsync(token.Id);
        bool afterDelete = await guardian.PciTokens.IsSecurityCodeAvailableAsync(token.Id);
        SessionCreated session = await guardian.PciTokens.CreateSecurityCodeSessionAsync(token.Id);
        SessionCompletion completion = await guardian.Sessions.CompleteSecurityCodeAsync(session.SessionId, "737");
        bool afterReentry = await guardian.PciTokens.IsSecurityCodeAvailableAsync(token.Id);

        Assert.True(before);
        Assert.False(afterDelete);
        Assert.Equal("completed", completion.Status);
        Assert.True(afterReentry);
        Assert.Equal("security_code", (await guardian.Sessions.GetAsync(session.SessionId)).Kind);
    }

    [Fact]
    public async Task Session_CompletedWithACard_YieldsThePciToken()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);

        SessionCreated session = await guardian.PciTokens.CreateSessionAsync(new TokenOptions(Metadata: new Dictionary<string, string> { ["cart"] = "7" }));
        CardSession open = await guardian.Sessions.GetAsync(session.SessionId);
        SessionCompletion completion = await guardian.Sessions.CompleteAsync(session.SessionId, Cards.Guardian(TestCards.Mastercard));
        CardSession done = await guardian.Sessions.GetAsync(session.SessionId);
        GuardianApiException twice = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.Sessions.CompleteAsync(session.SessionId, Cards.Guardian()));

        Assert.Equal(("pci_token", "created"), (open.Kind, open.Status));
        Assert.Equal($"/sessions/{session.SessionId}/form", session.FormPath);
        Assert.Equal("completed", done.Status);
        Assert.Equal(completion.PciTokenId, done.PciTokenId);
        PciToken token = await guardian.PciTokens.GetAsync(completion.PciTokenId!.Value);
        Assert.Equal("555555******4444", token.Card.MaskedAccountNumber);
        Assert.Equal("7", token.Metadata!["cart"]);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task Metadata_ForACardNumberAndAToken()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        PciToken token = await guardian.PciTokens.CreateAsync(Cards.Guardian(TestCards.Mastercard));

        CardMetadata byNumber = await guardian.Metadata.ForCardNumberAsync(TestCards.Visa);
        CardMetadata byToken = await guardian.Metadata.ForPciTokenAsync(token.Id);
        GuardianApiException unknown = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.Metadata.ForPciTokenAsync(Guid.NewGuid()));

        Assert.Equal(("411111", "visa"), (byNumber.Bin, byNumber.Scheme));
        Assert.Equal(("555555", "mastercard", "555555******4444"), (byToken.Bin, byToken.Scheme, byToken.MaskedAccountNumber));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task CancelledToken_CancelsTheCall()
    {
        GuardianClient guardian = vault.Guardian((await vault.CreateTenantAsync()).ApiKey);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => guardian.PciTokens.CreateAsync(Cards.Guardian(), cancellationToken: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => guardian.PciTokens.ListAllAsync(cancellationToken: cancelled.Token).GetAsyncEnumerator().MoveNextAsync().AsTask());
    }
}
