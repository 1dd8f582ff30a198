using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SagaDemo.Hosting;
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
            {
                http.BaseAddress = baseAddress ?? new Uri(sp.GetRequiredService<IOptions<ParticipantUrls>>().Value.ByName[name]);
                // The orchestrator proves itself to the participant (Security__ServiceToken).
                if (sp.GetRequiredService<IOptions<SecurityOptions>>().Value.ServiceToken is { Length: > 0 } token)
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }
            })
            // The saga is declared once (a singleton) and keeps its clients: connections are renewed by
            // the pool (so DNS changes are seen) instead of by rotating the factory's handlers. A service
            // calling a service follows no redirects and keeps no cookies (no redirect handler, no cookie work per call).
            .UseSocketsHttpHandler((handler, sp) =>
            {
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2);
                handler.AllowAutoRedirect = false;
                handler.UseCookies = false;
                handler.MaxConnectionsPerServer = sp.GetRequiredService<IOptions<ResilienceOptions>>().Value.MaxConnectionsPerParticipant;
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The factory's own request logging is off (it is filtered to Warning anyway, and its two
            // handlers cost every call); the saga's history and log lines say what each call did.
            .RemoveAllLoggers()
            // One policy handler: retry outside, the per-try timeout inside it (see ParticipantPolicies),
            // then the attempt counter.
            .AddPolicyHandler((sp, _) => sp.GetRequiredService<ParticipantPolicies>().For(name))
            .AddHttpMessageHandler<AttemptCountingHandler>();
}
