using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Tenancy;

namespace Strongroom.Server.Tests;

/// <summary>The WhiteBIT v4 dialect: sub-accounts, their API keys, and every signed-request rejection.</summary>
public sealed class WhiteBitTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string CreateSub = "/api/v4/sub-account/create";
    private const string ListSubs = "/api/v4/sub-account/list";
    private const string CreateKey = "/api/v4/sub-account/api-key/create";
    private const string ListKeys = "/api/v4/sub-account/api-key/list";
    private const string EditKey = "/api/v4/sub-account/api-key/edit";
    private const string DeleteKey = "/api/v4/sub-account/api-key/delete";
    private const string ResetKey = "/api/v4/sub-account/api-key/reset";

    [Fact]
    public async Task CreateSubAccount_ThenListIt()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);

        using HttpResponseMessage created = await signer.PostAsync(CreateSub, new { alias = "trading_bot" });
        using HttpResponseMessage listed = await signer.PostAsync(ListSubs, new { limit = 10, offset = 0 });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonElement sub = await created.Content.ReadFromJsonAsync();
        Assert.Equal("trading_bot", sub.GetProperty("alias").GetString());
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        JsonElement list = await listed.Content.ReadFromJsonAsync();
        Assert.Equal(sub.GetProperty("id").GetString(), Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(10, list.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task CreateKey_Returns201WithTheSeedShape_SecretShownOnlyOnce()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);

        using HttpResponseMessage created = await signer.PostAsync(CreateKey, new { type = 1, subAccountId = subId, title = "Trading Bot Key" });
        using HttpResponseMessage listed = await signer.PostAsync(ListKeys, new { subAccountId = subId });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonElement key = await created.Content.ReadFromJsonAsync();
        string[] expected = ["subAccountId", "id", "title", "isEnabled", "apiKey", "apiSecret", "type", "lastActivity", "restrictAccess", "accessEndpoints"];
        Assert.Equal(expected, key.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(subId, key.GetProperty("subAccountId").GetString());
        Assert.Equal("Trading Bot Key", key.GetProperty("title").GetString());
        Assert.True(key.GetProperty("isEnabled").GetBoolean());
        Assert.Equal(1, key.GetProperty("type").GetInt32());
        Assert.Equal(64, key.GetProperty("apiSecret").GetString()!.Length);
        Assert.False(key.GetProperty("restrictAccess").GetBoolean());
        Assert.Empty(key.GetProperty("accessEndpoints").EnumerateArray());

        JsonElement listedKey = Assert.Single((await listed.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        Assert.Equal(key.GetProperty("apiKey").GetString(), listedKey.GetProperty("apiKey").GetString());
        Assert.Equal("", listedKey.GetProperty("apiSecret").GetString());
    }

    [Fact]
    public async Task FiftyFirstKey_Returns400InWhiteBitShape()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        for (int i = 0; i < 50; i++)
        {
            using HttpResponseMessage ok = await signer.PostAsync(CreateKey, new { type = 1, subAccountId = subId });
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        }

        using HttpResponseMessage rejected = await signer.PostAsync(CreateKey, new { type = 1, subAccountId = subId });

        JsonElement error = await AssertValidationAsync(rejected, "subAccountId");
        Assert.Contains("50", error.GetProperty("errors").GetProperty("subAccountId")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"subAccountId":"SUB"}""", "type")]
    [InlineData("""{"type":3,"subAccountId":"SUB"}""", "type")]
    [InlineData("""{"type":"1","subAccountId":"SUB"}""", "type")]
    [InlineData("""{"type":1}""", "subAccountId")]
    [InlineData("""{"type":1,"subAccountId":"not-a-uuid"}""", "subAccountId")]
    [InlineData("""{"type":1,"subAccountId":"00000000-0000-0000-0000-000000000001"}""", "subAccountId")]
    public async Task CreateKey_InvalidInput_Returns400WithFieldErrors(string fields, string field)
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        object body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(fields.Replace("SUB", subId, StringComparison.Ordinal))!;

        using HttpResponseMessage response = await signer.PostAsync(CreateKey, body);

        await AssertValidationAsync(response, field);
    }

    [Fact]
    public async Task OtherAccountsSubAccount_IsInvalid()
    {
        (_, WhiteBitSigner owner) = await WhiteBitSigner.CreateAccountAsync(app);
        (_, WhiteBitSigner stranger) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(owner);

        using HttpResponseMessage create = await stranger.PostAsync(CreateKey, new { type = 1, subAccountId = subId });
        using HttpResponseMessage list = await stranger.PostAsync(ListKeys, new { subAccountId = subId });

        await AssertValidationAsync(create, "subAccountId");
        await AssertValidationAsync(list, "subAccountId");
    }

    [Fact]
    public async Task EditKey_ChangesTitleRestrictionAndEndpoints()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        JsonElement key = await CreateKeyAsync(signer, subId);

        using HttpResponseMessage edited = await signer.PostAsync(EditKey, new
        {
            subAccountId = subId,
            apiKeyId = key.GetProperty("id").GetString(),
            title = "Renamed",
            restrictAccess = true,
            accessEndpoints = new[] { new { name = ListKeys, title = "whatever" } },
        });
        using HttpResponseMessage badEndpoint = await signer.PostAsync(EditKey, new
        {
            subAccountId = subId,
            apiKeyId = key.GetProperty("id").GetString(),
            accessEndpoints = new[] { new { name = "/api/v4/main-account/withdraw" } },
        });

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        JsonElement body = await edited.Content.ReadFromJsonAsync();
        Assert.Equal("Renamed", body.GetProperty("title").GetString());
        Assert.True(body.GetProperty("restrictAccess").GetBoolean());
        JsonElement endpoint = Assert.Single(body.GetProperty("accessEndpoints").EnumerateArray());
        Assert.Equal(ListKeys, endpoint.GetProperty("name").GetString());
        Assert.Equal("List Sub-Account API Keys", endpoint.GetProperty("title").GetString());
        Assert.Equal("", body.GetProperty("apiSecret").GetString());
        await AssertValidationAsync(badEndpoint, "accessEndpoints.0.name");
    }

    [Fact]
    public async Task DisabledKey_Returns401WithWhiteBitMessage()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        JsonElement key = await CreateKeyAsync(signer, subId);
        var subSigner = new WhiteBitSigner(app.CreateClient(), key.GetProperty("apiKey").GetString()!, key.GetProperty("apiSecret").GetString()!);

        using HttpResponseMessage enabled = await subSigner.PostAsync(ListSubs);
        using HttpResponseMessage disable = await signer.PostAsync(EditKey, new { subAccountId = subId, apiKeyId = key.GetProperty("id").GetString(), isEnabled = false });
        using HttpResponseMessage disabled = await subSigner.PostAsync(ListSubs);

        // An enabled sub-account key is authenticated but may not manage sub-accounts; a disabled one is not authenticated.
        await AssertErrorAsync(enabled, HttpStatusCode.Forbidden, "You don't have permission to use this endpoint.");
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        await AssertErrorAsync(disabled, HttpStatusCode.Unauthorized, "This action is unauthorized. Enable your key in API settings");
    }

    [Fact]
    public async Task RestrictedKey_OnlyReachesItsAccessEndpoints()
    {
        (Guid accountId, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        SigningKeyService keys = app.Services.GetRequiredService<SigningKeyService>();
        SigningKeyRecord main = Assert.Single(await keys.ListAsync(accountId, 10, 0, CancellationToken.None));
        await keys.EditAsync(accountId, main.Id, null, null, restrictAccess: true, [new AccessEndpoint(ListSubs, "List of Sub-Accounts")], Strongroom.Core.Audit.Actor.Admin, CancellationToken.None);

        using HttpResponseMessage allowed = await signer.PostAsync(ListSubs);
        using HttpResponseMessage refused = await signer.PostAsync(CreateSub, new { alias = "nope" });

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        await AssertErrorAsync(refused, HttpStatusCode.Forbidden, "You don't have permission to use this endpoint.");
    }

    [Fact]
    public async Task ResetKey_NewSecretWorks_OldSecretIsRefused()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        JsonElement key = await CreateKeyAsync(signer, subId);
        var subSigner = new WhiteBitSigner(app.CreateClient(), key.GetProperty("apiKey").GetString()!, key.GetProperty("apiSecret").GetString()!);

        using HttpResponseMessage reset = await signer.PostAsync(ResetKey, new { subAccountId = subId, apiKeyId = key.GetProperty("id").GetString() });
        JsonElement resetKey = await reset.Content.ReadFromJsonAsync();
        using HttpResponseMessage withOld = await subSigner.PostAsync(ListSubs);
        subSigner.ApiSecret = resetKey.GetProperty("apiSecret").GetString()!;
        using HttpResponseMessage withNew = await subSigner.PostAsync(ListSubs);

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.NotEqual(key.GetProperty("apiSecret").GetString(), resetKey.GetProperty("apiSecret").GetString());
        Assert.Equal(key.GetProperty("apiKey").GetString(), resetKey.GetProperty("apiKey").GetString());
        await AssertErrorAsync(withOld, HttpStatusCode.Unauthorized, "Unauthorized request.");
        await AssertErrorAsync(withNew, HttpStatusCode.Forbidden, "You don't have permission to use this endpoint.");
    }

    [Fact]
    public async Task DeleteKey_RemovesItAndItStopsWorking()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        JsonElement key = await CreateKeyAsync(signer, subId);
        var subSigner = new WhiteBitSigner(app.CreateClient(), key.GetProperty("apiKey").GetString()!, key.GetProperty("apiSecret").GetString()!);

        using HttpResponseMessage deleted = await signer.PostAsync(DeleteKey, new { subAccountId = subId, apiKeyId = key.GetProperty("id").GetString() });
        using HttpResponseMessage again = await signer.PostAsync(DeleteKey, new { subAccountId = subId, apiKeyId = key.GetProperty("id").GetString() });
        using HttpResponseMessage listed = await signer.PostAsync(ListKeys, new { subAccountId = subId });
        using HttpResponseMessage used = await subSigner.PostAsync(ListSubs);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await AssertValidationAsync(again, "apiKeyId");
        Assert.Empty((await listed.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        await AssertErrorAsync(used, HttpStatusCode.Unauthorized, "Unauthorized request.");
    }

    [Fact]
    public async Task LastActivity_UpdatesOnUse()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        JsonElement key = await CreateKeyAsync(signer, subId);
        var subSigner = new WhiteBitSigner(app.CreateClient(), key.GetProperty("apiKey").GetString()!, key.GetProperty("apiSecret").GetString()!);

        using HttpResponseMessage used = await subSigner.PostAsync(ListSubs);
        using HttpResponseMessage listed = await signer.PostAsync(ListKeys, new { subAccountId = subId });

        Assert.Equal(0, key.GetProperty("lastActivity").GetInt64());
        long lastActivity = Assert.Single((await listed.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("lastActivity").GetInt64();
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeSeconds(), lastActivity);
    }

    // ---- signed-request rejections ----

    [Fact]
    public async Task BadSignature_Returns401UnauthorizedRequest()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string body = $$"""{"request":"{{ListSubs}}","nonce":{{signer.NextNonce()}}}""";
        string payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(body));

        using HttpResponseMessage wrongSecret = await signer.SendAsync(signer.BuildRaw(ListSubs, body, signatureOverride: WhiteBitSigner.Sign(payload, "not-the-secret")));
        using HttpResponseMessage garbage = await signer.SendAsync(signer.BuildRaw(ListSubs, body, signatureOverride: "zz"));

        await AssertErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "Unauthorized request.");
        await AssertErrorAsync(garbage, HttpStatusCode.Unauthorized, "Unauthorized request.");
    }

    [Fact]
    public async Task UnknownApiKey_Returns401UnauthorizedRequest()
    {
        var stranger = new WhiteBitSigner(app.CreateClient(), "0123456789abcdef0123456789abcdef", "secret");

        using HttpResponseMessage response = await stranger.PostAsync(ListSubs);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "Unauthorized request.");
    }

    [Fact]
    public async Task MissingPayloadHeader_Returns401PayloadNotProvided()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        HttpRequestMessage request = signer.Build(ListSubs);
        request.Headers.Remove("X-TXC-PAYLOAD");

        using HttpResponseMessage response = await signer.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "Payload not provided.");
    }

    [Fact]
    public async Task TamperedBody_Returns401InvalidPayload()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        long nonce = signer.NextNonce();
        string signedBody = $$"""{"request":"{{ListSubs}}","nonce":{{nonce}},"limit":1}""";
        string sentBody = $$"""{"request":"{{ListSubs}}","nonce":{{nonce}},"limit":100}""";
        string payload = Convert.ToBase64String(Encoding.UTF8.GetBytes(signedBody));

        using HttpResponseMessage response = await signer.SendAsync(signer.BuildRaw(ListSubs, sentBody, payloadOverride: payload));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "Invalid payload");
    }

    [Fact]
    public async Task SignedForAnotherPath_Returns401()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);

        using HttpResponseMessage response = await signer.SendAsync(signer.Build(CreateSub, new { alias = "x" }, requestPath: ListSubs));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "Request path does not match the signed request.");
    }

    [Fact]
    public async Task MissingNonce_Returns401NonceNotProvided()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);

        using HttpResponseMessage response = await signer.SendAsync(signer.BuildRaw(ListSubs, $$"""{"request":"{{ListSubs}}"}"""));

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "Nonce not provided.");
    }

    [Fact]
    public async Task ReplayedOrSmallerNonce_Returns401TooManyRequests()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        long nonce = signer.NextNonce();

        using HttpResponseMessage first = await signer.PostAsync(ListSubs, nonce: nonce);
        using HttpResponseMessage replay = await signer.PostAsync(ListSubs, nonce: nonce);
        using HttpResponseMessage smaller = await signer.PostAsync(ListSubs, nonce: nonce - 1);
        using HttpResponseMessage larger = await signer.PostAsync(ListSubs, nonce: nonce + 1);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertErrorAsync(replay, HttpStatusCode.Unauthorized, "Too many requests.");
        await AssertErrorAsync(smaller, HttpStatusCode.Unauthorized, "Too many requests.");
        Assert.Equal(HttpStatusCode.OK, larger.StatusCode);
    }

    [Fact]
    public async Task ConcurrentReplays_OnlyOneSucceeds()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        long nonce = signer.NextNonce();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => signer.PostAsync(ListSubs, nonce: nonce)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        foreach (HttpResponseMessage response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task NonceWindow_AcceptsTimestampsWithin5Seconds_RejectsReplayAndDrift()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        long now = app.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        using HttpResponseMessage inWindow = await signer.PostAsync(ListSubs, nonce: now - 4_000, nonceWindow: true);
        using HttpResponseMessage replay = await signer.PostAsync(ListSubs, nonce: now - 4_000, nonceWindow: true);
        using HttpResponseMessage olderButFresh = await signer.PostAsync(ListSubs, nonce: now - 4_500, nonceWindow: true);
        using HttpResponseMessage tooOld = await signer.PostAsync(ListSubs, nonce: now - 6_000, nonceWindow: true);
        using HttpResponseMessage tooNew = await signer.PostAsync(ListSubs, nonce: now + 6_000, nonceWindow: true);

        Assert.Equal(HttpStatusCode.OK, inWindow.StatusCode);
        await AssertErrorAsync(replay, HttpStatusCode.Unauthorized, "Too many requests.");
        Assert.Equal(HttpStatusCode.OK, olderButFresh.StatusCode);
        await AssertErrorAsync(tooOld, HttpStatusCode.Unauthorized, "Nonce is outside the allowed window of 5 seconds.");
        await AssertErrorAsync(tooNew, HttpStatusCode.Unauthorized, "Nonce is outside the allowed window of 5 seconds.");
    }

    [Fact]
    public async Task SigningSecrets_AreNotStoredInTheClear()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        string subId = await CreateSubAccountAsync(signer);
        JsonElement key = await CreateKeyAsync(signer, subId);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        byte[] database = File.ReadAllBytes(app.DatabasePath).Concat(File.Exists(app.DatabasePath + "-wal") ? File.ReadAllBytes(app.DatabasePath + "-wal") : []).ToArray();

        Assert.True(database.AsSpan().IndexOf(Encoding.ASCII.GetBytes(key.GetProperty("apiKey").GetString()!)) >= 0, "the public key is stored (positive control)");
        Assert.True(database.AsSpan().IndexOf(Encoding.ASCII.GetBytes(key.GetProperty("apiSecret").GetString()!)) < 0, "the secret must only be stored sealed");
        Assert.True(database.AsSpan().IndexOf(Encoding.ASCII.GetBytes(signer.ApiSecret)) < 0, "the account key's secret must only be stored sealed");
    }

    [Fact]
    public async Task UnknownV4Route_Returns404InWhiteBitShape()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/api/v4/main-account/withdraw", new StringContent("{}"));

        await AssertErrorAsync(response, HttpStatusCode.NotFound, "Not found.");
    }

    private static async Task<string> CreateSubAccountAsync(WhiteBitSigner signer)
    {
        using HttpResponseMessage response = await signer.PostAsync(CreateSub, new { alias = "sub" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> CreateKeyAsync(WhiteBitSigner signer, string subId)
    {
        using HttpResponseMessage response = await signer.PostAsync(CreateKey, new { type = 1, subAccountId = subId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    private static async Task<JsonElement> AssertValidationAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Equal(30, body.GetProperty("code").GetInt32());
        Assert.Equal("Validation failed", body.GetProperty("message").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out JsonElement messages), $"no error for {field}: {body}");
        Assert.NotEmpty(messages.EnumerateArray());
        return body;
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string message)
    {
        Assert.Equal(status, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Equal((int)status, body.GetProperty("code").GetInt32());
        Assert.Equal(message, body.GetProperty("message").GetString());
    }
}
