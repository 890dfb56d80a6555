namespace Strongroom.Client.Guardian;

/// <summary>
/// The Guardian dialect of the vault, one resource per property. Register it with
/// <see cref="StrongroomClientServiceCollectionExtensions.AddStrongroomGuardianClient"/> (a typed client of
/// <c>IHttpClientFactory</c>), or construct it over an <see cref="HttpClient"/> you configured with
/// <see cref="GuardianClientOptions.ApplyTo"/>. Every failure is a <see cref="GuardianApiException"/>.
/// </summary>
public sealed class GuardianClient
{
    public GuardianClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var transport = new GuardianTransport(http);
        PciTokens = new PciTokensClient(transport);
        NetworkTokens = new NetworkTokensClient(transport);
        Sessions = new SessionsClient(transport);
        Metadata = new MetadataClient(transport);
    }

    /// <summary>PCI tokens, security codes and the card-data forward.</summary>
    public PciTokensClient PciTokens { get; }

    /// <summary>Network tokens, their lifecycle, events, cryptograms and the cryptogram forward.</summary>
    public NetworkTokensClient NetworkTokens { get; }

    /// <summary>Card-entry sessions.</summary>
    public SessionsClient Sessions { get; }

    /// <summary>Card metadata inquiries.</summary>
    public MetadataClient Metadata { get; }
}
