using System.CommandLine;
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
            var bar = new ConsoleProgressBar(Console.Error, "tenants");
            KekRotation rotation = await host.Services.GetRequiredService<KeyRotationService>()
                .RotateKekAsync(parse.GetValue(destroyOld), new Progress(p => bar.Report(p.Done, p.Total)), cancellationToken);
            bar.Complete();
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
            var bar = new ConsoleProgressBar(Console.Error, "values");
            RotationJob done = await rotation.RunDekRotationAsync(job, new Progress(p => bar.Report(p.Done, p.Total)), cancellationToken);
            bar.Complete();
            Console.WriteLine($"Completed: {done.Reencrypted} value(s) re-encrypted; older data keys retired.");
            return 0;
        });

        var status = new Command("status", "List key rotation jobs and their progress.");
        status.SetAction(async (_, cancellationToken) =>
        {
            using IHost host = await startHost(cancellationToken);
            foreach (RotationJob job in await host.Services.GetRequiredService<KeyRotationService>().ListJobsAsync(null, cancellationToken))
            {
                Console.WriteLine($"{job.Id}  tenant {job.TenantId}  v{job.ToVersion}  {job.Status.ToString().ToLowerInvariant()}  {job.Reencrypted} re-encrypted  updated {job.UpdatedAt:O}");
            }

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
