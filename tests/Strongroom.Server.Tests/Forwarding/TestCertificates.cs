using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>
/// Certificates generated in memory for the forwarding tests (<see cref="ProcessorServer"/>). Nothing is written
/// to disk or to any machine store, so a test can only trust one of these certificates by being told to, which is
/// exactly what the vault's per-destination trust has to do. Keys are ECDSA P-256: generating them takes
/// microseconds, where RSA 2048 would add tens of milliseconds to every fixture.
/// </summary>
public static class TestCertificates
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// A self-signed TLS server certificate for <c>localhost</c> and <c>127.0.0.1</c> (both in the SAN),
    /// serverAuth EKU, valid from a day ago to a day from now. It carries its private key and has been
    /// round-tripped through PKCS#12 so Kestrel can use the key on every platform.
    /// </summary>
    public static X509Certificate2 CreateServerCertificate(string commonName = "Strongroom test processor")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        return WithPersistableKey(certificate);
    }

    /// <summary>
    /// A self-signed CA (basic constraints CA, keyCertSign) for issuing client certificates
    /// (<see cref="IssueClientCertificate"/>), valid from a day ago to two days from now.
    /// </summary>
    public static X509Certificate2 CreateClientAuthority(string commonName = "Strongroom test client CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
        return WithPersistableKey(certificate);
    }

    /// <summary>
    /// A client certificate (clientAuth EKU, valid from a day ago to a day from now) signed by
    /// <paramref name="authority"/>, which must carry its private key. The result carries its own private key.
    /// </summary>
    public static X509Certificate2 IssueClientCertificate(X509Certificate2 authority, string commonName = "Strongroom test vault")
    {
        ArgumentNullException.ThrowIfNull(authority);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 issued = CreateClientRequest(key, commonName).Create(
            authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(16));
        using (issued)
        using (X509Certificate2 withKey = issued.CopyWithPrivateKey(key))
        {
            return WithPersistableKey(withKey);
        }
    }

    /// <summary>
    /// A self-signed client certificate (clientAuth EKU) that no <see cref="CreateClientAuthority"/> issued:
    /// what a server requiring mutual TLS must refuse.
    /// </summary>
    public static X509Certificate2 CreateSelfSignedClientCertificate(string commonName = "Strongroom foreign client")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = CreateClientRequest(key, commonName).CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        return WithPersistableKey(certificate);
    }

    /// <summary>The public part of <paramref name="certificate"/> as a PEM <c>CERTIFICATE</c> block.</summary>
    public static string ToPem(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.ExportCertificatePem();
    }

    /// <summary>
    /// <paramref name="certificate"/> (with its private key) as PKCS#12 bytes under <paramref name="password"/>,
    /// AES-256 encrypted: the form in which a vault destination is given its client certificate.
    /// </summary>
    public static byte[] ToPfx(X509Certificate2 certificate, string password)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password);
    }

    /// <summary>
    /// True when <paramref name="certificate"/> chains to <paramref name="authority"/> (and only to it: the
    /// machine's roots are not consulted), is in its validity period and allows clientAuth. Revocation is not
    /// checked: these certificates have no distribution points.
    /// </summary>
    public static bool IsIssuedClientCertificate(X509Certificate2? certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthOid));
        return chain.Build(certificate);
    }

    /// <summary>
    /// A server-certificate check that accepts exactly <paramref name="expected"/> (compared byte for byte) and
    /// nothing else, and still insists the certificate names the host that was dialled. The "untrusted root"
    /// chain error is ignored because the pin replaces the machine's roots; every other error fails.
    /// </summary>
    public static RemoteCertificateValidationCallback TrustExactly(X509Certificate2 expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        byte[] pinned = expected.RawData;
        return (_, certificate, _, errors) =>
            certificate is not null
            && (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
            && certificate.GetRawCertData().AsSpan().SequenceEqual(pinned);
    }

    private static CertificateRequest CreateClientRequest(ECDsa key, string commonName)
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        return request;
    }

    /// <summary>
    /// Ephemeral keys from <see cref="CertificateRequest"/> cannot be used by SChannel; a PKCS#12 round trip
    /// gives a key every TLS stack accepts. Harmless on Linux, where OpenSSL takes either.
    /// </summary>
    private static X509Certificate2 WithPersistableKey(X509Certificate2 certificate)
    {
        string password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return X509CertificateLoader.LoadPkcs12(ToPfx(certificate, password), password);
    }
}
