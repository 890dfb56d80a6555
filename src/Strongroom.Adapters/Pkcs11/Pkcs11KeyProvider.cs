using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;
using Net.Pkcs11Interop.HighLevelAPI.MechanismParams;
using Strongroom.Core.Crypto;

namespace Strongroom.Adapters.Pkcs11;

/// <summary>
/// Key provider for an HSM through PKCS#11 (Thales Luna, YubiHSM 2, AWS CloudHSM, SoftHSM for tests, …). The KEKs are
/// AES-256 keys generated on the token as sensitive, non-extractable token objects labelled <c>{prefix}{version}</c>;
/// the highest version on the token is current. Wrapping is CKM_AES_GCM inside the device, so a KEK never leaves it.
/// <para>
/// A wrapped blob has the <see cref="Envelope"/> layout: format 1, algorithm 1 (AES-256-GCM), the KEK version, a random
/// 96-bit IV, the 128-bit tag, then the ciphertext; the AAD is the 6 header bytes followed by the caller's context.
/// </para>
/// <para>
/// The token is the only state: every operation looks its key up by label, so KEK versions created or destroyed by another
/// process (another server node, the CLI) are seen at once. The module is loaded and initialised once per process
/// (<see cref="Pkcs11Libraries"/>); operations run on a small pool of logged-in read-write sessions and may run concurrently.
/// The calls block on the device: they complete synchronously, like the key file's.
/// </para>
/// </summary>
public sealed partial class Pkcs11KeyProvider : IKeyProvider, IDisposable
{
    public const string ProviderName = "pkcs11";

    private const int IvSize = Envelope.NonceSize;
    private const int TagSize = Envelope.TagSize;

    private readonly Lock _auditKeyGate = new();
    private readonly Pkcs11InteropFactories _factories;
    private readonly ISlot _slot;
    private readonly string _userPin;
    private readonly string _keyLabelPrefix;
    private readonly string _auditKeyLabel;
    private readonly bool _createKeysIfMissing;
    private readonly SemaphoreSlim _sessionSlots;
    private readonly ConcurrentBag<ISession> _idleSessions = [];
    private readonly Lock _createGate = new();
    private readonly ILogger<Pkcs11KeyProvider> _logger;
    private volatile bool _disposed;

    public Pkcs11KeyProvider(IOptions<Pkcs11KeyProviderOptions> options, ILogger<Pkcs11KeyProvider> logger)
    {
        Pkcs11KeyProviderOptions o = options.Value;
        Validate(o);
        _logger = logger;
        _userPin = o.UserPin;
        _keyLabelPrefix = o.KeyLabelPrefix;
        _auditKeyLabel = o.AuditKeyLabel;
        _createKeysIfMissing = o.CreateKeysIfMissing;
        _sessionSlots = new SemaphoreSlim(o.MaxSessions, o.MaxSessions);
        _factories = Pkcs11Libraries.Factories;
        _slot = FindSlot(Pkcs11Libraries.Get(o.LibraryPath), o);

        try
        {
            SortedDictionary<int, List<IObjectHandle>> versions = Run(session =>
            {
                SortedDictionary<int, List<IObjectHandle>> found = ScanKeks(session);
                if (found.Count == 0)
                {
                    if (!_createKeysIfMissing)
                    {
                        throw new InvalidOperationException(
                            $"No KEK labelled '{_keyLabelPrefix}<n>' on the PKCS#11 token and CreateKeysIfMissing is off.");
                    }

                    GenerateKek(session, 1);
                    LogFirstKekCreated(_logger, KekLabel(1));
                    found = ScanKeks(session);
                }

                return found;
            });
            int current = versions.Keys.Max();
            string token = o.TokenLabel ?? $"in slot {o.SlotId}";
            LogLoaded(_logger, token, current, versions.Count);
        }
        catch (Pkcs11Exception e)
        {
            Dispose();
            throw Failure("opening the key store", e);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name => ProviderName;

    public ValueTask<WrappedKey> WrapAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            WrappedKey wrapped = Run(session =>
            {
                // Re-read the current version: another process may have rotated since the last call.
                (int version, IObjectHandle kek) = CurrentKek(session);
                var blob = new byte[Envelope.Overhead + key.Length];
                WriteHeader(blob, version);
                Span<byte> iv = blob.AsSpan(Envelope.HeaderSize, IvSize);
                RandomNumberGenerator.Fill(iv);

                byte[] output;
                using (GcmMechanism gcm = Gcm(iv.ToArray(), Aad(blob.AsSpan(0, Envelope.HeaderSize), context.Span)))
                {
                    output = session.Encrypt(gcm.Mechanism, kek, key.ToArray()); // ciphertext || tag
                }

                if (output.Length != key.Length + TagSize)
                {
                    throw new CryptographicException($"CKM_AES_GCM returned {output.Length} bytes for a {key.Length}-byte key.");
                }

                output.AsSpan(key.Length, TagSize).CopyTo(blob.AsSpan(Envelope.HeaderSize + IvSize, TagSize));
                output.AsSpan(0, key.Length).CopyTo(blob.AsSpan(Envelope.Overhead));
                return new WrappedKey(ProviderName, version, blob);
            });
            return ValueTask.FromResult(wrapped);
        }
        catch (Pkcs11Exception e)
        {
            throw Failure("wrapping a key", e);
        }
    }

