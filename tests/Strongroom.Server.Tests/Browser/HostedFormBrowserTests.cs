using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Strongroom.Server.Tests;

/// <summary>
/// The hosted card form (SAQ-A: card data goes from the cardholder's browser straight to the vault) exercised the
/// way a cardholder uses it: real headless Chromium, real keystrokes so the form's live handlers run, against the
/// vault on a loopback port. The merchant side is plain API calls with an <c>x-api-key</c>: create the session,
/// then read its outcome and the resulting PCI token. Unit tests of the endpoints cannot show that the page's
/// script, its CSP and the completion endpoint actually work together; these do.
/// </summary>
public sealed class HostedFormBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Pan = TestCards.Visa;
    private const string BadLuhnPan = "4111111111111112";

    /// <summary>Case-insensitive text match. (A <c>Regex</c> with <c>RegexOptions.IgnoreCase</c> is matched case-sensitively by Playwright 1.64 for .NET.)</summary>
    private static readonly LocatorAssertionsToContainTextOptions IgnoringCase = new() { IgnoreCase = true };

    [SkippableFact]
    public async Task Cardholder_CompletesTheForm_AndTheMerchantReadsTheMaskedToken()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        TestTenant tenant = await chromium.Vault.Application.CreateTenantAsync();
        Guid sessionId = await CreateSessionAsync(tenant);
        IPage page = browser.Page;

        await OpenFormAsync(page, sessionId);
        await page.Locator("#card-number").PressSequentiallyAsync(Pan);
        await Expect(page.Locator("#card-scheme")).ToHaveTextAsync("Visa");
        await Expect(page.Locator("#card-number")).ToHaveValueAsync("4111 1111 1111 1111");
        await page.Locator("#card-expiry").PressSequentiallyAsync("12/34");
        await Expect(page.Locator("#card-expiry")).ToHaveValueAsync("12/34");
        await page.Locator("#card-cvc").PressSequentiallyAsync("123");
        await page.Locator("#cardholder-name").PressSequentiallyAsync("Jane Doe");
        string filled = await browser.ScreenshotAsync("hosted-form-filled");
        PublishToReadme(filled);

        await page.Locator("#cardholder-name").PressAsync("Enter");

        await browser.WaitForCompletionAsync();
        await Expect(page.Locator("#result")).ToBeVisibleAsync();
        await Expect(page.Locator("#result")).ToContainTextAsync("411111******1111");
        Assert.DoesNotContain(Pan, await page.Locator("#result").InnerTextAsync(), StringComparison.Ordinal);
        await browser.ScreenshotAsync("hosted-form-completed");
        Assert.Equal(1, browser.CompletionRequests);

        JsonElement session = await GetJsonAsync(tenant, $"/api/sessions/{sessionId}");
        Assert.Equal(sessionId.ToString(), session.GetProperty("id").GetString());
        Assert.Equal("pci_token", session.GetProperty("kind").GetString());
        Assert.Equal("completed", session.GetProperty("status").GetString());
        Assert.Equal("411111******1111", session.GetProperty("card").GetProperty("masked_account_number").GetString());
        Guid tokenId = session.GetProperty("pci_token_id").GetGuid();

        JsonElement token = await GetJsonAsync(tenant, $"/api/pci/tokens/{tokenId}");
        JsonElement card = token.GetProperty("card");
        Assert.EndsWith("1111", card.GetProperty("masked_account_number").GetString(), StringComparison.Ordinal);
        Assert.Equal("visa", card.GetProperty("scheme").GetString());
        Assert.Equal(12, card.GetProperty("expiry_month").GetInt32());
        Assert.Equal(2034, card.GetProperty("expiry_year").GetInt32());
        Assert.Equal("Jane Doe", card.GetProperty("cardholder_name").GetString());
        Assert.Equal("42", token.GetProperty("metadata").GetProperty("order").GetString());
        Assert.DoesNotContain(Pan, token.GetRawText(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task InvalidLuhn_IsShownOnTheCardNumber_WithoutContactingTheVault()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        TestTenant tenant = await chromium.Vault.Application.CreateTenantAsync();
        Guid sessionId = await CreateSessionAsync(tenant);
        IPage page = browser.Page;

        await OpenFormAsync(page, sessionId);
        await FillCardAsync(page, BadLuhnPan, "12/34", "123", "Jane Doe");
        await page.Locator("#submit").ClickAsync();

        ILocator error = page.Locator("#card-number-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("card number", IgnoringCase);
        await Expect(page.Locator("#card-number")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#card-number")).ToBeFocusedAsync();
        await AssertNoErrorAsync(page, "#card-expiry-error");
        await AssertNoErrorAsync(page, "#card-cvc-error");
        await AssertNoErrorAsync(page, "#cardholder-name-error");
        await Expect(page.Locator("main#session")).ToHaveAttributeAsync("data-state", "open");
        await Expect(page.Locator("#result")).ToBeHiddenAsync();
        await browser.ScreenshotAsync("hosted-form-invalid-luhn");

        Assert.True(browser.CompletionRequests == 0, "The form posted a card that fails the Luhn check: " + browser.Problems);
        JsonElement session = await GetJsonAsync(tenant, $"/api/sessions/{sessionId}");
        Assert.Equal("created", session.GetProperty("status").GetString());
        Assert.False(session.TryGetProperty("pci_token_id", out JsonElement tokenId) && tokenId.ValueKind != JsonValueKind.Null);
    }

    [SkippableFact]
    public async Task ExpiredDate_IsShownOnTheExpiryField_WithoutContactingTheVault()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        TestTenant tenant = await chromium.Vault.Application.CreateTenantAsync();
        Guid sessionId = await CreateSessionAsync(tenant);
        IPage page = browser.Page;

        await OpenFormAsync(page, sessionId);
        await FillCardAsync(page, Pan, "01/20", "123", "Jane Doe");
        await page.Locator("#submit").ClickAsync();

        await Expect(page.Locator("#card-expiry-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#card-expiry-error")).ToContainTextAsync("expired", IgnoringCase);
        await Expect(page.Locator("#card-expiry")).ToHaveAttributeAsync("aria-invalid", "true");
        await AssertNoErrorAsync(page, "#card-number-error");
        await Expect(page.Locator("#card-number")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await browser.ScreenshotAsync("hosted-form-expired");

        Assert.Equal(0, browser.CompletionRequests);
        JsonElement session = await GetJsonAsync(tenant, $"/api/sessions/{sessionId}");
        Assert.Equal("created", session.GetProperty("status").GetString());
    }

    /// <summary>
    /// The vault refuses a cardholder name that contains a card number (it would come back in masked reads);
    /// the page does not check that, so this is the vault's 422 mapped back onto the field — and the cardholder
    /// can then correct it and complete the same session.
    /// </summary>
    [SkippableFact]
    public async Task ServerValidationError_IsShownOnItsField_AndTheCardholderCanCorrectIt()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        TestTenant tenant = await chromium.Vault.Application.CreateTenantAsync();
        Guid sessionId = await CreateSessionAsync(tenant);
        int attemptsBefore = (await GetJsonAsync(tenant, $"/api/sessions/{sessionId}")).GetProperty("attempts_remaining").GetInt32();
        IPage page = browser.Page;

        await OpenFormAsync(page, sessionId);
        await FillCardAsync(page, Pan, "12/34", "123", "Jane " + TestCards.Mastercard);
        await page.Locator("#submit").ClickAsync();

        ILocator nameError = page.Locator("#cardholder-name-error");
        await Expect(nameError).ToBeVisibleAsync();
        await Expect(nameError).ToContainTextAsync("card number", IgnoringCase);
        await Expect(page.Locator("#cardholder-name")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#cardholder-name")).ToBeFocusedAsync();
        await AssertNoErrorAsync(page, "#card-number-error");
        await Expect(page.Locator("#submit")).ToBeEnabledAsync();
        await browser.ScreenshotAsync("hosted-form-server-error");
        Assert.Equal(1, browser.CompletionRequests);
        JsonElement refused = await GetJsonAsync(tenant, $"/api/sessions/{sessionId}");
        Assert.Equal("created", refused.GetProperty("status").GetString());
        Assert.Equal(attemptsBefore - 1, refused.GetProperty("attempts_remaining").GetInt32());

        await page.Locator("#cardholder-name").FillAsync("Jane Doe");
        await page.Locator("#submit").ClickAsync();

        await browser.WaitForCompletionAsync();
        await AssertNoErrorAsync(page, "#cardholder-name-error");
        JsonElement session = await GetJsonAsync(tenant, $"/api/sessions/{sessionId}");
        Assert.Equal("completed", session.GetProperty("status").GetString());
        Assert.Equal("Jane Doe", session.GetProperty("card").GetProperty("cardholder_name").GetString());
    }

    /// <summary>A cardholder without a mouse: the card number has focus on load, Tab walks the fields in order, Enter submits.</summary>
    [SkippableFact]
    public async Task KeyboardOnly_TabsThroughTheFieldsInOrder_AndSubmits()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        TestTenant tenant = await chromium.Vault.Application.CreateTenantAsync();
        Guid sessionId = await CreateSessionAsync(tenant);
        IPage page = browser.Page;

        await OpenFormAsync(page, sessionId);
        await Expect(page.Locator("#card-number")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(TestCards.Mastercard);
        await Expect(page.Locator("#card-scheme")).ToHaveTextAsync("Mastercard");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#card-expiry")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("1234");
        await Expect(page.Locator("#card-expiry")).ToHaveValueAsync("12/34");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#card-cvc")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("321");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#cardholder-name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("Jane Doe");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#submit")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await browser.WaitForCompletionAsync();
        await Expect(page.Locator("#result")).ToBeFocusedAsync();
        await Expect(page.Locator("#result")).ToContainTextAsync("555555******4444");
        JsonElement session = await GetJsonAsync(tenant, $"/api/sessions/{sessionId}");
        Assert.Equal("completed", session.GetProperty("status").GetString());
        Assert.Equal("mastercard", session.GetProperty("card").GetProperty("scheme").GetString());
    }

    [SkippableFact]
    public async Task Editing_KeepsTheCaret_AcceptsOneDigitMonths_ClearsFixedErrors_AndTrimsTheCode()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        TestTenant tenant = await chromium.Vault.Application.CreateTenantAsync();
        Guid sessionId = await CreateSessionAsync(tenant);
        IPage page = browser.Page;
        await OpenFormAsync(page, sessionId);
        ILocator number = page.Locator("#card-number");

        // Replacing the fifth digit in place: the new digit lands where the caret is, not at the end.
        await number.PressSequentiallyAsync("4111111111111111");
        await number.EvaluateAsync("e => e.setSelectionRange(6, 6)");
        await page.Keyboard.PressAsync("Backspace");
        await page.Keyboard.TypeAsync("2");
        await Expect(number).ToHaveValueAsync("4111 2111 1111 1111");
        Assert.Equal(6, await number.EvaluateAsync<int>("e => e.selectionStart"));

        // "1/34" is January 2034.
        await page.Locator("#card-expiry").PressSequentiallyAsync("1/34");
        await Expect(page.Locator("#card-expiry")).ToHaveValueAsync("01/34");

        // An error goes away as soon as its field is edited.
        await page.Locator("#card-expiry").FillAsync("");
        await page.Locator("#submit").ClickAsync();
        await Expect(page.Locator("#card-expiry-error")).ToBeVisibleAsync();
        await page.Locator("#card-expiry").PressSequentiallyAsync("12/34");
        await AssertNoErrorAsync(page, "#card-expiry");

        // A security code is 3 or 4 digits for every scheme (as the vault accepts by default): a 4-digit code stays when the
        // number changes from Amex to Visa, and a fifth digit is not taken.
        await number.FillAsync("");
        await number.PressSequentiallyAsync(TestCards.Amex);
        await page.Locator("#card-cvc").PressSequentiallyAsync("1234");
        await Expect(page.Locator("#card-cvc")).ToHaveValueAsync("1234");
        await number.FillAsync("");
        await number.PressSequentiallyAsync(Pan);
        await Expect(page.Locator("#card-cvc")).ToHaveValueAsync("1234");
        await page.Locator("#card-cvc").PressSequentiallyAsync("5");
        await Expect(page.Locator("#card-cvc")).ToHaveValueAsync("1234");

        // A 16-digit Visa failing Luhn is flagged while typing.
        await number.FillAsync("");
        await number.PressSequentiallyAsync(BadLuhnPan);
        await Expect(page.Locator("#card-number-error")).ToContainTextAsync("card number", IgnoringCase);
        Assert.Equal(0, browser.CompletionRequests);
    }

    private static async Task<Guid> CreateSessionAsync(TestTenant tenant)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new
        {
            source = new { type = "session" },
            metadata = new Dictionary<string, string> { ["order"] = "42" },
        });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Creating a session: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("session_id").GetGuid();
    }

    private static async Task<JsonElement> GetJsonAsync(TestTenant tenant, string path)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync(new Uri(path, UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task OpenFormAsync(IPage page, Guid sessionId)
    {
        IResponse? response = await page.GotoAsync(chromium.Vault.Url($"/sessions/{sessionId}/form"));
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        await Expect(page.Locator("main#session")).ToHaveAttributeAsync("data-state", "open");
        await Expect(page.Locator("form#card-form")).ToBeVisibleAsync();
    }

    /// <summary>Types every field key by key, so the page's input handlers (grouping, scheme, expiry slash) run as for a person.</summary>
    private static async Task FillCardAsync(IPage page, string pan, string expiry, string cvc, string name)
    {
        await page.Locator("#card-number").PressSequentiallyAsync(pan);
        await page.Locator("#card-expiry").PressSequentiallyAsync(expiry);
        await page.Locator("#card-cvc").PressSequentiallyAsync(cvc);
        await page.Locator("#cardholder-name").PressSequentiallyAsync(name);
    }

    /// <summary>A field error that is fine is either hidden or empty (the contract allows both).</summary>
    private static async Task AssertNoErrorAsync(IPage page, string selector)
    {
        ILocator error = page.Locator(selector);
        string text = (await error.TextContentAsync() ?? "").Trim();
        Assert.True(text.Length == 0 || !await error.IsVisibleAsync(), $"{selector} shows \"{text}\"");
    }

    /// <summary>
    /// The filled-form screenshot is the README's picture of the hosted form (docs/images/hosted-form.png).
    /// Refreshed on developer runs only, so a CI checkout is never modified.
    /// </summary>
    private static void PublishToReadme(string screenshot)
    {
        if (PostgresTestEnvironment.IsCi)
        {
            return;
        }

        string images = Path.Combine(RepositoryPaths.Root, "docs", "images");
        Directory.CreateDirectory(images);
        File.Copy(screenshot, Path.Combine(images, "hosted-form.png"), overwrite: true);
    }
}
