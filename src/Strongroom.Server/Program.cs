using Strongroom.Server.Cli;

// `strongroom` is both the server (`strongroom serve`, or no arguments) and the admin CLI
// (`strongroom tenant create`, `strongroom api-key create`, `strongroom migrate`).
return await StrongroomCli.RunAsync(args);

/// <summary>Entry point type, public for WebApplicationFactory.</summary>
public partial class Program;
