#:project ../src/Strongroom.Storage/Strongroom.Storage.csproj
#:package HdrHistogram@2.5.0
#:package SQLitePCLRaw.bundle_e_sqlite3@2.1.13
#:package SQLitePCLRaw.core@2.1.13
#:property PublishAot=false
#:property ManagePackageVersionsCentrally=false
#:property NoWarn=$(NoWarn);CA1303;CA1812;CA1852;CA5394;CA2000;CA1849

// The store without HTTP: N closed-loop workers drive one IVaultStore directly and report operations/s and latency
// percentiles (HdrHistogram), so a change to the storage layer is measured apart from Kestrel, auth and crypto.
//
//   dotnet run bench/storebench.cs -- <sqlite|postgres> <write|read|mixed> [seconds=10] [workers=32] [idempotent-share=0.2]
//
// PostgreSQL: STOREBENCH_POSTGRES is an Npgsql connection string to a server whose `storebench` database this drops and
// recreates. SQLite: a fresh file under /tmp. The "card" is random bytes standing in for a sealed blob: no card data exists here.
using System.Diagnostics;
using HdrHistogram;
using Npgsql;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;
using Strongroom.Storage;

string engine = args.Length > 0 ? args[0] : "sqlite";
string mode = args.Length > 1 ? args[1] : "write";
int seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
int workers = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 32;
double idempotentShare = args.Length > 4 ? double.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 0.2;
CancellationToken none = CancellationToken.None;

IVaultStore store = await OpenStoreAsync(engine);
await store.MigrateAsync(none);
var tenant = new Tenant(Guid.CreateVersion7(), "storebench", DateTimeOffset.UtcNow);
await store.CreateTenantAsync(tenant, [], none);
var apiKey = new ApiKeyRecord("key_storebench", tenant.Id, "bench", "hash", VaultRights.All, DateTimeOffset.UtcNow, null, null);
await store.CreateApiKeyAsync(apiKey, NewEvent(tenant.Id, "api_key.created", apiKey.Id), none);

// Reads need tokens to read: a few thousand written up front, in batches.
var existing = new List<Guid>();
for (int batch = 0; batch < 40; batch++)
{
    PciTokenInsert[] inserts = [.. Enumerable.Range(0, 50).Select(_ => NewInsert(tenant.Id, null))];
    await store.InsertPciTokensAsync(inserts, none);
    existing.AddRange(inserts.Select(i => i.Token.Id));
}

bool measuring = false;

// Group commit as the store reports it: commits and the writes they carried (the batch-size histogram on the shared meter).
long commits = 0;
long committedWrites = 0;
using var listener = new System.Diagnostics.Metrics.MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Name == "strongroom.store.group_commit.batch_size")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
{
    if (Volatile.Read(ref measuring))
    {
        Interlocked.Increment(ref commits);
        Interlocked.Add(ref committedWrites, size);
    }
});
listener.Start();

var histogram = new LongConcurrentHistogram(1, TimeStamp.Seconds(60), 3);
long operations = 0;
long writes = 0;
using var stop = new CancellationTokenSource();
var clock = Stopwatch.StartNew();

Task[] loops = [.. Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
{
    var random = new Random(worker);
    int counter = 0;
    while (!stop.IsCancellationRequested)
    {
        bool write = mode switch { "write" => true, "read" => false, _ => random.NextDouble() < 0.2 };
        long start = Stopwatch.GetTimestamp();
        if (write)
        {
            IdempotencyCompletion? completion = null;
            if (random.NextDouble() < idempotentShare)
            {
                var reservation = new IdempotencyRecord(Guid.CreateVersion7(), tenant.Id, $"w{worker}-{counter++}", new byte[32], null, null,
                    DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(24));
                if (!await store.TryReserveIdempotencyKeyAsync(reservation, DateTimeOffset.UtcNow, none))
                {
                    throw new InvalidOperationException("a fresh idempotency key was refused");
                }

                completion = new IdempotencyCompletion(tenant.Id, reservation.Key, reservation.Id, 201, new byte[200]);
            }

            PciTokenInsert insert = NewInsert(tenant.Id, completion);
            await store.InsertPciTokenAsync(insert.Token, insert.Created, insert.Completion, none);
        }
        else
        {
            // A masked read as the Guardian endpoint does it: the credential, then the token.
            _ = await store.GetApiKeyAsync(apiKey.Id, none) ?? throw new InvalidOperationException("api key missing");
            _ = await store.GetPciTokenAsync(tenant.Id, existing[random.Next(existing.Count)], DateTimeOffset.UtcNow, none)
                ?? throw new InvalidOperationException("token missing");
        }

        if (Volatile.Read(ref measuring))
        {
            histogram.RecordValue(Stopwatch.GetTimestamp() - start);
            Interlocked.Increment(ref operations);
            if (write)
            {
                Interlocked.Increment(ref writes);
            }
        }
    }
}))];

