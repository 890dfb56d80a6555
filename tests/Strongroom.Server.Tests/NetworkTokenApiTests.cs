using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests;

/// <summary>
/// Guardian's network tokens over HTTP (<c>/api/network/tokens</c>) against the built-in token service simulator:
/// the three sources, token type per scheme, the one-live-token-per-card rule, every lifecycle transition
/// (including the per-party suspension rule), the simulator's deterministic outcomes, cryptograms and their
/// verification, events, tenant isolation and the absence of card data in logs.
/// </summary>
public sealed partial class NetworkTokenApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string Tokens = "/api/network/tokens";

    // Luhn-valid funding PANs for the simulator's deterministic outcomes (by last four).
    private const string VisaDecline = "4000000000000051";
    private const string VisaInactive = "4000000000000069";
    private const string VisaIssuerSuspends = "4000000000000077";
    private const string MastercardDecline = "5100000000060051";
    private const string MastercardInactive = "5100000000060069";
    private const string MastercardIssuerSuspends = "5100000000060077";

    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];
    private static readonly string[] MerchantOnly = ["merchant"];
    private static readonly string[] IssuerOnly = ["issuer"];
    private static readonly string[] MerchantAndIssuer = ["merchant", "issuer"];

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex Rfc3339Seconds();

    [GeneratedRegex(@"^[A-Za-z0-9+/]{27}=$")]
    private static partial Regex CryptogramShape();

    [GeneratedRegex(@"^cref_[A-Za-z0-9_-]{32}$")]
    private static partial Regex ReferenceShape();

    private static int Year => DateTime.UtcNow.Year + 3;

    // ---------------------------------------------------------------- sources

    [Fact]
    public async Task Create_FromPan_HasTheSeedShape()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(TestCards.Visa, month: 11, year: Year) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["id", "card", "created_at", "network_token"], body.EnumerateObject().Select(p => p.Name));
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out Guid id));
        Assert.NotEqual(Guid.Empty, id);

        JsonElement card = body.GetProperty("card");
        Assert.Equal("John Doe", card.GetProperty("cardholder_name").GetString());
        Assert.Equal(11, card.GetProperty("expiry_month").GetInt32());
        Assert.Equal(Year, card.GetProperty("expiry_year").GetInt32());
        Assert.Equal("411111******1111", card.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", card.GetProperty("scheme").GetString());
        Assert.Matches(Rfc3339Seconds(), body.GetProperty("created_at").GetString());

        JsonElement state = body.GetProperty("network_token");
        Assert.Equal("active", state.GetProperty("status").GetString());
        Assert.Equal("vts", state.GetProperty("type").GetString());
        Assert.Matches("^[0-9a-f]{32}$", state.GetProperty("scheme_reference").GetString());
        Assert.False(state.TryGetProperty("suspended_by", out _));
        Assert.False(body.TryGetProperty("pci_token_id", out _));
        Assert.False(body.TryGetProperty("metadata", out _));
        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);

        using HttpResponseMessage read = await tenant.Client.GetAsync($"{Tokens}/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(body.GetRawText(), (await read.Content.ReadFromJsonAsync()).GetRawText());
    }

    [Fact]
    public async Task Create_FromPciToken_LinksTheTokens_ButTheirLifecyclesAreIndependent()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid pciTokenId = await CreatePciTokenAsync(tenant, TestCards.Visa);

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new
        {
            source = new { type = "pci_token", pci_token_id = pciTokenId },
            metadata = new { order = "A-7" },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement token = await response.Content.ReadFromJsonAsync();
        Guid tokenId = token.GetProperty("id").GetGuid();
        Assert.NotEqual(pciTokenId, tokenId);
        Assert.Equal(pciTokenId, token.GetProperty("pci_token_id").GetGuid());
        Assert.Equal("411111******1111", token.GetProperty("card").GetProperty("masked_account_number").GetString());
        Assert.Equal("John Doe", token.GetProperty("card").GetProperty("cardholder_name").GetString());
        Assert.Equal("A-7", token.GetProperty("metadata").GetProperty("order").GetString());
        Assert.Equal("active", Status(token));

        // Deleting the PCI token leaves the network token as it was.
        using (HttpResponseMessage deletePci = await tenant.Client.DeleteAsync($"/api/pci/tokens/{pciTokenId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deletePci.StatusCode);
        }

        using (HttpResponseMessage pciGone = await tenant.Client.GetAsync($"/api/pci/tokens/{pciTokenId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, pciGone.StatusCode);
        }

        JsonElement after = await GetTokenAsync(tenant, tokenId);
        Assert.Equal(token.GetRawText(), after.GetRawText());

        // And the other way round: deleting a network token leaves its PCI token readable.
        Guid otherPci = await CreatePciTokenAsync(tenant, TestCards.Mastercard);
        JsonElement other = await CreateAsync(tenant, new { source = new { type = "pci_token", pci_token_id = otherPci } });
        using (HttpResponseMessage deleteNetwork = await tenant.Client.DeleteAsync($"{Tokens}/{Id(other)}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleteNetwork.StatusCode);
        }

        using HttpResponseMessage pciStill = await tenant.Client.GetAsync($"/api/pci/tokens/{otherPci}");
        Assert.Equal(HttpStatusCode.OK, pciStill.StatusCode);
        Assert.Equal("555555******4444", (await pciStill.Content.ReadFromJsonAsync()).GetProperty("card").GetProperty("masked_account_number").GetString());
    }

    [Fact]
    public async Task Create_FromSession_CompletingTheSessionProvisionsTheNetworkToken()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "session" }, metadata = new { order = "42" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Single(body.EnumerateObject());
        Guid sessionId = body.GetProperty("session_id").GetGuid();

        JsonElement open = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("network_token", open.GetProperty("kind").GetString());
        Assert.Equal("created", open.GetProperty("status").GetString());
        Assert.False(open.TryGetProperty("network_token_id", out _));

        using HttpResponseMessage completion = await CompleteSessionAsync(sessionId, TestCards.Mastercard);
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        string completionText = await completion.Content.ReadAsStringAsync();
        JsonElement completed = JsonDocument.Parse(completionText).RootElement;
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Guid tokenId = completed.GetProperty("network_token_id").GetGuid();
        Assert.False(completed.TryGetProperty("pci_token_id", out _));
        Assert.DoesNotContain(TestCards.Mastercard, completionText, StringComparison.Ordinal);

        JsonElement read = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("network_token", read.GetProperty("kind").GetString());
        Assert.Equal("completed", read.GetProperty("status").GetString());
        Assert.Equal(tokenId, read.GetProperty("network_token_id").GetGuid());
        Assert.False(read.TryGetProperty("pci_token_id", out _));
        Assert.Equal("555555******4444", read.GetProperty("card").GetProperty("masked_account_number").GetString());

        JsonElement token = await GetTokenAsync(tenant, tokenId);
        Assert.Equal("active", Status(token));
        Assert.Equal("mdes", token.GetProperty("network_token").GetProperty("type").GetString());
        Assert.Equal("Jane Doe", token.GetProperty("card").GetProperty("cardholder_name").GetString());
        Assert.Equal("42", token.GetProperty("metadata").GetProperty("order").GetString());
        Assert.False(token.TryGetProperty("pci_token_id", out _));

        // The session made a network token, not a PCI token.
        using HttpResponseMessage pciList = await tenant.Client.GetAsync("/api/pci/tokens");
        Assert.Equal(0, (await pciList.Content.ReadFromJsonAsync()).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Create_FromSession_DeclinedCardCountsAsAFailedAttempt_AndAnotherCardCompletesIt()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);

        using HttpResponseMessage declined = await CompleteSessionAsync(sessionId, VisaDecline);
        using HttpResponseMessage unsupported = await CompleteSessionAsync(sessionId, "3530111333300000");

        await GuardianAssert.ValidationAsync(declined, "$.account_number");
        await GuardianAssert.ValidationAsync(unsupported, "$.account_number");
        JsonElement session = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("created", session.GetProperty("status").GetString());
        Assert.Equal(3, session.GetProperty("attempts_remaining").GetInt32());

        using HttpResponseMessage ok = await CompleteSessionAsync(sessionId, TestCards.Visa);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Guid tokenId = (await ok.Content.ReadFromJsonAsync()).GetProperty("network_token_id").GetGuid();
        Assert.Equal("411111******1111", (await GetTokenAsync(tenant, tokenId)).GetProperty("card").GetProperty("masked_account_number").GetString());
    }

    [Fact]
    public async Task Create_FromSession_CardWithALiveNetworkToken_IsRefusedAtCompletion()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        await CreateFromPanAsync(tenant, TestCards.Visa);
        Guid sessionId = await OpenSessionAsync(tenant);

        using HttpResponseMessage duplicate = await CompleteSessionAsync(sessionId, TestCards.Visa);

        await GuardianAssert.ValidationAsync(duplicate, "$.account_number");
        JsonElement session = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("created", session.GetProperty("status").GetString());
        Assert.False(session.TryGetProperty("network_token_id", out _));
    }

    // ---------------------------------------------------------------- schemes

    [Theory]
    [InlineData(TestCards.Visa, "123", "visa", "vts", "411111******1111", "^[0-9a-f]{32}$")]
    [InlineData(TestCards.Mastercard, "123", "mastercard", "mdes", "555555******4444", "^DWSPMC[0-9A-F]{26}$")]
    [InlineData(TestCards.Amex, "1234", "american express", "tms", "378282*****0005", "^TMS[0-9a-f]{32}$")]
    [InlineData(TestCards.Discover, "123", "discover", "tms", "601111******1117", "^TMS[0-9a-f]{32}$")]
    public async Task Create_EachSupportedScheme_GetsItsTokenType(string pan, string securityCode, string scheme, string type, string masked, string referencePattern)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        JsonElement token = await CreateAsync(tenant, new { source = TestCards.PanSource(pan, securityCode: securityCode) });

        Assert.Equal(scheme, token.GetProperty("card").GetProperty("scheme").GetString());
        Assert.Equal(masked, token.GetProperty("card").GetProperty("masked_account_number").GetString());
        Assert.Equal(type, token.GetProperty("network_token").GetProperty("type").GetString());
        Assert.Equal("active", Status(token));
        Assert.Matches(referencePattern, token.GetProperty("network_token").GetProperty("scheme_reference").GetString());
    }

    [Theory]
    [InlineData("3530111333300000")] // jcb
    [InlineData("6200000000000005")] // unionpay
    [InlineData("36227206271667")] // diners club
    public async Task Create_UnsupportedScheme_Is422OnTheAccountNumber(string pan)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(pan) });

        JsonElement body = await GuardianAssert.ValidationAsync(response, "$.source.account_number");
        Assert.DoesNotContain(pan, body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_UnsupportedSchemeViaPciToken_Is422OnThePciTokenId()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid jcb = await CreatePciTokenAsync(tenant, "3530111333300000");

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "pci_token", pci_token_id = jcb } });

        await GuardianAssert.ValidationAsync(response, "$.source.pci_token_id");
    }

    // ---------------------------------------------------------------- validation

    [Fact]
    public async Task Create_InvalidRequests_Are422WithThePath()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        TestTenant other = await app.CreateTenantAsync();
        Guid othersPciToken = await CreatePciTokenAsync(other, TestCards.Visa);

        using HttpResponseMessage missingSource = await tenant.Client.PostAsJsonAsync(Tokens, new { metadata = new { a = "b" } });
        using HttpResponseMessage missingType = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { account_number = TestCards.Visa } });
        using HttpResponseMessage badType = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "card" } });
        using HttpResponseMessage missingPciId = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "pci_token" } });
        using HttpResponseMessage notUuid = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "pci_token", pci_token_id = "not-a-uuid" } });
        using HttpResponseMessage unknown = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "pci_token", pci_token_id = Guid.NewGuid() } });
        using HttpResponseMessage othersToken = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "pci_token", pci_token_id = othersPciToken } });
        using HttpResponseMessage badLuhn = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource("4111111111111112") });
        using HttpResponseMessage badExpiry = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(month: 13) });

        await GuardianAssert.ValidationAsync(missingSource, "$.source");
        await GuardianAssert.ValidationAsync(missingType, "$.source.type");
        await GuardianAssert.ValidationAsync(badType, "$.source.type");
        await GuardianAssert.ValidationAsync(missingPciId, "$.source.pci_token_id");
        await GuardianAssert.ValidationAsync(notUuid, "$.source.pci_token_id");
        await GuardianAssert.ValidationAsync(unknown, "$.source.pci_token_id");
        await GuardianAssert.ValidationAsync(othersToken, "$.source.pci_token_id");
        await GuardianAssert.ValidationAsync(badLuhn, "$.source.account_number");
        await GuardianAssert.ValidationAsync(badExpiry, "$.source.expiry_month");

        // Nothing was provisioned for the other tenant's card in this tenant: it can still tokenize it itself.
        await CreateFromPanAsync(tenant, TestCards.Visa);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-uuid")]
    public async Task UnknownToken_Is404Everywhere(string id)
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        using HttpClient admin = app.AdminClient(tenant.Id);

        using HttpResponseMessage get = await tenant.Client.GetAsync($"{Tokens}/{id}");
        using HttpResponseMessage delete = await tenant.Client.DeleteAsync($"{Tokens}/{id}");
        using HttpResponseMessage suspend = await tenant.Client.PostAsync($"{Tokens}/{id}/suspend", null);
        using HttpResponseMessage resume = await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null);
        using HttpResponseMessage events = await tenant.Client.GetAsync($"{Tokens}/{id}/events");
        using HttpResponseMessage cryptogram = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { });
        using HttpResponseMessage simulate = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/events", new { @event = "suspend", party = "issuer" });
        using HttpResponseMessage authorize = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram = "AQAAAAEAAAAAAAAAAAAAAAAAAAA=" });

        foreach (HttpResponseMessage response in new[] { get, delete, suspend, resume, events, cryptogram, simulate, authorize })
        {
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        }
    }

    [Fact]
    public async Task Create_WithoutTheRightScopes_Is403_AndWithoutAKey401()
    {
        TestTenant readOnly = await app.CreateTenantAsync("Reader", "tokens:read");
        using HttpClient anonymous = app.CreateClient();

        using HttpResponseMessage create = await readOnly.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource() });
        using HttpResponseMessage noKey = await anonymous.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource() });

        await GuardianAssert.ErrorAsync(create, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(noKey, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Create_WithAnIdempotencyKey_ReplaysTheFirstResponseInsteadOf409()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string key = "nt-" + Guid.NewGuid().ToString("N");

        JsonElement first = await PostWithKeyAsync(tenant, key);
        JsonElement replay = await PostWithKeyAsync(tenant, key);

        Assert.Equal(first.GetRawText(), replay.GetRawText());

        async Task<JsonElement> PostWithKeyAsync(TestTenant t, string idempotencyKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Tokens) { Content = JsonContent.Create(new { source = TestCards.PanSource() }) };
            request.Headers.Add("x-idempotency-key", idempotencyKey);
            using HttpResponseMessage response = await t.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync();
        }
    }

    // ---------------------------------------------------------------- one live token per card

    [Fact]
    public async Task Create_SameCardTwice_Is409_UntilTheFirstIsDeleted()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        JsonElement first = await CreateFromPanAsync(tenant, TestCards.Visa);

        using HttpResponseMessage again = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(TestCards.Visa) });
        using HttpResponseMessage otherExpiry = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(TestCards.Visa, month: 1, year: Year + 1, name: "Other Name") });
        Guid pciTokenId = await CreatePciTokenAsync(tenant, TestCards.Visa);
        using HttpResponseMessage viaPciToken = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "pci_token", pci_token_id = pciTokenId } });

        await GuardianAssert.ErrorAsync(again, HttpStatusCode.Conflict, "CONFLICT");
        await GuardianAssert.ErrorAsync(otherExpiry, HttpStatusCode.Conflict, "CONFLICT");
        await GuardianAssert.ErrorAsync(viaPciToken, HttpStatusCode.Conflict, "CONFLICT");

        // A suspended token is still live.
        await SuspendAsync(tenant, Id(first));
        using (HttpResponseMessage whileSuspended = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(TestCards.Visa) }))
        {
            await GuardianAssert.ErrorAsync(whileSuspended, HttpStatusCode.Conflict, "CONFLICT");
        }

        using (HttpResponseMessage delete = await tenant.Client.DeleteAsync($"{Tokens}/{Id(first)}"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        JsonElement second = await CreateFromPanAsync(tenant, TestCards.Visa);
        Assert.NotEqual(Id(first), Id(second));
        Assert.Equal("active", Status(second));
        Assert.NotEqual(Reference(first), Reference(second));
        Assert.Equal("deleted", Status(await GetTokenAsync(tenant, Id(first))));
    }

    [Fact]
    public async Task Create_SameCardInAnotherTenant_IsAllowed()
    {
        TestTenant a = await app.CreateTenantAsync();
        TestTenant b = await app.CreateTenantAsync();

        JsonElement first = await CreateFromPanAsync(a, TestCards.Mastercard);
        JsonElement second = await CreateFromPanAsync(b, TestCards.Mastercard);

        Assert.NotEqual(Id(first), Id(second));
        Assert.Equal("active", Status(second));
        Assert.NotEqual(Reference(first), Reference(second));
    }

    // ---------------------------------------------------------------- lifecycle

    [Fact]
    public async Task SuspendAndResume_ByTheMerchant()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));

        JsonElement suspended = await SuspendAsync(tenant, id, "customer asked");
        Assert.Equal("suspended", Status(suspended));
        Assert.Equal(MerchantOnly, SuspendedBy(suspended));
        Assert.Equal(suspended.GetRawText(), (await GetTokenAsync(tenant, id)).GetRawText());

        JsonElement resumed = await ResumeAsync(tenant, id);
        Assert.Equal("active", Status(resumed));
        Assert.Empty(SuspendedBy(resumed));
        Assert.Equal("active", Status(await GetTokenAsync(tenant, id)));
    }

    [Fact]
    public async Task Suspension_IsHeldPerParty_TheTokenIsActiveOnlyWhenEveryPartyResumed()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Mastercard));

        await SuspendAsync(tenant, id);
        JsonElement both = await SimulateOkAsync(tenant, id, "suspend", "issuer");
        Assert.Equal("suspended", Status(both));
        Assert.Equal(MerchantAndIssuer, SuspendedBy(both));

        JsonElement merchantResumed = await ResumeAsync(tenant, id);
        Assert.Equal("suspended", Status(merchantResumed));
        Assert.Equal(IssuerOnly, SuspendedBy(merchantResumed));

        // The merchant cannot lift the issuer's suspension.
        using (HttpResponseMessage again = await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null))
        {
            await GuardianAssert.ErrorAsync(again, HttpStatusCode.Conflict, "CONFLICT");
        }

        // Nor can the cardholder.
        using (HttpResponseMessage cardholder = await SimulateAsync(tenant, id, "resume", "cardholder"))
        {
            await GuardianAssert.ErrorAsync(cardholder, HttpStatusCode.Conflict, "CONFLICT");
        }

        Assert.Equal(IssuerOnly, SuspendedBy(await GetTokenAsync(tenant, id)));

        JsonElement active = await SimulateOkAsync(tenant, id, "resume", "issuer");
        Assert.Equal("active", Status(active));
        Assert.Empty(SuspendedBy(active));
    }

    [Fact]
    public async Task Resume_WhenNotSuspended_Is409_AndSuspendTwice_Is409()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));

        using (HttpResponseMessage resume = await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null))
        {
            await GuardianAssert.ErrorAsync(resume, HttpStatusCode.Conflict, "CONFLICT");
        }

        await SuspendAsync(tenant, id);
        using (HttpResponseMessage twice = await tenant.Client.PostAsync($"{Tokens}/{id}/suspend", null))
        {
            await GuardianAssert.ErrorAsync(twice, HttpStatusCode.Conflict, "CONFLICT");
        }

        JsonElement token = await GetTokenAsync(tenant, id);
        Assert.Equal("suspended", Status(token));
        Assert.Equal(MerchantOnly, SuspendedBy(token));
    }

    [Fact]
    public async Task InactiveToken_CannotBeSuspendedOrUsed_UntilTheCardholderActivatesIt()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, VisaInactive));
        Assert.Equal("inactive", Status(await GetTokenAsync(tenant, id)));

        using (HttpResponseMessage suspend = await tenant.Client.PostAsync($"{Tokens}/{id}/suspend", null))
        {
            await GuardianAssert.ErrorAsync(suspend, HttpStatusCode.Conflict, "CONFLICT");
        }

        using (HttpResponseMessage resume = await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null))
        {
            await GuardianAssert.ErrorAsync(resume, HttpStatusCode.Conflict, "CONFLICT");
        }

        using (HttpResponseMessage cryptogram = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { }))
        {
            await GuardianAssert.ErrorAsync(cryptogram, HttpStatusCode.Conflict, "CONFLICT");
        }

        Assert.Equal("inactive", Status(await GetTokenAsync(tenant, id)));

        JsonElement active = await SimulateOkAsync(tenant, id, "activate", "cardholder");
        Assert.Equal("active", Status(active));
        Assert.Empty(SuspendedBy(active));

        using (HttpResponseMessage twice = await SimulateAsync(tenant, id, "activate", "issuer"))
        {
            await GuardianAssert.ErrorAsync(twice, HttpStatusCode.Conflict, "CONFLICT");
        }

        Assert.Equal("suspended", Status(await SuspendAsync(tenant, id)));
    }

    [Fact]
    public async Task Delete_IsTerminal_AndErasesTheCardholderName()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        JsonElement created = await CreateFromPanAsync(tenant, TestCards.Visa);
        Guid id = Id(created);

        using HttpResponseMessage delete = await tenant.Client.DeleteAsync($"{Tokens}/{id}");
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        JsonElement deleted = await delete.Content.ReadFromJsonAsync();
        Assert.Equal("deleted", Status(deleted));
        Assert.Equal(id, Id(deleted));

        JsonElement read = await GetTokenAsync(tenant, id);
        Assert.Equal("deleted", Status(read));
        Assert.Equal("411111******1111", read.GetProperty("card").GetProperty("masked_account_number").GetString());
        Assert.False(read.GetProperty("card").TryGetProperty("cardholder_name", out _));
        Assert.Equal(Reference(created), Reference(read));

        using HttpResponseMessage deleteAgain = await tenant.Client.DeleteAsync($"{Tokens}/{id}");
        using HttpResponseMessage suspend = await tenant.Client.PostAsync($"{Tokens}/{id}/suspend", null);
        using HttpResponseMessage resume = await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null);
        using HttpResponseMessage cryptogram = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { });
        using HttpResponseMessage activate = await SimulateAsync(tenant, id, "activate", "issuer");
        using HttpResponseMessage issuerDelete = await SimulateAsync(tenant, id, "delete", "issuer");

        foreach (HttpResponseMessage response in new[] { deleteAgain, suspend, resume, cryptogram, activate, issuerDelete })
        {
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.Conflict, "CONFLICT");
        }

        Assert.Equal("deleted", Status(await GetTokenAsync(tenant, id)));
    }

    [Fact]
    public async Task Delete_ByTheIssuer_WhileSuspended_ClearsTheSuspensions()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Discover));
        await SuspendAsync(tenant, id);

        JsonElement deleted = await SimulateOkAsync(tenant, id, "delete", "issuer");

        Assert.Equal("deleted", Status(deleted));
        Assert.Empty(SuspendedBy(deleted));
        JsonElement last = (await EventsAsync(tenant, id))[^1];
        Assert.Equal("network_token.deleted", last.GetProperty("type").GetString());
        Assert.Equal("issuer", last.GetProperty("data").GetProperty("party").GetString());
        Assert.Equal("suspended", last.GetProperty("data").GetProperty("previous_status").GetString());
    }

    [Fact]
    public async Task Simulator_RejectsBadBodies_AndNeedsTheAdminToken()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));
        using HttpClient adminWithoutTenant = app.AdminClient();

        using HttpResponseMessage badEvent = await SimulateAsync(tenant, id, "freeze", "issuer");
        using HttpResponseMessage merchantParty = await SimulateAsync(tenant, id, "suspend", "merchant");
        using HttpResponseMessage missing = await SimulateAsync(tenant, id, null, null);
        using HttpResponseMessage apiKey = await tenant.Client.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/events", new { @event = "suspend", party = "issuer" });
        using HttpResponseMessage apiKeyAuthorize = await tenant.Client.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram = "x" });
        using HttpResponseMessage noTenant = await adminWithoutTenant.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/events", new { @event = "suspend", party = "issuer" });

        await GuardianAssert.ValidationAsync(badEvent, "$.event");
        await GuardianAssert.ValidationAsync(merchantParty, "$.party");
        await GuardianAssert.ValidationAsync(missing, "$.event");
        await GuardianAssert.ErrorAsync(apiKey, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(apiKeyAuthorize, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ValidationAsync(noTenant, "$.headers['x-tenant-id']");
        Assert.Equal("active", Status(await GetTokenAsync(tenant, id)));
    }

    // ---------------------------------------------------------------- simulator outcomes

    [Theory]
    [InlineData(VisaDecline)]
    [InlineData(MastercardDecline)]
    public async Task Outcome0051_ProvisioningIsDeclined(string pan)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(pan) });

        JsonElement body = await GuardianAssert.ValidationAsync(response, "$.source.account_number");
        JsonElement error = body.GetProperty("validation_errors").EnumerateArray().Single(e => e.GetProperty("path").GetString() == "$.source.account_number");
        Assert.Contains("not eligible", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(pan, body.GetRawText(), StringComparison.Ordinal);

        // Nothing was stored: a decline does not hold the card's one live slot.
        using HttpResponseMessage again = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(pan) });
        await GuardianAssert.ValidationAsync(again, "$.source.account_number");
    }

    [Theory]
    [InlineData(VisaInactive, "inactive", "vts")]
    [InlineData(MastercardInactive, "inactive", "mdes")]
    [InlineData(VisaIssuerSuspends, "active", "vts")]
    [InlineData(MastercardIssuerSuspends, "active", "mdes")]
    [InlineData(TestCards.Visa, "active", "vts")]
    [InlineData(TestCards.Mastercard, "active", "mdes")]
    public async Task Outcome_ByLastFour_GivesTheInitialStatus(string pan, string status, string type)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        JsonElement token = await CreateFromPanAsync(tenant, pan);

        Assert.Equal(status, Status(token));
        Assert.Equal(type, token.GetProperty("network_token").GetProperty("type").GetString());
        Assert.EndsWith(pan[^4..], token.GetProperty("card").GetProperty("masked_account_number").GetString(), StringComparison.Ordinal);
        Assert.Equal(status, Status(await GetTokenAsync(tenant, Id(token))));
    }

    [Theory]
    [InlineData(VisaIssuerSuspends)]
    [InlineData(MastercardIssuerSuspends)]
    public async Task Outcome0077_TheIssuerSuspendsAtTheFirstCryptogramRequest(string pan)
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, pan));

        using HttpResponseMessage cryptogram = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { amount = 1000, currency = "EUR" });

        await GuardianAssert.ErrorAsync(cryptogram, HttpStatusCode.Conflict, "CONFLICT");
        JsonElement token = await GetTokenAsync(tenant, id);
        Assert.Equal("suspended", Status(token));
        Assert.Equal(IssuerOnly, SuspendedBy(token));

        List<JsonElement> events = await EventsAsync(tenant, id);
        Assert.Equal(["network_token.created", "network_token.status_changed"], events.Select(e => e.GetProperty("type").GetString()));
        JsonElement data = events[1].GetProperty("data");
        Assert.Equal("issuer", data.GetProperty("party").GetString());
        Assert.Equal("suspended", data.GetProperty("status").GetString());
        Assert.Equal("active", data.GetProperty("previous_status").GetString());
        Assert.Contains("issuer", data.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // The merchant did not suspend it, so it cannot resume it either.
        using HttpResponseMessage resume = await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null);
        await GuardianAssert.ErrorAsync(resume, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal(IssuerOnly, SuspendedBy(await GetTokenAsync(tenant, id)));

        // Once the issuer has resumed it, the token works normally.
        Assert.Equal("active", Status(await SimulateOkAsync(tenant, id, "resume", "issuer")));
        JsonElement issued = await CryptogramAsync(tenant, id, new { amount = 1000, currency = "EUR" });
        Assert.Equal("valid", await AuthorizeAsync(tenant, id, issued.GetProperty("cryptogram").GetString()!, 1000, "EUR"));
        Assert.Equal("active", Status(await GetTokenAsync(tenant, id)));
    }

    // ---------------------------------------------------------------- cryptograms

    [Theory]
    [InlineData(TestCards.Visa, "123", "489537", 16, "TAVV", "05")]
    [InlineData(TestCards.Mastercard, "123", "520473", 16, "UCAF", "02")]
    [InlineData(TestCards.Amex, "1234", "374245", 15, "AEVV", "05")]
    [InlineData(TestCards.Discover, "123", "601100", 16, "TAVV", "05")]
    public async Task Cryptogram_ValueMode_ReturnsTheCryptogramAndTheTokenNumber(string pan, string securityCode, string tokenBin, int length, string type, string eci)
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        JsonElement token = await CreateAsync(tenant, new { source = TestCards.PanSource(pan, month: 7, year: Year, securityCode: securityCode) });
        Guid id = Id(token);
        string expectedExpiry = Timestamp(app.Clock.GetUtcNow() + TimeSpan.FromMinutes(10));

        JsonElement first = await CryptogramAsync(tenant, id, new { amount = 1999, currency = "EUR", mode = "value" });

        Assert.Matches(CryptogramShape(), first.GetProperty("cryptogram").GetString());
        Assert.Equal(eci, first.GetProperty("eci").GetString());
        Assert.Equal(type, first.GetProperty("type").GetString());
        Assert.Matches(@"^\d{3}$", first.GetProperty("dynamic_cvv").GetString());
        string number = first.GetProperty("number").GetString()!;
        Assert.Equal(length, number.Length);
        Assert.All(number, c => Assert.True(char.IsAsciiDigit(c)));
        Assert.StartsWith(tokenBin, number, StringComparison.Ordinal);
        Assert.True(Luhn(number), "the token number passes Luhn");
        Assert.NotEqual(pan, number);
        Assert.Equal(7, first.GetProperty("expiry_month").GetInt32());
        Assert.Equal(Year, first.GetProperty("expiry_year").GetInt32());
        Assert.Equal(expectedExpiry, first.GetProperty("expires_at").GetString());
        Assert.False(first.TryGetProperty("cryptogram_reference", out _));

        // Each request is a new cryptogram for the same token number.
        JsonElement second = await CryptogramAsync(tenant, id, new { amount = 1999, currency = "EUR" });
        Assert.NotEqual(first.GetProperty("cryptogram").GetString(), second.GetProperty("cryptogram").GetString());
        Assert.Equal(number, second.GetProperty("number").GetString());

        // The token number is only ever returned here: the token itself never shows it.
        string tokenText = (await GetTokenAsync(tenant, id)).GetRawText();
        Assert.DoesNotContain(number, tokenText, StringComparison.Ordinal);
        Assert.DoesNotContain(pan, tokenText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cryptogram_Authorize_ValidOnce_ThenAlreadyUsed_ForgedAndAlteredFail()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));
        string cryptogram = (await CryptogramAsync(tenant, id, new { amount = 1000, currency = "EUR" })).GetProperty("cryptogram").GetString()!;

        // Forgeries do not use the cryptogram up.
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, FlipOneCharacter(cryptogram), 1000, "EUR"));
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, cryptogram, 1001, "EUR"));
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, cryptogram, 1000, "USD"));
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, cryptogram, null, null));
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, "not base64!", 1000, "EUR"));

        using (HttpClient admin = app.AdminClient(tenant.Id))
        using (HttpResponseMessage valid = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram, amount = 1000, currency = "EUR" }))
        {
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
            JsonElement body = await valid.Content.ReadFromJsonAsync();
            Assert.True(body.GetProperty("valid").GetBoolean());
            Assert.Equal("valid", body.GetProperty("result").GetString());
        }

        using (HttpClient admin = app.AdminClient(tenant.Id))
        using (HttpResponseMessage replay = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram, amount = 1000, currency = "EUR" }))
        {
            JsonElement body = await replay.Content.ReadFromJsonAsync();
            Assert.False(body.GetProperty("valid").GetBoolean());
            Assert.Equal("already_used", body.GetProperty("result").GetString());
        }

        // A cryptogram of this token is not one of another token, even in the same tenant.
        Guid otherId = Id(await CreateFromPanAsync(tenant, TestCards.Mastercard));
        string otherCryptogram = (await CryptogramAsync(tenant, otherId, new { amount = 1000, currency = "EUR" })).GetProperty("cryptogram").GetString()!;
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, otherCryptogram, 1000, "EUR"));
        Assert.Equal("valid", await AuthorizeAsync(tenant, otherId, otherCryptogram, 1000, "EUR"));
    }

    [Fact]
    public async Task Cryptogram_WithoutAmount_VerifiesWithoutAmount()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));

        using HttpResponseMessage response = await tenant.Client.PostAsync($"{Tokens}/{id}/cryptograms", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string cryptogram = (await response.Content.ReadFromJsonAsync()).GetProperty("cryptogram").GetString()!;

        Assert.Equal("forged", await AuthorizeAsync(tenant, id, cryptogram, 100, "EUR"));
        Assert.Equal("valid", await AuthorizeAsync(tenant, id, cryptogram, null, null));
    }

    [Fact]
    public async Task Cryptogram_AfterTheTtl_IsExpired()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));
        string beforeTtl = (await CryptogramAsync(tenant, id, new { amount = 500, currency = "GBP" })).GetProperty("cryptogram").GetString()!;
        string late = (await CryptogramAsync(tenant, id, new { amount = 500, currency = "GBP" })).GetProperty("cryptogram").GetString()!;

        app.Clock.Advance(TimeSpan.FromMinutes(9));
        try
        {
            Assert.Equal("valid", await AuthorizeAsync(tenant, id, beforeTtl, 500, "GBP"));
            app.Clock.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal("expired", await AuthorizeAsync(tenant, id, late, 500, "GBP"));
            Assert.Equal("expired", await AuthorizeAsync(tenant, id, late, 500, "GBP"));
            Assert.Equal("already_used", await AuthorizeAsync(tenant, id, beforeTtl, 500, "GBP"));
        }
        finally
        {
            app.Clock.Advance(TimeSpan.FromMinutes(-11));
        }
    }

    [Fact]
    public async Task Cryptogram_ReferenceMode_ReturnsOnlyAReference()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa, month: 3));
        string expectedExpiry = Timestamp(app.Clock.GetUtcNow() + TimeSpan.FromMinutes(10));

        JsonElement first = await CryptogramAsync(tenant, id, new { amount = 1000, currency = "EUR", mode = "reference" });
        JsonElement second = await CryptogramAsync(tenant, id, new { mode = "reference" });

        Assert.Matches(ReferenceShape(), first.GetProperty("cryptogram_reference").GetString());
        Assert.NotEqual(first.GetProperty("cryptogram_reference").GetString(), second.GetProperty("cryptogram_reference").GetString());
        foreach (string absent in new[] { "cryptogram", "eci", "type", "dynamic_cvv", "number" })
        {
            Assert.False(first.TryGetProperty(absent, out _), absent);
        }

        Assert.Equal(3, first.GetProperty("expiry_month").GetInt32());
        Assert.Equal(expectedExpiry, first.GetProperty("expires_at").GetString());
        Assert.DoesNotContain("489537", first.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cryptogram_WithoutDataOut_Is403_AndIssuesNothing()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));

        using HttpResponseMessage value = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { amount = 1, currency = "EUR" });
        using HttpResponseMessage reference = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { mode = "reference" });

        await GuardianAssert.ErrorAsync(value, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(reference, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(["network_token.created"], (await EventsAsync(tenant, id)).Select(e => e.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Cryptogram_OnASuspendedToken_Is409_AndWorksAgainAfterResume()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));
        await SuspendAsync(tenant, id);

        using (HttpResponseMessage value = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { }))
        using (HttpResponseMessage reference = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { mode = "reference" }))
        {
            await GuardianAssert.ErrorAsync(value, HttpStatusCode.Conflict, "CONFLICT");
            await GuardianAssert.ErrorAsync(reference, HttpStatusCode.Conflict, "CONFLICT");
        }

        await ResumeAsync(tenant, id);
        JsonElement cryptogram = await CryptogramAsync(tenant, id, new { });
        Assert.True(cryptogram.TryGetProperty("cryptogram", out _));
    }

    [Fact]
    public async Task Cryptogram_InvalidBody_Is422()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));

        using HttpResponseMessage mode = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { mode = "raw" });
        using HttpResponseMessage amount = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { amount = -1 });
        using HttpResponseMessage amountType = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { amount = "10" });
        using HttpResponseMessage currency = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { currency = "eur" });

        await GuardianAssert.ValidationAsync(mode, "$.mode");
        await GuardianAssert.ValidationAsync(amount, "$.amount");
        await GuardianAssert.ValidationAsync(amountType, "$.amount");
        await GuardianAssert.ValidationAsync(currency, "$.currency");
        Assert.Single(await EventsAsync(tenant, id));
    }

    // ---------------------------------------------------------------- events

    [Fact]
    public async Task Events_ListCreationStatusChangesAndCryptogramsInOrder_WithoutCardData()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Visa));
        await SuspendAsync(tenant, id, "lost phone");
        await SimulateOkAsync(tenant, id, "suspend", "cardholder");
        await ResumeAsync(tenant, id, "phone found");
        await SimulateOkAsync(tenant, id, "resume", "cardholder");
        string number = (await CryptogramAsync(tenant, id, new { amount = 10, currency = "EUR" })).GetProperty("number").GetString()!;
        await CryptogramAsync(tenant, id, new { mode = "reference" });
        using (HttpResponseMessage delete = await tenant.Client.DeleteAsync($"{Tokens}/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        using HttpResponseMessage response = await tenant.Client.GetAsync($"{Tokens}/{id}/events");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        List<JsonElement> events = JsonDocument.Parse(text).RootElement.GetProperty("data").EnumerateArray().ToList();

        Assert.Equal(
            [
                "network_token.created",
                "network_token.status_changed",
                "network_token.status_changed",
                "network_token.status_changed",
                "network_token.status_changed",
                "network_token.cryptogram_issued",
                "network_token.cryptogram_issued",
                "network_token.deleted",
            ],
            events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(events.Count, events.Select(e => e.GetProperty("id").GetGuid()).Distinct().Count());
        Assert.All(events, e => Assert.Matches(Rfc3339Seconds(), e.GetProperty("created_at").GetString()));

        Assert.Equal("active", events[0].GetProperty("data").GetProperty("status").GetString());
        AssertChange(events[1], "suspended", "active", "merchant", "lost phone");
        AssertChange(events[2], "suspended", "suspended", "cardholder", "Simulated suspend by the cardholder.");
        AssertChange(events[3], "suspended", "suspended", "merchant", "phone found");
        AssertChange(events[4], "active", "suspended", "cardholder", "Simulated resume by the cardholder.");
        Assert.Equal("value", events[5].GetProperty("data").GetProperty("mode").GetString());
        Assert.Equal("reference", events[6].GetProperty("data").GetProperty("mode").GetString());
        AssertChange(events[7], "deleted", "active", "merchant", "Deleted by the merchant.");

        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);
        Assert.DoesNotContain(number, text, StringComparison.Ordinal);
        Assert.DoesNotContain("411111", text, StringComparison.Ordinal);

        static void AssertChange(JsonElement e, string status, string previous, string party, string reason)
        {
            JsonElement data = e.GetProperty("data");
            Assert.Equal(status, data.GetProperty("status").GetString());
            Assert.Equal(previous, data.GetProperty("previous_status").GetString());
            Assert.Equal(party, data.GetProperty("party").GetString());
            Assert.Equal(reason, data.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Suspend_ReasonWithACardNumber_Is422_AndChangesNothing()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Mastercard));

        using HttpResponseMessage pan = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/suspend", new { reason = "card " + TestCards.Visa + " stolen" });
        using HttpResponseMessage longReason = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/suspend", new { reason = new string('x', 201) });

        JsonElement body = await GuardianAssert.ValidationAsync(pan, "$.reason");
        Assert.DoesNotContain(TestCards.Visa, body.GetRawText(), StringComparison.Ordinal);
        await GuardianAssert.ValidationAsync(longReason, "$.reason");
        Assert.Equal("active", Status(await GetTokenAsync(tenant, id)));
        Assert.Single(await EventsAsync(tenant, id));
    }

    // ---------------------------------------------------------------- isolation

    [Fact]
    public async Task OtherTenant_Gets404ForEveryOperation_AndTheTokenIsUnchanged()
    {
        TestTenant owner = await app.CreateTenantAsync("Owner", DataOutScopes);
        TestTenant other = await app.CreateTenantAsync("Other", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(owner, TestCards.Visa));
        string before = (await GetTokenAsync(owner, id)).GetRawText();
        string cryptogram = (await CryptogramAsync(owner, id, new { amount = 5, currency = "EUR" })).GetProperty("cryptogram").GetString()!;
        int eventsBefore = (await EventsAsync(owner, id)).Count;

        using HttpClient otherAdmin = app.AdminClient(other.Id);
        using HttpResponseMessage get = await other.Client.GetAsync($"{Tokens}/{id}");
        using HttpResponseMessage delete = await other.Client.DeleteAsync($"{Tokens}/{id}");
        using HttpResponseMessage suspend = await other.Client.PostAsync($"{Tokens}/{id}/suspend", null);
        using HttpResponseMessage resume = await other.Client.PostAsync($"{Tokens}/{id}/resume", null);
        using HttpResponseMessage events = await other.Client.GetAsync($"{Tokens}/{id}/events");
        using HttpResponseMessage value = await other.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { });
        using HttpResponseMessage reference = await other.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { mode = "reference" });
        using HttpResponseMessage simulate = await otherAdmin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/events", new { @event = "suspend", party = "issuer" });
        using HttpResponseMessage authorize = await otherAdmin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram, amount = 5, currency = "EUR" });

        foreach (HttpResponseMessage response in new[] { get, delete, suspend, resume, events, value, reference, simulate, authorize })
        {
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        Assert.Equal(before, (await GetTokenAsync(owner, id)).GetRawText());
        Assert.Equal(eventsBefore, (await EventsAsync(owner, id)).Count);

        // The other tenant's attempt did not use the cryptogram up.
        Assert.Equal("valid", await AuthorizeAsync(owner, id, cryptogram, 5, "EUR"));
    }

    // ---------------------------------------------------------------- card data

    [Fact]
    public async Task Authorize_GenuineCryptogramOfASuspendedOrDeletedToken_IsDeclined()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid id = Id(await CreateFromPanAsync(tenant, TestCards.Mastercard));
        string first = (await CryptogramAsync(tenant, id, new { amount = 10, currency = "EUR" })).GetProperty("cryptogram").GetString()!;
        string second = (await CryptogramAsync(tenant, id, new { amount = 10, currency = "EUR" })).GetProperty("cryptogram").GetString()!;

        await SuspendAsync(tenant, id);
        Assert.Equal("token_not_active", await AuthorizeAsync(tenant, id, first, 10, "EUR"));
        using (HttpResponseMessage resumed = await tenant.Client.PostAsync($"/api/network/tokens/{id}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        }

        Assert.Equal("valid", await AuthorizeAsync(tenant, id, first, 10, "EUR")); // the suspension did not use it up
        using (HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/network/tokens/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.Equal("token_not_active", await AuthorizeAsync(tenant, id, second, 10, "EUR"));
    }

    [Fact]
    public async Task Workload_LeavesNoFundingPanOrTokenNumberInTheLogs()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        string[] pans = [TestCards.Visa, TestCards.Mastercard, TestCards.Amex, TestCards.Discover, VisaInactive, VisaIssuerSuspends, MastercardInactive];
        var numbers = new List<string>();
        foreach (string pan in pans)
        {
            JsonElement token = await CreateAsync(tenant, new { source = TestCards.PanSource(pan, securityCode: pan == TestCards.Amex ? "1234" : "123") });
            Guid id = Id(token);
            using HttpResponseMessage cryptogram = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { amount = 100, currency = "EUR" });
            if (cryptogram.StatusCode == HttpStatusCode.OK)
            {
                JsonElement body = await cryptogram.Content.ReadFromJsonAsync();
                numbers.Add(body.GetProperty("number").GetString()!);
                Assert.Equal("valid", await AuthorizeAsync(tenant, id, body.GetProperty("cryptogram").GetString()!, 100, "EUR"));
            }

            await CryptogramAsyncIfActive(tenant, id);
            using HttpResponseMessage suspend = await tenant.Client.PostAsync($"{Tokens}/{id}/suspend", null);
            using HttpResponseMessage delete = await tenant.Client.DeleteAsync($"{Tokens}/{id}");
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        // Declines, an unsupported scheme and a session-provisioned token.
        using (HttpResponseMessage declined = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(VisaDecline) }))
        using (HttpResponseMessage mcDeclined = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource(MastercardDecline) }))
        using (HttpResponseMessage jcb = await tenant.Client.PostAsJsonAsync(Tokens, new { source = TestCards.PanSource("3530111333300000") }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, declined.StatusCode);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, mcDeclined.StatusCode);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, jcb.StatusCode);
        }

        Guid sessionId = await OpenSessionAsync(tenant);
        using (HttpResponseMessage completed = await CompleteSessionAsync(sessionId, TestCards.Visa))
        {
            Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
            Guid sessionToken = (await completed.Content.ReadFromJsonAsync()).GetProperty("network_token_id").GetGuid();
            numbers.Add((await CryptogramAsync(tenant, sessionToken, new { })).GetProperty("number").GetString()!);
        }

        Assert.True(numbers.Count >= 5, $"cryptograms issued: {numbers.Count}");
        string logs = app.Logs.AllText;
        Assert.Contains("network token", logs, StringComparison.Ordinal);
        foreach (string secret in pans.Concat([VisaDecline, MastercardDecline, "3530111333300000"]).Concat(numbers))
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }

        async Task CryptogramAsyncIfActive(TestTenant t, Guid id)
        {
            using HttpResponseMessage reference = await t.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", new { mode = "reference" });
            Assert.True(reference.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, reference.StatusCode.ToString());
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Guid Id(JsonElement token) => token.GetProperty("id").GetGuid();

    private static string? Status(JsonElement token) => token.GetProperty("network_token").GetProperty("status").GetString();

    private static string? Reference(JsonElement token) => token.GetProperty("network_token").GetProperty("scheme_reference").GetString();

    private static string[] SuspendedBy(JsonElement token) =>
        token.GetProperty("network_token").TryGetProperty("suspended_by", out JsonElement parties)
            ? parties.EnumerateArray().Select(p => p.GetString()!).ToArray()
            : [];

    private static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool Luhn(string digits)
    {
        int sum = 0;
        for (int i = 0; i < digits.Length; i++)
        {
            int d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    /// <summary>Changes one character inside the MAC part of a base64 cryptogram (still valid base64).</summary>
    private static string FlipOneCharacter(string cryptogram)
    {
        char[] chars = cryptogram.ToCharArray();
        chars[12] = chars[12] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    private static async Task<JsonElement> CreateAsync(TestTenant tenant, object body)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    private static Task<JsonElement> CreateFromPanAsync(TestTenant tenant, string pan, int month = 12) =>
        CreateAsync(tenant, new { source = TestCards.PanSource(pan, month: month, securityCode: pan.Length == 15 ? "1234" : "123") });

    private static async Task<JsonElement> GetTokenAsync(TestTenant tenant, Guid id)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"{Tokens}/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    private static async Task<Guid> CreatePciTokenAsync(TestTenant tenant, string pan) =>
        Guid.Parse(await tenant.TokenizeIdAsync(TestCards.PanSource(pan)));

    private static async Task<JsonElement> SuspendAsync(TestTenant tenant, Guid id, string? reason = null)
    {
        using HttpResponseMessage response = reason is null
            ? await tenant.Client.PostAsync($"{Tokens}/{id}/suspend", null)
            : await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/suspend", new { reason });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    private static async Task<JsonElement> ResumeAsync(TestTenant tenant, Guid id, string? reason = null)
    {
        using HttpResponseMessage response = reason is null
            ? await tenant.Client.PostAsync($"{Tokens}/{id}/resume", null)
            : await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/resume", new { reason });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    private static async Task<JsonElement> CryptogramAsync(TestTenant tenant, Guid id, object body)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync($"{Tokens}/{id}/cryptograms", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    private static async Task<List<JsonElement>> EventsAsync(TestTenant tenant, Guid id)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"{Tokens}/{id}/events");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray().ToList();
    }

    private async Task<HttpResponseMessage> SimulateAsync(TestTenant tenant, Guid id, string? eventName, string? party)
    {
        using HttpClient admin = app.AdminClient(tenant.Id);
        return await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/events", new { @event = eventName, party });
    }

    private async Task<JsonElement> SimulateOkAsync(TestTenant tenant, Guid id, string eventName, string party)
    {
        using HttpResponseMessage response = await SimulateAsync(tenant, id, eventName, party);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    /// <summary>The simulator's verdict on a cryptogram (the network at authorization); the result string.</summary>
    private async Task<string?> AuthorizeAsync(TestTenant tenant, Guid id, string cryptogram, long? amount, string? currency)
    {
        using HttpClient admin = app.AdminClient(tenant.Id);
        using HttpResponseMessage response = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram, amount, currency });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        string? result = body.GetProperty("result").GetString();
        Assert.Equal(result == "valid", body.GetProperty("valid").GetBoolean());
        return result;
    }

    private static async Task<Guid> OpenSessionAsync(TestTenant tenant)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(Tokens, new { source = new { type = "session" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("session_id").GetGuid();
    }

    private async Task<HttpResponseMessage> CompleteSessionAsync(Guid sessionId, string pan)
    {
        using HttpClient browser = app.CreateClient();
        return await browser.PostAsJsonAsync($"/sessions/{sessionId}/complete", new
        {
            account_number = pan,
            expiry_month = 12,
            expiry_year = Year,
            security_code = pan.Length == 15 ? "1234" : "123",
            cardholder_name = "Jane Doe",
        });
    }

    private static async Task<JsonElement> GetSessionAsync(TestTenant tenant, Guid sessionId)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/sessions/{sessionId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }
}
