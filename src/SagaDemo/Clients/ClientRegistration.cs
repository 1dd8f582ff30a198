using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SagaDemo.Clients;

public static class ClientRegistration
{
    public static IServiceCollection AddParticipantClients(this IServiceCollection services)
    {
        services.AddOptions<ParticipantUrls>().Configure<IConfiguration>(ParticipantUrls.Bind).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ResilienceOptions>().BindConfiguration("Resilience").ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(Random.Shared);
        services.AddSingleton<ParticipantPolicies>();
        services.AddTransient<AttemptCountingHandler>();

        services.AddParticipantClient<PaymentClient>(urls => urls.PaymentUrl);
        services.AddParticipantClient<InventoryClient>(urls => urls.InventoryUrl);
        services.AddParticipantClient<DeliveryClient>(urls => urls.DeliveryUrl);
        return services;
    }

    private static void AddParticipantClient<TClient>(this IServiceCollection services, Func<ParticipantUrls, string> url)
        where TClient : ParticipantClient
    {
        services.AddHttpClient<TClient>((sp, http) => http.BaseAddress = new Uri(url(sp.GetRequiredService<IOptions<ParticipantUrls>>().Value)))
            // The saga is declared once (a singleton) and keeps its clients: connections are renewed by
            // the pool (so DNS changes are seen) instead of by rotating the factory's handlers. A service
            // calling a service follows no redirects and keeps no cookies (no redirect handler, no cookie work per call).
            .UseSocketsHttpHandler((handler, _) =>
            {
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2);
                handler.AllowAutoRedirect = false;
                handler.UseCookies = false;
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The factory's own request logging is off (it is filtered to Warning anyway, and its two
            // handlers cost every call); the saga's history and log lines say what each call did.
            .RemoveAllLoggers()
            // One policy handler: retry outside, the per-try timeout inside it (see ParticipantPolicies),
            // then the attempt counter.
            .AddPolicyHandler((sp, _) => sp.GetRequiredService<ParticipantPolicies>().RetryWithPerTryTimeout)
            .AddHttpMessageHandler<AttemptCountingHandler>();
    }
}
