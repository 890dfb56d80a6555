using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Benchmarks;

/// <summary>
/// The per-token hot path of <c>POST /api/pci/tokens</c> after JSON parsing and before storage: card validation, PAN
/// fingerprint (HMAC-SHA256), AES-256-GCM envelope seal; and the WhiteBIT request signature check (HMAC-SHA512).
/// The card is a test number; allocations are reported per operation.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet needs an unsealed class; [GlobalCleanup] disposes.")]
public class HotPathBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly List<CardFieldError> _errors = new(4);
    private CardInput _input = null!;
    private ValidCard _card = null!;
    private TenantKeySet _keys = null!;
    private byte[] _plaintext = null!;
    private Guid _recordId;
    private byte[] _signingSecret = null!;
    private string _payload = null!;
    private string _signature = null!;
    private EnvelopeKey _baselineKey = null!;
    private byte[] _rawKey = null!;
    private AesGcm _aes = null!;
    private readonly byte[] _fixedNonce = new byte[Envelope.NonceSize];

    [GlobalCleanup]
    public void Cleanup() => _aes?.Dispose();

    [GlobalSetup]
    public void Setup()
    {
        _input = new CardInput { AccountNumber = "4111111111111111", ExpiryMonth = 12, ExpiryYear = 2030, SecurityCode = "123", CardholderName = "Bench Holder" };
        _card = CardValidator.Validate(_input, Now, _errors) ?? throw new InvalidOperationException("test card must be valid");
        _keys = new TenantKeySet(Guid.NewGuid(), new Dictionary<int, byte[]> { [1] = RandomNumberGenerator.GetBytes(32) }, 1, RandomNumberGenerator.GetBytes(32));
        _plaintext = CardBlob.Encode(_card);
        _recordId = Guid.CreateVersion7();
        _rawKey = RandomNumberGenerator.GetBytes(32);
        _baselineKey = new EnvelopeKey(_rawKey, 1);
        _aes = new AesGcm(_rawKey, Envelope.TagSize);

        _signingSecret = RandomNumberGenerator.GetBytes(32);
        _payload = Convert.ToBase64String("{\"request\":\"/api/v4/main-account/card-tokens\",\"nonce\":1764000000000,\"card_number\":\"4111111111111111\"}"u8);
        _signature = Convert.ToHexStringLower(HMACSHA512.HashData(_signingSecret, Encoding.ASCII.GetBytes(_payload)));
    }

    /// <summary>The baseline endpoint's crypto: one AES-256-GCM envelope seal of a 16-digit number (reused cipher context).</summary>
    [Benchmark(Baseline = true)]
    public byte[] BaselineSeal() => _baselineKey.Seal(_plaintext.AsSpan(2, 16), "bench-baseline"u8);

    /// <summary>The same seal creating its cipher context per call (what every seal did before EnvelopeKey).</summary>
    [Benchmark]
    public byte[] SealNewContext() => Envelope.Seal(_rawKey, 1, _plaintext.AsSpan(2, 16), "bench-baseline"u8);

    /// <summary>Parts of a seal: the random 96-bit nonce alone.</summary>
    [Benchmark]
    public byte NonceOnly()
    {
        Span<byte> nonce = stackalloc byte[Envelope.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        return nonce[0];
    }

    /// <summary>Parts of a seal: AES-256-GCM of 16 bytes on a reused context with a fixed nonce (never do this with a real key).</summary>
    [Benchmark]
    public byte AesGcmOnly()
    {
        Span<byte> output = stackalloc byte[16];
        Span<byte> tag = stackalloc byte[Envelope.TagSize];
        _aes.Encrypt(_fixedNonce, _plaintext.AsSpan(2, 16), output, tag, "bench-baseline"u8);
        return tag[0];
    }

    [Benchmark]
    public ValidCard? Validate()
    {
        _errors.Clear();
        return CardValidator.Validate(_input, Now, _errors);
    }

    [Benchmark]
    public byte[] Fingerprint() => _keys.KeyedDigest("pan-fingerprint/v1", _plaintext.AsSpan(2, 16));

    [Benchmark]
    public byte[] Encrypt() => _keys.Seal(RecordKind.PciToken, _recordId, _plaintext);

    /// <summary>Encode the card blob, fingerprint it, seal it (what every token kind does).</summary>
    [Benchmark]
    public (byte[], byte[]) SealCard() => CardBlob.Seal(_keys, RecordKind.PciToken, _recordId, _card);

    /// <summary>The whole hot path: validation + fingerprint + encrypt.</summary>
    [Benchmark]
    public (byte[], byte[]) HotPath()
    {
        _errors.Clear();
        ValidCard card = CardValidator.Validate(_input, Now, _errors)!;
        return CardBlob.Seal(_keys, RecordKind.PciToken, _recordId, card);
    }

    /// <summary>WhiteBIT signed request: HMAC-SHA512 of the payload compared in constant time with the presented hex signature.</summary>
    [Benchmark]
    public bool SignatureCheck() => WhiteBitAuthentication.SignatureMatches(_signingSecret, _payload, _signature);
}
