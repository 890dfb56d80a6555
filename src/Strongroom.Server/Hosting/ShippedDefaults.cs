namespace Strongroom.Server.Hosting;

/// <summary>The appsettings.json shipped next to the binary, as the lowest-priority configuration source of the server and the CLI.</summary>
internal static class ShippedDefaults
{
    /// <summary>
    /// The defaults shipped next to the binary apply whatever the working directory; the content root's appsettings,
    /// environment variables and arguments still override them.
    /// </summary>
    public static void Add(IConfigurationBuilder configuration)
    {
        var shippedDefaults = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = System.IO.Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            Optional = true,
        };
        shippedDefaults.ResolveFileProvider();
        configuration.Sources.Insert(0, shippedDefaults);
    }
}
