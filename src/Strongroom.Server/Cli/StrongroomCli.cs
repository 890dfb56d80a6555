using System.CommandLine;
using Strongroom.Core.Audit;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Hosting;
using Strongroom.Server.Logging;

namespace Strongroom.Server.Cli;

/// <summary>
/// The <c>strongroom</c> command line. Admin commands work directly on the configured store, with the same
/// configuration sources as the server: appsettings.json (shipped and in the working directory), <c>Strongroom__…</c>
/// environment variables, and <c>--Strongroom:…=value</c> arguments anywhere on the command line (see <see cref="CliSettings"/>).
/// </summary>
internal static class StrongroomCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        // No command (or only host switches such as --urls): run the server. This is also how
        // WebApplicationFactory starts the app in tests.
        (string[] command, string[] settings) = CliSettings.Split(args);
        if (command.Length == 0 || command[0].StartsWith("--", StringComparison.Ordinal) && command[0] is not ("--help" or "--version"))
        {
            await StrongroomHost.Build(args).RunAsync();
            return 0;
        }

        return await BuildCommand(settings).Parse(command).InvokeAsync();
    }

    private static RootCommand BuildCommand(string[] settings)
    {
        Func<CancellationToken, Task<IHost>> startAdminHost = cancellationToken => StartAdminHostAsync(settings, cancellationToken);
        var root = new RootCommand("Strongroom: a self-hosted card tokenization vault.");

        var serve = new Command("serve", "Run the vault server (extra arguments such as --urls go to the host).") { TreatUnmatchedTokensAsErrors = false };
        serve.SetAction(async (parse, _) =>
        {
            await StrongroomHost.Build([.. settings, .. parse.UnmatchedTokens]).RunAsync();
            return 0;
        });
        root.Subcommands.Add(serve);

        var migrate = new Command("migrate", "Apply pending schema migrations and exit.");
        migrate.SetAction(async (_, cancellationToken) =>
        {
            using IHost host = BuildAdminHost(settings);
            IVaultStore store = host.Services.GetRequiredService<IVaultStore>();
            await store.MigrateAsync(cancellationToken);
            Console.WriteLine($"Migrated the {store.Engine} store.");
            return 0;
        });
        root.Subcommands.Add(migrate);

        root.Subcommands.Add(TenantCommand(startAdminHost));
        root.Subcommands.Add(ApiKeyCommand(startAdminHost));
        root.Subcommands.Add(BinCommand(startAdminHost));
        root.Subcommands.Add(KeysCommand.Build(startAdminHost));
        root.Subcommands.Add(AuditCommand.Build(startAdminHost));
        root.Subcommands.Add(AdminCommand.Build(startAdminHost));
        root.Subcommands.Add(RoutesCommand.Build(startAdminHost));
        return root;
    }

    private static Command TenantCommand(Func<CancellationToken, Task<IHost>> startAdminHost)
    {
        var tenant = new Command("tenant", "Manage tenants.");
        var name = new Option<string>("--name") { Description = "Display name of the tenant.", Required = true };
        var create = new Command("create", "Create a tenant with its own data and fingerprint keys.") { name };
        create.SetAction(async (parse, cancellationToken) =>
        {
            using IHost host = await startAdminHost(cancellationToken);
            string tenantName = parse.GetValue(name)!;
            if (Tenant.ValidateName(tenantName) is { } error)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }

            // The CLI runs as the operator on the vault's machine; that is how its actions are recorded in the audit log.
            Tenant created = await host.Services.GetRequiredService<TenantService>().CreateAsync(tenantName, Actor.Operator, cancellationToken);
            Console.WriteLine($"tenant_id: {created.Id}");
            return 0;
        });

        var list = new Command("list", "List tenants.");
        list.SetAction(async (_, cancellationToken) =>
        {
            using IHost host = await startAdminHost(cancellationToken);
            IReadOnlyList<Tenant> tenants = await host.Services.GetRequiredService<TenantService>().ListAsync(cancellationToken);
            if (tenants.Count == 0)
            {
                Console.WriteLine("No tenants yet. Create one with `strongroom tenant create --name <name>`.");
                return 0;
            }

            CliTable.Write(["tenant_id", "name"], tenants.Select(t => (IReadOnlyList<string>)[t.Id.ToString(), t.Name]));
            return 0;
        });

        tenant.Subcommands.Add(create);
        tenant.Subcommands.Add(list);
        return tenant;
    }

    private static Command ApiKeyCommand(Func<CancellationToken, Task<IHost>> startAdminHost)
    {
        var apiKey = new Command("api-key", "Manage tenant API keys.");
        var tenantId = new Option<Guid>("--tenant") { Description = "Tenant id.", Required = true };
        var name = new Option<string?>("--name") { Description = "A label for the key." };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"Rights to grant (repeatable): {string.Join(", ", VaultRightNames.All)}. Default: tokens:create, tokens:read, tokens:delete.",
            AllowMultipleArgumentsPerToken = true,
        };
        var expiresIn = new Option<int?>("--expires-in") { Description = $"Lifetime in seconds (1..{ApiKeyService.MaxExpiresInSeconds})." };
        var create = new Command("create", "Create an API key; the key is printed once.") { tenantId, name, scopes, expiresIn };
        create.SetAction(async (parse, cancellationToken) =>
        {
            VaultRights rights = VaultRights.None;
            foreach (string scope in parse.GetValue(scopes) ?? [])
            {
                if (!VaultRightNames.TryParse(scope, out VaultRights right))
                {
                    await Console.Error.WriteLineAsync($"Unknown scope '{scope}'. Known: {string.Join(", ", VaultRightNames.All)}.");
                    return 2;
                }

                rights |= right;
            }

            int? seconds = parse.GetValue(expiresIn);
            if (seconds is < 1 or > ApiKeyService.MaxExpiresInSeconds)
            {
                await Console.Error.WriteLineAsync($"--expires-in must be between 1 and {ApiKeyService.MaxExpiresInSeconds}.");
                return 2;
            }

            using IHost host = await startAdminHost(cancellationToken);
            try
            {
                IssuedApiKey issued = await host.Services.GetRequiredService<ApiKeyService>().CreateAsync(
                    parse.GetValue(tenantId), parse.GetValue(name), rights == VaultRights.None ? VaultRights.DefaultApiKey : rights, seconds, Actor.Operator, cancellationToken);
                Console.WriteLine($"key_id: {issued.Record.Id}");
                Console.WriteLine($"x-api-key: {issued.Key}");
                return 0;
            }
            catch (TenantNotFoundException)
            {
                await Console.Error.WriteLineAsync("No such tenant.");
                return 1;
            }
            catch (CardNumberInFreeTextException)
            {
                await Console.Error.WriteLineAsync("--name must not contain a card number.");
                return 2;
            }
        });
        apiKey.Subcommands.Add(create);
        return apiKey;
    }

    private static Command BinCommand(Func<CancellationToken, Task<IHost>> startAdminHost)
    {
        var bin = new Command("bin", "Manage the BIN table (card scheme, funding and issuer by card number prefix).");
        var file = new Argument<string>("file") { Description = "CSV with the header prefix,scheme,funding,bank,country[,issuer_id]; a relative path is from the directory you run the command in." };
        var import = new Command("import", "Replace the BIN table with a (licensed) BIN file. Bad rows are reported and skipped; good rows are kept.") { file };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var path = new FileInfo(CallerDirectory.Resolve(parse.GetValue(file)!));
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"No such file: {path.FullName}");
                return 2;
            }

            long totalLines = 0;
            using (StreamReader counter = path.OpenText())
            {
                while (await counter.ReadLineAsync(cancellationToken) is not null)
                {
                    totalLines++;
                }
            }

            using IHost host = await startAdminHost(cancellationToken);
            using StreamReader reader = path.OpenText();
            BinService bins = host.Services.GetRequiredService<BinService>();
            BinImportResult result = await CliProgress.RunAsync("Importing " + path.Name, "lines", report =>
                bins.ImportAsync(reader, line => report(line, totalLines), cancellationToken));

            Console.WriteLine($"Imported {result.Imported} BIN range(s); rejected {result.Rejections.Count} row(s).");
            foreach (IGrouping<string, BinRejection> reason in result.Rejections.GroupBy(r => r.Reason).OrderByDescending(g => g.Count()))
            {
                string lines = string.Join(", ", reason.Take(10).Select(r => r.Line));
                Console.WriteLine($"  {reason.Count()} × {reason.Key} (line{(reason.Count() == 1 ? "" : "s")} {lines}{(reason.Count() > 10 ? ", …" : "")})");
            }

            if (result.Imported == 0)
            {
                await Console.Error.WriteLineAsync("Nothing imported: the previous table stays in force.");
                return 1;
            }

            return 0;
        });
        bin.Subcommands.Add(import);
        return bin;
    }

    /// <summary>
    /// Configured as <c>serve</c> is: shipped defaults, then appsettings(.{environment}).json, environment variables and the
    /// command line's settings, last wins. The environment name follows <c>ASPNETCORE_ENVIRONMENT</c> too, as the server's does.
    /// </summary>
    private static IHost BuildAdminHost(string[] settings)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = settings,
            EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } environment ? environment : null,
        });
        ShippedDefaults.Add(builder.Configuration);

        // The shipped defaults log at Information, meant for the server; a command's output stays its own unless the
        // operator asks for more (any later source, e.g. --Logging:LogLevel:Default=Information, wins).
        builder.Configuration.Sources.Insert(1, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = [new("Logging:LogLevel:Default", "Warning"), new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // A command's result is its stdout (scripts capture it); every log line goes to stderr, readable and redacted.
        builder.Logging.ClearProviders();
        builder.Logging.AddStrongroomConsole(builder.Configuration, logToStandardError: true);
        builder.Services.AddStrongroomVault(builder.Configuration);
        return builder.Build();
    }

    /// <summary>A host for admin commands: services only (no server, no sweeper), store migrated.</summary>
    private static async Task<IHost> StartAdminHostAsync(string[] settings, CancellationToken cancellationToken)
    {
        IHost host = BuildAdminHost(settings);
        await host.Services.GetRequiredService<IVaultStore>().MigrateAsync(cancellationToken);
        return host;
    }
}