    public ValueTask<byte[]> UnwrapAsync(WrappedKey wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        cancellationToken.ThrowIfCancellationRequested();
        if (!string.Equals(wrapped.Provider, ProviderName, StringComparison.Ordinal))
        {
            throw new CryptographicException($"The key was wrapped by the '{wrapped.Provider}' key provider, not '{ProviderName}'.");
        }

        byte[] blob = wrapped.Blob;
        int version = Envelope.ReadKeyVersion(blob); // authenticated as AAD below, so it is the one to trust
        byte[] iv = blob.AsSpan(Envelope.HeaderSize, IvSize).ToArray();
        byte[] aad = Aad(blob.AsSpan(0, Envelope.HeaderSize), context.Span);
        byte[] input = [.. blob.AsSpan(Envelope.Overhead), .. blob.AsSpan(Envelope.HeaderSize + IvSize, TagSize)];

        try
        {
            return ValueTask.FromResult(Run(session =>
            {
                // Looked up on the token every time: a version created by another process is found, a destroyed one is not.
                List<IObjectHandle> keks = FindKeks(session, version);
                if (keks.Count == 0)
                {
                    throw KeyVersionUnavailableException.Kek(version, "on the PKCS#11 token");
                }

                // Normally one key; two only if two processes created the same version at once (see CreateKekVersionAsync).
                Pkcs11Exception? rejected = null;
                foreach (IObjectHandle kek in keks)
                {
                    try
                    {
                        using GcmMechanism gcm = Gcm(iv, aad);
                        return session.Decrypt(gcm.Mechanism, kek, input);
                    }
                    catch (Pkcs11Exception e) when (!IsSessionLost(e.RV))
                    {
                        rejected = e;
                    }
                }

                throw new CryptographicException(
                    $"The wrapped key could not be opened under KEK version {version} ({rejected?.RV}): wrong context, or the blob was altered.", rejected);
            }));
        }
        catch (Pkcs11Exception e)
        {
            throw Failure("unwrapping a key", e);
        }
    }

