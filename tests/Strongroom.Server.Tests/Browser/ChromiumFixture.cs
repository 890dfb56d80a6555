using Microsoft.Playwright;

namespace Strongroom.Server.Tests;

/// <summary>
/// One Playwright driver, one headless Chromium and one vault on a loopback port for a whole test class:
/// starting Chromium costs about a second, so tests share it and isolate themselves with a fresh
/// <see cref="IBrowserContext"/> (own cookies and storage) and a fresh tenant each.
/// When Chromium is missing the fixture starts nothing and <see cref="RequireChromium"/> skips (or fails on CI).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private LoopbackVault? _vault;
    private string? _skipReason;
    private Exception? _ciFailure;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not running; call RequireChromium() first.");

    public LoopbackVault Vault => _vault ?? throw new InvalidOperationException("The vault is not running; call RequireChromium() first.");

    public async Task InitializeAsync()
    {
        try
        {
            _skipReason = ChromiumEnvironment.SkipReason();
        }
        catch (InvalidOperationException e)
        {
            // Reported by each test (RequireChromium) rather than as an opaque fixture failure.
            _ciFailure = e;
            return;
        }

        if (_skipReason is not null)
        {
            return;
        }

        _vault = LoopbackVault.Start();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(ChromiumEnvironment.LaunchOptions());
    }

    /// <summary>Skips the calling test when Chromium is missing locally; fails it on CI.</summary>
    public void RequireChromium()
    {
        if (_ciFailure is not null)
        {
            throw new InvalidOperationException(_ciFailure.Message, _ciFailure);
        }

        Skip.If(_skipReason is not null, _skipReason);
    }

    /// <summary>A page in a fresh browser context, recording what the page logs so failures can show it.</summary>
    public async Task<BrowserPage> NewPageAsync()
    {
        RequireChromium();
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 800, Height = 900 },
            Locale = "en-US",
            BaseURL = Vault.BaseUrl,
        });
        context.SetDefaultTimeout(15_000);
        Assertions.SetDefaultExpectTimeout(10_000);
        return new BrowserPage(context, await context.NewPageAsync());
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _vault?.Dispose();
    }
}

/// <summary>
/// A page and its context, with the page's console errors, uncaught exceptions and failed requests collected,
/// so an assertion that fails in the browser can say why (a script error usually explains a form that never completes).
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly List<string> _problems = [];
    private int _completionRequests;

    public BrowserPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Record($"console.{message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Record("uncaught: " + error);
        page.RequestFailed += (_, request) => Record($"request failed: {request.Method} {request.Url} {request.Failure}");
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && new Uri(request.Url).AbsolutePath.EndsWith("/complete", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _completionRequests);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Record($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Everything the page reported so far, one line each (empty when the page was quiet).</summary>
    public string Problems
    {
        get
        {
            lock (_problems)
            {
                return string.Join(Environment.NewLine, _problems);
            }
        }
    }

    /// <summary>How many times the page posted to a session's completion endpoint (<c>POST /sessions/{id}/complete</c>).</summary>
    public int CompletionRequests => Volatile.Read(ref _completionRequests);

    /// <summary>
    /// Waits until the form reports success (<c>main#session[data-state=completed]</c>); on timeout fails with what
    /// the page shows (form and field errors) and what it logged, which is what explains a form that never completes.
    /// </summary>
    public async Task WaitForCompletionAsync()
    {
        try
        {
            await Page.Locator("main#session[data-state='completed']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        }
        catch (PlaywrightException e)
        {
            string shown = await Page.EvaluateAsync<string>(
                "() => Array.from(document.querySelectorAll('.error, #unavailable')).filter(e => e.textContent.trim()).map(e => e.id + ': ' + e.textContent.trim()).join('\\n')");
            throw new System.TimeoutException($"The form did not complete. Shown:{Environment.NewLine}{shown}{Environment.NewLine}Logged:{Environment.NewLine}{Problems}", e);
        }
    }

    /// <summary>Saves a full-page screenshot under the test output's <c>screenshots/</c> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }
}