await Task.Delay(TimeSpan.FromSeconds(2)); // warm-up: JIT, pools, first checkpoint
Volatile.Write(ref measuring, true);
long measuredFrom = clock.ElapsedTicks;
await Task.Delay(TimeSpan.FromSeconds(seconds));
Volatile.Write(ref measuring, false);
double elapsed = (clock.ElapsedTicks - measuredFrom) / (double)Stopwatch.Frequency;
await stop.CancelAsync();
await Task.WhenAll(loops);

double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
Console.WriteLine(
    $"{engine} {mode} workers={workers} idem={idempotentShare:0.##} seconds={elapsed:0.0}: {operations / elapsed:N0} ops/s " +
    $"({writes / elapsed:N0} writes/s, {commits / elapsed:N0} commits/s of {(commits == 0 ? 0 : committedWrites / (double)commits):0.0} writes), p50 {Ms(50):0.00} ms, p99 {Ms(99):0.00} ms, p99.9 {Ms(99.9):0.00} ms, max {Ms(100):0.00} ms; load {load}");

if (store is IAsyncDisposable disposable)
{
    await disposable.DisposeAsync();
}

static async Task<IVaultStore> OpenStoreAsync(string engine)
{
    if (engine == "sqlite")
    {
        string directory = Directory.CreateTempSubdirectory("storebench-").FullName;
        return new SqliteVaultStore(SqliteVaultStore.ConnectionStringFor(Path.Combine(directory, "bench.db")));
    }

    string server = Environment.GetEnvironmentVariable("STOREBENCH_POSTGRES")
        ?? throw new InvalidOperationException("set STOREBENCH_POSTGRES to an Npgsql connection string");
    await using (var admin = NpgsqlDataSource.Create(server))
    {
        await using NpgsqlConnection connection = await admin.OpenConnectionAsync();
        await using var drop = new NpgsqlCommand("DROP DATABASE IF EXISTS storebench WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE storebench", connection);
        await create.ExecuteNonQueryAsync();
    }

    var builder = new NpgsqlConnectionStringBuilder(server) { Database = "storebench", MaxPoolSize = 100 };
    return new PostgresVaultStore(PostgresVaultStore.CreateDataSource(builder.ConnectionString));
}

static PciTokenInsert NewInsert(Guid tenantId, IdempotencyCompletion? completion)
{
    DateTimeOffset now = DateTimeOffset.UtcNow;
    var token = new PciTokenRecord(Guid.CreateVersion7(), tenantId, CardScheme.Visa, "411111", "1111", 16, 12, 2030,
        Bytes(32), Bytes(120), null, now, null);
    return new PciTokenInsert(token, NewEvent(tenantId, VaultEventTypes.PciTokenCreated, token.Id.ToString()), completion);
}

static byte[] Bytes(int length)
{
    byte[] bytes = new byte[length];
    Random.Shared.NextBytes(bytes);
    return bytes;
}

static VaultEvent NewEvent(Guid tenantId, string type, string subject) =>
    new(Guid.CreateVersion7(), tenantId, type, subject, $"{{\"id\":\"{subject}\"}}", DateTimeOffset.UtcNow);