    public ValueTask<IReadOnlyList<int>> ListKekVersionsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult<IReadOnlyList<int>>([.. Run(ScanKeks).Keys]);
        }
        catch (Pkcs11Exception e)
        {
            throw Failure("listing the KEK versions", e);
        }
    }

    /// <summary>
    /// Generates KEK version max+1 on the token. PKCS#11 has no create-if-absent, so two processes rotating at the same
    /// instant could both create the same version: both keys then carry that label, wrapping uses one of them and unwrapping
    /// tries each, so nothing is lost. Rotation is an operator action (the CLI); run one at a time.
    /// </summary>
    public ValueTask<int> CreateKekVersionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            int created;
            lock (_createGate)
            {
                created = Run(session =>
                {
                    SortedDictionary<int, List<IObjectHandle>> versions = ScanKeks(session);
                    int version = (versions.Count == 0 ? 0 : versions.Keys.Max()) + 1;
                    GenerateKek(session, version);
                    return version;
                });
            }

            LogKekCreated(_logger, created);
            return ValueTask.FromResult(created);
        }
        catch (Pkcs11Exception e)
        {
            throw Failure("creating a KEK version", e);
        }
    }

    public ValueTask DestroyKekVersionAsync(int version, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            int destroyed = Run(session =>
            {
                SortedDictionary<int, List<IObjectHandle>> versions = ScanKeks(session);
                if (versions.Count > 0 && version == versions.Keys.Max())
                {
                    throw new InvalidOperationException("The current KEK version cannot be destroyed.");
                }

                if (!versions.TryGetValue(version, out List<IObjectHandle>? keks))
                {
                    return 0;
                }

                foreach (IObjectHandle kek in keks)
                {
                    session.DestroyObject(kek);
                }

                return keks.Count;
            });
            if (destroyed > 0)
            {
                LogKekDestroyed(_logger, version);
            }

            return ValueTask.CompletedTask;
        }
        catch (Pkcs11Exception e)
        {
            throw Failure("destroying a KEK version", e);
        }
    }

    public ValueTask<byte[]> AuditSealAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult(Run(session =>
            {
                IObjectHandle key = AuditKey(session);
                using IMechanism hmac = _factories.MechanismFactory.Create(CKM.CKM_SHA256_HMAC);
                return session.Sign(hmac, key, data.ToArray());
            }));
        }
        catch (Pkcs11Exception e)
        {
            throw Failure("sealing the audit chain", e);
        }
    }

    /// <summary>Closes the pooled sessions. The module stays loaded (once per process) and the login ends with the application's last session.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DrainIdleSessions();
    }

    /// <summary>The token label of KEK <paramref name="version"/>.</summary>
    internal string KekLabel(int version) => _keyLabelPrefix + version.ToString(CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="action"/> on one of the provider's logged-in sessions (tests inspect the key objects with it).</summary>
    internal T UseSession<T>(Func<ISession, T> action) => Run(action);

    // ---- keys on the token ----

    /// <summary>Every KEK on the token by version: the AES token keys whose label is the prefix followed by a version number.</summary>
    private SortedDictionary<int, List<IObjectHandle>> ScanKeks(ISession session)
    {
        var versions = new SortedDictionary<int, List<IObjectHandle>>();
        foreach (IObjectHandle handle in Find(session, KeyTemplate(CKK.CKK_AES, label: null)))
        {
            string? label = ReadLabel(session, handle);
            if (label is not null && TryParseVersion(label, out int version))
            {
                if (!versions.TryGetValue(version, out List<IObjectHandle>? handles))
                {
                    versions[version] = handles = [];
                }

                handles.Add(handle);
            }
        }

        return versions;
    }

    private (int Version, IObjectHandle Kek) CurrentKek(ISession session)
    {
        SortedDictionary<int, List<IObjectHandle>> versions = ScanKeks(session);
        if (versions.Count == 0)
        {
            throw new CryptographicException($"No KEK labelled '{_keyLabelPrefix}<n>' is left on the PKCS#11 token.");
        }

        KeyValuePair<int, List<IObjectHandle>> current = versions.Last();
        return (current.Key, current.Value.Count == 1 ? current.Value[0] : LowestId(session, current.Value));
    }

    private List<IObjectHandle> FindKeks(ISession session, int version) => Find(session, KeyTemplate(CKK.CKK_AES, KekLabel(version)));

    private bool TryParseVersion(string label, out int version)
    {
        version = 0;
        if (!label.StartsWith(_keyLabelPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        // Digits only and no leading zero, so that a version has exactly one label.
        ReadOnlySpan<char> digits = label.AsSpan(_keyLabelPrefix.Length);
        return digits.Length is > 0 and <= 9 && digits[0] != '0' && !digits.ContainsAnyExceptInRange('0', '9')
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    private void GenerateKek(ISession session, int version)
    {
        using IMechanism keyGen = _factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
        List<IObjectAttribute> template = SecretKeyTemplate(CKK.CKK_AES, KekLabel(version), encrypt: true, sign: false);
        try
        {
            session.GenerateKey(keyGen, template);
        }
        finally
        {
            DisposeAll(template);
        }
    }

    /// <summary>
    /// The audit-seal key, generated on first use if missing. Two processes doing that at once would each create one; every
    /// process then uses the key with the lowest CKA_ID, and the loser deletes its own, so all seals agree.
    /// </summary>
    private IObjectHandle AuditKey(ISession session)
    {
        // One creator at a time in this process: SoftHSM answers concurrent C_GenerateKey calls for the same
        // template with CKR_TEMPLATE_INCONSISTENT, and a second thread only needs the key the first one made.
        lock (_auditKeyGate)
        {
            return FindOrCreateAuditKey(session);
        }
    }

    private IObjectHandle FindOrCreateAuditKey(ISession session)
    {
        List<IObjectHandle> keys = Find(session, AuditKeyTemplate());
        if (keys.Count == 1)
        {
            return keys[0];
        }

        if (keys.Count > 1)
        {
            return LowestId(session, keys);
        }

        if (!_createKeysIfMissing)
        {
            throw new CryptographicException($"No audit key labelled '{_auditKeyLabel}' on the PKCS#11 token and CreateKeysIfMissing is off.");
        }

        IObjectHandle created;
        using (IMechanism keyGen = _factories.MechanismFactory.Create(CKM.CKM_GENERIC_SECRET_KEY_GEN))
        {
            List<IObjectAttribute> template = SecretKeyTemplate(CKK.CKK_GENERIC_SECRET, _auditKeyLabel, encrypt: false, sign: true);
            try
            {
                created = session.GenerateKey(keyGen, template);
            }
            finally
            {
                DisposeAll(template);
            }
        }

        LogAuditKeyCreated(_logger, _auditKeyLabel);
        keys = Find(session, AuditKeyTemplate());
        IObjectHandle winner = keys.Count == 1 ? keys[0] : LowestId(session, keys);
        if (winner.ObjectId != created.ObjectId)
        {
            session.DestroyObject(created);
        }

        return winner;
    }

    private List<IObjectAttribute> AuditKeyTemplate() =>
    [
        _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
        _factories.ObjectAttributeFactory.Create(CKA.CKA_TOKEN, true),
        _factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, _auditKeyLabel),
    ];

    private List<IObjectAttribute> KeyTemplate(CKK keyType, string? label)
    {
        List<IObjectAttribute> template =
        [
            _factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_KEY_TYPE, keyType),
            _factories.ObjectAttributeFactory.Create(CKA.CKA_TOKEN, true),
        ];
        if (label is not null)
        {
            template.Add(_factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, label));
        }

        return template;
    }

    /// <summary>A 256-bit secret token key that can never be read out: sensitive, not extractable, usable for one purpose only.</summary>
    private List<IObjectAttribute> SecretKeyTemplate(CKK keyType, string label, bool encrypt, bool sign)
    {
        IObjectAttributeFactory f = _factories.ObjectAttributeFactory;
        return
        [
            f.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            f.Create(CKA.CKA_KEY_TYPE, keyType),
            f.Create(CKA.CKA_VALUE_LEN, (ulong)Envelope.KeySize),
            f.Create(CKA.CKA_TOKEN, true),
            f.Create(CKA.CKA_PRIVATE, true),
            f.Create(CKA.CKA_SENSITIVE, true),
            f.Create(CKA.CKA_EXTRACTABLE, false),
            f.Create(CKA.CKA_MODIFIABLE, false),
            f.Create(CKA.CKA_ENCRYPT, encrypt),
            f.Create(CKA.CKA_DECRYPT, encrypt),
            f.Create(CKA.CKA_SIGN, sign),
            f.Create(CKA.CKA_VERIFY, sign),
            f.Create(CKA.CKA_WRAP, false),
            f.Create(CKA.CKA_UNWRAP, false),
            f.Create(CKA.CKA_DERIVE, false),
            f.Create(CKA.CKA_LABEL, label),
            f.Create(CKA.CKA_ID, RandomNumberGenerator.GetBytes(16)),
        ];
    }

    private static List<IObjectHandle> Find(ISession session, List<IObjectAttribute> template)
    {
        try
        {
            return session.FindAllObjects(template);
        }
        finally
        {
            DisposeAll(template);
        }
    }

    private static string? ReadLabel(ISession session, IObjectHandle handle)
    {
        List<IObjectAttribute> attributes = session.GetAttributeValue(handle, [CKA.CKA_LABEL]);
        try
        {
            return attributes[0].CannotBeRead ? null : attributes[0].GetValueAsString();
        }
        finally
        {
            DisposeAll(attributes);
        }
    }

    /// <summary>The key with the lowest CKA_ID: the same choice in every process.</summary>
    private static IObjectHandle LowestId(ISession session, List<IObjectHandle> handles)
    {
        IObjectHandle best = handles[0];
        byte[] bestId = ReadId(session, best);
        foreach (IObjectHandle handle in handles.Skip(1))
        {
            byte[] id = ReadId(session, handle);
            if (id.AsSpan().SequenceCompareTo(bestId) < 0)
            {
                (best, bestId) = (handle, id);
            }
        }

        return best;
    }

    private static byte[] ReadId(ISession session, IObjectHandle handle)
    {
        List<IObjectAttribute> attributes = session.GetAttributeValue(handle, [CKA.CKA_ID]);
        try
        {
            return attributes[0].CannotBeRead ? [] : attributes[0].GetValueAsByteArray() ?? [];
        }
        finally
        {
            DisposeAll(attributes);
        }
    }

    private static void DisposeAll(List<IObjectAttribute> attributes)
    {
        foreach (IObjectAttribute attribute in attributes)
        {
            attribute.Dispose();
        }
    }

    // ---- AES-GCM ----

    private GcmMechanism Gcm(byte[] iv, byte[] aad) => new(_factories, iv, aad);

    /// <summary>
    /// CKM_AES_GCM with a 96-bit IV, the AAD and a 128-bit tag. The mechanism points into the parameters' unmanaged IV and
    /// AAD buffers, so both live (and are freed) together.
    /// </summary>
    private sealed class GcmMechanism : IDisposable
    {
        private readonly ICkGcmParams _parameters;

        public GcmMechanism(Pkcs11InteropFactories factories, byte[] iv, byte[] aad)
        {
            _parameters = factories.MechanismParamsFactory.CreateCkGcmParams(iv, IvSize * 8, aad, TagSize * 8);
            try
            {
                Mechanism = factories.MechanismFactory.Create(CKM.CKM_AES_GCM, _parameters);
            }
            catch
            {
                _parameters.Dispose();
                throw;
            }
        }

        public IMechanism Mechanism { get; }

        public void Dispose()
        {
            Mechanism.Dispose();
            _parameters.Dispose();
        }
    }

    private static void WriteHeader(Span<byte> blob, int version)
    {
        blob[0] = Envelope.FormatVersion;
        blob[1] = Envelope.AlgorithmAes256Gcm;
        BinaryPrimitives.WriteUInt32BigEndian(blob[2..], checked((uint)version));
    }

    private static byte[] Aad(ReadOnlySpan<byte> header, ReadOnlySpan<byte> context) => [.. header, .. context];

    // ---- sessions ----

    /// <summary>
    /// Runs <paramref name="action"/> on a pooled session. A session the device has dropped (HSM restart, network HSM
    /// failover, login lost) is discarded with the rest of the pool and the action retried once on a new session.
    /// </summary>
    private T Run<T>(Func<ISession, T> action)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int attempt = 0; ; attempt++)
        {
            _sessionSlots.Wait();
            ISession? session = null;
            bool reusable = false;
            try
            {
                session = Rent();
                T result = action(session);
                reusable = true;
                return result;
            }
            catch (Pkcs11Exception e) when (attempt == 0 && IsSessionLost(e.RV))
            {
                LogSessionLost(_logger, e.RV);
                DrainIdleSessions();
            }
            catch (Exception e) when (e is not Pkcs11Exception)
            {
                reusable = true; // our own checks; the session did nothing wrong
                throw;
            }
            finally
            {
                if (session is not null)
                {
                    Return(session, reusable);
                }

                _sessionSlots.Release();
            }
        }
    }

    private ISession Rent()
    {
        if (_idleSessions.TryTake(out ISession? idle))
        {
            return idle;
        }

        ISession session = _slot.OpenSession(SessionType.ReadWrite);
        try
        {
            // The login belongs to the application, not the session: it holds while any of its sessions on the token is open.
            session.Login(CKU.CKU_USER, _userPin);
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Another session of this process logged in (the PIN is then not checked again): all providers over one
            // token in a process share the login, so they must be configured with the same PIN.
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED or CKR.CKR_PIN_EXPIRED or CKR.CKR_PIN_LEN_RANGE)
        {
            session.Dispose();
            // Never retried: repeated wrong PINs lock the token.
            throw new InvalidOperationException($"The PKCS#11 token refused the user PIN ({e.RV}); check Strongroom:Pkcs11:UserPin.", e);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    /// <summary>Keeps a healthy session for the next operation (no more than MaxSessions exist at once); closes any other.</summary>
    private void Return(ISession session, bool reusable)
    {
        if (reusable && !_disposed)
        {
            _idleSessions.Add(session);
            if (!_disposed)
            {
                return;
            }

            // Disposed meanwhile: make sure the session does not outlive the provider.
            DrainIdleSessions();
            return;
        }

        Close(session);
    }

    private void DrainIdleSessions()
    {
        while (_idleSessions.TryTake(out ISession? session))
        {
            Close(session);
        }
    }

    private static void Close(ISession session)
    {
        try
        {
            session.Dispose();
        }
        catch (Pkcs11Exception)
        {
            // Already gone on the device side.
        }
    }

    private static bool IsSessionLost(CKR rv) => rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED or CKR.CKR_USER_NOT_LOGGED_IN
        or CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_TOKEN_NOT_RECOGNIZED;

    private static CryptographicException Failure(string operation, Pkcs11Exception e) =>
        new($"PKCS#11 {e.Method} failed with {e.RV} while {operation}.", e);

    // ---- start-up ----

    private static void Validate(Pkcs11KeyProviderOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.LibraryPath))
        {
            throw new InvalidOperationException($"{Pkcs11KeyProviderOptions.Section}:LibraryPath is not set.");
        }

        if (string.IsNullOrWhiteSpace(o.TokenLabel) == (o.SlotId is null))
        {
            throw new InvalidOperationException($"Set exactly one of {Pkcs11KeyProviderOptions.Section}:TokenLabel and :SlotId.");
        }

        if (string.IsNullOrEmpty(o.UserPin))
        {
            throw new InvalidOperationException($"{Pkcs11KeyProviderOptions.Section}:UserPin is not set.");
        }

        if (string.IsNullOrWhiteSpace(o.KeyLabelPrefix) || string.IsNullOrWhiteSpace(o.AuditKeyLabel))
        {
            throw new InvalidOperationException($"{Pkcs11KeyProviderOptions.Section}:KeyLabelPrefix and :AuditKeyLabel must not be empty.");
        }

        if (o.MaxSessions < 1)
        {
            throw new InvalidOperationException($"{Pkcs11KeyProviderOptions.Section}:MaxSessions must be at least 1.");
        }
    }

    private static ISlot FindSlot(IPkcs11Library library, Pkcs11KeyProviderOptions o)
    {
        List<ISlot> slots = library.GetSlotList(SlotsType.WithTokenPresent);
        if (o.SlotId is ulong slotId)
        {
            return slots.FirstOrDefault(s => s.SlotId == slotId)
                ?? throw new InvalidOperationException($"PKCS#11 slot {slotId} has no token.");
        }

        string wanted = o.TokenLabel!.Trim();
        var matches = slots.Where(s => string.Equals(s.GetTokenInfo().Label?.Trim(), wanted, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new InvalidOperationException($"No PKCS#11 token labelled '{wanted}' (tokens present: {slots.Count})."),
            _ => throw new InvalidOperationException($"{matches.Count} PKCS#11 tokens are labelled '{wanted}'; choose one with SlotId."),
        };
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "PKCS#11 key provider on token {Token}: current KEK version {Version}, {Count} version(s)")]
    private static partial void LogLoaded(ILogger logger, string token, int version, int count);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Generated KEK {Label} on the PKCS#11 token (first start)")]
    private static partial void LogFirstKekCreated(ILogger logger, string label);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Created KEK version {Version} on the PKCS#11 token; it is now current")]
    private static partial void LogKekCreated(ILogger logger, int version);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Destroyed KEK version {Version} on the PKCS#11 token")]
    private static partial void LogKekDestroyed(ILogger logger, int version);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Generated the audit-seal key {Label} on the PKCS#11 token")]
    private static partial void LogAuditKeyCreated(ILogger logger, string label);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "PKCS#11 session lost ({Result}); reopening")]
    private static partial void LogSessionLost(ILogger logger, CKR result);
}

