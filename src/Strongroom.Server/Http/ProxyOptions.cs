using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Strongroom.Server.Http;

/// <summary>
/// The load balancers in front of the nodes (section <c>Strongroom:Proxy</c>). Only requests that arrive from one of
/// these addresses or networks may set the client address with <c>X-Forwarded-For</c> (and the scheme with
/// <c>X-Forwarded-Proto</c>); from anywhere else the headers are ignored, so a client cannot pick its own address to
/// escape the hosted form's per-IP limit. Empty (the default): the headers are never read.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Strongroom:Proxy";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.2</c>.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>10.0.0.0/24</c>.</summary>
    public IList<string> KnownNetworks { get; } = [];

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>The middleware options: one proxy hop, only the configured proxies trusted (not even loopback by default).</summary>
    public ForwardedHeadersOptions ToForwardedHeadersOptions()
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = 1,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (string proxy in KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (string network in KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }

        return options;
    }
}
