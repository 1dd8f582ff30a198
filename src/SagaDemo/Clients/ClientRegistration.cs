using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SagaDemo.Participants;

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

        services.AddSingleton<ParticipantClients>();
        foreach (var participant in ParticipantRegistry.All)
        {
            services.AddParticipantClient(participant.Name);
        }
        return services;
    }

    /// <summary>
    /// The named HttpClient of one participant, with one policy stack; its base URL is
    /// <paramref name="baseAddress"/>, or the participant's from <see cref="ParticipantUrls"/>.
    /// </summary>
    public static IHttpClientBuilder AddParticipantClient(this IServiceCollection services, string name, Uri? baseAddress = null) =>
        services.AddHttpClient(name, (sp, http) =>
                http.BaseAddress = baseAddress ?? new Uri(sp.GetRequiredService<IOptions<ParticipantUrls>>().Value.ByName[name]))
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
