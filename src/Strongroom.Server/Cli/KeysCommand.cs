using System.CommandLine;
using System.Globalization;
using Strongroom.Core.Keys;

namespace Strongroom.Server.Cli;

/// <summary>
/// <c>strongroom keys rotate-kek</c> and <c>strongroom keys rotate-dek --tenant …</c>: online rotations against the
/// configured store and key provider while servers keep serving. A DEK rotation that was interrupted resumes when
/// the same command runs again.
/// </summary>
internal static class KeysCommand
{
    public static Command Build(Func<CancellationToken, Task<IHost>> startHost)
    {
        var keys = new Command("keys", "Rotate key-encryption keys (KEK) and tenant data keys (DEK).");

        var destroyOld = new Option<bool>("--destroy-old") { Description = "After re-wrapping, destroy the KEK versions no key uses any more (irreversible)." };
        var rotateKek = new Command("rotate-kek", "Create a new KEK version and re-wrap every tenant key under it.") { destroyOld };
        rotateKek.SetAction(async (parse, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            KeyRotationService service = host.Services.GetRequiredService<KeyRotationService>();
            KekRotation rotation = await CliProgress.RunAsync("Re-wrapping tenant keys", "tenants", report =>
                service.RotateKekAsync(parse.GetValue(destroyOld), new Progress(p => report(p.Done, p.Total)), cancellationToken));
            Console.WriteLine($"KEK version {rotation.NewVersion} is current; {rotation.KeysRewrapped} tenant key(s) re-wrapped.");
            if (rotation.DestroyedVersions.Count > 0)
            {
                Console.WriteLine($"Destroyed KEK version(s): {string.Join(", ", rotation.DestroyedVersions)}.");
            }

            return 0;
        });

        var tenant = new Option<Guid>("--tenant") { Description = "Tenant id.", Required = true };
        var rotateDek = new Command("rotate-dek", "Give the tenant a new data key and re-encrypt its data in the background batches; resumes an interrupted rotation.") { tenant };
        rotateDek.SetAction(async (parse, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            KeyRotationService rotation = host.Services.GetRequiredService<KeyRotationService>();
            RotationJob job = await rotation.StartDekRotationAsync(parse.GetValue(tenant), cancellationToken);
            Console.WriteLine($"Rotation job {job.Id}: tenant {job.TenantId} to data key version {job.ToVersion}" + (job.Reencrypted > 0 ? $" (resuming after {job.Reencrypted} value(s))." : "."));
            RotationJob done = await CliProgress.RunAsync("Re-encrypting", "values", report =>
                rotation.RunDekRotationAsync(job, new Progress(p => report(p.Done, p.Total)), cancellationToken));
            Console.WriteLine($"Completed: {done.Reencrypted} value(s) re-encrypted; older data keys retired.");
            return 0;
        });

        var status = new Command("status", "List key rotation jobs and their progress.");
        status.SetAction(async (_, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            IReadOnlyList<RotationJob> jobs = await host.Services.GetRequiredService<KeyRotationService>().ListJobsAsync(null, cancellationToken);
            if (jobs.Count == 0)
            {
                Console.WriteLine("No key rotation jobs: no tenant data key (DEK) rotation has been started. Start one with `strongroom keys rotate-dek --tenant <id>`.");
                return 0;
            }

            CliTable.Write(
                ["job", "tenant", "to version", "status", "re-encrypted", "updated"],
                jobs.Select(job => (IReadOnlyList<string>)
                [
                    job.Id.ToString(),
                    job.TenantId.ToString(),
                    "v" + job.ToVersion.ToString(CultureInfo.InvariantCulture),
                    job.Status.ToString().ToLowerInvariant(),
                    job.Reencrypted.ToString(CultureInfo.InvariantCulture),
                    job.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
                ]));
            return 0;
        });

        keys.Subcommands.Add(rotateKek);
        keys.Subcommands.Add(rotateDek);
        keys.Subcommands.Add(status);
        return keys;
    }

    private sealed class Progress(Action<KeyProgress> report) : IProgress<KeyProgress>
    {
        public void Report(KeyProgress value) => report(value);
    }
}
