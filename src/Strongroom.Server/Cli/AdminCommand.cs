using System.CommandLine;
using Strongroom.Core.Audit;
using Strongroom.Core.Tenancy;

namespace Strongroom.Server.Cli;

/// <summary>
/// <c>strongroom admin reset-token</c>: the recovery for a lost instance admin token. It needs what only the vault's
/// operator has, local access to the configured store and key provider, writes a new token (shown once; only its hash
/// is stored), and records <c>admin_token.reset</c> in the audit log. Running nodes pick the new token up within
/// <c>Strongroom:Admin:RefreshInterval</c>; the old one stops working then.
/// </summary>
internal static class AdminCommand
{
    public static Command Build(Func<CancellationToken, Task<IHost>> startHost)
    {
        var admin = new Command("admin", "The instance admin token.");
        var resetToken = new Command("reset-token",
            "Replace a lost admin token: prints a new x-admin-token once and records admin_token.reset in the audit log. Needs access to the data and key store.");
        resetToken.SetAction(async (_, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            AdminTokenService adminToken = host.Services.GetRequiredService<AdminTokenService>();
            if (adminToken.IsConfigured)
            {
                await Console.Error.WriteLineAsync("The admin token is configured (Strongroom:Admin:Token, e.g. the Strongroom__Admin__Token environment variable): change it there and restart the nodes.");
                return 2;
            }

            string token = await adminToken.ResetAsync(cancellationToken);
            await host.Services.GetRequiredService<AuditLog>().RecordAsync(Actor.Operator, AuditActions.AdminTokenReset, null, null,
                ("machine", Environment.MachineName));
            TimeSpan refresh = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AdminOptions>>().Value.RefreshInterval;

            Console.WriteLine($"x-admin-token: {token}");
            await Console.Error.WriteLineAsync(
                $"This token is shown only now; store it safely. Running nodes accept it, and stop accepting the old one, within {refresh.TotalSeconds:0} s.");
            return 0;
        });
        admin.Subcommands.Add(resetToken);
        return admin;
    }
}
