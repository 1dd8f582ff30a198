using Microsoft.Extensions.Options;

namespace SagaDemo.Clients;

/// <summary>The orchestrator's client of every participant, by name, made once (see ClientRegistration).</summary>
public sealed class ParticipantClients(IHttpClientFactory factory, IOptions<ResilienceOptions> options)
{
    private readonly Dictionary<string, ParticipantClient> clients = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>The client of the participant named <paramref name="name"/>: the named HttpClient of that name.</summary>
    public ParticipantClient this[string name]
    {
        get
        {
            lock (gate)
            {
                if (!clients.TryGetValue(name, out var client))
                {
                    client = new ParticipantClient(factory.CreateClient(name), name, options);
                    clients[name] = client;
                }
                return client;
            }
        }
    }
}
