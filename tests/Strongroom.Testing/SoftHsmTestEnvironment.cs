using Strongroom.Adapters.Pkcs11;

namespace Strongroom.Testing;

/// <summary>
/// Where the PKCS#11 tests find their token. test.sh initialises a throwaway SoftHSM2 token (its own SOFTHSM2_CONF and
/// token directory) and sets <c>STRONGROOM_TEST_PKCS11_LIBRARY</c>, <c>_TOKEN</c> and <c>_PIN</c>. Without them the tests are
/// skipped on a developer machine but FAIL when <c>CI=true</c>, like the PostgreSQL tests.
/// </summary>
public static class SoftHsmTestEnvironment
{
    public const string LibraryVariable = "STRONGROOM_TEST_PKCS11_LIBRARY";
    public const string TokenVariable = "STRONGROOM_TEST_PKCS11_TOKEN";
    public const string PinVariable = "STRONGROOM_TEST_PKCS11_PIN";

    public static string? LibraryPath => NullIfEmpty(Environment.GetEnvironmentVariable(LibraryVariable));

    public static string? TokenLabel => NullIfEmpty(Environment.GetEnvironmentVariable(TokenVariable));

    public static string? UserPin => NullIfEmpty(Environment.GetEnvironmentVariable(PinVariable));

    /// <summary>Null when a token is configured; otherwise why the tests are skipped. Throws on CI instead of skipping.</summary>
    public static string? SkipReason()
    {
        if (LibraryPath is not null && TokenLabel is not null && UserPin is not null)
        {
            return null;
        }

        if (PostgresTestEnvironment.IsCi)
        {
            throw new InvalidOperationException(
                $"{LibraryVariable}, {TokenVariable} and {PinVariable} are not all set but CI=true: the PKCS#11 tests must run on CI. Run ./test.sh, which initialises a throwaway SoftHSM token.");
        }

        return $"{LibraryVariable}/{TokenVariable}/{PinVariable} are not set (run ./test.sh to initialise a SoftHSM token); skipped locally, fails on CI.";
    }

    /// <summary>Options over the shared test token with labels of their own, i.e. fresh key storage.</summary>
    public static Pkcs11KeyProviderOptions FreshOptions()
    {
        string id = Guid.NewGuid().ToString("N")[..12];
        return new Pkcs11KeyProviderOptions
        {
            LibraryPath = LibraryPath!,
            TokenLabel = TokenLabel!,
            UserPin = UserPin!,
            KeyLabelPrefix = $"test-{id}-kek-v",
            AuditKeyLabel = $"test-{id}-audit-v1",
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