/// <summary>
/// PKCS#11 modules loaded by this process, one per path. A module may be initialised (C_Initialize) only once per process,
/// and every provider over it shares the application's login state, so all share one load; it stays loaded for the
/// life of the process.
/// </summary>
internal static class Pkcs11Libraries
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, IPkcs11Library> Loaded = new(StringComparer.Ordinal);
    private static bool _resolverSet;

    public static Pkcs11InteropFactories Factories { get; } = new();

    public static IPkcs11Library Get(string libraryPath)
    {
        string path = Path.GetFullPath(libraryPath);
        lock (Gate)
        {
            if (!Loaded.TryGetValue(path, out IPkcs11Library? library))
            {
                MapLibdl();
                if (!File.Exists(path))
                {
                    throw new InvalidOperationException($"The PKCS#11 module {path} does not exist.");
                }

                // MultiThreaded: the module uses OS locking, so sessions may be used from several threads (one at a time each).
                library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
                Loaded[path] = library;
            }

            return library;
        }
    }

    /// <summary>
    /// Pkcs11Interop loads modules with <c>dlopen</c> imported from "libdl", i.e. <c>libdl.so</c>, which glibc 2.34+ no longer
    /// ships (not even in libc6-dev: Debian 12, Ubuntu 22.04+). Point that import at the first library that exports
    /// <c>dlopen</c>: <c>libdl.so.2</c> (a compatibility stub on new glibc), else <c>libc.so.6</c> (where it lives since 2.34).
    /// </summary>
    private static void MapLibdl()
    {
        if (_resolverSet || !OperatingSystem.IsLinux())
        {
            return;
        }

        _resolverSet = true;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(IPkcs11Library).Assembly, (name, _, _) =>
            {
                if (name != "libdl")
                {
                    return IntPtr.Zero;
                }

                foreach (string candidate in (string[])["libdl.so.2", "libc.so.6", "libdl.so"])
                {
                    if (NativeLibrary.TryLoad(candidate, out IntPtr handle))
                    {
                        if (NativeLibrary.TryGetExport(handle, "dlopen", out _))
                        {
                            return handle;
                        }

                        NativeLibrary.Free(handle);
                    }
                }

                return IntPtr.Zero; // the default probing, and its error message
            });
        }
        catch (InvalidOperationException)
        {
            // The host already set a resolver for Pkcs11Interop; it is in charge of "libdl" then.
        }
    }
}
