using System.Globalization;
using Microsoft.Playwright;
using Strongroom.Server.Tests.Forwarding;
using static Strongroom.Server.Tests.InboundProxy.InboundProxyHarness;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>
/// An ordinary HTML form (no script, <c>application/x-www-form-urlencoded</c>) submitted by headless Chromium to an inbound
/// route on the vault: the test backend receives a token where the card number was, and the browser shows its answer.
/// </summary>
public sealed class InboundProxyBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [SkippableFact]
    public async Task PlainHtmlForm_ThroughTheProxy_TheBackendReceivesAToken()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();
        await using ProcessorServer backend = await ProcessorServer.StartAsync();
        StrongroomApplication app = chromium.Vault.Application;
        TestTenant tenant = await TenantTrustingAsync(app, backend);
        string prefix = NewPrefix();
        await CreateRouteAsync(app, tenant.Id, FormRoute(backend, prefix));
        IPage page = browser.Page;

        await page.SetContentAsync($"""
            <!doctype html>
            <form method="post" action="{chromium.Vault.Url($"/inbound/{prefix}/echo")}">
              <input name="amount" value="25.00">
              <input id="number" name="card_number" autocomplete="cc-number">
              <input id="month" name="exp_month">
              <input id="year" name="exp_year">
              <input id="cvc" name="cvc">
              <input id="name" name="name">
              <button id="pay" type="submit">Pay</button>
            </form>
            """);
        await page.FillAsync("#number", "4111 1111 1111 1111");
        await page.FillAsync("#month", "09");
        await page.FillAsync("#year", Year.ToString(CultureInfo.InvariantCulture));
        await page.FillAsync("#cvc", "123");
        await page.FillAsync("#name", "Jane Roe");
        await page.ClickAsync("#pay");

        RecordedRequest received = await backend.WaitForRequestAsync(r => r.Path == "/echo", TimeSpan.FromSeconds(15));
        await page.WaitForLoadStateAsync(LoadState.Load);

        AssertNoCardNumber(Everything(received));
        Dictionary<string, string> fields = received.Body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1].Replace('+', ' ')), StringComparer.Ordinal);
        Assert.True(Guid.TryParse(fields["card_number"], out Guid tokenId), received.Body);
        Assert.False(fields.ContainsKey("cvc"));
        Assert.Equal("25.00", fields["amount"]);
        string shown = await page.InnerTextAsync("body");
        Assert.Contains(tokenId.ToString(), shown, StringComparison.Ordinal); // the backend's answer (an echo) reached the browser
        AssertNoCardNumber(shown);

        using HttpResponseMessage token = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenId}");
        Assert.Equal(System.Net.HttpStatusCode.OK, token.StatusCode);
    }
}
