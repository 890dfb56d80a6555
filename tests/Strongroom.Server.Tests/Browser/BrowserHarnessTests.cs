using Microsoft.Playwright;

namespace Strongroom.Server.Tests;

/// <summary>
/// Proves the harness itself: Playwright drives Debian's Chromium headless against the vault on a loopback port.
/// When this fails and the hosted-form tests fail too, the problem is the browser set-up, not the form.
/// </summary>
public sealed class BrowserHarnessTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [SkippableFact]
    public async Task Chromium_OpensTheVaultOnLoopback_AndTakesAScreenshot()
    {
        await using BrowserPage browser = await chromium.NewPageAsync();

        IResponse? response = await browser.Page.GotoAsync(chromium.Vault.Url("/healthz"));

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.Contains("\"status\":\"ok\"", await browser.Page.ContentAsync(), StringComparison.Ordinal);
        string path = await browser.ScreenshotAsync("healthz");
        Assert.True(new FileInfo(path).Length > 0, path);
        Assert.StartsWith("Chrom", chromium.Browser.BrowserType.Name, StringComparison.OrdinalIgnoreCase);
    }
}
