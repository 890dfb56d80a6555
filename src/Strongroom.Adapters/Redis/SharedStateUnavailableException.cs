namespace Strongroom.Adapters.Redis;

/// <summary>
/// The shared state store (Redis) did not answer. Requests that need it fail closed: the pipeline answers 503 in the
/// dialect's error shape. The message never contains the connection string (it may hold a password).
/// </summary>
public sealed class SharedStateUnavailableException : Exception
{
    public SharedStateUnavailableException()
        : base("The shared state store (Redis) is unavailable.")
    {
    }

    public SharedStateUnavailableException(string message)
        : base(message)
    {
    }

    public SharedStateUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
