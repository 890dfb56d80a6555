namespace Strongroom.Core.Forwarding;

/// <summary>
/// An allowlisted forwarding destination of a tenant: scheme, host and port must match exactly. A destination
/// in a private, loopback or link-local network is refused unless <see cref="AllowPrivateNetwork"/> (checked on
/// every connect, against the addresses actually connected to). <see cref="CaCertificatePem"/> pins the TLS
/// trust to one CA (a processor's private PKI); <see cref="ClientIdentity"/> is the sealed mTLS client
/// certificate and key (PEM), never returned by the API.
/// </summary>
public sealed record ForwardDestination(
    Guid Id,
    Guid TenantId,
    string Scheme,
    string Host,
    int Port,
    bool AllowPrivateNetwork,
    string? CaCertificatePem,
    byte[]? ClientIdentity,
    DateTimeOffset CreatedAt)
{
    public string Origin => $"{Scheme}://{Host}:{Port}";

    public bool Matches(Uri url) =>
        string.Equals(url.Scheme, Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, Host, StringComparison.OrdinalIgnoreCase)
        && url.Port == Port;
}
