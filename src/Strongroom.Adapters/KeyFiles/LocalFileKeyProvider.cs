using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Crypto;

namespace Strongroom.Adapters.KeyFiles;

/// <summary>
/// Development key provider: the KEKs live in a JSON file readable only by the vault's user (0600).
/// Good enough for a laptop or a test; production should put the KEK in an HSM (PKCS#11 provider),
/// where it never leaves the device.
/// </summary>
public sealed partial class LocalFileKeyProvider : IKeyProvider
{
    public const string ProviderName = "local-file";

    private readonly string _path;
    private readonly ILogger<LocalFileKeyProvider> _logger;
    private readonly Lock _gate = new();
    private Dictionary<int, byte[]> _keks = [];
    private byte[] _auditKey = [];
    private int _currentVersion;

    public LocalFileKeyProvider(IOptions<LocalKeyFileOptions> options, ILogger<LocalFileKeyProvider> logger)
    {
        LocalKeyFileOptions o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Path))
        {
            throw new InvalidOperationException("Strongroom:KeyFile:Path is not set.");
        }

        _path = o.Path;
        _logger = logger;
        if (!File.Exists(o.Path))
        {
            if (!o.CreateIfMissing)
            {
                throw new InvalidOperationException("The key file does not exist and CreateIfMissing is off.");
            }

            Create(o.Path, logger);
        }

        Reload();
        LogLoaded(logger, o.Path, _currentVersion, _keks.Count);
    }

    public string Name => ProviderName;

    public int CurrentVersion
    {
        get
        {
            ReloadIfChanged();
            lock (_gate)
            {
                return _currentVersion;
            }
        }
    }

    public ValueTask<WrappedKey> WrapAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        ReloadIfChanged();
        (byte[] kek, int version) = Current();
        byte[] blob = Envelope.Seal(kek, version, key.Span, context.Span);
        return ValueTask.FromResult(new WrappedKey(ProviderName, version, blob));
    }

    public ValueTask<byte[]> UnwrapAsync(WrappedKey wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        int version = Envelope.ReadKeyVersion(wrapped.Blob);
        byte[]? kek = Find(version);
        if (kek is null)
        {
            // Another process (the CLI rotating keys) may have added it since this one loaded the file.
            ReloadIfChanged();
            kek = Find(version) ?? throw KeyVersionUnavailableException.Kek(version, "in the key file");
        }

        return ValueTask.FromResult(Envelope.Open(kek, wrapped.Blob, context.Span));
    }

    public ValueTask<IReadOnlyList<int>> ListKekVersionsAsync(CancellationToken cancellationToken = default)
    {
        ReloadIfChanged();
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<int>>([.. _keks.Keys.Order()]);
        }
    }

    public ValueTask<int> CreateKekVersionAsync(CancellationToken cancellationToken = default)
    {
        int created = Update(file =>
        {
            int version = file.Keys.Max(k => k.Version) + 1;
            file.Keys.Add(new KeyFileEntry { Version = version, CreatedAt = DateTimeOffset.UtcNow, Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(Envelope.KeySize)) });
            file.Current = version;
            return version;
        });
        LogKekCreated(_logger, created);
        return ValueTask.FromResult(created);
    }

    public ValueTask DestroyKekVersionAsync(int version, CancellationToken cancellationToken = default)
    {
        Update(file =>
        {
            if (version == file.Current)
            {
                throw new InvalidOperationException("The current KEK version cannot be destroyed.");
            }

            return file.Keys.RemoveAll(k => k.Version == version);
        });
        LogKekDestroyed(_logger, version);
        return ValueTask.CompletedTask;
    }

    public ValueTask<byte[]> AuditSealAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        byte[] key;
        lock (_gate)
        {
            key = _auditKey;
        }

        return ValueTask.FromResult(HMACSHA256.HashData(key, data.Span));
    }

    private (byte[] Kek, int Version) Current()
    {
        lock (_gate)
        {
            return (_keks[_currentVersion], _currentVersion);
        }
    }

    private byte[]? Find(int version)
    {
        lock (_gate)
        {
            return _keks.GetValueOrDefault(version);
        }
    }

    /// <summary>
    /// Re-reads the file. Called only on rare paths (wrapping, listing, an unknown version): file timestamps are too
    /// coarse to tell two quick updates apart, and the file is a few hundred bytes.
    /// </summary>
    private void ReloadIfChanged() => Reload();

    private void Reload()
    {
        KeyFile file = Load(_path);
        if (string.IsNullOrEmpty(file.AuditKey))
        {
            // Key files from before audit seals: add the audit key once.
            Update(f => f.AuditKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(Envelope.KeySize)));
            file = Load(_path);
        }

        var keks = file.Keys.ToDictionary(k => k.Version, k => Convert.FromBase64String(k.Key));
        if (!keks.TryGetValue(file.Current, out byte[]? current) || current.Length != Envelope.KeySize)
        {
            throw new InvalidOperationException("The key file has no valid current key.");
        }

        lock (_gate)
        {
            _keks = keks;
            _currentVersion = file.Current;
            _auditKey = Convert.FromBase64String(file.AuditKey!);
        }
    }

    /// <summary>
    /// Read-modify-write of the key file under an exclusive lock file (server nodes and the CLI may race), written to a
    /// temporary 0600 file, flushed and renamed over the original so a crash leaves either the old or the new file.
    /// </summary>
    private T Update<T>(Func<KeyFile, T> change)
    {
        using FileStream lockStream = AcquireLock(_path + ".lock");
        KeyFile file = Load(_path);
        T result = change(file);
        Write(_path + ".tmp", file, FileMode.Create);
        File.Move(_path + ".tmp", _path, overwrite: true);
        Reload();
        return result;
    }

    /// <summary>Opens the lock file exclusively, waiting up to ten seconds for another process to finish its update.</summary>
    private static FileStream AcquireLock(string lockPath)
    {
        var lockOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            lockOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, lockOptions);
            }
            catch (IOException) when (attempt < 200)
            {
                Thread.Sleep(50);
            }
        }
    }

    private static KeyFile Load(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            const UnixFileMode groupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((mode & groupOrOther) != 0)
            {
                // Like ssh with a private key: refuse a key file others can read rather than run with a leaked KEK.
                throw new InvalidOperationException("The key file is accessible by group or others; set its mode to 0600.");
            }
        }

        return JsonSerializer.Deserialize(File.ReadAllBytes(path), KeyFileJson.Default.KeyFile)
            ?? throw new InvalidOperationException("The key file is empty.");
    }

    private static void Create(string path, ILogger logger)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var file = new KeyFile
        {
            Format = "strongroom-kek/v1",
            Current = 1,
            Keys = [new KeyFileEntry { Version = 1, CreatedAt = DateTimeOffset.UtcNow, Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(Envelope.KeySize)) }],
            AuditKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(Envelope.KeySize)),
        };

        Write(path, file, FileMode.CreateNew);
        LogCreated(logger, path);
    }

    private static void Write(string path, KeyFile file, FileMode mode)
    {
        var streamOptions = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, streamOptions);
        JsonSerializer.Serialize(stream, file, KeyFileJson.Default.KeyFile);
        stream.Flush(flushToDisk: true);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Generated a new development key file at {Path}. Back it up: without it the vault's data cannot be decrypted.")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Loaded key file {Path}: current KEK version {Version}, {Count} version(s)")]
    private static partial void LogLoaded(ILogger logger, string path, int version, int count);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Created KEK version {Version}; it is now current")]
    private static partial void LogKekCreated(ILogger logger, int version);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Destroyed KEK version {Version}")]
    private static partial void LogKekDestroyed(ILogger logger, int version);
}

internal sealed class KeyFile
{
    public string Format { get; set; } = "";

    public int Current { get; set; }

    public List<KeyFileEntry> Keys { get; set; } = [];

    /// <summary>The audit-seal HMAC key (base64); a separate key, never a KEK.</summary>
    public string? AuditKey { get; set; }
}

internal sealed class KeyFileEntry
{
    public int Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string Key { get; set; } = "";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(KeyFile))]
internal sealed partial class KeyFileJson : JsonSerializerContext;
