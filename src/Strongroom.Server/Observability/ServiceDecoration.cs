namespace Strongroom.Server.Observability;

/// <summary>Wraps the last registration of a service in a decorator, keeping its lifetime.</summary>
internal static class ServiceDecoration
{
    public static IServiceCollection Decorate<TService>(this IServiceCollection services, Func<TService, TService> decorate)
        where TService : class
    {
        int index = -1;
        for (int i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(TService) && !services[i].IsKeyedService)
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            return services;
        }

        ServiceDescriptor original = services[index];
        services[index] = ServiceDescriptor.Describe(typeof(TService), sp => decorate(CreateInner<TService>(original, sp)), original.Lifetime);
        return services;
    }

    // The decorator owns the inner instance: the container disposes the decorator, which disposes what it wraps.
    private static TService CreateInner<TService>(ServiceDescriptor original, IServiceProvider services)
        where TService : class =>
        (TService)(original.ImplementationInstance
            ?? original.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, original.ImplementationType!));
}
