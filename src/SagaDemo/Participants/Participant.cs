using System.Diagnostics.Metrics;
using SagaDemo.Contracts;
using SagaDemo.Infrastructure.Storage;

namespace SagaDemo.Participants;

/// <summary>
/// One participant, declared once (see <see cref="ParticipantRegistry"/>): its name (the ROLE value,
/// its routes and the saga step that calls it), where the orchestrator finds it, and how it runs:
/// its rules, their options, its reservation store, and anything it serves beyond the endpoints
/// every participant has.
/// </summary>
public sealed class Participant
{
    private Participant(string name, string urlVariable, string defaultUrl,
        Action<IServiceCollection, IConfiguration> addServices, Action<IEndpointRouteBuilder> mapEndpoints)
    {
        Name = name;
        UrlVariable = urlVariable;
        DefaultUrl = defaultUrl;
        AddServices = addServices;
        MapEndpoints = mapEndpoints;
    }

    public string Name { get; }

    /// <summary>The orchestrator's environment variable with this participant's base URL, e.g. PAYMENT_URL.</summary>
    public string UrlVariable { get; }

    public string DefaultUrl { get; }

    /// <summary>Adds what the participant runs on: the rules, their options, the reservation store.</summary>
    public Action<IServiceCollection, IConfiguration> AddServices { get; }

    /// <summary>Maps /{name}/reserve, /cancel, /reservations (<see cref="ParticipantApi"/>) and the participant's own endpoints.</summary>
    public Action<IEndpointRouteBuilder> MapEndpoints { get; }

    /// <summary>
    /// A participant whose reserve body is <typeparamref name="TRequest"/> and whose business rule is
    /// <typeparamref name="TRules"/>; <paramref name="options"/> binds the rules' settings,
    /// <paramref name="endpoints"/> adds the participant's own read endpoints under /{name}.
    /// </summary>
    public static Participant Define<TRequest, TRules>(
        string name, string urlVariable, string defaultUrl,
        Action<IServiceCollection>? options = null, Action<RouteGroupBuilder>? endpoints = null)
        where TRequest : class, IReservationRequest
        where TRules : class, IReservationRules<TRequest> =>
        new(name, urlVariable, defaultUrl,
            (services, configuration) =>
            {
                options?.Invoke(services);
                services.AddSingleton(sp => new ParticipantTelemetry(name, sp.GetRequiredService<IMeterFactory>()));
                services.AddSingleton<TRules>();
                services.AddSingleton<IReservationRules<TRequest>>(sp => sp.GetRequiredService<TRules>());
                // In memory unless Storage__Provider says sqlite (ConnectionStrings__Reservations, by
                // default data/<name>.db) or postgres (ConnectionStrings__Reservations required).
                services.AddStore<IReservationStore<TRequest>>(configuration, StorageRegistration.ReservationsConnection, "memory",
                    $"Data Source=data/{name}.db", "reservation_store", retention => retention.Reservations, (sp, dialect) =>
                    {
                        var rules = sp.GetRequiredService<IReservationRules<TRequest>>();
                        var clock = sp.GetRequiredService<TimeProvider>();
                        return dialect is null
                            ? new InMemoryReservationStore<TRequest>(rules, clock)
                            : new SqlReservationStore<TRequest>(dialect, name, rules, clock);
                    });
            },
            app =>
            {
                var api = app.MapParticipantApi<TRequest>(name);
                endpoints?.Invoke(api);
            });
}
