using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Strongroom.Core.Crypto;

/// <summary>Options for the development key provider that keeps the KEKs in a local file.</summary>
public sealed class LocalKeyFileOptions
{
    /// <summary>Path of the key file; created with mode 0600 on first start if missing.</summary>
    public string Path { get; set; } = "";

    /// <summary>Create the key file if it does not exist. Production deployments turn this off so a missing key is an error.</summary>
    public bool CreateIfMissing { get; set; } = true;
}

/// <summary>
/// Development key provider: the KEKs live in a JSON file readable only by the vault's user (0600).
/// Good enough for a laptop or a test; production should put the KEK in an HSM (PKCS#11 provider),
/// where it never leaves the device.
/// </summary>
public sealed partial class LocalFileKeyProvider : IKeyProvider
{
    public const string ProviderName = "local-file";

    private readonly Dictionary<int, byte[]> _keks;
    private readonly int _currentVersion;

    public LocalFileKeyProvider(IOptions<LocalKeyFileOptions> options, ILogger<LocalFileKeyProvider> logger)
    {
        LocalKeyFileOptions o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Path))
        {
            throw new InvalidOperationException("Strongroom:KeyFile:Path is not set.");
        }

        KeyFile file = File.Exists(o.Path)
            ? Load(o.Path)
            : o.CreateIfMissing ? Create(o.Path, logger) : throw new InvalidOperationException("The key file does not exist and CreateIfMissing is off.");

        _keks = file.Keys.ToDictionary(k => k.Version, k => Convert.FromBase64String(k.Key));
        _currentVersion = file.Current;
        if (!_keks.TryGetValue(_currentVersion, out byte[]? current) || current.Length != Envelope.KeySize)
        {
            throw new InvalidOperationException("The key file has no valid current key.");
        }

        LogLoaded(logger, o.Path, _currentVersion, _keks.Count);
    }

    public string Name => ProviderName;

    public int CurrentVersion => _currentVersion;

    public ValueTask<WrappedKey> WrapAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        byte[] blob = Envelope.Seal(_keks[_currentVersion], _currentVersion, key.Span, context.Span);
        return ValueTask.FromResult(new WrappedKey(ProviderName, _currentVersion, blob));
    }

    public ValueTask<byte[]> UnwrapAsync(WrappedKey wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        int version = Envelope.ReadKeyVersion(wrapped.Blob);
        if (!_keks.TryGetValue(version, out byte[]? kek))
        {
            throw new CryptographicException($"KEK version {version} is not in the key file.");
        }

        return ValueTask.FromResult(Envelope.Open(kek, wrapped.Blob, context.Span));
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

    private static KeyFile Create(string path, ILogger logger)
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
        };

        var streamOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, streamOptions))
        {
            JsonSerializer.Serialize(stream, file, KeyFileJson.Default.KeyFile);
            stream.Flush(flushToDisk: true);
        }

        LogCreated(logger, path);
        return file;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Generated a new development key file at {Path}. Back it up: without it the vault's data cannot be decrypted.")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Loaded key file {Path}: current KEK version {Version}, {Count} version(s)")]
    private static partial void LogLoaded(ILogger logger, string path, int version, int count);
}

internal sealed class KeyFile
{
    public string Format { get; set; } = "";

    public int Current { get; set; }

    public List<KeyFileEntry> Keys { get; set; } = [];
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
