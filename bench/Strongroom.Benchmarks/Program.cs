using BenchmarkDotNet.Running;

namespace Strongroom.Benchmarks;

/// <summary><c>dotnet run -c Release --project bench/Strongroom.Benchmarks -- --filter '*'</c> (BenchmarkDotNet's own arguments).</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
